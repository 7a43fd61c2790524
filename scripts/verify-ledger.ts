import { pathToFileURL } from "node:url";
import { GENESIS_HASH, verifyChain, type ChainProblem, type SealedTransaction } from "../src/ledger/chain";

// npm run verify-ledger -- <base-url>
// Downloads the whole public ledger (GET /v1/public/ledger, page by page) and checks every link
// of the hash chain with the same verifyChain the bank uses. Prints the counts and the first
// broken link. Exit codes: 0 verified, 1 the chain is broken, 2 could not download or bad usage.

export interface LedgerReport {
  transactions: number;
  pages: number;
  headHash: string;
  problem: ChainProblem | null;
}

export async function verifyPublishedLedger(baseUrl: string, fetchPage: typeof fetch = fetch, pageSize = 1000): Promise<LedgerReport> {
  let prev = GENESIS_HASH;
  let afterSeq = 0;
  let cursor: string | null = null;
  let transactions = 0;
  let pages = 0;
  do {
    const url = new URL("/v1/public/ledger", baseUrl);
    url.searchParams.set("limit", String(pageSize));
    if (cursor) url.searchParams.set("cursor", cursor);
    const res = await fetchPage(url, { headers: { accept: "application/json" } });
    if (!res.ok) throw new Error(`GET ${url} answered ${res.status}`);
    const page = (await res.json()) as { items: SealedTransaction[]; nextCursor: string | null };
    pages++;
    const problem = await verifyChain(page.items, prev, afterSeq);
    if (problem) return { transactions: transactions + page.items.findIndex((t) => t.seq === problem.seq), pages, headHash: prev, problem };
    transactions += page.items.length;
    const last = page.items[page.items.length - 1];
    if (last) {
      prev = last.hash;
      afterSeq = last.seq;
    }
    cursor = page.nextCursor;
  } while (cursor);
  return { transactions, pages, headHash: prev, problem: null };
}

const explain: Record<ChainProblem["problem"], string> = {
  prev_hash_mismatch: "its prevHash is not the hash of the transaction before it",
  hash_mismatch: "its content does not hash to its published hash (changed after sealing)",
  seq_gap: "its sequence number does not follow the one before it (a transaction is missing)",
};

export async function main(args: string[]): Promise<number> {
  const base = args[0];
  if (!base || !/^https?:\/\//.test(base)) {
    console.error("usage: npm run verify-ledger -- <base-url>   e.g. http://localhost:8787");
    return 2;
  }
  try {
    const r = await verifyPublishedLedger(base);
    if (r.problem) {
      console.log(`verified ${r.transactions} transactions in ${r.pages} page(s), then the chain breaks:`);
      console.log(`  first broken link: seq ${r.problem.seq}, transaction ${r.problem.id}: ${explain[r.problem.problem]} [${r.problem.problem}]`);
      return 1;
    }
    console.log(`verified ${r.transactions} transactions in ${r.pages} page(s): the chain is whole`);
    console.log(`  head hash: ${r.headHash}`);
    return 0;
  } catch (err) {
    console.error(`could not verify: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
