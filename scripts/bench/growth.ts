import { statSync } from "node:fs";
import { join } from "node:path";
import { createApp } from "../../src/app";
import { systemClock } from "../../src/clock";
import { encodeCursor } from "../../src/domain/pagination";
import { sealPending } from "../../src/ledger/chain";
import { publicTables } from "../../src/web/tables";
import { BENCH_SECRET, benchBank, newMember, staffAndMember } from "./fixtures";
import { f, QUICK, Report } from "./report";

// `npm run bench:growth`: what grows with the ledger. For 1k, 100k and 1M ledger transactions
// (`-- --quick`: 1k and 20k) a bank is filled set-based in SQL — one member per ten transactions,
// service credits, money donations and fund expenses spread over 2025–2026, all sealed but the
// last ones — and every read that could grow is timed in process against that file, and sealing
// is timed on the unsealed tail. Writes BENCHMARKS.md block "growth".

const scalesArg = process.argv.find((a) => a.startsWith("--scales="));
/** `--scales=1000,50000` picks other sizes (a look at one read's growth; printed, never written). */
const SCALES = scalesArg ? scalesArg.slice("--scales=".length).split(",").map(Number) : QUICK ? [1_000, 20_000] : [1_000, 100_000, 1_000_000];
const RUNS = QUICK ? 5 : 20;
/** A read stops being repeated after this long, so a linear one at 1M does not take all afternoon. */
const BUDGET_MS = 3_000;
const UNSEALED = QUICK ? 200 : 1_000;
/** Members and wishes at the smallest size too: enough that every first page and CSV is full (1,000 rows). */
const MIN_ROWS = 2_000;

interface Filled {
  members: number;
  postings: number;
  targetId: string;
  fillMs: number;
}

/**
 * Fills `txs` transactions: 1 in 10 a money donation (fund:income:company → fund:cash), 1 in 10 an
 * expense (fund:cash → fund:spending:hardship_aid), the rest 10-point service credits to members,
 * one in a hundred transactions to the target. The postings trigger keeps the stored balances; the members'
 * totals, stars and yearly figures are set as the write path would have left them.
 */
