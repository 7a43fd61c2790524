import { eq } from "drizzle-orm";
import { members } from "../../db/schema";
import type { Principal } from "../auth/tokens";
import type { Db } from "../db/client";
import { Write } from "../db/write";
import { AppError, forbidden, notFound } from "../errors";
import { newId } from "../ids";
import { accounts } from "../ledger/accounts";
import { appendTransaction } from "../ledger/ledger";
import { assertSelfOrStaffOf, assertStaffOf } from "./access";
import { storageCap } from "./points";
import { ruleInForce, ruleVersionsQuery, toRules } from "./rules";
import type { BeneficiaryGroup } from "../vocabulary";
import { commitWith, type WriteCtx } from "./writes";

// Points that move between people (issue 15). A gift moves points from one passbook to another
// passbook or to the common wish pool (爱心池); a grant moves pooled points to a member in need.
// Neither is earned: no earned total, no stars, no ranking change, on either side. The pool's
// balance can never go below zero (a CHECK, like a passbook's), so two grants racing for the
// last points give one success.
//
//   gift       passbook → passbook (above the recipient's storage cap: → wish pool)
//   pool_gift  passbook → points:wish_pool
//   pool_grant points:wish_pool → passbook

export type TransferTarget = { memberId: string } | { pool: "wish" };

export interface NewTransfer {
  fromMemberId: string;
  to: TransferTarget;
  points: number;
  memo?: string;
}

const memberQuery = (db: Db, id: string) =>
  db.orm
    .select({ id: members.id, communityId: members.communityId, accountId: members.accountId, passbookNo: members.passbookNo })
    .from(members)
    .where(eq(members.id, id));

/**
 * Records that `memberId`'s transaction was written by someone other than the member (staff at
 * the counter, or a guardian), in the same write; the passbook shows it on the entry.
 */
export function recordOnBehalf(write: Write, transactionId: string, actor: Principal, memberId: string, guardianMemberId?: string | null) {
  if (actor.role === "member" && actor.memberId === memberId) return;
  write.add({
    sql: "INSERT INTO on_behalf (transaction_id, member_id, by_user_id, by_guardian_member_id) VALUES (?, ?, ?, ?)",
    args: [transactionId, memberId, actor.userId, guardianMemberId ?? null],
  });
}

