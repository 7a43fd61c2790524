import type { Row } from "@libsql/client";
import type { Db } from "../db/client";
import { decodeCursor, toPage, type PageQuery } from "./pagination";

// What the public pages list. Privacy by construction: every query here names the columns it
// returns, and none of them is a beneficiary's name, contact or address, a member's phone, or a
// free-text note staff may have written about a person. A member who opted out of publication
// is returned with `name: null` (shown as anonymous), never with their name.

const str = (v: unknown) => (v == null ? null : String(v));
const num = (v: unknown) => (v == null ? null : Number(v));
const shownName = (r: Row) => (Number(r.public_opt_out) ? null : str(r.member_name));

function keyset(page: PageQuery, column: string) {
  const before = decodeCursor<string>(page.cursor, "string");
  return { where: before ? `${column} < ?` : "1", args: before ? [before] : [] };
}

/** Wishes, newest first: title, kind, beneficiary group, community and progress only. */
export async function publicWishes(db: Db, page: PageQuery) {
  const k = keyset(page, "w.id");
  const res = await db.client.execute({
    sql: `SELECT w.id, w.title, w.kind, w.beneficiary_group, w.status, w.created_at, w.fulfilled_at, w.confirmed_at,
                 c.name AS community
          FROM wishes w JOIN communities c ON c.id = w.community_id
          WHERE ${k.where} ORDER BY w.id DESC LIMIT ?`,
    args: [...k.args, page.limit + 1],
  });
  return toPage(res.rows, page.limit, (r) => String(r.id), (r) => ({
    id: String(r.id),
    title: String(r.title),
    kind: String(r.kind),
    beneficiaryGroup: String(r.beneficiary_group),
    status: String(r.status),
    community: String(r.community),
    createdAt: String(r.created_at),
    fulfilledAt: str(r.fulfilled_at),
    confirmedAt: str(r.confirmed_at),
  }));
}

/** Volunteer outings, latest date first. */
export async function publicActivities(db: Db, page: PageQuery) {
  const k = keyset(page, "a.id");
  const res = await db.client.execute({
    sql: `SELECT a.id, a.title, a.date, a.place, c.name AS community
          FROM activities a JOIN communities c ON c.id = a.community_id
          WHERE ${k.where} ORDER BY a.id DESC LIMIT ?`,
    args: [...k.args, page.limit + 1],
  });
  return toPage(res.rows, page.limit, (r) => String(r.id), (r) => ({
    id: String(r.id),
    title: String(r.title),
    date: String(r.date),
    place: String(r.place),
    community: String(r.community),
  }));
}

/** Approved service, newest record first: who (unless opted out), when, how long, on which outing. */
export async function publicService(db: Db, page: PageQuery) {
  const k = keyset(page, "s.id");
  const res = await db.client.execute({
    sql: `SELECT s.id, s.date, s.minutes, m.name AS member_name, m.public_opt_out, c.name AS community, a.title AS activity
          FROM service_records s
          JOIN members m ON m.id = s.member_id
          JOIN communities c ON c.id = s.community_id
          LEFT JOIN activities a ON a.id = s.activity_id
          WHERE s.status = 'approved' AND ${k.where} ORDER BY s.id DESC LIMIT ?`,
    args: [...k.args, page.limit + 1],
  });
  return toPage(res.rows, page.limit, (r) => String(r.id), (r) => ({
    id: String(r.id),
    date: String(r.date),
    minutes: Number(r.minutes),
    name: shownName(r),
    community: String(r.community),
    activity: str(r.activity),
  }));
}

/**
 * Donations, newest first. The donor is named only when publication is allowed: a company's or
 * an individual's given name, a member's name unless they opted out; anonymous donors never.
 */
