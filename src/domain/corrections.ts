import { and, asc, desc, eq, lt, type SQL } from "drizzle-orm";
import { reversalRequests, wishCorrections, wishes } from "../../db/schema";
import type { Principal } from "../auth/tokens";
import type { Db } from "../db/client";
import { commit, Write } from "../db/write";
import { AppError, notFound } from "../errors";
import { newId } from "../ids";
import { appendTransaction } from "../ledger/ledger";
import { assertRole, assertStaffOf, communityScope } from "./access";
import { decodeCursor, toPage, type PageQuery } from "./pagination";
import { reverseTransaction } from "./transactions";
import { wishJson } from "./wishes";
import { commitWith, type WriteCtx } from "./writes";

// Everyday corrections with a path (issue 18 §3): a wish's text or beneficiary corrected, a
// public text redacted with its reason, a reversal asked by staff and decided by another
// person, a member moved to another community, a duplicate passbook merged into the right one.

// ---- wishes ----

export const REDACTED = "（已隐去）";
export const REDACTABLE = ["title", "description", "fulfilNote", "feedback"] as const;
type Redactable = (typeof REDACTABLE)[number];
const COLUMN: Record<Redactable | "beneficiaryName" | "beneficiaryContact", string> = {
  title: "title",
  description: "description",
  fulfilNote: "fulfil_note",
  feedback: "feedback",
  beneficiaryName: "beneficiary_name",
  beneficiaryContact: "beneficiary_contact",
};

export interface WishChange {
  title?: string;
  description?: string;
  beneficiary?: { name: string; contact?: string | null };
  redact?: { field: Redactable; reason: string; replacement?: string };
}

/**
 * Staff of the wish's community (or an administrator) correct its title, description or
 * beneficiary while it is not confirmed or cancelled; a public text (title, description, the
 * fulfilment note, the feedback) can be redacted at any time, with a reason. Each changed field's
 * original is kept in wish_corrections for administrators. Compare-and-set on what was read, so
 * two corrections at once cannot both win.
 */
export async function correctWish(db: Db, actor: Principal, id: string, input: WishChange, ctx: WriteCtx) {
  assertRole(actor, "staff", "admin");
  const wish = (await db.orm.select().from(wishes).where(eq(wishes.id, id)))[0];
  if (!wish) throw notFound("Wish");
  assertStaffOf(actor, wish.communityId);
  const write = new Write();
  const updated = { ...wish };
  const record = (kind: "correction" | "redaction", field: keyof typeof COLUMN, original: string | null, replacement: string | null, reason: string | null) =>
    write.add({
      sql: "INSERT INTO wish_corrections (id, wish_id, kind, field, original, replacement, reason, by, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      args: [newId(), id, kind, field, original, replacement, reason, actor.userId, ctx.at],
    });

  if (input.redact) {
    const { field, reason } = input.redact;
    const original = wish[field];
    if (original === null || original === REDACTED) throw new AppError("conflict", `The wish has no ${field} to redact`, { field });
    const replacement = input.redact.replacement ?? REDACTED;
    write
      .add({ sql: `UPDATE wishes SET ${COLUMN[field]} = ? WHERE id = ? AND ${COLUMN[field]} = ?`, args: [replacement, id, original] })
      .expectChanged("conflict");
    record("redaction", field, original, replacement, reason);
    updated[field] = replacement;
  } else {
    if (wish.status === "confirmed" || wish.status === "cancelled") {
      throw new AppError("conflict", "A confirmed or cancelled wish is no longer corrected; a public text can still be redacted", { status: wish.status });
    }
    const changes: [keyof typeof COLUMN, string | null, string | null][] = [];
    if (input.title !== undefined && input.title !== wish.title) changes.push(["title", wish.title, input.title]);
    if (input.description !== undefined && input.description !== wish.description) changes.push(["description", wish.description, input.description]);
    if (input.beneficiary) {
      if (input.beneficiary.name !== wish.beneficiaryName) changes.push(["beneficiaryName", wish.beneficiaryName, input.beneficiary.name]);
      const contact = input.beneficiary.contact ?? null;
      if (contact !== wish.beneficiaryContact) changes.push(["beneficiaryContact", wish.beneficiaryContact, contact]);
    }
    if (!changes.length) return wishJson(wish, true);
    write
      .add({
        sql: `UPDATE wishes SET ${changes.map(([f]) => `${COLUMN[f]} = ?`).join(", ")}
              WHERE id = ? AND status NOT IN ('confirmed', 'cancelled') AND ${changes.map(([f]) => `${COLUMN[f]} IS ?`).join(" AND ")}`,
        args: [...changes.map(([, , to]) => to), id, ...changes.map(([, from]) => from)],
      })
      .expectChanged("conflict");
    for (const [field, from, to] of changes) {
      record("correction", field, from, to, null);
      (updated as Record<string, unknown>)[field] = to;
    }
  }
  return commitWith(db, write, ctx, wishJson(updated, true));
}

