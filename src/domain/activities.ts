import { and, asc, desc, eq, inArray, lt } from "drizzle-orm";
import { activities, activityCheckins, members, serviceRecords } from "../../db/schema";
import type { Principal } from "../auth/tokens";
import type { Db } from "../db/client";
import { Write } from "../db/write";
import { AppError, forbidden, notFound } from "../errors";
import { newId } from "../ids";
import { assertRole, assertStaffOf } from "./access";
import { decodeCursor, toPage, type PageQuery } from "./pagination";
import { ruleVersionsQuery, toRules } from "./rules";
import { addApproval, FIRST_SERVICE_DATE, pendingRecord, serviceRecordJson, staffMethod, type ServiceRecordRow } from "./service-records";
import { bump, commitWith, communityOfWrite, dayOf, type WriteCtx } from "./writes";

// Volunteer activities (outings): a time and place, a category and an optional capacity. Staff
// enter a whole outing's attendance in one write and approve it in one write; members sign in and
// out with the code shown at the outing, and the sign-out records their minutes.

export type ActivityRow = typeof activities.$inferSelect;

const activityJson = ({ createdBy: _b, checkinCode: _c, checkinCodeExpiresAt: _e, ...a }: ActivityRow) => a;

export interface NewActivity {
  communityId?: string;
  title: string;
  date?: string;
  startAt?: string;
  endAt?: string;
  place: string;
  categoryId?: string;
  capacity?: number;
}

const MAX_OUTING_MS = 24 * 60 * 60 * 1000;

export async function createActivity(db: Db, actor: Principal, input: NewActivity, ctx: WriteCtx) {
  const time = dayOf(ctx);
  if ((input.startAt === undefined) !== (input.endAt === undefined)) {
    throw new AppError("validation_failed", "Give both startAt and endAt, or neither", { field: input.startAt ? "endAt" : "startAt" });
  }
  if (input.startAt && input.endAt) {
    const length = Date.parse(input.endAt) - Date.parse(input.startAt);
    if (length <= 0 || length > MAX_OUTING_MS) {
      throw new AppError("validation_failed", "An outing ends after it starts, within 24 hours", { field: "endAt" });
    }
    if (input.date !== undefined && input.date !== time.dateOf(input.startAt)) {
      throw new AppError("validation_failed", "date is the bank's date of startAt; leave it out or make them agree", { field: "date" });
    }
  }
  const date = input.date ?? (input.startAt ? time.dateOf(input.startAt) : undefined);
  if (!date) throw new AppError("validation_failed", "An activity needs a date, or its startAt and endAt", { field: "date" });
  const row: ActivityRow = {
    id: newId(),
    communityId: communityOfWrite(actor, input.communityId),
    title: input.title,
    date,
    place: input.place,
    startAt: input.startAt ?? null,
    endAt: input.endAt ?? null,
    categoryId: input.categoryId ?? null,
    capacity: input.capacity ?? null,
    checkinCode: null,
    checkinCodeExpiresAt: null,
    createdBy: actor.userId,
    createdAt: ctx.at,
  };
  const write = new Write().expect("not_found", "EXISTS (SELECT 1 FROM communities WHERE id = ?)", [row.communityId]);
  if (row.categoryId) write.expect("not_found", "EXISTS (SELECT 1 FROM service_categories WHERE id = ?)", [row.categoryId]);
  write.add(db.orm.insert(activities).values(row));
  bump(write, "activities");
  return commitWith(db, write, ctx, activityJson(row));
}

/** Staff: their community; administrators: all or one. Newest first. */
export async function listActivities(db: Db, actor: Principal, q: PageQuery & { communityId?: string }) {
  assertRole(actor, "staff", "admin");
  const community = actor.role === "staff" ? actor.communityId : q.communityId;
  const before = decodeCursor<string>(q.cursor, "string");
  const rows = await db.orm
    .select()
    .from(activities)
    .where(and(community ? eq(activities.communityId, community) : undefined, before ? lt(activities.id, before) : undefined))
    .orderBy(desc(activities.id))
    .limit(q.limit + 1);
  return toPage(rows, q.limit, (a) => a.id, activityJson);
}

