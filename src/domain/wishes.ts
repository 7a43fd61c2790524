import { and, desc, eq, lt, or, type SQL } from "drizzle-orm";
import { members, users, wishEvents, wishes } from "../../db/schema";
import type { Principal } from "../auth/tokens";
import { DAY_MS } from "../clock";
import type { Db } from "../db/client";
import { jsonObject, sql, type Sql, type Val } from "../db/sql";
import { commit, Write } from "../db/write";
import { AppError, forbidden, notFound } from "../errors";
import { newId } from "../ids";
import { assertRole, assertStaffOf, STAFF_ONLY } from "./access";
import { decodeCursor, toPage, type PageQuery } from "./pagination";
import { earnPoints } from "./points";
import { ruleInForce } from "./rules";
import { rulesUnchanged, withCachedRules } from "./rule-cache";
import { bump, commitReplying, commitWith, communityOfWrite, dayOf, type WriteCtx } from "./writes";
import type { BeneficiaryGroup, WishKind, WishStatus } from "../vocabulary";

// Micro-wishes (微心愿): open → claimed → fulfilled → confirmed, or open → cancelled; a claim can be
// released back to open. Every state change is a conditional UPDATE checked inside the write, so
// two requests racing on one wish are decided by the database, and a double confirm credits once.


export type WishRow = typeof wishes.$inferSelect;
type MemberRow = typeof members.$inferSelect;

export interface NewWish {
  communityId?: string;
  title: string;
  description: string;
  kind: WishKind;
  estimatedValueFen?: number;
  beneficiaryGroup: BeneficiaryGroup;
  beneficiary: { name: string; contact?: string };
  deadline?: string;
}

/** Staff of the wish's community and administrators see the beneficiary; members never do. */
const seesBeneficiary = (actor: Principal) => actor.role === "admin" || actor.role === "staff";

export function wishJson(w: WishRow, withBeneficiary: boolean) {
  return {
    id: w.id,
    communityId: w.communityId,
    title: w.title,
    description: w.description,
    kind: w.kind,
    estimatedValueFen: w.estimatedValueFen,
    beneficiaryGroup: w.beneficiaryGroup,
    beneficiary: withBeneficiary ? { name: w.beneficiaryName, contact: w.beneficiaryContact } : null,
    deadline: w.deadline,
    status: w.status,
    claimedBy: w.claimedBy,
    claimedAt: w.claimedAt,
    claimDeadline: w.claimDeadline,
    fulfilledAt: w.fulfilledAt,
    fulfilNote: w.fulfilNote,
    goodsValueFen: w.goodsValueFen,
    confirmedAt: w.confirmedAt,
    satisfaction: w.satisfaction,
    feedback: w.feedback,
    pointsAwarded: w.pointsAwarded,
    transactionId: w.transactionId,
    createdAt: w.createdAt,
  };
}

function addEvent(write: Write, wishId: string, from: WishStatus | null, to: WishStatus, actor: string, at: string, note: Val = null) {
  write.add(sql`INSERT INTO wish_events (id, wish_id, from_status, to_status, actor_user_id, at, note) VALUES (${newId()}, ${wishId}, ${from}, ${to}, ${actor}, ${at}, ${note})`);
}

export async function createWish(db: Db, actor: Principal, input: NewWish, ctx: WriteCtx) {
  const communityId = communityOfWrite(actor, input.communityId);
  const deadline = input.deadline?.length === 10 ? dayOf(ctx).endOf(input.deadline) : input.deadline;
  if (deadline !== undefined && deadline <= ctx.at) {
    throw new AppError("validation_failed", "The deadline must be in the future", { field: "deadline" });
  }
  const row: WishRow = {
    id: newId(),
    communityId,
    title: input.title,
    description: input.description,
    kind: input.kind,
    estimatedValueFen: input.estimatedValueFen ?? null,
    beneficiaryGroup: input.beneficiaryGroup,
    beneficiaryName: input.beneficiary.name,
    beneficiaryContact: input.beneficiary.contact ?? null,
    deadline: deadline ?? null,
    status: "open",
    claimedBy: null,
    claimedAt: null,
    claimDeadline: null,
    fulfilledAt: null,
    fulfilNote: null,
    goodsValueFen: null,
    confirmedAt: null,
    satisfaction: null,
    feedback: null,
    pointsAwarded: null,
    transactionId: null,
    createdBy: actor.userId,
    createdAt: ctx.at,
  };
  const write = new Write()
    .expect("not_found", "EXISTS (SELECT 1 FROM communities WHERE id = ?)", [communityId])
    .add(db.orm.insert(wishes).values(row));
  addEvent(write, row.id, null, "open", actor.userId, ctx.at);
  bump(write, "wishes_collected");
  return commitWith(db, write, ctx, wishJson(row, true));
}

