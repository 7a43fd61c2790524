import { and, desc, eq, lt, or, type SQL } from "drizzle-orm";
import { members, users, wishEvents, wishes } from "../../db/schema";
import type { Principal } from "../auth/tokens";
import { DAY_MS } from "../clock";
import type { Db } from "../db/client";
import { commit, Write } from "../db/write";
import { AppError, forbidden, notFound } from "../errors";
import { newId } from "../ids";
import { assertRole, assertStaffOf } from "./access";
import { decodeCursor, toPage, type PageQuery } from "./pagination";
import { earnPoints } from "./points";
import { ruleInForce, ruleVersionsQuery, toRules } from "./rules";
import { bump, commitWith, communityOfWrite, dayOf, type WriteCtx } from "./writes";
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

function addEvent(write: Write, wishId: string, from: WishStatus | null, to: WishStatus, actor: string, at: string, note: string | null = null) {
  write.add({
    sql: "INSERT INTO wish_events (id, wish_id, from_status, to_status, actor_user_id, at, note) VALUES (?, ?, ?, ?, ?, ?, ?)",
    args: [newId(), wishId, from, to, actor, at, note],
  });
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

/** One read round-trip: the wish, its claimer, the acting member (if any) and the rules. */
async function load(db: Db, id: string, memberId: string | null) {
  const [wishRows, memberRows, ruleRows] = await db.orm.batch([
    db.orm.select({ wish: wishes, claimer: members }).from(wishes).leftJoin(members, eq(members.id, wishes.claimedBy)).where(eq(wishes.id, id)),
    db.orm.select().from(members).where(eq(members.id, memberId ?? "")),
    ruleVersionsQuery(db),
  ]);
  const found = wishRows[0];
  if (!found) throw notFound("Wish");
  return { wish: found.wish, claimer: found.claimer, member: memberRows[0], rules: toRules(ruleRows) };
}

/** Members act only on wishes of their own community; staff only in theirs; others never. */
function assertMayAct(actor: Principal, wish: WishRow, actingMember: MemberRow | undefined) {
  if (actor.role === "member") {
    if (!actingMember || actingMember.communityId !== wish.communityId) throw forbidden("Members act only on wishes of their own community");
    return;
  }
  assertStaffOf(actor, wish.communityId);
}

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
  const { wish, member } = await load(db, id, memberId);
  assertMayAct(actor, wish, actor.role === "member" ? member : undefined);
  if (!member) throw notFound("Member");
  if (member.communityId !== wish.communityId) throw forbidden("A wish is claimed by a member of its own community");
  if (wish.deadline !== null && wish.deadline <= ctx.at) throw new AppError("wish_not_open", "The wish's own deadline has passed");
  // A claim never outlives the wish: the claimer's days end at the wish's own deadline.
  const byClaimDays = new Date(new Date(ctx.at).getTime() + ctx.claimDays * DAY_MS).toISOString();
  const claimDeadline = wish.deadline !== null && wish.deadline < byClaimDays ? wish.deadline : byClaimDays;
  const write = new Write()
    .add({
      sql: `UPDATE wishes SET status = 'claimed', claimed_by = ?, claimed_at = ?, claim_deadline = ?
            WHERE id = ? AND status = 'open'`,
      args: [member.id, ctx.at, claimDeadline, id],
    })
    .expectChanged("wish_not_open");
  addEvent(write, id, "open", "claimed", actor.userId, ctx.at, `claimed by ${member.passbookNo}`);
  const updated: WishRow = { ...wish, status: "claimed", claimedBy: member.id, claimedAt: ctx.at, claimDeadline };
  return commitWith(db, write, ctx, wishJson(updated, seesBeneficiary(actor)));
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
  step: { to: "open" | "fulfilled"; set: string; args: (string | number | null)[]; change: Partial<WishRow>; note: string | null },
) {
  const { wish, member } = await load(db, id, actor.memberId);
  assertMayAct(actor, wish, member);
  const write = new Write().expect("wish_not_claimed", "EXISTS (SELECT 1 FROM wishes WHERE id = ? AND status = 'claimed')", [id]);
  if (actor.role === "member") {
    write.expect("claim_not_yours", "EXISTS (SELECT 1 FROM wishes WHERE id = ? AND claimed_by = ?)", [id, actor.memberId]);
  }
  write.add({ sql: `UPDATE wishes SET ${step.set} WHERE id = ? AND status = 'claimed'`, args: [...step.args, id] }).expectChanged("wish_not_claimed");
  addEvent(write, id, "claimed", step.to, actor.userId, ctx.at, step.note);
  if (step.to === "fulfilled") bump(write, "wishes_fulfilled");
  return commitWith(db, write, ctx, wishJson({ ...wish, ...step.change, status: step.to }, seesBeneficiary(actor)));
}