/** One activity, for staff of its community and administrators. */
export async function getActivity(db: Db, actor: Principal, id: string) {
  assertRole(actor, "staff", "admin");
  const row = await activityOf(db, id);
  assertStaffOf(actor, row.communityId);
  return activityJson(row);
}

async function activityOf(db: Db, id: string): Promise<ActivityRow> {
  const [a] = await db.orm.select().from(activities).where(eq(activities.id, id));
  if (!a) throw notFound("Activity");
  return a;
}

/** Minutes the outing lasted, when its times are known: no one serves longer at it. */
const outingMinutes = (a: ActivityRow) => (a.startAt && a.endAt ? Math.floor((Date.parse(a.endAt) - Date.parse(a.startAt)) / 60_000) : null);

/** Hours already on the activity (pending or approved) keep a member from being recorded again; rejected ones do not. */
const ON_ACTIVITY = "SELECT 1 FROM service_records WHERE activity_id = ? AND member_id = ? AND status <> 'rejected'";

/** The capacity holds everyone recorded (not rejected) plus everyone signed in without a record yet. */
const capacityHolds = (write: Write, a: ActivityRow) => {
  if (a.capacity === null) return;
  write.expect(
    "limit_reached",
    `(SELECT COUNT(DISTINCT member_id) FROM (
        SELECT member_id FROM service_records WHERE activity_id = ? AND status <> 'rejected'
        UNION ALL SELECT member_id FROM activity_checkins WHERE activity_id = ? AND record_id IS NULL)) <= ?`,
    [a.id, a.id, a.capacity],
    `This outing is full: its capacity is ${a.capacity}`,
  );
};

export interface Attendance {
  entries: { memberId: string; minutes: number }[];
  description?: string;
  method?: "staff_entry" | "backfill";
  evidenceRef?: string;
}

/**
 * Staff enter an outing's attendance at once: every entry is checked first, then every record is
 * written in one batch, all pending, or none (a member already on the activity: 409 already_recorded).
 */
export async function recordAttendance(db: Db, actor: Principal, id: string, input: Attendance, ctx: WriteCtx) {
  assertRole(actor, "staff", "admin");
  const today = dayOf(ctx).dateOf(ctx.at);
  const ids = input.entries.map((e) => e.memberId);
  const [activityRows, found] = await db.orm.batch([
    db.orm.select().from(activities).where(eq(activities.id, id)),
    db.orm.select({ id: members.id, communityId: members.communityId }).from(members).where(inArray(members.id, ids)),
  ]);
  const activity = activityRows[0];
  if (!activity) throw notFound("Activity");
  assertStaffOf(actor, activity.communityId);
  if (activity.date > today) throw new AppError("validation_failed", "This outing has not happened yet", { field: "date" });
  if (activity.date < FIRST_SERVICE_DATE) throw new AppError("validation_failed", `The service date must be on or after ${FIRST_SERVICE_DATE}`);
  const duplicate = ids.find((m, i) => ids.indexOf(m) !== i);
  if (duplicate) throw new AppError("validation_failed", "A member appears twice in the entries", { memberId: duplicate });
  const longest = outingMinutes(activity);
  const tooLong = longest === null ? -1 : input.entries.findIndex((e) => e.minutes > longest);
  if (tooLong >= 0) {
    throw new AppError("validation_failed", `No one serves longer than the outing's ${longest} minutes`, { entry: tooLong, field: "minutes" });
  }
  const community = new Map(found.map((m) => [m.id, m.communityId]));
  const missing = ids.findIndex((m) => !community.has(m));
  if (missing >= 0) throw new AppError("not_found", "Member not found", { entry: missing, memberId: ids[missing] });
  const outsider = ids.findIndex((m) => community.get(m) !== activity.communityId);
  if (outsider >= 0) {
    throw new AppError("validation_failed", "The member belongs to another community than the activity", { entry: outsider, memberId: ids[outsider] });
  }

  const method = staffMethod(activity.date, today, input.method);
  const write = new Write();
  const rows: ServiceRecordRow[] = input.entries.map((e) =>
    pendingRecord(actor, ctx, {
      memberId: e.memberId,
      communityId: activity.communityId,
      activityId: activity.id,
      categoryId: activity.categoryId,
      date: activity.date,
      minutes: e.minutes,
      description: input.description ?? activity.title,
      method,
      evidenceRef: input.evidenceRef ?? null,
    }),
  );
  for (const row of rows) write.expect("already_recorded", `NOT EXISTS (${ON_ACTIVITY})`, [activity.id, row.memberId]);
  write.add(db.orm.insert(serviceRecords).values(rows));
  capacityHolds(write, activity);
  return commitWith(db, write, ctx, { items: rows.map(serviceRecordJson) });
}