// Every step of a wish is one round-trip: what it depends on (the wish, the member acting or
// claiming, the rule version in force) is read by the database inside the write as guards and
// expressions, in the order a read would have refused, and the reply is built there too.

/** The wish's columns as expressions, and the first guards of every step: it exists, the caller may act on it. */
function wishGuards(write: Write, actor: Principal, id: string) {
  const col = (column: string): Sql => ({ sql: `SELECT ${column} FROM wishes WHERE id = ?`, args: [id] });
  write.expect("not_found", sql`EXISTS ${col("1")}`, [], notFound("Wish").message);
  // Members act only on wishes of their own community; staff only in theirs; others never.
  if (actor.role === "member") {
    write.expect("forbidden", sql`(SELECT community_id FROM members WHERE id = ${actor.memberId ?? ""}) = (${col("community_id")})`, [], {
      message: "Members act only on wishes of their own community",
    });
  } else if (actor.role === "staff") {
    write.expect("forbidden", sql`(${col("community_id")}) = ${actor.communityId}`, [], { message: STAFF_ONLY });
  } else if (actor.role !== "admin") {
    write.expect("forbidden", "0", [], { message: STAFF_ONLY });
  }
  return col;
}

/** The wish's JSON (as wishJson gives it) built by the database from its row as the write left it. */
function wishReply(id: string, withBeneficiary: boolean, extra: Record<string, Val> = {}): Sql {
  const c = (column: string): Sql => ({ sql: column, args: [] });
  const json = jsonObject({
    id: c("id"),
    communityId: c("community_id"),
    title: c("title"),
    description: c("description"),
    kind: c("kind"),
    estimatedValueFen: c("estimated_value_fen"),
    beneficiaryGroup: c("beneficiary_group"),
    beneficiary: c(withBeneficiary ? "json_object('name', beneficiary_name, 'contact', beneficiary_contact)" : "NULL"),
    deadline: c("deadline"),
    status: c("status"),
    claimedBy: c("claimed_by"),
    claimedAt: c("claimed_at"),
    claimDeadline: c("claim_deadline"),
    fulfilledAt: c("fulfilled_at"),
    fulfilNote: c("fulfil_note"),
    goodsValueFen: c("goods_value_fen"),
    confirmedAt: c("confirmed_at"),
    satisfaction: c("satisfaction"),
    feedback: c("feedback"),
    pointsAwarded: c("points_awarded"),
    transactionId: c("transaction_id"),
    createdAt: c("created_at"),
    ...extra,
  });
  return { sql: `${json.sql} FROM wishes WHERE id = ?`, args: [...json.args, id] };
}

type WishJson = ReturnType<typeof wishJson>;

export async function claimWish(db: Db, actor: Principal, id: string, input: { memberId?: string }, ctx: WriteCtx & { claimDays: number }) {
  let memberId: string;
  if (actor.role === "member") {
    if (input.memberId !== undefined && input.memberId !== actor.memberId) throw forbidden("A member claims wishes only for themselves");
    memberId = actor.memberId!;
  } else {
    assertRole(actor, "staff", "admin");
    if (!input.memberId) throw new AppError("validation_failed", "Staff claim on behalf of a member: send memberId", { field: "memberId" });
    memberId = input.memberId;
  }
  const write = new Write();
  const col = wishGuards(write, actor, id);
  const member = (column: string): Sql => ({ sql: `SELECT ${column} FROM members WHERE id = ?`, args: [memberId] });
  write
    .expect("not_found", sql`EXISTS ${member("1")}`, [], notFound("Member").message)
    .expect("forbidden", sql`(${member("community_id")}) = (${col("community_id")})`, [], { message: "A wish is claimed by a member of its own community" })
    .expect("wish_not_open", sql`(${col("deadline")}) IS NULL OR (${col("deadline")}) > ${ctx.at}`, [], "The wish's own deadline has passed");
  // A claim never outlives the wish: the claimer's days end at the wish's own deadline.
  const byClaimDays = new Date(new Date(ctx.at).getTime() + ctx.claimDays * DAY_MS).toISOString();
  write
    .add(
      sql`UPDATE wishes SET status = 'claimed', claimed_by = ${memberId}, claimed_at = ${ctx.at},
            claim_deadline = CASE WHEN deadline IS NOT NULL AND deadline < ${byClaimDays} THEN deadline ELSE ${byClaimDays} END
          WHERE id = ${id} AND status = 'open'`,
    )
    .expectChanged("wish_not_open");
  addEvent(write, id, "open", "claimed", actor.userId, ctx.at, sql`'claimed by ' || (${member("passbook_no")})`);
  return commitReplying<WishJson>(db, write, ctx, wishReply(id, seesBeneficiary(actor)));
}

/**
 * The claimer's (or staff's) step out of "claimed": release back to open, or fulfil. Guards in the
 * write: the wish is claimed, and for a member, claimed by them.
 */
