import { and, desc, eq, lt } from "drizzle-orm";
import { activities } from "../../db/schema";
import type { Principal } from "../auth/tokens";
import type { Db } from "../db/client";
import { Write } from "../db/write";
import { newId } from "../ids";
import { notFound } from "../errors";
import { assertRole, assertStaffOf } from "./access";
import { decodeCursor, toPage, type PageQuery } from "./pagination";
import { bump, commitWith, communityOfWrite, type WriteCtx } from "./writes";

// Volunteer activities (outings): what service records may name as the occasion of the hours served.

export type ActivityRow = typeof activities.$inferSelect;

const activityJson = ({ createdBy: _b, ...a }: ActivityRow) => a;

export async function createActivity(
  db: Db,
  actor: Principal,
  input: { communityId?: string; title: string; date: string; place: string },
  ctx: WriteCtx,
) {
  const row: ActivityRow = {
    id: newId(),
    communityId: communityOfWrite(actor, input.communityId),
    title: input.title,
    date: input.date,
    place: input.place,
    createdBy: actor.userId,
    createdAt: ctx.at,
  };
  const write = new Write()
    .expect("not_found", "EXISTS (SELECT 1 FROM communities WHERE id = ?)", [row.communityId])
    .add(db.orm.insert(activities).values(row));
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
  const [row] = await db.orm.select().from(activities).where(eq(activities.id, id));
  if (!row) throw notFound("Activity");
  assertStaffOf(actor, row.communityId);
  return activityJson(row);
}