/**
 * Approves every pending record of an outing in one write: each credited as approving it alone
 * would (its own ledger transaction, so each stays reversible on its own). Any refusal (four-eyes,
 * the daily cap) refuses the whole approval.
 */
export async function approveActivity(db: Db, actor: Principal, id: string, ctx: WriteCtx) {
  assertRole(actor, "staff", "admin");
  const [activityRows, pending, ruleRows] = await db.orm.batch([
    db.orm.select().from(activities).where(eq(activities.id, id)),
    db.orm
      .select({ record: serviceRecords, member: members })
      .from(serviceRecords)
      .innerJoin(members, eq(members.id, serviceRecords.memberId))
      .where(and(eq(serviceRecords.activityId, id), eq(serviceRecords.status, "pending")))
      .orderBy(asc(serviceRecords.id)),
    ruleVersionsQuery(db),
  ]);
  const activity = activityRows[0];
  if (!activity) throw notFound("Activity");
  assertStaffOf(actor, activity.communityId);
  const rules = toRules(ruleRows);
  const write = new Write();
  const records = pending.map(({ record, member }) => {
    const { points, transactionId } = addApproval(write, actor, { record, member, rules }, ctx);
    return { id: record.id, memberId: member.id, points, transactionId };
  });
  return commitWith(db, write, ctx, { approved: records.length, records });
}

// ---- signing in and out at the outing ----

const CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"; // no 0/O, 1/I/L: read off a screen or paper
const CODE_LENGTH = 6;
/** After the outing ends, members still have this long to sign out. */
const CHECKOUT_GRACE_MS = 2 * 60 * 60 * 1000;

function newCode(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(CODE_LENGTH));
  return Array.from(bytes, (b) => CODE_ALPHABET[b % CODE_ALPHABET.length]).join("");
}

/** Staff open signing in and out with a fresh code; it closes after the outing (or its date) ends. */
export async function openCheckin(db: Db, actor: Principal, id: string, ctx: WriteCtx) {
  assertRole(actor, "staff", "admin");
  const activity = await activityOf(db, id);
  assertStaffOf(actor, activity.communityId);
  const end = activity.endAt ?? dayOf(ctx).endOf(activity.date);
  const expiresAt = new Date(Date.parse(end) + CHECKOUT_GRACE_MS).toISOString();
  if (expiresAt <= ctx.at) throw new AppError("checkin_closed", "This outing is over: enter its attendance instead");
  const code = newCode();
  const write = new Write()
    .add({ sql: "UPDATE activities SET checkin_code = ?, checkin_code_expires_at = ? WHERE id = ?", args: [code, expiresAt, id] });
  return commitWith(db, write, ctx, { activityId: id, code, expiresAt });
}

