import { and, desc, eq, lt, type SQL } from "drizzle-orm";
import { activities, members, serviceCategories, serviceRecords } from "../../db/schema";
import type { Principal } from "../auth/tokens";
import type { Db } from "../db/client";
import { jsonObject, sql, type Sql, type Val } from "../db/sql";
import { Write } from "../db/write";
import { AppError, forbidden, notFound } from "../errors";
import { newId } from "../ids";
import { assertRole, assertStaffOf, STAFF_ONLY } from "./access";
import { decodeCursor, toPage, type PageQuery } from "./pagination";
import { earnPoints } from "./points";
import { pointsForMinutes, ruleInForce, type Rules } from "./rules";
import { ruleOnDate, rulesUnchanged, withCachedRules } from "./rule-cache";
import { bump, commitReplying, commitWith, dayOf, type WriteCtx } from "./writes";
import type { RecordMethod } from "../vocabulary";

// Service records: a record of minutes is pending until staff of the member's community approve
// it (crediting points) or reject it; either decision is final.

export type ServiceRecordRow = typeof serviceRecords.$inferSelect;

type RecordFacts = Omit<ServiceRecordRow, "id" | "status" | "reason" | "decidedBy" | "decidedAt" | "pointsAwarded" | "transactionId" | "reversalId" | "createdBy" | "createdAt">;

/** A new record as every way of recording one leaves it: pending, undecided, no credit yet. */
export const pendingRecord = (actor: Principal, ctx: WriteCtx, facts: RecordFacts): ServiceRecordRow => ({
  id: newId(),
  ...facts,
  status: "pending",
  reason: null,
  decidedBy: null,
  decidedAt: null,
  pointsAwarded: null,
  transactionId: null,
  reversalId: null,
  createdBy: actor.userId,
  createdAt: ctx.at,
});

/** How hours came to be recorded: proven by sign-in and sign-out, entered by staff, claimed by the member, or back-filled later. */

export const serviceRecordJson = (r: ServiceRecordRow) => ({
  id: r.id,
  memberId: r.memberId,
  communityId: r.communityId,
  activityId: r.activityId,
  categoryId: r.categoryId,
  date: r.date,
  minutes: r.minutes,
  description: r.description,
  status: r.status,
  reason: r.reason,
  method: r.method,
  evidenceRef: r.evidenceRef,
  recordedBy: r.createdBy,
  approvedBy: r.status === "approved" ? r.decidedBy : null,
  decidedBy: r.decidedBy,
  decidedAt: r.decidedAt,
  pointsAwarded: r.pointsAwarded,
  transactionId: r.transactionId,
  reversalId: r.reversalId,
  createdAt: r.createdAt,
});

/**
 * Staff hours entered more than a day after the service date are back-filled: the entry was not
 * made at the time, so the rules may refuse them points (backfillEarnsPoints) and the public pages
 * and certificates say so. Staff may also call an entry a back-fill themselves.
 */
export function staffMethod(serviceDate: string, today: string, asked?: "staff_entry" | "backfill"): RecordMethod {
  if (asked === "backfill") return "backfill";
  const yesterday = new Date(Date.parse(`${today}T00:00:00.000Z`) - 86_400_000).toISOString().slice(0, 10);
  return serviceDate < yesterday ? "backfill" : "staff_entry";
}

/**
 * The earliest service date: rankings show the years 2000–2100, and the first rule version takes
 * effect in 1970, so an earlier date would earn points no ranking shows, or none at all.
 */
export const FIRST_SERVICE_DATE = "2000-01-01";

const tooEarly = (what: string) =>
  new AppError("validation_failed", `${what} The service date must be on or after ${FIRST_SERVICE_DATE}`, { field: "date", min: FIRST_SERVICE_DATE });

export interface NewServiceRecord {
  memberId: string;
  activityId?: string;
  categoryId?: string;
  date: string;
  minutes: number;
  description: string;
  method?: "staff_entry" | "backfill";
  evidenceRef?: string;
}