async function leaveClaimed(
  db: Db,
  actor: Principal,
  id: string,
  ctx: WriteCtx,
  step: { to: "open" | "fulfilled"; set: string; args: (string | number | null)[]; note: string | null },
) {
  const write = new Write();
  wishGuards(write, actor, id);
  write.expect("wish_not_claimed", "EXISTS (SELECT 1 FROM wishes WHERE id = ? AND status = 'claimed')", [id]);
  if (actor.role === "member") {
    write.expect("claim_not_yours", "EXISTS (SELECT 1 FROM wishes WHERE id = ? AND claimed_by = ?)", [id, actor.memberId]);
  }
  write.add({ sql: `UPDATE wishes SET ${step.set} WHERE id = ? AND status = 'claimed'`, args: [...step.args, id] }).expectChanged("wish_not_claimed");
  addEvent(write, id, "claimed", step.to, actor.userId, ctx.at, step.note);
  if (step.to === "fulfilled") bump(write, "wishes_fulfilled");
  return commitReplying<WishJson>(db, write, ctx, wishReply(id, seesBeneficiary(actor)));
}

export function releaseWish(db: Db, actor: Principal, id: string, ctx: WriteCtx) {
  return leaveClaimed(db, actor, id, ctx, {
    to: "open",
    set: "status = 'open', claimed_by = NULL, claimed_at = NULL, claim_deadline = NULL",
    args: [],
    note: "claim released",
  });
}

export function fulfilWish(db: Db, actor: Principal, id: string, input: { note?: string; goodsValueFen?: number }, ctx: WriteCtx) {
  return leaveClaimed(db, actor, id, ctx, {
    to: "fulfilled",
    set: "status = 'fulfilled', fulfilled_at = ?, fulfil_note = ?, goods_value_fen = ?",
    args: [ctx.at, input.note ?? null, input.goodsValueFen ?? null],
    note: input.note ?? null,
  });
}

export async function cancelWish(db: Db, actor: Principal, id: string, input: { reason?: string }, ctx: WriteCtx) {
  assertRole(actor, "staff", "admin");
  const write = new Write();
  wishGuards(write, actor, id);
  write.add({ sql: "UPDATE wishes SET status = 'cancelled' WHERE id = ? AND status = 'open'", args: [id] }).expectChanged("wish_not_open");
  addEvent(write, id, "open", "cancelled", actor.userId, ctx.at, input.reason ?? null);
  return commitReplying<WishJson>(db, write, ctx, wishReply(id, true));
}

/**
 * Staff confirm a fulfilled wish after the follow-up visit: the satisfaction score is recorded and
 * the claimer is credited the points of the rule version in force now (from the isolate's cached
 * versions, guarded), in the same write. The UPDATE … WHERE status = 'fulfilled' guard comes
 * first, so a second confirm aborts before crediting.
 */
export async function confirmWish(db: Db, actor: Principal, id: string, input: { satisfaction: number; feedback?: string }, ctx: WriteCtx) {
  assertRole(actor, "staff", "admin");
  return withCachedRules(db, (rules) => {
    const rule = ruleInForce(rules, ctx.at);
    const points = rule.pointsPerWishFulfilled;
    const transactionId = points > 0 ? newId() : null;
    const write = new Write();
    rulesUnchanged(write, rules);
    const col = wishGuards(write, actor, id);
    write
      .add(
        sql`UPDATE wishes SET status = 'confirmed', confirmed_at = ${ctx.at}, satisfaction = ${input.satisfaction}, feedback = ${input.feedback ?? null},
              points_awarded = ${points}, transaction_id = ${transactionId}
            WHERE id = ${id} AND status = 'fulfilled' AND claimed_by IS NOT NULL`,
      )
      .expectChanged("wish_not_fulfilled");
    if (transactionId) {
      const claimer = (column: string): Sql => sql`SELECT ${{ sql: column, args: [] }} FROM members WHERE id = (${col("claimed_by")})`;
      earnPoints(write, {
        transactionId,
        member: { id: col("claimed_by"), accountId: claimer("account_id"), communityId: claimer("community_id") },
        points,
        at: ctx.at,
        year: Number(ctx.at.slice(0, 4)),
        kind: "wish_confirmed",
        memo: sql`'微心愿：' || (${col("title")})`,
        rules: rule,
        refType: "wish",
        refId: id,
        createdBy: actor.userId,
      });
    }
    addEvent(write, id, "fulfilled", "confirmed", actor.userId, ctx.at, `satisfaction ${input.satisfaction}`);
    bump(write, "wishes_confirmed");
    return commitReplying<WishJson & { ruleVersion: number }>(db, write, ctx, wishReply(id, true, { ruleVersion: rule.version }));
  });
}