async function fill(bank: Awaited<ReturnType<typeof benchBank>>, communityId: string, targetId: string, txs: number): Promise<Filled> {
  const t0 = performance.now();
  const c = bank.db.client;
  const nMembers = Math.max(MIN_ROWS, Math.floor(txs / 10));
  const target = await c.execute({ sql: "SELECT account_id FROM members WHERE id = ?", args: [targetId] });
  const targetAccount = String(target.rows[0]!.account_id);
  const seq = (from: number, to: number) => `WITH RECURSIVE n(i) AS (SELECT ${from} UNION ALL SELECT i + 1 FROM n WHERE i < ${to})`;
  await c.batch(
    [
      `${seq(1, nMembers)} INSERT INTO accounts (id, code, asset, kind, balance, non_negative)
         SELECT printf('BACC%08d', i), printf('member:GB-%08d', i), 'PTS', 'member_passbook', 0, 1 FROM n`,
      `${seq(1, nMembers)} INSERT INTO members (id, community_id, name, kind, passbook_seq, passbook_no, account_id, earned_total, stars, created_at)
         SELECT printf('BMEM%08d', i), '${communityId}', '基准会员', 'volunteer', 1000000 + i, printf('GB-%08d', i), printf('BACC%08d', i), 0, 0, '2025-01-01T00:00:00.000Z' FROM n`,
      `${seq(1, Math.max(MIN_ROWS, Math.floor(txs / 20)))} INSERT INTO wishes (id, community_id, title, description, kind, beneficiary_group, beneficiary_name, status, created_by, created_at)
         SELECT printf('BWSH%08d', i), '${communityId}', '心愿', '基准心愿', 'goods', 'elderly', '受益人',
                CASE i % 4 WHEN 0 THEN 'open' WHEN 1 THEN 'confirmed' WHEN 2 THEN 'fulfilled' ELSE 'cancelled' END, 'bench', '2025-06-01T00:00:00.000Z' FROM n`,
    ],
    "write",
  );
  const chunk = 50_000;
  const unsealed = Math.min(UNSEALED, Math.floor(txs / 10));
  for (let start = 1; start <= txs; start += chunk) {
    const end = Math.min(txs, start + chunk - 1);
    // Times advance with seq over two years; kind by i % 10; the credited member by a fixed spread.
    const at = `strftime('%Y-%m-%dT%H:%M:%fZ', '2025-01-01', '+' || CAST(i * 730.0 / ${txs} * 86400 AS INTEGER) || ' seconds')`;
    const memberAcc = `CASE WHEN i % 100 = 2 THEN '${targetAccount}' ELSE printf('BACC%08d', 1 + (i * 7919) % ${nMembers}) END`;
    // How many j <= i have j % 10 = r: the running count behind fund:cash's balance after each posting.
    const upTo = (r: number) => `(CASE WHEN i >= ${r} THEN (i - ${r}) / 10 + 1 ELSE 0 END)`;
    const cash = `(10000 * ${upTo(1)} - 5000 * ${upTo(6)})`;
    const sealedUpTo = txs - unsealed;
    await c.batch(
      [
        `${seq(start, end)} INSERT INTO ledger_transactions (id, seq, kind, at, memo, rule_version, prev_hash, hash)
           SELECT printf('BTX%012d', i), i, CASE i % 10 WHEN 1 THEN 'donation' WHEN 6 THEN 'fund_expense' ELSE 'service_approved' END,
                  ${at}, '基准', 1,
                  CASE WHEN i <= ${sealedUpTo} THEN lower(hex(randomblob(32))) END, CASE WHEN i <= ${sealedUpTo} THEN lower(hex(randomblob(32))) END FROM n`,
        // Both postings of each transaction, in transaction order (the ids follow it, as in the write path).
        `${seq(start, end)}, p(i, side, account, asset, amount, after) AS (
           SELECT i, 0, CASE i % 10 WHEN 1 THEN 'fund:income:company' WHEN 6 THEN 'fund:cash' ELSE 'points:issuer' END,
                  CASE i % 10 WHEN 1 THEN 'CNY' WHEN 6 THEN 'CNY' ELSE 'PTS' END,
                  CASE i % 10 WHEN 1 THEN -10000 WHEN 6 THEN -5000 ELSE -10 END,
                  CASE i % 10 WHEN 6 THEN ${cash} ELSE 0 END FROM n
           UNION ALL
           SELECT i, 1, CASE i % 10 WHEN 1 THEN 'fund:cash' WHEN 6 THEN 'fund:spending:hardship_aid' ELSE ${memberAcc} END,
                  CASE i % 10 WHEN 1 THEN 'CNY' WHEN 6 THEN 'CNY' ELSE 'PTS' END,
                  CASE i % 10 WHEN 1 THEN 10000 WHEN 6 THEN 5000 ELSE 10 END,
                  CASE WHEN i % 10 = 1 THEN ${cash} WHEN i % 100 = 2 THEN 10 * ((i - 2) / 100 + 1) ELSE 0 END FROM n)
         INSERT INTO postings (transaction_id, account_id, asset, amount, balance_after)
           SELECT printf('BTX%012d', i), account, asset, amount, after FROM p ORDER BY i, side`,
      ],
      "write",
    );
  }
  await c.batch(
    [
      `UPDATE members SET earned_total = (SELECT balance FROM accounts WHERE accounts.id = members.account_id) WHERE id LIKE 'BMEM%' OR id = '${targetId}'`,
      `UPDATE members SET stars = CASE WHEN earned_total >= 1000 THEN 5 WHEN earned_total >= 600 THEN 4 WHEN earned_total >= 300 THEN 3
                                       WHEN earned_total >= 100 THEN 2 WHEN earned_total >= 10 THEN 1 ELSE 0 END`,
      `INSERT INTO member_year_stats (member_id, year, community_id, points_earned, minutes_served)
         SELECT id, 2026, community_id, earned_total / 2, earned_total * 3 FROM members WHERE earned_total > 0`,
    ],
    "write",
  );
  await c.execute("PRAGMA wal_checkpoint(TRUNCATE)");
  const postings = Number((await c.execute("SELECT COUNT(*) AS n FROM postings")).rows[0]!.n);
  return { members: nMembers, postings, targetId, fillMs: performance.now() - t0 };
}

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;

