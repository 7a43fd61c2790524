import type { Write } from "../db/write";
import { accounts } from "../ledger/accounts";
import type { PublicRecord } from "../ledger/leaf";
import { appendTransaction } from "../ledger/ledger";
import type { Rules } from "./rules";

export interface EarnInput {
  transactionId?: string;
  member: { id: string; accountId: string; communityId: string };
  points: number;
  /** When the credit is booked (the request's clock): the ledger transaction's and the level changes' time. */
  at: string;
  /**
   * The year the event counts in for rankings (member_year_stats): a service record's is its
   * service date's, which may be an earlier year than `at`. Defaults to the year of `at`.
   */
  year?: number;
  kind: "wish_confirmed" | "service_approved" | "donation" | string;
  memo: string;
  /** The rule version the event is credited under (chosen by the caller from the event's date): rates and star thresholds. */
  rules: Rules;
  refType: string;
  refId: string;
  createdBy: string;
  minutes?: number;
  /** Extra postings in the same transaction (e.g. the CNY side of a money donation). */
  extraPostings?: { accountId: string; asset: "PTS" | "CNY"; amount: number }[];
  publicRecord?: PublicRecord;
}

/** The storage cap of a rule version, for a credit into a passbook: what is above it goes to the wish pool. */
export const storageCap = (rules: Pick<Rules, "maxBalance">) =>
  rules.maxBalance == null ? undefined : { max: rules.maxBalance, overflowAccountId: accounts.wishPool };

/**
 * Credits earned points: issuer → passbook, and in the same write raises the member's cumulative
 * earned total (all of it, also what a storage cap sends to the wish pool), records each star level newly reached (levels never go down), and keeps the
 * per-year figures rankings read. Returns the transaction id.
 */
export function earnPoints(write: Write, e: EarnInput): string {
  const pts =
    e.points > 0
      ? [
          { accountId: accounts.pointsIssuer, asset: "PTS" as const, amount: -e.points },
          { accountId: e.member.accountId, asset: "PTS" as const, amount: e.points, cap: storageCap(e.rules) },
        ]
      : [];
  const txId = appendTransaction(write, {
    id: e.transactionId,
    kind: e.kind,
    at: e.at,
    memo: e.memo,
    ruleVersion: e.rules.version,
    communityId: e.member.communityId,
    refType: e.refType,
    refId: e.refId,
    createdBy: e.createdBy,
    postings: [...pts, ...(e.extraPostings ?? [])],
    publicRecord: e.publicRecord,
  });
  const thresholds = JSON.stringify(e.rules.starThresholds);
  write
    .add({
      // Right-hand sides see the old row: earned_total + ? is the new total.
      sql: `UPDATE members SET earned_total = earned_total + ?,
              stars = MAX(stars, (SELECT COUNT(*) FROM json_each(?) WHERE value <= earned_total + ?))
            WHERE id = ?`,
      args: [e.points, thresholds, e.points, e.member.id],
    })
    .add({
      sql: `INSERT OR IGNORE INTO level_changes (member_id, stars, at, transaction_id)
            SELECT ?, CAST(key AS INTEGER) + 1, ?, ? FROM json_each(?)
            WHERE value <= (SELECT earned_total FROM members WHERE id = ?)`,
      args: [e.member.id, e.at, txId, thresholds, e.member.id],
    })
    .add({
      sql: `INSERT INTO member_year_stats (member_id, year, community_id, points_earned, minutes_served)
            VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (member_id, year) DO UPDATE SET
              points_earned = points_earned + excluded.points_earned,
              minutes_served = minutes_served + excluded.minutes_served`,
      args: [e.member.id, e.year ?? Number(e.at.slice(0, 4)), e.member.communityId, e.points, e.minutes ?? 0],
    });
  return txId;
}