/** Staff of the member's community enter a record; a member reports their own. Either way it waits for approval. */
export async function createServiceRecord(db: Db, actor: Principal, input: NewServiceRecord, ctx: WriteCtx) {
  if (actor.role === "member" && actor.memberId !== input.memberId) throw forbidden("A member reports only their own service");
  if (actor.role !== "member") assertRole(actor, "staff", "admin");
  if (actor.role === "member" && input.method !== undefined) throw forbidden("A member's own report is always a claim");
  const today = dayOf(ctx).dateOf(ctx.at);
  if (input.date > today) throw new AppError("validation_failed", "The service date cannot be in the future", { field: "date" });
  if (input.date < FIRST_SERVICE_DATE) throw tooEarly("Too early a date.");
  const [memberRows, activityRows, categoryRows] = await db.orm.batch([
    db.orm.select().from(members).where(eq(members.id, input.memberId)),
    db.orm.select().from(activities).where(eq(activities.id, input.activityId ?? "")),
    db.orm.select().from(serviceCategories).where(eq(serviceCategories.id, input.categoryId ?? "")),
  ]);
  if (input.categoryId !== undefined && !categoryRows[0]) throw notFound("Service category");
  const member = memberRows[0];
  if (!member) throw notFound("Member");
  if (actor.role !== "member") assertStaffOf(actor, member.communityId);
  if (input.activityId !== undefined) {
    const activity = activityRows[0];
    if (!activity) throw notFound("Activity");
    if (activity.communityId !== member.communityId) {
      throw new AppError("validation_failed", "The activity belongs to another community", { field: "activityId" });
    }
  }
  const row = pendingRecord(actor, ctx, {
    memberId: member.id,
    communityId: member.communityId,
    activityId: input.activityId ?? null,
    categoryId: input.categoryId ?? activityRows[0]?.categoryId ?? null,
    date: input.date,
    minutes: input.minutes,
    description: input.description,
    method: actor.role === "member" ? "member_claim" : staffMethod(input.date, today, input.method),
    evidenceRef: input.evidenceRef ?? null,
  });
  return commitWith(db, new Write().add(db.orm.insert(serviceRecords).values(row)), ctx, serviceRecordJson(row));
}

/** Staff: their community; administrators: all or one; a member: their own records. */
export async function listServiceRecords(
  db: Db,
  actor: Principal,
  q: PageQuery & { status?: ServiceRecordRow["status"]; memberId?: string; communityId?: string; activityId?: string },
) {
  const before = decodeCursor<string>(q.cursor, "string");
  const filters: (SQL | undefined)[] = [
    q.status ? eq(serviceRecords.status, q.status) : undefined,
    q.memberId ? eq(serviceRecords.memberId, q.memberId) : undefined,
    q.activityId ? eq(serviceRecords.activityId, q.activityId) : undefined,
    before ? lt(serviceRecords.id, before) : undefined,
  ];
  if (actor.role === "member") {
    filters.push(eq(serviceRecords.memberId, actor.memberId ?? ""));
  } else if (actor.role === "staff") {
    filters.push(eq(serviceRecords.communityId, actor.communityId ?? ""));
  } else {
    assertRole(actor, "admin");
    if (q.communityId) filters.push(eq(serviceRecords.communityId, q.communityId));
  }
  const rows = await db.orm
    .select({ record: serviceRecords, memberName: members.name, passbookNo: members.passbookNo })
    .from(serviceRecords)
    .innerJoin(members, eq(members.id, serviceRecords.memberId))
    .where(and(...filters))
    .orderBy(desc(serviceRecords.id))
    .limit(q.limit + 1);
  return toPage(rows, q.limit, (r) => r.record.id, (r) => ({ ...serviceRecordJson(r.record), memberName: r.memberName, passbookNo: r.passbookNo }));
}

export const decide = (write: Write, sql: string, args: (string | number | null)[]) =>
  write.add({ sql: `${sql} WHERE id = ? AND status = 'pending'`, args }).expectChanged("record_not_pending");

type MemberRow = typeof members.$inferSelect;

/**
 * Adds one record's approval to a write. It credits the points of the rule version in force when
 * the bank's service day began (not the day of approval), at the rate of the record's category
 * (none for back-filled hours where that version says so), counts the minutes in the member's
 * all-time service and the service date's year and, for a member's first approved record on an
 * activity, one participant. The credit itself (the ledger transaction, any star level it reaches)
 * is dated when it is booked, so the published ledger's times follow its order. The pending →
 * approved guard comes first, so a second approval changes nothing; the daily cap is checked by
 * the database after the record counts, so two approvals at once cannot both slip under it.
 */
