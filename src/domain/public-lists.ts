import type { RecordMethod } from "../vocabulary";
import type { Row } from "@libsql/client";
import type { Db } from "../db/client";
import type { BeneficiaryGroup, DonationKind, DonorType, WishKind, WishStatus } from "../vocabulary";
import { decodeCursor, toPage, type PageQuery } from "./pagination";

// What the public pages list. Privacy by construction: every query here names the columns it
// returns, and none of them is a beneficiary's name, contact or address, a member's phone, or a
// free-text note staff may have written about a person. A member who opted out of publication
// is returned with `name: null` (shown as anonymous), never with their name.

const str = (v: unknown) => (v == null ? null : String(v));
const num = (v: unknown) => (v == null ? null : Number(v));
const shownName = (r: Row) => (Number(r.public_opt_out) ? null : str(r.member_name));

/**
 * One page of a newest-first list keyed by a ULID column: `select` gets the keyset condition to
 * put in its WHERE and ends with ORDER BY that column DESC; the limit is added here.
 */
async function newestFirst<T>(db: Db, page: PageQuery, column: string, select: (where: string) => string, map: (r: Row) => T) {
  const before = decodeCursor<string>(page.cursor, "string");
  const res = await db.client.execute({
    sql: `${select(before ? `${column} < ?` : "1")} LIMIT ?`,
    args: [...(before ? [before] : []), page.limit + 1],
  });
  return toPage(res.rows, page.limit, (r) => String(r.id), map);
}

/** Wishes, newest first: title, kind, beneficiary group, community and progress only. */
export function publicWishes(db: Db, page: PageQuery) {
  const select = (where: string) =>
    `SELECT w.id, w.title, w.kind, w.beneficiary_group, w.status, w.created_at, w.fulfilled_at, w.confirmed_at, c.name AS community
     FROM wishes w JOIN communities c ON c.id = w.community_id
     WHERE ${where} ORDER BY w.id DESC`;
  return newestFirst(db, page, "w.id", select, (r) => ({
    id: String(r.id),
    title: String(r.title),
    kind: String(r.kind) as WishKind,
    beneficiaryGroup: String(r.beneficiary_group) as BeneficiaryGroup,
    status: String(r.status) as WishStatus,
    community: String(r.community),
    createdAt: String(r.created_at),
    fulfilledAt: str(r.fulfilled_at),
    confirmedAt: str(r.confirmed_at),
  }));
}

/** Volunteer outings, latest first. */
export function publicActivities(db: Db, page: PageQuery) {
  const select = (where: string) =>
    `SELECT a.id, a.title, a.date, a.place, c.name AS community
     FROM activities a JOIN communities c ON c.id = a.community_id
     WHERE ${where} ORDER BY a.id DESC`;
  return newestFirst(db, page, "a.id", select, (r) => ({
    id: String(r.id),
    title: String(r.title),
    date: String(r.date),
    place: String(r.place),
    community: String(r.community),
  }));
}

/** Approved service, newest record first: who (unless opted out), when, how long, on which outing. */
export function publicService(db: Db, page: PageQuery) {
  const select = (where: string) =>
    `SELECT s.id, s.date, s.minutes, s.method, m.name AS member_name, m.public_opt_out, c.name AS community, a.title AS activity
     FROM service_records s
     JOIN members m ON m.id = s.member_id
     JOIN communities c ON c.id = s.community_id
     LEFT JOIN activities a ON a.id = s.activity_id
     WHERE s.status = 'approved' AND ${where} ORDER BY s.id DESC`;
  return newestFirst(db, page, "s.id", select, (r) => ({
    id: String(r.id),
    date: String(r.date),
    minutes: Number(r.minutes),
    name: shownName(r),
    community: String(r.community),
    activity: str(r.activity),
    // How the hours were recorded: back-filled hours are shown as such (the public's distrust of them is the reason).
    method: String(r.method) as RecordMethod,
  }));
}

/**
 * Donations, newest first. The donor is named only when publication is allowed: a company's or
 * an individual's given name, a member's name unless they opted out; anonymous donors never. A
 * reversed donation is marked by its reversing transaction (`reversedBy`).
 */
export function publicDonations(db: Db, page: PageQuery) {
  const select = (where: string) =>
    `SELECT d.id, d.at, d.donor_type, d.donor_name, d.kind, d.amount_fen, d.goods_description, d.goods_quantity,
            d.points_awarded, m.name AS member_name, m.public_opt_out, c.name AS community, r.id AS reversed_by
     FROM donations d
     LEFT JOIN members m ON m.id = d.member_id
     LEFT JOIN communities c ON c.id = d.community_id
     LEFT JOIN ledger_transactions r ON r.reverses_id = d.transaction_id
     WHERE ${where} ORDER BY d.id DESC`;
  return newestFirst(db, page, "d.id", select, (r) => {
    const type = String(r.donor_type) as DonorType;
    return {
      id: String(r.id),
      at: String(r.at),
      donorType: type,
      donor: type === "anonymous" ? null : type === "member" ? shownName(r) : str(r.donor_name),
      kind: String(r.kind) as DonationKind,
      amountFen: Number(r.amount_fen),
      goodsDescription: str(r.goods_description),
      goodsQuantity: num(r.goods_quantity),
      pointsAwarded: Number(r.points_awarded),
      community: str(r.community),
      /** The reversing transaction: the donation stays listed as recorded, marked reversed. */
      reversedBy: str(r.reversed_by),
    };
  });
}

/** How donated goods were used: what, how many, for which group (and wish title), never the note. */
export function publicGoodsUsages(db: Db, page: PageQuery) {
  const select = (where: string) =>
    `SELECT u.id, u.at, u.quantity, u.beneficiary_group, d.goods_description, w.title AS wish_title,
            w.beneficiary_group AS wish_group, c.name AS community
     FROM goods_usages u
     JOIN donations d ON d.id = u.donation_id
     LEFT JOIN wishes w ON w.id = u.wish_id
     LEFT JOIN communities c ON c.id = COALESCE(w.community_id, d.community_id)
     WHERE ${where} ORDER BY u.id DESC`;
  return newestFirst(db, page, "u.id", select, (r) => ({
    id: String(r.id),
    at: String(r.at),
    goods: str(r.goods_description),
    quantity: Number(r.quantity),
    beneficiaryGroup: (str(r.beneficiary_group) ?? str(r.wish_group)) as BeneficiaryGroup | null,
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

