import type { Db } from "../db/client";
import { loadChain } from "../ledger/chain";
import { decodeCursor } from "./pagination";
import { encodeCursor } from "./pagination";

/** Headline figures from maintained counters and stored balances: one round-trip at any ledger size. */
export async function publicSummary(db: Db) {
  const [countersRes, fundRes] = await db.client.batch(
    [
      "SELECT name, value FROM counters",
      `SELECT
         (SELECT balance FROM accounts WHERE id = 'fund:cash') AS balance,
         (SELECT -IFNULL(SUM(balance), 0) FROM accounts WHERE kind = 'fund_income') AS income,
         (SELECT IFNULL(SUM(balance), 0) FROM accounts WHERE kind = 'fund_spending') AS spent`,
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
 * The published ledger: sealed transactions in chain order, with account codes only (a passbook
 * number, never a name or phone) and no memo, so it is safe to publish and enough to verify.
 */
export async function publicLedger(db: Db, page: { limit: number; cursor?: string }) {
  const afterSeq = decodeCursor<number>(page.cursor, "number") ?? 0;
  const rows = await loadChain(db, { afterSeq, limit: page.limit + 1, sealedOnly: true });
  const more = rows.length > page.limit;
  const items = (more ? rows.slice(0, page.limit) : rows).map((t) => ({
    seq: t.seq,
    id: t.id,
    at: t.at,
    kind: t.kind,
    reversesId: t.reversesId,
    postings: t.postings,
    prevHash: t.prevHash!,
    hash: t.hash!,
  }));
  return { items, nextCursor: more ? encodeCursor(items[items.length - 1]!.seq) : null };
}