export function addApproval(
  write: Write,
  actor: Principal,
  { record, member, rules }: { record: ServiceRecordRow; member: MemberRow; rules: Rules[] },
  ctx: WriteCtx,
) {
  // A record entered before dates were checked: it can only be rejected.
  if (record.date < FIRST_SERVICE_DATE) throw tooEarly("This record cannot be credited: reject it.");
  const rule = ruleInForce(rules, dayOf(ctx).bounds(record.date).from);
  if (rule.requireSecondApprover && record.createdBy === actor.userId) {
    throw new AppError("same_person", "Whoever recorded these hours cannot approve them: another staff member must", { recordId: record.id });
  }
  const earns = record.method !== "backfill" || rule.backfillEarnsPoints;
  const points = earns ? pointsForMinutes(record.minutes, rule, record.categoryId) : 0;
  const year = Number(record.date.slice(0, 4));
  const transactionId = points > 0 ? newId() : null;
  decide(write, "UPDATE service_records SET status = 'approved', decided_by = ?, decided_at = ?, points_awarded = ?, transaction_id = ?", [
    actor.userId,
    ctx.at,
    points,
    transactionId,
    record.id,
  ]);
  if (rule.maxMinutesPerDay !== null) {
    write.expect(
      "limit_reached",
      `(SELECT COALESCE(SUM(minutes), 0) FROM service_records
        WHERE member_id = ? AND date = ? AND status = 'approved' AND reversal_id IS NULL) <= ?`,
      [member.id, record.date, rule.maxMinutesPerDay],
      `A member's approved service on one date is at most ${rule.maxMinutesPerDay} minutes under the rules`,
    );
  }
  if (transactionId) {
    earnPoints(write, {
      transactionId,
      member,
      points,
      minutes: record.minutes,
      at: ctx.at,
      year,
      kind: "service_approved",
      memo: `志愿服务 ${record.minutes} 分钟：${record.description}`,
      rules: rule,
      refType: "service_record",
      refId: record.id,
      createdBy: actor.userId,
    });
  } else {
    // No points (too short at this rate, or back-filled): the minutes still count for the year.
    write.add({
      sql: `INSERT INTO member_year_stats (member_id, year, community_id, points_earned, minutes_served) VALUES (?, ?, ?, 0, ?)
            ON CONFLICT (member_id, year) DO UPDATE SET minutes_served = minutes_served + excluded.minutes_served`,
      args: [member.id, year, member.communityId, record.minutes],
    });
  }
  write.add({ sql: "UPDATE members SET service_minutes = service_minutes + ? WHERE id = ?", args: [record.minutes, member.id] });
  bump(write, "service_minutes", record.minutes);
  if (record.activityId) {
    write.add({
      sql: `UPDATE counters SET value = value + 1 WHERE name = 'participants' AND NOT EXISTS (
              SELECT 1 FROM service_records WHERE member_id = ? AND activity_id = ? AND status = 'approved' AND id <> ?)`,
      args: [member.id, record.activityId, record.id],
    });
  }
  const updated: ServiceRecordRow = { ...record, status: "approved", decidedBy: actor.userId, decidedAt: ctx.at, pointsAwarded: points, transactionId };
  return { updated, rule, points, transactionId };
}

/**
 * Approves one record in one round-trip: what the approval depends on (the record, its member,
 * the rule version in force on its date) is read by the database inside the write, from the
 * record's row and the isolate's cached rule versions (see rule-cache.ts), and the reply is built
 * there too. The refusals come in the order the reads made them: not found, not yours, already
 * decided, too early a date, no rule in force, four-eyes; then the daily cap after it counts.
 */
export async function approveServiceRecord(db: Db, actor: Principal, id: string, ctx: WriteCtx) {
  assertRole(actor, "staff", "admin");
  return withCachedRules(db, (rules) => {
    const { write, reply } = approvalWrite(actor, id, rules, ctx);
    return commitReplying<ReturnType<typeof serviceRecordJson> & { ruleVersion: number }>(db, write, ctx, reply);
  });
}