/** A wish's corrections and redactions with their originals and reasons: administrators only. */
export async function wishCorrectionsOf(db: Db, actor: Principal, id: string) {
  assertRole(actor, "admin");
  const [found, rows] = await db.orm.batch([
    db.orm.select({ id: wishes.id }).from(wishes).where(eq(wishes.id, id)),
    db.orm.select().from(wishCorrections).where(eq(wishCorrections.wishId, id)).orderBy(asc(wishCorrections.id)),
  ]);
  if (!found[0]) throw notFound("Wish");
  return { items: rows.map(({ wishId: _w, ...r }) => r) };
}

// ---- reversal requests (four-eyes) ----

type RequestRow = typeof reversalRequests.$inferSelect;
const requestJson = (r: RequestRow) => r;

/**
 * Staff (of the transaction's community) or an administrator ask for a transaction to be
 * reversed, with a reason; one pending request per transaction. Nothing moves until another
 * person, an administrator, approves it.
 */
export async function requestReversal(db: Db, actor: Principal, transactionId: string, reason: string, ctx: WriteCtx) {
  assertRole(actor, "staff", "admin");
  const row: RequestRow = {
    id: newId(),
    transactionId,
    communityId: null,
    reason,
    status: "pending",
    requestedBy: actor.userId,
    requestedAt: ctx.at,
    decidedBy: null,
    decidedAt: null,
    decisionNote: null,
    reversalId: null,
  };
  const write = new Write().expect("not_found", "EXISTS (SELECT 1 FROM ledger_transactions WHERE id = ?)", [transactionId]);
  if (actor.role === "staff") {
    write.expect("forbidden", "EXISTS (SELECT 1 FROM ledger_transactions WHERE id = ? AND community_id = ?)", [transactionId, actor.communityId]);
  }
  write
    .expect("already_reversed", "NOT EXISTS (SELECT 1 FROM ledger_transactions WHERE reverses_id = ?)", [transactionId])
    .expect("conflict", "NOT EXISTS (SELECT 1 FROM ledger_transactions WHERE id = ? AND reverses_id IS NOT NULL)", [transactionId])
    .add({
      sql: `INSERT INTO reversal_requests (id, transaction_id, community_id, reason, status, requested_by, requested_at)
            SELECT ?, id, community_id, ?, 'pending', ?, ? FROM ledger_transactions WHERE id = ?
            RETURNING community_id`,
      args: [row.id, reason, actor.userId, ctx.at, transactionId],
    })
    .onConstraint("reversal_requests.transaction_id", "conflict");
  const results = await commit(db, write);
  const communityId = (results[results.length - 1]!.rows[0]?.community_id as string | null) ?? null;
  return requestJson({ ...row, communityId });
}

/** The worklist: requests (pending by default), newest first; staff see their community's. */
export async function listReversalRequests(db: Db, actor: Principal, q: PageQuery & { status?: RequestRow["status"] }) {
  const scope = communityScope(actor);
  const before = decodeCursor<string>(q.cursor, "string");
  const filters: (SQL | undefined)[] = [
    eq(reversalRequests.status, q.status ?? "pending"),
    scope ? eq(reversalRequests.communityId, scope) : undefined,
    before ? lt(reversalRequests.id, before) : undefined,
  ];
  const rows = await db.orm
    .select()
    .from(reversalRequests)
    .where(and(...filters))
    .orderBy(desc(reversalRequests.id))
    .limit(q.limit + 1);
  return toPage(rows, q.limit, (r) => r.id, requestJson);
}

