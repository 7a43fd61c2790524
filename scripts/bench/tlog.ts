import { createApp } from "../../src/app";
import { systemClock } from "../../src/clock";
import { sealPending } from "../../src/ledger/chain";
import { checkpointText, generateSignerKey, loadSigner } from "../../src/ledger/note";
import { BENCH_SECRET, benchBank, newMember, staffAndMember } from "./fixtures";
import { f, QUICK, Report } from "./report";

// `npm run bench:tlog`: the transparency log at size. A bank is filled set-based in SQL with
// unsealed points credits, then sealed (chain hash, Merkle leaf, tree nodes, a checkpoint per
// batch) in ten slices: each slice's throughput shows whether the cost per transaction grows
// with the log. At the full size, inclusion and consistency proofs and the signed checkpoint are
// timed through the app, and checkpoint signing on its own. `-- --quick`: 20k transactions,
// printed only. Writes BENCHMARKS.md block "tlog".

const scaleArg = process.argv.find((a) => a.startsWith("--size="));
const SIZE = scaleArg ? Number(scaleArg.slice("--size=".length)) : QUICK ? 20_000 : 1_000_000;
const RUNS = 50;

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
async function timeIt(run: () => Promise<unknown>, n = RUNS): Promise<number> {
  for (let i = 0; i < 3; i++) await run();
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await run();
    samples.push(performance.now() - t0);
  }
  return median(samples);
}

const bank = await benchBank();
const { community, staff } = await staffAndMember(bank, "tlog");
const member = await newMember(bank, community.id, staff);
await bank.settle();
const c = bank.db.client;
const acc = String((await c.execute({ sql: "SELECT account_id FROM members WHERE id = ?", args: [member.id] })).rows[0]!.account_id);
const base = Number((await c.execute("SELECT IFNULL(MAX(seq), 0) AS n FROM ledger_transactions")).rows[0]!.n);
await sealPending(bank.db);

const t0 = performance.now();
const seq = (from: number, to: number) => `WITH RECURSIVE n(i) AS (SELECT ${from} UNION ALL SELECT i + 1 FROM n WHERE i < ${to})`;
for (let start = base + 1; start <= base + SIZE; start += 50_000) {
  const end = Math.min(base + SIZE, start + 49_999);
  await c.batch(
    [
      `${seq(start, end)} INSERT INTO ledger_transactions (id, seq, kind, at, memo) SELECT printf('TTX%012d', i), i, 'service_approved', '2026-03-01T08:00:00.000Z', '' FROM n`,
      `${seq(start, end)} INSERT INTO postings (transaction_id, account_id, asset, amount, balance_after, salt)
         SELECT printf('TTX%012d', i), 'points:issuer', 'PTS', -10, 0, NULL FROM n
         UNION ALL SELECT printf('TTX%012d', i), '${acc}', 'PTS', 10, 0, lower(hex(randomblob(16))) FROM n`,
    ],
    "write",
  );
}
const fillS = (performance.now() - t0) / 1000;
console.log(`filled ${SIZE} in ${f(fillS, 1)} s`);

const slices: number[] = [];
const slice = Math.ceil(SIZE / 10);
for (let i = 1; i <= 10; i++) {
  const s0 = performance.now();
  const n = await sealPending(bank.db, systemClock, 500, base + Math.min(SIZE, i * slice));
  slices.push((n * 1000) / (performance.now() - s0));
  console.log(`slice ${i}: ${f(slices[i - 1]!, 0)} tx/s`);
}
const nodes = Number((await c.execute("SELECT COUNT(*) AS n FROM merkle_nodes")).rows[0]!.n);
const checkpoints = Number((await c.execute("SELECT COUNT(*) AS n FROM ledger_checkpoints")).rows[0]!.n);

const app = createApp({ db: bank.db, clock: systemClock, jwtSecret: BENCH_SECRET, defer: () => undefined, ledgerKey: await generateSignerKey("bench.local/ledger") });
const size = base + SIZE;
const get = (path: string) => async () => {
  const res = await app.request(path);
  if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
  await res.arrayBuffer();
};
let k = 0;
const inclusion = await timeIt(() => get(`/v1/public/proof/inclusion?seq=${1 + ((k++ * 7919) % size)}&size=${size}`)());
const consistency = await timeIt(() => get(`/v1/public/proof/consistency?from=${1 + ((k++ * 7919) % size)}&to=${size}`)());
const checkpoint = await timeIt(get("/v1/public/checkpoint"));
const signer = await loadSigner(await generateSignerKey("bench.local/ledger"));
const text = checkpointText({ origin: signer.name, size, root: new Uint8Array(32) });
const sign = await timeIt(() => signer.signNote(text), 200);
await bank.close();

const report = new Report();
report.header(QUICK ? "npm run bench:tlog -- --quick" : "npm run bench:tlog");
report.log(`## 8. The transparency log at ${SIZE.toLocaleString("en-US")} transactions`);
report.log();
report.log(`Filled set-based in SQL (${f(fillS, 1)} s), unsealed; then sealed by sealPending in ten slices of ${slice.toLocaleString("en-US")} (V2 chain hash, Merkle leaf with one member commitment, tree nodes, a checkpoint per 500). A flat row means the cost per transaction does not grow with the log.`);
report.log();
report.log(`| slice | ${slices.map((_, i) => i + 1).join(" | ")} |`);
report.log(`|---|${slices.map(() => "---:").join("|")}|`);
report.log(`| sealed, transactions per second | ${slices.map((x) => f(x, 0)).join(" | ")} |`);
report.log();
report.log(`Kept: ${nodes.toLocaleString("en-US")} tree nodes (about 2 per transaction), ${checkpoints.toLocaleString("en-US")} checkpoints.`);
report.log();
report.log("| at the full size, median of " + RUNS + " | ms |");
report.log("|---|---:|");
report.log(`| GET /v1/public/proof/inclusion (random seq, with the transaction) | ${f(inclusion, 2)} |`);
report.log(`| GET /v1/public/proof/consistency (random from) | ${f(consistency, 2)} |`);
report.log(`| GET /v1/public/checkpoint (read the head, sign) | ${f(checkpoint, 2)} |`);
report.log(`| Ed25519 signing of a checkpoint (WebCrypto, median of 200) | ${f(sign, 3)} |`);
report.write("tlog");