export function releaseWish(db: Db, actor: Principal, id: string, ctx: WriteCtx) {
  return leaveClaimed(db, actor, id, ctx, {
    to: "open",
    set: "status = 'open', claimed_by = NULL, claimed_at = NULL, claim_deadline = NULL",
    args: [],
    change: { claimedBy: null, claimedAt: null, claimDeadline: null },
    note: "claim released",
  });
}

export function fulfilWish(db: Db, actor: Principal, id: string, input: { note?: string; goodsValueFen?: number }, ctx: WriteCtx) {
  const change = { fulfilledAt: ctx.at, fulfilNote: input.note ?? null, goodsValueFen: input.goodsValueFen ?? null };
  return leaveClaimed(db, actor, id, ctx, {
    to: "fulfilled",
    set: "status = 'fulfilled', fulfilled_at = ?, fulfil_note = ?, goods_value_fen = ?",
    args: [change.fulfilledAt, change.fulfilNote, change.goodsValueFen],
    change,
    note: change.fulfilNote,
  });
}

export async function cancelWish(db: Db, actor: Principal, id: string, input: { reason?: string }, ctx: WriteCtx) {
  assertRole(actor, "staff", "admin");
  const { wish } = await load(db, id, null);
  assertStaffOf(actor, wish.communityId);
  const write = new Write()
    .add({ sql: "UPDATE wishes SET status = 'cancelled' WHERE id = ? AND status = 'open'", args: [id] })
    .expectChanged("wish_not_open");
  addEvent(write, id, "open", "cancelled", actor.userId, ctx.at, input.reason ?? null);
  return commitWith(db, write, ctx, wishJson({ ...wish, status: "cancelled" }, true));
}

/**
 * Staff confirm a fulfilled wish after the follow-up visit: the satisfaction score is recorded and
 * the claimer is credited the points of the rule version in force now, in the same write. The
 * UPDATE … WHERE status = 'fulfilled' guard comes first, so a second confirm aborts before crediting.
 */
export async function confirmWish(db: Db, actor: Principal, id: string, input: { satisfaction: number; feedback?: string }, ctx: WriteCtx) {
  assertRole(actor, "staff", "admin");
  const { wish, claimer, rules } = await load(db, id, null);
  assertStaffOf(actor, wish.communityId);
  if (wish.status !== "fulfilled" || !claimer) throw new AppError("wish_not_fulfilled", "Only a fulfilled wish can be confirmed");
  const rule = ruleInForce(rules, ctx.at);
  const points = rule.pointsPerWishFulfilled;
  const transactionId = points > 0 ? newId() : null;
  const write = new Write()
    .add({
      sql: `UPDATE wishes SET status = 'confirmed', confirmed_at = ?, satisfaction = ?, feedback = ?, points_awarded = ?, transaction_id = ?
            WHERE id = ? AND status = 'fulfilled' AND claimed_by = ?`,
      args: [ctx.at, input.satisfaction, input.feedback ?? null, points, transactionId, id, claimer.id],
    })
    .expectChanged("wish_not_fulfilled");
  if (transactionId) {
    earnPoints(write, {
      transactionId,
      member: claimer,
      points,
      at: ctx.at,
      year: Number(ctx.at.slice(0, 4)),
      kind: "wish_confirmed",
      memo: `微心愿：${wish.title}`,
      rules: rule,
      refType: "wish",
      refId: id,
      createdBy: actor.userId,
    });
  }
  addEvent(write, id, "fulfilled", "confirmed", actor.userId, ctx.at, `satisfaction ${input.satisfaction}`);
  bump(write, "wishes_confirmed");
  const updated: WishRow = {
    ...wish,
    status: "confirmed",
    confirmedAt: ctx.at,
    satisfaction: input.satisfaction,
    feedback: input.feedback ?? null,
    pointsAwarded: points,
    transactionId,
  };
  return commitWith(db, write, ctx, { ...wishJson(updated, true), ruleVersion: rule.version });
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
