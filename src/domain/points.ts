import { isSql, sql, type Sql, type Val } from "../db/sql";
import type { Write } from "../db/write";
import { accounts } from "../ledger/accounts";
import type { PublicRecord } from "../ledger/leaf";
import { appendTransaction } from "../ledger/ledger";
import type { Asset, TransactionKind } from "../vocabulary";
import type { Rules } from "./rules";

export interface EarnInput {
  transactionId?: string;
  /** The member, by values or by expressions over the rows the write reads in the database. */
  member: { id: Val; accountId: string | Sql; communityId: Val };
  /** Points known up front, or computed by the database (then nothing is booked when they come to 0). */
  points: number | Sql;
  /** When the credit is booked (the request's clock): the ledger transaction's and the level changes' time. */
  at: string;
  /**
   * The year the event counts in for rankings (member_year_stats): a service record's is its
   * service date's, which may be an earlier year than `at`. Defaults to the year of `at`.
   */
  year?: Val;
  kind: TransactionKind;
  memo: Val;
  /**
   * The rule version the event is credited under (chosen by the caller from the event's date):
   * its number, star thresholds and storage cap, or expressions for them when the database picks the version.
   */
  rules: Pick<Rules, "version" | "starThresholds" | "maxBalance"> | { version: Sql; starThresholds: Sql; maxBalance: Sql };
  refType: string;
  refId: string;
  createdBy: string;
  minutes?: Val;
  /** Extra postings in the same transaction (e.g. the CNY side of a money donation). */
  extraPostings?: { accountId: string; asset: Asset; amount: number }[];
  publicRecord?: PublicRecord;
}

/** The storage cap of a rule version, for a credit into a passbook: what is above it goes to the wish pool. */
export const storageCap = (rules: { maxBalance: number | null | Sql }) =>
  rules.maxBalance == null ? undefined : { max: rules.maxBalance, overflowAccountId: accounts.wishPool };

/**
 * Credits earned points: issuer → passbook, and in the same write raises the member's cumulative
 * earned total (all of it, also what a storage cap sends to the wish pool), records each star level newly reached (levels never go down), and keeps the
 * per-year figures rankings read. Returns the transaction id.
 */
export function earnPoints(write: Write, e: EarnInput): string {
  const computed = isSql(e.points);
  if (computed && e.extraPostings?.length) throw new Error("extra postings need points known up front");
  const pts =
    computed || (e.points as number) > 0
      ? [
          { accountId: accounts.pointsIssuer, asset: "PTS" as const, amount: computed ? sql`-${e.points}` : -(e.points as number) },
          { accountId: e.member.accountId, asset: "PTS" as const, amount: e.points, cap: storageCap(e.rules) },
        ]
      : [];
  // Computed points of 0 book nothing and change no total: the whole credit waits on this.
  const earns = computed ? sql`${e.points} > 0` : null;
  const onlyIf = (stmt: Sql): Sql => (earns ? { sql: `${stmt.sql} AND ${earns.sql}`, args: [...stmt.args, ...earns.args] } : stmt);
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
    ...(earns ? { when: earns } : {}),
  });
  const thresholds: Val = isSql(e.rules.starThresholds) ? e.rules.starThresholds : JSON.stringify(e.rules.starThresholds);
  const year: Val = e.year ?? Number(e.at.slice(0, 4));
  write
    .add(
      onlyIf(
        // Right-hand sides see the old row: earned_total + points is the new total.
        sql`UPDATE members SET earned_total = earned_total + ${e.points},
              stars = MAX(stars, (SELECT COUNT(*) FROM json_each(${thresholds}) WHERE value <= earned_total + ${e.points}))
            WHERE id = ${e.member.id}`,
      ),
    )
    .add(
      onlyIf(
        sql`INSERT OR IGNORE INTO level_changes (member_id, stars, at, transaction_id)
            SELECT ${e.member.id}, CAST(key AS INTEGER) + 1, ${e.at}, ${txId} FROM json_each(${thresholds})
            WHERE value <= (SELECT earned_total FROM members WHERE id = ${e.member.id})`,
      ),
    )
    .add(
      sql`INSERT INTO member_year_stats (member_id, year, community_id, points_earned, minutes_served)
          VALUES (${e.member.id}, ${year}, ${e.member.communityId}, ${e.points}, ${e.minutes ?? 0})
          ON CONFLICT (member_id, year) DO UPDATE SET
            points_earned = points_earned + excluded.points_earned,
            minutes_served = minutes_served + excluded.minutes_served`,
    );
  return txId;
}