/** A gift of points in one write: the sender's balance is checked by the database (409 insufficient_points). */
export async function createTransfer(db: Db, actor: Principal, input: NewTransfer, ctx: WriteCtx) {
  const { at } = ctx;
  const toMemberId = "memberId" in input.to ? input.to.memberId : null;
  if (toMemberId === input.fromMemberId) {
    throw new AppError("validation_failed", "A passbook cannot give to itself", { field: "to.memberId" });
  }
  const [[from], [toRow], ruleRows] = await db.orm.batch([
    memberQuery(db, input.fromMemberId),
    memberQuery(db, toMemberId ?? ""),
    ruleVersionsQuery(db),
  ]);
  if (!from) throw notFound("Member");
  if (actor.role === "member" && actor.memberId !== from.id) throw forbidden("A member gives only from their own passbook");
  assertSelfOrStaffOf(actor, from);
  const to = toMemberId ? toRow : null;
  if (toMemberId && !to) throw notFound("Recipient member");
  const rules = ruleInForce(toRules(ruleRows), at);

  const id = newId();
  const transactionId = newId();
  const write = new Write().onConstraint("balance_non_negative", "insufficient_points");
  appendTransaction(write, {
    id: transactionId,
    kind: to ? "gift" : "pool_gift",
    at,
    memo: to ? `赠与 ${to.passbookNo}` + (input.memo ? `：${input.memo}` : "") : "捐入爱心池" + (input.memo ? `：${input.memo}` : ""),
    communityId: from.communityId,
    refType: "transfer",
    refId: id,
    createdBy: actor.userId,
    postings: [
      { accountId: from.accountId, asset: "PTS", amount: -input.points },
      to
        ? { accountId: to.accountId, asset: "PTS", amount: input.points, cap: storageCap(rules) }
        : { accountId: accounts.wishPool, asset: "PTS", amount: input.points },
    ],
  });
  write.add({
    sql: `INSERT INTO transfers (id, from_member_id, to_member_id, points, memo, transaction_id, at, created_by)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    args: [id, from.id, to?.id ?? null, input.points, input.memo ?? null, transactionId, at, actor.userId],
  });
  recordOnBehalf(write, transactionId, actor, from.id);
  const body = {
    id,
    transactionId,
    fromMemberId: from.id,
    to: to ? { memberId: to.id, passbookNo: to.passbookNo } : { pool: "wish" as const },
    points: input.points,
    memo: input.memo ?? null,
    at,
  };
  return commitWith(db, write, ctx, body);
}

export interface NewGrant {
  memberId: string;
  points: number;
  reason: string;
  beneficiaryGroup?: BeneficiaryGroup;
}

/** Staff of the member's community (or admin) grant pooled points; 409 insufficient_points when the pool holds too few. */
export async function grantFromPool(db: Db, actor: Principal, input: NewGrant, ctx: WriteCtx) {
  const { at } = ctx;
  const [[member], ruleRows] = await db.orm.batch([memberQuery(db, input.memberId), ruleVersionsQuery(db)]);
  if (!member) throw notFound("Member");
  assertStaffOf(actor, member.communityId);
  const rules = ruleInForce(toRules(ruleRows), at);
  const id = newId();
  const transactionId = newId();
  const group = input.beneficiaryGroup ?? "other";
  const write = new Write().onConstraint("balance_non_negative", "insufficient_points");
  appendTransaction(write, {
    id: transactionId,
    kind: "pool_grant",
    at,
    memo: `爱心池帮扶：${input.reason}`,
    communityId: member.communityId,
    refType: "pool_grant",
    refId: id,
    createdBy: actor.userId,
    postings: [
      { accountId: accounts.wishPool, asset: "PTS", amount: -input.points },
      { accountId: member.accountId, asset: "PTS", amount: input.points, cap: storageCap(rules) },
    ],
  });
  write.add({
    sql: `INSERT INTO pool_grants (id, member_id, community_id, beneficiary_group, points, reason, transaction_id, at, created_by)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    args: [id, member.id, member.communityId, group, input.points, input.reason, transactionId, at, actor.userId],
  });
  const body = { id, transactionId, memberId: member.id, points: input.points, reason: input.reason, beneficiaryGroup: group, at };
  try {
    return await commitWith(db, write, ctx, body);
  } catch (err) {
    if (err instanceof AppError && err.code === "insufficient_points") {
      throw new AppError("insufficient_points", "The wish pool does not hold enough points");
    }
    throw err;
  }
}

/**
 * The pool as the public sees it: its balance, what came in by kind (gifts, storage-cap
 * overflow), what was granted, and the latest grants by community and group only (never the
 * member). Reversed movements count under the kind they reversed, with opposite sign.
 */
export async function wishPoolFigures(db: Db, limit = 20) {
  const [balanceRes, flowRes, grantsRes] = await db.client.batch(
    [
      { sql: "SELECT balance FROM accounts WHERE id = ?", args: [accounts.wishPool] },
      {
        sql: `SELECT COALESCE(o.kind, t.kind) AS kind, SUM(p.amount) AS amount
              FROM postings p JOIN ledger_transactions t ON t.id = p.transaction_id
              LEFT JOIN ledger_transactions o ON o.id = t.reverses_id
              WHERE p.account_id = ? GROUP BY 1`,
        args: [accounts.wishPool],
      },
      {
        sql: `SELECT g.at, g.community_id, c.name AS community_name, g.beneficiary_group, g.points,
                     EXISTS (SELECT 1 FROM ledger_transactions r WHERE r.reverses_id = g.transaction_id) AS reversed
              FROM pool_grants g JOIN communities c ON c.id = g.community_id
              ORDER BY g.at DESC, g.id DESC LIMIT ?`,
        args: [limit],
      },
    ],
    "read",
  );
  const flows = new Map(flowRes!.rows.map((r) => [String(r.kind), Number(r.amount)]));
  const giftsIn = flows.get("pool_gift") ?? 0;
  const granted = -(flows.get("pool_grant") ?? 0);
  const overflow = [...flows].filter(([k]) => k !== "pool_gift" && k !== "pool_grant").reduce((s, [, v]) => s + v, 0);
  return {
    balance: Number(balanceRes!.rows[0]!.balance),
    income: { gifts: giftsIn, aboveCap: overflow, total: giftsIn + overflow },
    granted,
    grants: grantsRes!.rows.map((r) => ({
      at: String(r.at),
      communityId: String(r.community_id),
      communityName: String(r.community_name),
      beneficiaryGroup: String(r.beneficiary_group) as BeneficiaryGroup,
      points: Number(r.points),
      reversed: Boolean(r.reversed),
    })),
  };
}
