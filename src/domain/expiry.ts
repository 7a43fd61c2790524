import type { InArgs } from "@libsql/client";
import type { BankTime } from "../bank-time";
import type { Db } from "../db/client";
import { commit, Write } from "../db/write";
import { AppError } from "../errors";
import { newId } from "../ids";
import { accounts } from "../ledger/accounts";
import { appendTransaction } from "../ledger/ledger";
import { listRules, ruleInForce, type Rules } from "./rules";

// Points that expire (rule pointsValidYears = N): points earned in bank year Y expire at the end
// of year Y + N, first earned first spent. Hours and stars never expire (the earned total and
// the levels are not touched). The scheduled job moves what has expired to points:expired.
//
// First-earned-first-spent needs no lots: every debit is taken from the oldest points, so what
// is left of the points that came in before an instant b is max(0, P(b) − D), where P(b) is what
// came in before b and D all that went out. What came in: credits (earnings, gifts, grants), a
// reversed credit counting against it at its original date. What went out: spending, gifts
// given, expiry, less refunds and reversed debits. Points that came in before expiry was first
// switched on (`since`) were given under a rule that they never expire: they are spent first
// and never expire, so what may expire now is max(0, P(b) − max(D, P(since))).
//
// The job reads the amount, then writes it with a guard that recomputes it inside the write:
// a redemption or gift that got in between changes it, the guard refuses, and the member waits
// for the next run. So expiry racing a redemption never takes the same points twice (and the
// passbook's CHECK would refuse a negative balance anyway).

export interface ExpiryPolicy {
  years: number;
  /** Points that came in before this instant never expire. */
  since: string;
  /** Points that came in before this instant (and from `since`) have expired by now. */
  boundary: string;
  /** The next expiry: points that came in before `nextBoundary` expire at `nextAt`. */
  nextBoundary: string;
  nextAt: string;
}

const yearStart = (time: BankTime, year: number) => time.bounds(`${String(year).padStart(4, "0")}-01-01`).from;

/** The policy in force at `now`, or null when points do not expire. */
export function expiryPolicy(versions: Rules[], now: string, time: BankTime): ExpiryPolicy | null {
  const current = ruleInForce(versions, now);
  if (current.pointsValidYears == null) return null;
  // The start of the unbroken run of versions, up to the one in force, that let points expire.
  const inOrder = versions.filter((r) => r.effectiveFrom <= now).sort((a, b) => (a.effectiveFrom < b.effectiveFrom ? -1 : 1));
  let since = current.effectiveFrom;
  for (let i = inOrder.length - 1; i >= 0 && inOrder[i]!.pointsValidYears != null; i--) since = inOrder[i]!.effectiveFrom;
  const year = Number(time.dateOf(now).slice(0, 4));
  const n = current.pointsValidYears;
  return {
    years: n,
    since,
    boundary: yearStart(time, year - n),
    nextBoundary: yearStart(time, year - n + 1),
    nextAt: yearStart(time, year + 1),
  };
}

/** What came in (1) and went out (0) of a passbook, each at the date it counts from. */
const FLOWS = `
  SELECT p.amount,
         CASE WHEN t.reverses_id IS NOT NULL THEN o.at ELSE t.at END AS d,
         CASE WHEN t.reverses_id IS NULL AND p.amount > 0 AND t.kind NOT IN ('voucher_cancelled', 'voucher_expired') THEN 1
              WHEN t.reverses_id IS NOT NULL AND p.amount < 0 THEN 1
              ELSE 0 END AS came_in
  FROM postings p JOIN ledger_transactions t ON t.id = p.transaction_id
  LEFT JOIN ledger_transactions o ON o.id = t.reverses_id
  WHERE p.account_id = ?`;

/**
 * SQL for the points of an account that came in before `before` and are not spent yet (from
 * `since`). `before` is an instant, or an SQL expression of the surrounding query (`{ sql }`).
 */