async function memberAtActivity(db: Db, actor: Principal, id: string, code: string, at: string) {
  if (actor.role !== "member" || !actor.memberId) throw forbidden("Members sign themselves in and out");
  const [activityRows, memberRows, checkinRows] = await db.orm.batch([
    db.orm.select().from(activities).where(eq(activities.id, id)),
    db.orm.select().from(members).where(eq(members.id, actor.memberId)),
    db.orm.select().from(activityCheckins).where(and(eq(activityCheckins.activityId, id), eq(activityCheckins.memberId, actor.memberId))),
  ]);
  const activity = activityRows[0];
  const member = memberRows[0];
  if (!activity || !member) throw notFound("Activity");
  if (member.communityId !== activity.communityId) throw forbidden("This outing belongs to another community");
  if (!activity.checkinCode || !activity.checkinCodeExpiresAt || activity.checkinCodeExpiresAt <= at) {
    throw new AppError("checkin_closed", "Signing in is not open for this outing");
  }
  if (code.toUpperCase() !== activity.checkinCode) throw new AppError("validation_failed", "That is not the code shown at the outing", { field: "code" });
  return { activity, member, checkin: checkinRows[0] };
}

/** The code must still be the one shown and open when the write lands (staff may have replaced it). */
const codeHolds = (write: Write, id: string, code: string, at: string) =>
  write.expect("checkin_closed", "EXISTS (SELECT 1 FROM activities WHERE id = ? AND checkin_code = ? AND checkin_code_expires_at > ?)", [
    id,
    code.toUpperCase(),
    at,
  ]);

export async function checkIn(db: Db, actor: Principal, id: string, input: { code: string }, ctx: WriteCtx) {
  const { activity, member, checkin } = await memberAtActivity(db, actor, id, input.code, ctx.at);
  if (checkin) throw new AppError("already_recorded", "You already signed in at this outing", { checkedInAt: checkin.checkedInAt });
  const write = new Write();
  codeHolds(write, id, input.code, ctx.at);
  write
    .expect("already_recorded", `NOT EXISTS (${ON_ACTIVITY})`, [id, member.id])
    .add(db.orm.insert(activityCheckins).values({ activityId: id, memberId: member.id, checkedInAt: ctx.at, checkedOutAt: null, recordId: null }))
    .onConstraint("activity_checkins.activity_id", "already_recorded");
  capacityHolds(write, activity);
  return commitWith(db, write, ctx, { activityId: id, memberId: member.id, checkedInAt: ctx.at });
}

/**
 * Signing out records the minutes between sign-in and sign-out, counted only inside the outing's
 * own time when it has one, as the member's pending record (method "checkin").
 */
export async function checkOut(db: Db, actor: Principal, id: string, input: { code: string }, ctx: WriteCtx) {
  const { activity, member, checkin } = await memberAtActivity(db, actor, id, input.code, ctx.at);
  if (!checkin || checkin.checkedOutAt) throw new AppError("not_checked_in", "There is no open sign-in for you at this outing");
  const from = Math.max(Date.parse(checkin.checkedInAt), activity.startAt ? Date.parse(activity.startAt) : -Infinity);
  const to = Math.min(Date.parse(ctx.at), activity.endAt ? Date.parse(activity.endAt) : Infinity);
  const minutes = Math.floor((to - from) / 60_000);
  if (minutes < 1) throw new AppError("validation_failed", "Less than a minute of the outing lies between your sign-in and sign-out", { minutes });
  const row = pendingRecord(actor, ctx, {
    memberId: member.id,
    communityId: activity.communityId,
    activityId: activity.id,
    categoryId: activity.categoryId,
    date: activity.date,
    minutes: Math.min(minutes, 24 * 60),
    description: activity.title,
    method: "checkin",
    evidenceRef: null,
  });
  const write = new Write();
  codeHolds(write, id, input.code, ctx.at);
  write
    .expect("already_recorded", `NOT EXISTS (${ON_ACTIVITY})`, [id, member.id])
    .add({
      sql: "UPDATE activity_checkins SET checked_out_at = ?, record_id = ? WHERE activity_id = ? AND member_id = ? AND checked_out_at IS NULL",
      args: [ctx.at, row.id, id, member.id],
    })
    .expectChanged("not_checked_in")
    .add(db.orm.insert(serviceRecords).values(row));
  return commitWith(db, write, ctx, serviceRecordJson(row));
}