export async function publicDonations(db: Db, page: PageQuery) {
  const k = keyset(page, "d.id");
  const res = await db.client.execute({
    sql: `SELECT d.id, d.at, d.donor_type, d.donor_name, d.kind, d.amount_fen, d.goods_description, d.goods_quantity,
                 d.points_awarded, m.name AS member_name, m.public_opt_out, c.name AS community
          FROM donations d
          LEFT JOIN members m ON m.id = d.member_id
          LEFT JOIN communities c ON c.id = d.community_id
          WHERE ${k.where} ORDER BY d.id DESC LIMIT ?`,
    args: [...k.args, page.limit + 1],
  });
  return toPage(res.rows, page.limit, (r) => String(r.id), (r) => {
    const type = String(r.donor_type);
    const donor = type === "anonymous" ? null : type === "member" ? shownName(r) : str(r.donor_name);
    return {
      id: String(r.id),
      at: String(r.at),
      donorType: type,
      donor,
      kind: String(r.kind),
      amountFen: Number(r.amount_fen),
      goodsDescription: str(r.goods_description),
      goodsQuantity: num(r.goods_quantity),
      pointsAwarded: Number(r.points_awarded),
      community: str(r.community),
    };
  });
}

/** How donated goods were used: what, how many, for which group (and wish title), never the note. */
export async function publicGoodsUsages(db: Db, page: PageQuery) {
  const k = keyset(page, "u.id");
  const res = await db.client.execute({
    sql: `SELECT u.id, u.at, u.quantity, u.beneficiary_group, d.goods_description, w.title AS wish_title,
                 w.beneficiary_group AS wish_group, c.name AS community
          FROM goods_usages u
          JOIN donations d ON d.id = u.donation_id
          LEFT JOIN wishes w ON w.id = u.wish_id
          LEFT JOIN communities c ON c.id = COALESCE(w.community_id, d.community_id)
          WHERE ${k.where} ORDER BY u.id DESC LIMIT ?`,
    args: [...k.args, page.limit + 1],
  });
  return toPage(res.rows, page.limit, (r) => String(r.id), (r) => ({
    id: String(r.id),
    at: String(r.at),
    goods: str(r.goods_description),
    quantity: Number(r.quantity),
    beneficiaryGroup: str(r.beneficiary_group) ?? str(r.wish_group),
    wish: str(r.wish_title),
    community: str(r.community),
  }));
}

/** The year's outstanding volunteers with their citations. */
export async function publicAwards(db: Db, year: number) {
  const res = await db.client.execute({
    sql: `SELECT a.id, a.year, a.title, a.citation, m.name AS member_name, m.public_opt_out, m.stars, c.name AS community
          FROM awards a JOIN members m ON m.id = a.member_id JOIN communities c ON c.id = m.community_id
          WHERE a.year = ? ORDER BY a.id`,
    args: [year],
  });
  return res.rows.map((r) => ({
    id: String(r.id),
    year: Number(r.year),
    title: String(r.title),
    citation: String(r.citation),
    name: shownName(r),
    stars: Number(r.stars),
    community: String(r.community),
  }));
}

/**
 * How many members hold each star level (0–5), and the members at or above `minStars`, most
 * stars then most points first. Both read the members_stars_idx index (stars, earned_total):
 * at 133,600 passbooks about 7 ms instead of 80–160 ms without it.
 */
export async function publicStarLevels(db: Db, minStars: number, limit: number) {
  const [counts, top] = await db.client.batch(
    [
      "SELECT stars, COUNT(*) AS n FROM members GROUP BY stars ORDER BY stars DESC",
      {
        sql: `SELECT m.id, m.name AS member_name, m.public_opt_out, m.stars, m.earned_total, c.name AS community
              FROM members m JOIN communities c ON c.id = m.community_id
              WHERE m.stars >= ? ORDER BY m.stars DESC, m.earned_total DESC LIMIT ?`,
        args: [minStars, limit],
      },
    ],
    "read",
  );
  return {
    counts: counts!.rows.map((r) => ({ stars: Number(r.stars), members: Number(r.n) })),
    members: top!.rows.map((r) => ({
      id: String(r.id),
      name: shownName(r),
      stars: Number(r.stars),
      earnedTotal: Number(r.earned_total),
      community: String(r.community),
    })),
  };
}