const PENDING = "EXISTS (SELECT 1 FROM reversal_requests WHERE transaction_id = ? AND status = 'pending')";

/**
 * An administrator other than the one who asked approves the pending request: the reversal is
 * posted and the request marked approved in the same write (409 same_person for the asker).
 */
export async function approveReversal(db: Db, actor: Principal, transactionId: string, note: string | undefined, ctx: WriteCtx) {
  assertRole(actor, "admin");
  return reverseTransaction(db, actor, transactionId, { fromRequest: true }, ctx, (write, reversalId) => {
    write
      .expect("not_found", PENDING, [transactionId])
      .expect("same_person", "NOT EXISTS (SELECT 1 FROM reversal_requests WHERE transaction_id = ? AND status = 'pending' AND requested_by = ?)", [
        transactionId,
        actor.userId,
      ])
      .add({
        sql: `UPDATE reversal_requests SET status = 'approved', decided_by = ?, decided_at = ?, decision_note = ?, reversal_id = ?
              WHERE transaction_id = ? AND status = 'pending'`,
        args: [actor.userId, ctx.at, note ?? null, reversalId, transactionId],
      });
  });
}

/** An administrator (the asker may withdraw their own) rejects the pending request; nothing moves. */
export async function rejectReversal(db: Db, actor: Principal, transactionId: string, note: string, ctx: WriteCtx) {
  assertRole(actor, "admin");
  const write = new Write()
    .expect("not_found", PENDING, [transactionId])
    .add({
      sql: `UPDATE reversal_requests SET status = 'rejected', decided_by = ?, decided_at = ?, decision_note = ?
            WHERE transaction_id = ? AND status = 'pending' RETURNING *`,
      args: [actor.userId, ctx.at, note, transactionId],
    });
  const results = await commit(db, write);
  const r = results[results.length - 1]!.rows[0]!;
  return requestJson({
    id: String(r.id),
    transactionId,
    communityId: (r.community_id as string | null) ?? null,
    reason: String(r.reason),
    status: "rejected",
    requestedBy: String(r.requested_by),
    requestedAt: String(r.requested_at),
    decidedBy: actor.userId,
    decidedAt: ctx.at,
    decisionNote: note,
    reversalId: null,
  });
}

// ---- members ----

/**
 * Moves a member to another community (staff of the member's community, or an administrator).
 * The passbook, its history, stars and earned total go with them; their login follows (and so
 * its old tokens end); the rankings of past years stay with the community they served.
 */
export async function moveMember(db: Db, actor: Principal, memberId: string, input: { communityId: string; reason?: string }, ctx: WriteCtx) {
  assertRole(actor, "staff", "admin");
  const write = new Write()
    .expect("not_found", "EXISTS (SELECT 1 FROM members WHERE id = ?)", [memberId])
    .expect("not_found", "EXISTS (SELECT 1 FROM communities WHERE id = ?)", [input.communityId]);
  if (actor.role === "staff") write.expect("forbidden", "EXISTS (SELECT 1 FROM members WHERE id = ? AND community_id = ?)", [memberId, actor.communityId]);
  write
    .expect("conflict", "NOT EXISTS (SELECT 1 FROM members WHERE id = ? AND community_id = ?)", [memberId, input.communityId])
    .add({
      sql: `INSERT INTO member_moves (id, member_id, from_community_id, to_community_id, reason, by, at)
            SELECT ?, id, community_id, ?, ?, ?, ? FROM members WHERE id = ?`,
      args: [newId(), input.communityId, input.reason ?? null, actor.userId, ctx.at, memberId],
    })
    .add({ sql: "UPDATE members SET community_id = ? WHERE id = ?", args: [input.communityId, memberId] })
    .add({ sql: "UPDATE users SET community_id = ? WHERE member_id = ?", args: [input.communityId, memberId] })
    .add({ sql: "SELECT * FROM members WHERE id = ?", args: [memberId] });
  const results = await commit(db, write);
  const m = results[results.length - 1]!.rows[0]!;
  return { id: String(m.id), communityId: String(m.community_id), passbookNo: String(m.passbook_no), earnedTotal: Number(m.earned_total), stars: Number(m.stars) };
}