async function once(run: () => Promise<Response>): Promise<number> {
  const t0 = performance.now();
  const res = await run();
  const body = await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`${res.status}: ${new TextDecoder().decode(body).slice(0, 200)}`);
  return performance.now() - t0;
}

const report = new Report();
const log = (s = "") => report.log(s);
const results: { txs: number; filled: Filled; reads: Map<string, number>; sealPerSec: number; bytes: number }[] = [];
type Read = [string, () => Promise<Response>];
const banks: { txs: number; bank: Awaited<ReturnType<typeof benchBank>>; filled: Filled; reads: Read[] }[] = [];
const treeBuildPerSec = new Map<number, number>();

for (const txs of SCALES) {
  const bank = await benchBank();
  const { community, staff } = await staffAndMember(bank, `g${txs}`);
  const target = await newMember(bank, community.id, staff);
  const filled = await fill(bank, community.id, target.id, txs);
  // The Merkle tree over all but the unsealed tail, as the first sealing run after migration 0009 builds it.
  const t0 = performance.now();
  const inTree = await sealPending(bank.db, systemClock, 2000, txs - Math.min(UNSEALED, Math.floor(txs / 10)));
  treeBuildPerSec.set(txs, (inTree * 1000) / (performance.now() - t0));
  console.log(`${txs}: filled in ${f(filled.fillMs / 1000, 1)} s, tree over ${inTree} in ${f((performance.now() - t0) / 1000, 1)} s`);
  // Sealing off while reading: the unsealed tail is for the sealing figure below.
  const app = createApp({ db: bank.db, clock: systemClock, jwtSecret: BENCH_SECRET, defer: () => undefined });
  const auth = { authorization: `Bearer ${staff}` };
  const admin = { authorization: `Bearer ${bank.admin}` };
  const get = (path: string, headers: Record<string, string> = {}) => () => Promise.resolve(app.request(path, { headers }));
  const deep = encodeCursor(Math.floor(txs / 2));
  const reads: Read[] = [
    ["passbook, balance and first page (API)", get(`/v1/members/${target.id}/passbook`, auth)],
    ["public summary (API)", get("/v1/public/summary")],
    ["public ledger page at the chain's middle (API, 200)", get(`/v1/public/ledger?cursor=${deep}`)],
    ["public ledger page at the chain's middle (page)", get(`/ledger?cursor=${deep}`)],
    ["rankings, points, 2026 (API)", get("/v1/rankings?year=2026&by=points")],
    ["honours (page)", get("/honours")],
    ["quality report (API)", get("/v1/reports/quality")],
    ["quality (page)", get("/quality")],
    ["fund statement for 2026 (API)", get("/v1/fund/statement?from=2026-01-01&to=2027-01-01")],
    ["CSV: fund statement for 2026", get("/v1/fund/statement.csv?from=2026-01-01&to=2027-01-01")],
    ["CSV: the target's whole passbook", get(`/v1/members/${target.id}/passbook.csv`, auth)],
    ["CSV: voucher register", get("/v1/vouchers.csv", admin)],
    ...Object.keys(publicTables).map((name): Read => [`CSV: /csv/${name}.csv (first 1,000 rows)`, get(`/csv/${name}.csv`)]),
  ];
  banks.push({ txs, bank, filled, reads });
}

// Every read in rounds across the sizes (1k, 100k, 1M, 1k, …), median per size: a burst of load
// from the machine's other users then falls on all sizes alike instead of on one of them.
const times = banks.map(() => new Map<string, number>());
for (let r = 0; r < banks[0]!.reads.length; r++) {
  const name = banks[0]!.reads[r]![0];
  const samples = banks.map(() => [] as number[]);
  for (const b of banks) for (let i = 0; i < 3; i++) await once(b.reads[r]![1]);
  const t0 = performance.now();
  for (let round = 0; round < RUNS && (round < 3 || performance.now() - t0 < BUDGET_MS * banks.length); round++) {
    for (const [i, b] of banks.entries()) samples[i]!.push(await once(b.reads[r]![1]));
  }
  banks.forEach((_, i) => times[i]!.set(name, median(samples[i]!)));
}