export function unspentBeforeSql(accountId: string, since: string, before: string | { sql: string }): { sql: string; args: InArgs } {
  const b = typeof before === "string" ? "?" : before.sql;
  const bArgs = typeof before === "string" ? [before] : [];
  return {
    sql: `(WITH f AS (${FLOWS})
           SELECT CASE WHEN ${b} <= ? THEN 0 ELSE MAX(0,
             IFNULL((SELECT SUM(amount) FROM f WHERE came_in = 1 AND d < ${b}), 0)
             - MAX(IFNULL((SELECT -SUM(amount) FROM f WHERE came_in = 0), 0),
                   IFNULL((SELECT SUM(amount) FROM f WHERE came_in = 1 AND d < ?), 0))) END)`,
    args: [accountId, ...bArgs, since, ...bArgs, since],
  };
}

/**
 * The scheduled expiry: passbooks holding expired points, at most `max` per run (a Worker's cron
 * run has a subrequest budget; the rest wait for the next run). Each is its own guarded write.
 */
export async function expirePoints(db: Db, now: string, time: BankTime, max = 100): Promise<number> {
  const policy = expiryPolicy(await listRules(db), now, time);
  if (!policy) return 0;
  const due = unspentBeforeSql("__account__", policy.since, policy.boundary);
  // The same expression per passbook: the account is the outer row's.
  const perAccount = due.sql.replace("WHERE p.account_id = ?", "WHERE p.account_id = a.id");
  const res = await db.client.execute({
    sql: `SELECT id, account_id, community_id, due FROM (
            SELECT m.id, m.account_id, m.community_id, ${perAccount} AS due
            FROM members m JOIN accounts a ON a.id = m.account_id WHERE a.balance > 0)
          WHERE due > 0 ORDER BY id LIMIT ?`,
    args: [...(due.args as unknown[]).slice(1), max] as InArgs,
  });
  const year = Number(time.dateOf(policy.boundary).slice(0, 4)) - 1;
  let expired = 0;
  for (const r of res.rows) {
    const accountId = String(r.account_id);
    const amount = Number(r.due);
    const check = unspentBeforeSql(accountId, policy.since, policy.boundary);
    const write = new Write().expect("conflict", `${check.sql} = ?`, [...(check.args as unknown[]), amount] as InArgs);
    appendTransaction(write, {
      id: newId(),
      kind: "points_expired",
      at: now,
      memo: `积分过期：${year}年及以前获得、已满${policy.years}年的积分`,
      communityId: String(r.community_id),
      refType: "member",
      refId: String(r.id),
      postings: [
        { accountId, asset: "PTS", amount: -amount },
        { accountId: accounts.pointsExpired, asset: "PTS", amount },
      ],
    });
    try {
      await commit(db, write.onConstraint("balance_non_negative", "conflict"));
      expired++;
    } catch (err) {
      if (!(err instanceof AppError && err.code === "conflict")) throw err;
    }
  }
  return expired;
}

/**
 * What the passbook shows: the oldest points still unspent that will expire, how many and when
 * (the end of the bank year they run out in), and any already expired but not yet moved.
 */
export async function nextExpiry(db: Db, accountId: string, policy: ExpiryPolicy, time: BankTime) {
  const year = Number(time.dateOf(policy.nextAt).slice(0, 4)) - 1;
  // Points that came in before the start of year y + 1 - N expire at the end of year y.
  const cohorts = Array.from({ length: policy.years + 1 }, (_, k) => ({
    before: yearStart(time, year + k + 1 - policy.years),
    at: yearStart(time, year + k + 1),
  }));
  const due = unspentBeforeSql(accountId, policy.since, policy.boundary);
  // The same expression per cohort boundary, read from a JSON list: one query for all of them.
  const each = unspentBeforeSql(accountId, policy.since, { sql: "c.value" });
  const res = await db.client.execute({
    sql: `SELECT ${due.sql} AS due,
                 (SELECT json_group_array(x) FROM (SELECT ${each.sql} AS x FROM json_each(?) c ORDER BY c.key)) AS cohorts`,
    args: [...(due.args as unknown[]), ...(each.args as unknown[]), JSON.stringify(cohorts.map((c) => c.before))] as InArgs,
  });
  const row = res.rows[0]!;
  const expiredPoints = Number(row.due);
  const unspent = JSON.parse(String(row.cohorts)) as number[];
  const k = unspent.findIndex((u) => u > expiredPoints);
  return k < 0 ? { expiredPoints, points: 0, at: null } : { expiredPoints, points: unspent[k]! - expiredPoints, at: cohorts[k]!.at };
}
