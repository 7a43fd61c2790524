import { and, asc, eq, gt, sql } from "drizzle-orm";
import { awards, communities, memberYearStats, members } from "../../db/schema";
import type { Principal } from "../auth/tokens";
import type { Db } from "../db/client";
import { Write } from "../db/write";
import { newId } from "../ids";
import { assertRole } from "./access";
import { decodeCursor, encodeCursor, toPage, type PageQuery } from "./pagination";
import { commitWith, type WriteCtx } from "./writes";

// Annual rankings (from member_year_stats, kept by every credit) and the honour roll (优秀义工).
// Both are public, as the programme publishes them; a member who opted out is shown as an
// anonymous volunteer, and a phone number is never part of either.

export const ANONYMOUS_VOLUNTEER = "匿名志愿者";

const publicMember = (m: { id: string; name: string; publicOptOut: boolean }) =>
  m.publicOptOut ? { memberId: null, name: ANONYMOUS_VOLUNTEER, anonymous: true } : { memberId: m.id, name: m.name, anonymous: false };

export interface RankingQuery extends PageQuery {
  year: number;
  by: "points" | "minutes";
  communityId?: string;
}

/** One year's ranking by points earned or minutes served, overall or in one community; ties share a rank. */
export async function rankings(db: Db, q: RankingQuery) {
  const offset = decodeCursor<number>(q.cursor, "number") ?? 0;
  const metric = q.by === "points" ? memberYearStats.pointsEarned : memberYearStats.minutesServed;
  const other = q.by === "points" ? memberYearStats.minutesServed : memberYearStats.pointsEarned;
  const rows = await db.orm
    .select({
      // Ties share a rank: 1 + how many did better. Counted through the (year, metric) index for the
      // rows on this page only, instead of ranking the whole year.
      rank: sql<number>`1 + (SELECT COUNT(*) FROM ${memberYearStats} AS better
        WHERE better.year = ${memberYearStats.year} AND better.${sql.raw(q.by === "points" ? "points_earned" : "minutes_served")} > ${metric}
        ${q.communityId ? sql`AND better.community_id = ${q.communityId}` : sql``})`.mapWith(Number),
      memberId: members.id,
      name: members.name,
      publicOptOut: members.publicOptOut,
      stars: members.stars,
      communityId: memberYearStats.communityId,
      communityName: communities.name,
      pointsEarned: memberYearStats.pointsEarned,
      minutesServed: memberYearStats.minutesServed,
    })
    .from(memberYearStats)
    .innerJoin(members, eq(members.id, memberYearStats.memberId))
    .innerJoin(communities, eq(communities.id, memberYearStats.communityId))
    .where(and(eq(memberYearStats.year, q.year), gt(metric, 0), q.communityId ? eq(memberYearStats.communityId, q.communityId) : undefined))
    .orderBy(sql`${metric} DESC`, sql`${other} DESC`, asc(memberYearStats.memberId))
    .limit(q.limit + 1)
    .offset(offset);
  const more = rows.length > q.limit;
  const items = (more ? rows.slice(0, q.limit) : rows).map(({ memberId, name, publicOptOut, ...r }) => ({
    rank: r.rank,
    ...publicMember({ id: memberId, name, publicOptOut }),
    communityId: r.communityId,
    communityName: r.communityName,
    stars: r.stars,
    pointsEarned: r.pointsEarned,
    minutesServed: r.minutesServed,
  }));
  return { year: q.year, by: q.by, communityId: q.communityId ?? null, items, nextCursor: more ? encodeCursor(offset + q.limit) : null };
}

export interface NewAward {
  year: number;
  memberId: string;
  title: string;
  citation: string;
}

/** The administrator publishes a year's outstanding volunteer with a citation; once per member and year. */
export async function createAward(db: Db, actor: Principal, input: NewAward, ctx: WriteCtx) {
  assertRole(actor, "admin");
  const row = { id: newId(), ...input, createdAt: ctx.at, createdBy: actor.userId };
  const write = new Write()
    .expect("not_found", "EXISTS (SELECT 1 FROM members WHERE id = ?)", [input.memberId])
    .add(db.orm.insert(awards).values(row))
    .onConstraint("awards.year", "already_exists");
  const { createdBy: _b, ...award } = row;
  return commitWith(db, write, ctx, award);
}

/** The honour roll, oldest award first, optionally for one year. */
export async function listAwards(db: Db, q: PageQuery & { year?: number }) {
  const after = decodeCursor<string>(q.cursor, "string");
  const rows = await db.orm
    .select({ award: awards, member: { id: members.id, name: members.name, publicOptOut: members.publicOptOut, communityId: members.communityId } })
    .from(awards)
    .innerJoin(members, eq(members.id, awards.memberId))
    .where(and(q.year !== undefined ? eq(awards.year, q.year) : undefined, after ? gt(awards.id, after) : undefined))
    .orderBy(asc(awards.id))
    .limit(q.limit + 1);
  return toPage(
    rows,
    q.limit,
    (r) => r.award.id,
    ({ award, member }) => ({
      id: award.id,
      year: award.year,
      ...publicMember(member),
      communityId: member.communityId,
      title: award.title,
      citation: award.citation,
      createdAt: award.createdAt,
    }),
  );
}