function approvalWrite(actor: Principal, id: string, rules: Rules[], ctx: WriteCtx): { write: Write; reply: Sql } {
  const write = new Write();
  rulesUnchanged(write, rules);
  const col = pendingGuards(write, actor, id);
  const rule = ruleOnDate(rules, dayOf(ctx), col("date"));
  const ruleField = (field: string): Sql => sql`json_extract((${rule}), ${`$.${field}`})`;
  const memberId = col("member_id");
  const memberCol = (column: string): Sql => sql`SELECT ${{ sql: column, args: [] }} FROM members WHERE id = (${memberId})`;
  const early = tooEarly("This record cannot be credited: reject it.");
  write.expect("validation_failed", sql`(${col("date")}) >= ${FIRST_SERVICE_DATE}`, [], { message: early.message, details: early.details });
  write.expect("validation_failed", sql`(${rule}) IS NOT NULL`, [], { message: "No rule version was in force on the service date" });
  write.expect("same_person", sql`NOT (${ruleField("second")} AND (${col("created_by")}) = ${actor.userId})`, [], {
    message: "Whoever recorded these hours cannot approve them: another staff member must",
    details: { recordId: id },
  });
  // Points at the category's rate of the version in force (none for back-filled hours where it says so).
  const points = sql`CASE WHEN (${col("method")}) = 'backfill' AND NOT ${ruleField("backfill")} THEN 0
    ELSE (${col("minutes")}) * IFNULL(json_extract((${rule}), '$.cats."' || (${col("category_id")}) || '"'), ${ruleField("rate")}) / 60 END`;
  const transactionId = newId();
  write
    .add(
      sql`UPDATE service_records SET status = 'approved', decided_by = ${actor.userId}, decided_at = ${ctx.at},
            points_awarded = ${points}, transaction_id = CASE WHEN ${points} > 0 THEN ${transactionId} END
          WHERE id = ${id} AND status = 'pending'`,
    )
    .expectChanged("record_not_pending");
  // From here the record's row holds its points.
  const awarded = col("points_awarded");
  write.expect(
    "limit_reached",
    sql`${ruleField("maxDay")} IS NULL OR (SELECT COALESCE(SUM(minutes), 0) FROM service_records
          WHERE member_id = (${memberId}) AND date = (${col("date")}) AND status = 'approved' AND reversal_id IS NULL) <= ${ruleField("maxDay")}`,
    [],
    "A member's approved service on one date is at most the daily limit of the rules in force",
  );
  const minutes = col("minutes");
  earnPoints(write, {
    transactionId,
    member: { id: memberId, accountId: memberCol("account_id"), communityId: memberCol("community_id") },
    points: awarded,
    minutes,
    at: ctx.at,
    year: sql`CAST(substr((${col("date")}), 1, 4) AS INTEGER)`,
    kind: "service_approved",
    memo: sql`'志愿服务 ' || (${minutes}) || ' 分钟：' || (${col("description")})`,
    rules: { version: ruleField("v"), starThresholds: ruleField("stars"), maxBalance: ruleField("cap") },
    refType: "service_record",
    refId: id,
    createdBy: actor.userId,
  });
  write.add(sql`UPDATE members SET service_minutes = service_minutes + (${minutes}) WHERE id = (${memberId})`);
  bump(write, "service_minutes", minutes);
  write.add(
    sql`UPDATE counters SET value = value + 1 WHERE name = 'participants' AND (${col("activity_id")}) IS NOT NULL AND NOT EXISTS (
          SELECT 1 FROM service_records WHERE member_id = (${memberId}) AND activity_id = (${col("activity_id")}) AND status = 'approved' AND id <> ${id})`,
  );
  return { write, reply: recordReply(id, { ruleVersion: ruleField("v") }) };
}

/**
 * The guards a decision on record `id` starts with, in the order a read would have refused:
 * it exists, the caller is staff of its community (or admin), it is still pending. Returns the
 * record's columns as expressions, for the rest of the write.
 */
function pendingGuards(write: Write, actor: Principal, id: string) {
  const col = (column: string): Sql => ({ sql: `SELECT ${column} FROM service_records WHERE id = ?`, args: [id] });
  write.expect("not_found", sql`EXISTS ${col("1")}`, [], notFound("Service record").message);
  if (actor.role === "staff") write.expect("forbidden", sql`(${col("community_id")}) = ${actor.communityId}`, [], { message: STAFF_ONLY });
  write.expect("record_not_pending", sql`(${col("status")}) = 'pending'`);
  return col;
}

/** The record's JSON (as serviceRecordJson gives it) built by the database from its row, plus `extra`. */
function recordReply(id: string, extra: Record<string, Val>): Sql {
  const c = (column: string): Sql => ({ sql: column, args: [] });
  const json = jsonObject({
    id: c("id"),
    memberId: c("member_id"),
    communityId: c("community_id"),
    activityId: c("activity_id"),
    categoryId: c("category_id"),
    date: c("date"),
    minutes: c("minutes"),
    description: c("description"),
    status: c("status"),
    reason: c("reason"),
    method: c("method"),
    evidenceRef: c("evidence_ref"),
    recordedBy: c("created_by"),
    approvedBy: c("CASE WHEN status = 'approved' THEN decided_by END"),
    decidedBy: c("decided_by"),
    decidedAt: c("decided_at"),
    pointsAwarded: c("points_awarded"),
    transactionId: c("transaction_id"),
    reversalId: c("reversal_id"),
    createdAt: c("created_at"),
    ...extra,
  });
  return { sql: `${json.sql} FROM service_records WHERE id = ?`, args: [...json.args, id] };
}
/** Rejects a pending record, in one round-trip: the same refusals as an approval's, then the decision. */
export async function rejectServiceRecord(db: Db, actor: Principal, id: string, input: { reason: string }, ctx: WriteCtx) {
  assertRole(actor, "staff", "admin");
  const write = new Write();
  pendingGuards(write, actor, id);
  write
    .add(
      sql`UPDATE service_records SET status = 'rejected', reason = ${input.reason}, decided_by = ${actor.userId}, decided_at = ${ctx.at}
          WHERE id = ${id} AND status = 'pending'`,
    )
    .expectChanged("record_not_pending");
  return commitReplying<ReturnType<typeof serviceRecordJson>>(db, write, ctx, recordReply(id, {}));
}