/**
 * Merges a duplicate passbook into this one (staff of both members' community, or an
 * administrator): the duplicate's balance moves to this passbook in one ledger transaction
 * (kind passbook_merge, not an earning: no ranking moves), its earned total is added here (the
 * same person earned it; the stars follow at the next credit), its login is disabled, and it is
 * closed — both histories stay readable.
 */
export async function mergePassbook(db: Db, actor: Principal, intoId: string, input: { duplicateMemberId: string; reason?: string }, ctx: WriteCtx) {
  assertRole(actor, "staff", "admin");
  if (input.duplicateMemberId === intoId) throw new AppError("validation_failed", "A passbook is not merged into itself", { field: "duplicateMemberId" });
  // Both passbooks with the duplicate's balance in one read; the write checks that balance again.
  const res = await db.client.execute({
    sql: `SELECT m.id, m.community_id, m.account_id, m.passbook_no, m.earned_total, a.balance
          FROM members m JOIN accounts a ON a.id = m.account_id WHERE m.id IN (?, ?)`,
    args: [intoId, input.duplicateMemberId],
  });
  const rows = res.rows.map((r) => ({
    id: String(r.id),
    communityId: String(r.community_id),
    accountId: String(r.account_id),
    passbookNo: String(r.passbook_no),
    earnedTotal: Number(r.earned_total),
    balance: Number(r.balance),
  }));
  const into = rows.find((r) => r.id === intoId);
  const dup = rows.find((r) => r.id === input.duplicateMemberId);
  if (!into || !dup) throw notFound("Member");
  assertStaffOf(actor, into.communityId);
  assertStaffOf(actor, dup.communityId);
  const points = dup.balance;
  const transactionId = points > 0 ? newId() : null;
  const write = new Write()
    .onConstraint("passbook_merges.duplicate_member_id", "conflict")
    .add({
      sql: `INSERT INTO passbook_merges (duplicate_member_id, into_member_id, points, earned_total, transaction_id, reason, by, at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      args: [dup.id, into.id, points, dup.earnedTotal, transactionId, input.reason ?? null, actor.userId, ctx.at],
    })
    // the duplicate was not itself merged into: a chain of merges is made one at a time
    .expect("conflict", "NOT EXISTS (SELECT 1 FROM passbook_merges WHERE duplicate_member_id = ?)", [into.id])
    // the balance read is the balance moved: a credit in between fails the write (409, try again)
    .expect("conflict", "(SELECT balance FROM accounts WHERE id = ?) = ?", [dup.accountId, points]);
  if (transactionId) {
    appendTransaction(write, {
      id: transactionId,
      kind: "passbook_merge",
      at: ctx.at,
      memo: `合并重复存折 ${dup.passbookNo} → ${into.passbookNo}`,
      communityId: into.communityId,
      refType: "passbook_merge",
      refId: dup.id,
      createdBy: actor.userId,
      postings: [
        { accountId: dup.accountId, asset: "PTS", amount: -points },
        { accountId: into.accountId, asset: "PTS", amount: points },
      ],
    });
  }
  write
    .add({ sql: "UPDATE members SET earned_total = earned_total + ? WHERE id = ?", args: [dup.earnedTotal, into.id] })
    .add({ sql: "UPDATE users SET disabled_at = COALESCE(disabled_at, ?) WHERE member_id = ?", args: [ctx.at, dup.id] });
  return commitWith(db, write, ctx, {
    into: { id: into.id, passbookNo: into.passbookNo },
    duplicate: { id: dup.id, passbookNo: dup.passbookNo, closed: true as const },
    points,
    earnedTotal: dup.earnedTotal,
    transactionId,
  });
}
