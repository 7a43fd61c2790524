import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import {
  auditLog,
  checkFigures,
  checkGrowth,
  checkPassbookEntry,
  checkReceipt,
  openCheckpoint,
  type ReceiptRecord,
  type Finding,
  type FundStatementJson,
  type InclusionProofJson,
  type PassbookEntryJson,
  type SummaryJson,
} from "../src/ledger/audit";
import { GENESIS_HASH, verifyChain, type ChainProblem, type PublishedTransaction, type SealedTransaction } from "../src/ledger/chain";
import { fromHex, toHex } from "../src/ledger/merkle";
import { toBase64 } from "../src/ledger/note";

// npm run verify-ledger -- <base-url> [--state file] [--key <verifier key>] [--passbook file] [--receipt file]…
// Downloads the whole public ledger (GET /v1/public/ledger, page by page) and checks every link
// of the hash chain with the same verifyChain the bank uses; then the signed checkpoint: its
// signature (with the key given, the one remembered in the state file, or, the first time, the
// one the bank publishes), its consistency with the checkpoint remembered in the state file (a
// truncated or rewritten history fails), that the published transactions give its root, and
// what the data promises (src/ledger/audit.ts): zero sums per asset, exact single reversals,
// the system accounts' signs, the fund statement and the public summary. With --passbook (a
// passbook saved from GET /v1/members/:id/passbook) it proves each entry is in the signed log;
// with --receipt (a copy of an expense's receipt file, repeatable) it finds the file's SHA-256
// among the signed log's fund_receipt records and says which expense and payment it belongs to.
// The state file is written only when everything verified. Exit codes: 0 verified, 1 a problem
// was found, 2 could not download or bad usage.

export interface LedgerReport {
  transactions: number;
  pages: number;
  headHash: string;
  problem: ChainProblem | null;
}

export async function verifyPublishedLedger(
  baseUrl: string,
  fetchPage: typeof fetch = fetch,
  pageSize = 1000,
  onPage: (items: PublishedTransaction[]) => void = () => undefined,
): Promise<LedgerReport> {
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
    const page = (await res.json()) as { items: (SealedTransaction & PublishedTransaction)[]; nextCursor: string | null };
    pages++;
    onPage(page.items);
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

/** What the verifier remembers between runs (--state): the key it trusts and the last checkpoint it verified. */
export interface LedgerState {
  verifierKey: string;
  checkpoint: { size: number; rootHash: string; note: string };
}

export interface AuditReport {
  chain: LedgerReport;
  verifierKey: string;
  keyFrom: "given" | "remembered" | "first use";
  checkpoint: { size: number; rootHash: string; note: string } | null;
  findings: Finding[];
  passbookEntries: { proven: number; pending: number };
  receipts: { name: string; sha256: string; records: ReceiptRecord[] }[];
}

async function getJson<T>(fetchFn: typeof fetch, url: URL): Promise<T> {
  const res = await fetchFn(url, { headers: { accept: "application/json" } });
  if (!res.ok) throw new Error(`GET ${url} answered ${res.status}`);
  return (await res.json()) as T;
}
async function getText(fetchFn: typeof fetch, url: URL): Promise<string> {
  const res = await fetchFn(url);
  if (!res.ok) throw new Error(`GET ${url} answered ${res.status}`);
  return res.text();
}

/**
 * The whole audit of one bank. The checkpoint is fetched first, so the ledger downloaded after
 * it holds at least the transactions it signs.
 */
export async function auditPublishedLedger(
  baseUrl: string,
  opts: {
    fetch?: typeof fetch;
    state?: LedgerState;
    key?: string;
    pageSize?: number;
    passbook?: { member: { passbookNo: string }; entries: PassbookEntryJson[] };
    receipts?: { name: string; sha256: string; size: number }[];
  } = {},
): Promise<AuditReport> {
  const f = opts.fetch ?? fetch;
  const url = (path: string) => new URL(path, baseUrl);
  const published = (await getText(f, url("/v1/public/ledger-key"))).trim();
  const verifierKey = opts.key ?? opts.state?.verifierKey ?? published;
  const keyFrom = opts.key ? "given" : opts.state ? "remembered" : "first use";
  const note = await getText(f, url("/v1/public/checkpoint"));
  const txs: PublishedTransaction[] = [];
  const chain = await verifyPublishedLedger(baseUrl, f, opts.pageSize, (items) => txs.push(...items));
  const report: AuditReport = { chain, verifierKey, keyFrom, checkpoint: null, findings: [], passbookEntries: { proven: 0, pending: 0 }, receipts: [] };
  if (chain.problem) return report;
  const opened = await openCheckpoint(note, verifierKey);
  if ("finding" in opened) {
    report.findings.push(opened.finding);
    return report;
  }
  const cp = opened.checkpoint;
  report.checkpoint = { size: cp.size, rootHash: toHex(cp.root), note };
  const old = opts.state?.checkpoint;
  if (old) {
    const proof =
      old.size > 0 && old.size <= cp.size
        ? (await getJson<{ path: string[] }>(f, url(`/v1/public/proof/consistency?from=${old.size}&to=${cp.size}`))).path
        : null;
    const growth = await checkGrowth({ size: old.size, root: fromHex(old.rootHash) }, cp, proof);
    if (growth) report.findings.push(growth);
  }
  const audit = await auditLog(txs, cp);
  report.findings.push(...audit.findings);
  const [statement, summary] = await Promise.all([
    getJson<FundStatementJson>(f, url("/v1/fund/statement")),
    getJson<SummaryJson>(f, url("/v1/public/summary")),
  ]);
  report.findings.push(...checkFigures(audit.balances, statement, summary));
  for (const entry of opts.passbook?.entries ?? []) {
    if (entry.seq > cp.size) {
      report.passbookEntries.pending++;
      continue;
    }
    const proof = await getJson<InclusionProofJson>(f, url(`/v1/public/proof/inclusion?seq=${entry.seq}&size=${cp.size}`));
    const finding = await checkPassbookEntry(opts.passbook!.member.passbookNo, entry, proof, cp);
    if (finding) report.findings.push(finding);
    else report.passbookEntries.proven++;
  }
  for (const file of opts.receipts ?? []) {
    const found = checkReceipt(txs, cp, file);
    if ("code" in found) report.findings.push(found);
    else report.receipts.push({ name: file.name, sha256: file.sha256, records: found });
  }
  return report;
}

function parseArgs(args: string[]): { base?: string; state?: string; key?: string; passbook?: string; receipts: string[] } | null {
  const out: Record<string, string> = {};
  const receipts: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--state" || a === "--key" || a === "--passbook" || a === "--receipt") {
      if (!args[i + 1]) return null;
      if (a === "--receipt") receipts.push(args[++i]!);
      else out[a.slice(2)] = args[++i]!;
    } else if (!out.base) out.base = a;
    else return null;
  }
  return { ...out, receipts };
}

