import type { Db } from "../db/client";
import { accounts, fundIncomeAccount, fundSpendingAccount } from "../ledger/accounts";
import { donorTypes, fundPurposes } from "../vocabulary";
import { loadPublished } from "../ledger/chain";
import { decodeCursor } from "./pagination";
import { encodeCursor } from "./pagination";

// The fund's accounts by primary key: a filter on accounts.kind would scan every passbook account
// (130k at province scale: ~20 ms and 260k rows read per request instead of ~0.1 ms).
const INCOME_ACCOUNTS = donorTypes.map(fundIncomeAccount);
const SPENDING_ACCOUNTS = fundPurposes.map(fundSpendingAccount);
const placeholders = (ids: readonly string[]) => ids.map(() => "?").join(", ");

/** Headline figures from maintained counters and stored balances: one round-trip at any ledger size. */
export async function publicSummary(db: Db) {
  const [countersRes, fundRes] = await db.client.batch(
    [
      "SELECT name, value FROM counters",
      {
        sql: `SELECT
                (SELECT balance FROM accounts WHERE id = ?) AS balance,
                (SELECT -IFNULL(SUM(balance), 0) FROM accounts WHERE id IN (${placeholders(INCOME_ACCOUNTS)})) AS income,
                (SELECT IFNULL(SUM(balance), 0) FROM accounts WHERE id IN (${placeholders(SPENDING_ACCOUNTS)})) AS spent`,
        args: [accounts.fundCash, ...INCOME_ACCOUNTS, ...SPENDING_ACCOUNTS],
      },
    ],
    "read",
  );
  const n = new Map(countersRes!.rows.map((r) => [String(r.name), Number(r.value)]));
  const fund = fundRes!.rows[0]!;
  return {
    wishesCollected: n.get("wishes_collected") ?? 0,
    wishesFulfilled: n.get("wishes_fulfilled") ?? 0,
    passbooks: n.get("passbooks") ?? 0,
    serviceMinutes: n.get("service_minutes") ?? 0,
    activities: n.get("activities") ?? 0,
    participants: n.get("participants") ?? 0,
    fund: { incomeFen: Number(fund.income), spentFen: Number(fund.spent), balanceFen: Number(fund.balance) },
  };
}

/**
 * The published ledger: the transactions in the Merkle tree, in chain order, with account codes
 * only (every passbook is the account "member" with a salted commitment: no number, name or
 * phone), the public record and no memo, so it is safe to publish and enough to verify.
 */
export async function publicLedger(db: Db, page: { limit: number; cursor?: string }) {
  const afterSeq = decodeCursor<number>(page.cursor, "number") ?? 0;
  const rows = await loadPublished(db, afterSeq, page.limit + 1);
  const more = rows.length > page.limit;
  const items = (more ? rows.slice(0, page.limit) : rows).map((t) => ({ ...t, prevHash: t.prevHash!, hash: t.hash! }));
  return { items, nextCursor: more ? encodeCursor(items[items.length - 1]!.seq) : null };
}