/** A member sees open wishes of their community and the ones they claimed; never the beneficiary. */
function memberMaySee(actor: Principal, wish: WishRow) {
  return actor.communityId === wish.communityId && (wish.status === "open" || wish.claimedBy === actor.memberId);
}

export async function getWish(db: Db, actor: Principal, id: string) {
  const [wishRows, eventRows] = await db.orm.batch([
    db.orm.select().from(wishes).where(eq(wishes.id, id)),
    db.orm
      .select({ event: wishEvents, username: users.username, role: users.role })
      .from(wishEvents)
      .leftJoin(users, eq(users.id, wishEvents.actorUserId))
      .where(eq(wishEvents.wishId, id))
      .orderBy(wishEvents.id),
  ]);
  const wish = wishRows[0];
  if (!wish) throw notFound("Wish");
  if (actor.role === "member") {
    if (!memberMaySee(actor, wish)) throw forbidden("Members see open wishes of their own community and their own claims");
  } else {
    assertStaffOf(actor, wish.communityId);
  }
  return {
    ...wishJson(wish, seesBeneficiary(actor)),
    events: eventRows.map(({ event: e, username, role }) => {
      // A member reads the history of a wish others claimed before: who did what is shown by
      // role only, and notes (which name passbooks and members) only for their own steps.
      const mine = e.actorUserId === actor.userId;
      const hidden = actor.role === "member" && !mine;
      return {
        fromStatus: e.fromStatus,
        toStatus: e.toStatus,
        actorUserId: hidden ? null : e.actorUserId,
        actor: e.actorUserId === SYSTEM_ACTOR ? SYSTEM_ACTOR : hidden ? (role ?? "member") : username,
        at: e.at,
        note: hidden ? null : e.note,
      };
    }),
  };
}

export async function listWishes(db: Db, actor: Principal, q: PageQuery & { status?: WishStatus; communityId?: string }) {
  const before = decodeCursor<string>(q.cursor, "string");
  const filters: (SQL | undefined)[] = [q.status ? eq(wishes.status, q.status) : undefined, before ? lt(wishes.id, before) : undefined];
  if (actor.role === "member") {
    filters.push(eq(wishes.communityId, actor.communityId ?? ""), or(eq(wishes.status, "open"), eq(wishes.claimedBy, actor.memberId ?? "")));
  } else if (actor.role === "staff") {
    filters.push(eq(wishes.communityId, actor.communityId ?? ""));
  } else {
    assertRole(actor, "admin");
    if (q.communityId) filters.push(eq(wishes.communityId, q.communityId));
  }
  // The claimer's name and passbook number come along, so a list reads as people, not ids.
  const rows = await db.orm
    .select({ wish: wishes, claimerName: members.name, claimerPassbookNo: members.passbookNo })
    .from(wishes)
    .leftJoin(members, eq(members.id, wishes.claimedBy))
    .where(and(...filters))
    .orderBy(desc(wishes.id))
    .limit(q.limit + 1);
  return toPage(rows, q.limit, (r) => r.wish.id, (r) => ({
    ...wishJson(r.wish, seesBeneficiary(actor)),
    claimedByName: r.claimerName,
    claimedByPassbookNo: r.claimerPassbookNo,
  }));
}

export const SYSTEM_ACTOR = "system";

/**
 * Scheduled: claims whose deadline has passed go back to open, each with a history row by "system".
 * Safe to run twice or concurrently: each release is a conditional UPDATE, and its history row is
 * written only when that UPDATE changed the wish.
 */
export async function releaseOverdueClaims(db: Db, at: string, batchSize = 200): Promise<number> {
  let released = 0;
  for (;;) {
    const due = await db.client.execute({
      sql: "SELECT id, claimed_by FROM wishes WHERE status = 'claimed' AND claim_deadline < ? ORDER BY claim_deadline LIMIT ?",
      args: [at, batchSize],
    });
    if (!due.rows.length) return released;
    const write = new Write();
    for (const row of due.rows) {
      write
        .add({
          sql: `UPDATE wishes SET status = 'open', claimed_by = NULL, claimed_at = NULL, claim_deadline = NULL
                WHERE id = ? AND status = 'claimed' AND claim_deadline < ?`,
          args: [String(row.id), at],
        })
        .add({
          sql: `INSERT INTO wish_events (id, wish_id, from_status, to_status, actor_user_id, at, note)
                SELECT ?, ?, 'claimed', 'open', ?, ?, ? WHERE changes() > 0`,
          args: [newId(), String(row.id), SYSTEM_ACTOR, at, `claim deadline passed; released from member ${String(row.claimed_by)}`],
        });
    }
    const results = await commit(db, write);
    released += results.filter((_, i) => i % 2 === 1).reduce((n, r) => n + r.rowsAffected, 0);
    if (due.rows.length < batchSize) return released;
  }
}