const USAGE = "usage: npm run verify-ledger -- <base-url> [--state file] [--key <verifier key>] [--passbook file] [--receipt file]…   e.g. http://localhost:8787";

export async function main(args: string[]): Promise<number> {
  const opts = parseArgs(args);
  const base = opts?.base;
  if (!opts || !base || !/^https?:\/\//.test(base)) {
    console.error(USAGE);
    return 2;
  }
  try {
    const state = opts.state && existsSync(opts.state) ? (JSON.parse(readFileSync(opts.state, "utf8")) as LedgerState) : undefined;
    const passbook = opts.passbook ? JSON.parse(readFileSync(opts.passbook, "utf8")) : undefined;
    const receipts = opts.receipts.map((name) => {
      const bytes = readFileSync(name);
      return { name, sha256: createHash("sha256").update(bytes).digest("hex"), size: bytes.length };
    });
    const r = await auditPublishedLedger(base, { state, key: opts.key, passbook, receipts });
    if (r.chain.problem) {
      console.log(`verified ${r.chain.transactions} transactions in ${r.chain.pages} page(s), then the chain breaks:`);
      console.log(`  first broken link: seq ${r.chain.problem.seq}, transaction ${r.chain.problem.id}: ${explain[r.chain.problem.problem]} [${r.chain.problem.problem}]`);
      return 1;
    }
    console.log(`verified ${r.chain.transactions} transactions in ${r.chain.pages} page(s): the chain is whole`);
    console.log(`  head hash: ${r.chain.headHash}`);
    if (r.checkpoint) {
      console.log(`checkpoint: ${r.checkpoint.size} transactions, root ${toBase64(fromHex(r.checkpoint.rootHash))}`);
      console.log(`  signed by ${r.verifierKey} (key ${r.keyFrom === "first use" ? "as the bank publishes it, trusted on first use" : r.keyFrom})`);
      if (state) console.log(`  remembered checkpoint: ${state.checkpoint.size} transactions`);
    }
    if (opts.passbook) console.log(`passbook: ${r.passbookEntries.proven} entries proven in the signed log, ${r.passbookEntries.pending} not yet in it`);
    for (const x of r.receipts) {
      for (const rec of x.records) {
        console.log(`receipt ${x.name}: sha256 ${x.sha256} recorded at seq ${rec.seq} for expense ${rec.expense}${rec.payment ? `, payment ${rec.payment}` : " (recorded while pending)"}`);
      }
    }
    if (r.findings.length) {
      for (const x of r.findings) console.log(`PROBLEM [${x.code}]${x.seq !== undefined ? ` seq ${x.seq}` : ""}: ${x.detail}`);
      return 1;
    }
    console.log("  consistent with what was remembered; the published transactions give the signed root; every transaction balances per asset;");
    console.log("  reversals are exact and single; system balances keep their signs; the fund statement and the public summary agree");
    if (opts.state && r.checkpoint) {
      writeFileSync(opts.state, `${JSON.stringify({ verifierKey: r.verifierKey, checkpoint: r.checkpoint } satisfies LedgerState, null, 2)}\n`);
      console.log(`  remembered in ${opts.state}`);
    }
    return 0;
  } catch (err) {
    console.error(`could not verify: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