for (const [i, { txs, bank, filled }] of banks.entries()) {
  const t0 = performance.now();
  const sealed = await sealPending(bank.db);
  const sealPerSec = (sealed * 1000) / (performance.now() - t0);
  await bank.db.client.execute("PRAGMA wal_checkpoint(TRUNCATE)");
  const bytes = statSync(join(bank.dir, "bench.db")).size;
  results.push({ txs, filled, reads: times[i]!, sealPerSec, bytes });
  await bank.close();
}

report.header(QUICK ? "npm run bench:growth -- --quick" : "npm run bench:growth");
log("## 7. What grows with the ledger");
log();
log(
  `Each size is a fresh database file (WAL, checkpointed) filled set-based in SQL: one member per ten transactions and one wish per twenty (at least ${MIN_ROWS.toLocaleString("en-US")} of each, so every first page is full at every size), 80 % service credits, 10 % money donations, 10 % fund expenses, dated evenly over 2025–2026, all sealed but the last ${UNSEALED} (fewer at 1k). Each read is the median of up to ${RUNS} requests through the app in process (at least 3; fewer than ${RUNS} once ${BUDGET_MS / 1000} s per size are spent), after three untimed, taken in rounds across the sizes so that the load of the machine's other users falls on every size alike.`,
);
log();
const base = results[0]!;
const head = results.map((r) => `${r.txs.toLocaleString("en-US")} tx ms`).join(" | ");
const ratios = results.slice(1).map((r) => `× at ${r.txs.toLocaleString("en-US")}`).join(" | ");
log(`| read | ${head} | ${ratios} |`);
log(`|---|${results.map(() => "---:").join("|")}|${results.slice(1).map(() => "---:").join("|")}|`);
for (const name of base.reads.keys()) {
  const cells = results.map((r) => f(r.reads.get(name)!, 2)).join(" | ");
  const rel = results.slice(1).map((r) => `${f(r.reads.get(name)! / base.reads.get(name)!, 2)}×`).join(" | ");
  log(`| ${name} | ${cells} | ${rel} |`);
}
log();
log("| figure | " + results.map((r) => `${r.txs.toLocaleString("en-US")} tx`).join(" | ") + " |");
log(`|---|${results.map(() => "---:").join("|")}|`);
log(`| members (and wishes: half as many, at least ${MIN_ROWS.toLocaleString("en-US")}) | ${results.map((r) => r.filled.members.toLocaleString("en-US")).join(" | ")} |`);
log(`| postings | ${results.map((r) => r.filled.postings.toLocaleString("en-US")).join(" | ")} |`);
log(`| filled in | ${results.map((r) => `${f(r.filled.fillMs / 1000, 1)} s`).join(" | ")} |`);
log(`| sealing, transactions per second (the unsealed tail, one sealPending: chain hash, Merkle leaf and nodes, a checkpoint per batch) | ${results.map((r) => f(r.sealPerSec, 0)).join(" | ")} |`);
log(`| Merkle tree over an existing log (migration's first sealing run), transactions per second | ${results.map((r) => f(treeBuildPerSec.get(r.txs) ?? 0, 0)).join(" | ")} |`);
log(`| database file | ${results.map((r) => `${f(r.bytes / 2 ** 20, 1)} MiB`).join(" | ")} |`);
// Marginal: the growth from the previous size over the postings added, so the fixed part (members, wishes, schema) drops out.
log(
  `| database bytes per million postings (growth from the previous size) | — | ${results
    .slice(1)
    .map((r, i) => `${f(((r.bytes - results[i]!.bytes) / (r.filled.postings - results[i]!.filled.postings) * 1e6) / 2 ** 20, 0)} MiB`)
    .join(" | ")} |`,
);
log();
if (!scalesArg) report.write("growth");
