import { serve } from "@hono/node-server";
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { AddressInfo } from "node:net";
import { hashPassword, verifyPassword } from "../../src/auth/password";
import { createApp } from "../../src/app";
import { systemClock } from "../../src/clock";
import { BENCH_SECRET, benchBank, fillLedger, measure, type BenchBank } from "./fixtures";
import { routeTour } from "../../test/helpers/tour";

// `npm run bench`: measures this machine and writes BENCHMARKS.md. Quick mode (BENCH_QUICK=1)
// shrinks every size for a smoke run; the figures in BENCHMARKS.md come from the full run.

const QUICK = process.env.BENCH_QUICK === "1";
const N_WRITES = QUICK ? 200 : 2000;
const N_READS = QUICK ? 300 : 3000;
const SCALES = QUICK ? [1_000, 20_000] : [1_000, 100_000, 1_000_000];
const CONCURRENCY = 50;
const CONCURRENT_SECONDS = QUICK ? 2 : 10;

const lines: string[] = [];
const log = (s = "") => {
  console.log(s);
  lines.push(s);
};
const f = (n: number, d = 1) => n.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });

async function staffAndMember(bank: BenchBank, code: string) {
  const c = (await bank.call("POST", "/v1/communities", { token: bank.admin, body: { name: `基准${code}`, code } })).body;
  const staffUser = await bank.call("POST", "/v1/users", {
    token: bank.admin,
    body: { username: `staff-${code}`, password: "staff-password", role: "staff", communityId: c.id },
  });
  const staff = (await bank.call("POST", "/v1/auth/login", { body: { username: `staff-${code}`, password: "staff-password" } })).body.token;
  if (staffUser.status !== 201 || !staff) throw new Error("bench set-up failed");
  return { community: c, staff };
}

async function newMember(bank: BenchBank, communityId: string, staff: string, username?: string) {
  const res = await bank.call("POST", "/v1/members", {
    token: staff,
    body: { name: "基准会员", communityId, kind: "volunteer", ...(username ? { login: { username, password: "member-password" } } : {}) },
  });
  if (res.status !== 201) throw new Error(`member: ${JSON.stringify(res.body)}`);
  return res.body as { id: string };
}

async function pendingRecords(bank: BenchBank, staff: string, memberId: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await bank.call("POST", "/v1/service-records", {
      token: staff,
      body: { memberId, date: "2026-03-01", minutes: 60, description: "基准服务" },
    });
    if (res.status !== 201) throw new Error(`service record: ${JSON.stringify(res.body)}`);
    ids.push(res.body.id);
  }
  return ids;
}

function listen(bank: BenchBank): Promise<{ url: string; close: () => void }> {
  return new Promise((resolve) => {
    const server = serve({ fetch: bank.app.fetch, port: 0, hostname: "127.0.0.1" }, (info: AddressInfo) =>
      resolve({ url: `http://127.0.0.1:${info.port}`, close: () => server.close() }),
    );
  });
}

async function writePath() {
  log("## 1. Write path against the database's own speed");
  log();
  const bank = await benchBank();
  const { community, staff } = await staffAndMember(bank, "w1");
  const member = await newMember(bank, community.id, staff);
  const inProcess = await pendingRecords(bank, staff, member.id, N_WRITES + 50);
  const overHttp = await pendingRecords(bank, staff, member.id, N_WRITES + 50);
  const headers = { authorization: `Bearer ${staff}`, "content-type": "application/json" };

  const sealingFree = createApp({ db: bank.db, clock: systemClock, jwtSecret: BENCH_SECRET, passwordIterations: 1000, defer: () => undefined });
  const breakdown = await pendingRecords(bank, staff, member.id, N_WRITES + 50);
  await bank.settle();
  bank.resetCounters();
  const inApp = await measure(N_WRITES, async (i) => {
    const id = breakdown[i < 0 ? N_WRITES - i - 1 : i]!;
    const res = await sealingFree.request(`/v1/service-records/${id}/approve`, { method: "POST", headers, body: "{}" });
    if (res.status !== 200) throw new Error(`approve: ${res.status} ${await res.text()}`);
  });
  const dbShare = bank.databaseMs() / (N_WRITES + 50);
  const app = await measure(N_WRITES, async (i) => {
    const id = inProcess[i < 0 ? N_WRITES - i - 1 : i]!;
    const res = await bank.app.request(`/v1/service-records/${id}/approve`, { method: "POST", headers, body: "{}" });
    if (res.status !== 200) throw new Error(`approve: ${res.status} ${await res.text()}`);
  });
  const server = await listen(bank);
  const http = await measure(N_WRITES, async (i) => {
    const id = overHttp[i < 0 ? N_WRITES - i - 1 : i]!;
    const res = await fetch(`${server.url}/v1/service-records/${id}/approve`, { method: "POST", headers, body: "{}" });
    if (res.status !== 200) throw new Error(`approve over HTTP: ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
  });
  server.close();
  await bank.db.client.execute("CREATE TABLE bench_raw (id TEXT PRIMARY KEY, v INTEGER NOT NULL)");
  const raw = await measure(N_WRITES, (i) =>
    bank.db.client.execute({ sql: "INSERT INTO bench_raw (id, v) VALUES (?, ?)", args: [`r${i}`, i] }),
  );
  log(`Approving a service record credits points: ledger transaction, two balances, the member's earned total,`);
  log(`star levels, yearly figures, counters, the record's state and its guard — ${N_WRITES} approvals, one at a time.`);
  log();
  log("| path | requests/s | p50 ms | p95 ms | vs raw insert |");
  log("|---|---:|---:|---:|---:|");
  log(`| raw single-row INSERT via @libsql/client (same file) | ${f(raw.opsPerSec, 0)} | ${f(raw.p50, 3)} | ${f(raw.p95, 3)} | 1.00× |`);
  log(`| approve through the app, hash sealing off (app.request) | ${f(inApp.opsPerSec, 0)} | ${f(inApp.p50, 3)} | ${f(inApp.p95, 3)} | ${f(inApp.opsPerSec / raw.opsPerSec, 2)}× |`);
  log(`| approve through the app (app.request) | ${f(app.opsPerSec, 0)} | ${f(app.p50, 3)} | ${f(app.p95, 3)} | ${f(app.opsPerSec / raw.opsPerSec, 2)}× |`);
  log(`| approve over real HTTP to the Node server | ${f(http.opsPerSec, 0)} | ${f(http.p50, 3)} | ${f(http.p95, 3)} | ${f(http.opsPerSec / raw.opsPerSec, 2)}× |`);
  log();
  log(`Without sealing, an approval waits ${f(dbShare, 3)} ms of its ${f(inApp.meanMs, 3)} ms for the database (one read batch, one write batch); the rest is HTTP handling, validation, JWT and JSON.`);
  log();
  log(`Reading: the full value-moving request runs at ${f(app.opsPerSec / raw.opsPerSec, 2)}× the rate of a bare single-row insert (goal ≥ 0.5×: ${app.opsPerSec / raw.opsPerSec >= 0.5 ? "met" : "not met"}). A credit is double-entry bookkeeping plus the member's totals, star levels, yearly figures, counters and the record's state — about ten times the rows and index pages of one insert — so the database's own work, not the app, sets the ceiling.`);
  log();
  await bank.close();
  return { app: app.opsPerSec / raw.opsPerSec, http: http.opsPerSec / raw.opsPerSec };
}

async function readScaling() {
  log("## 2. Reads that must not grow with the ledger");
  log();
  const rows: { entries: number; passbook: number; summary: number; fillMs: number }[] = [];
  for (const entries of SCALES) {
    const bank = await benchBank();
    const { community, staff } = await staffAndMember(bank, `r${entries}`);
    const target = await newMember(bank, community.id, staff);
    for (let i = 0; i < 200; i++) await newMember(bank, community.id, staff);
    const accounts = await bank.db.client.execute({ sql: "SELECT id, account_id FROM members", args: [] });
    const targetAccount = String(accounts.rows.find((r) => r.id === target.id)!.account_id);
    const others = accounts.rows.filter((r) => r.id !== target.id).map((r) => String(r.account_id));
    const t0 = performance.now();
    await fillLedger(bank.db, { id: target.id, accountId: targetAccount }, entries, others);
    const fillMs = performance.now() - t0;
    const auth = { authorization: `Bearer ${staff}` };
    const passbook = await measure(N_READS, () => Promise.resolve(bank.app.request(`/v1/members/${target.id}/passbook`, { headers: auth })).then((r) => r.text()), 300);
    const summary = await measure(N_READS, () => Promise.resolve(bank.app.request("/v1/public/summary")).then((r) => r.text()), 300);
    rows.push({ entries, passbook: passbook.meanMs, summary: summary.meanMs, fillMs });
    await bank.close();
  }
  const base = rows[0]!;
  log("| ledger entries | data generated in | passbook (balance + first page) ms | × of 1k | public summary ms | × of 1k |");
  log("|---:|---:|---:|---:|---:|---:|");
  for (const r of rows) {
    log(`| ${r.entries.toLocaleString("en-US")} | ${f(r.fillMs / 1000, 1)} s | ${f(r.passbook, 3)} | ${f(r.passbook / base.passbook, 2)}× | ${f(r.summary, 3)} | ${f(r.summary / base.summary, 2)}× |`);
  }
  const last = rows[rows.length - 1]!;
  log();
  log(`Reading: at ${last.entries.toLocaleString("en-US")} entries the passbook costs ${f(last.passbook / base.passbook, 2)}× its 1k figure (goal ≤ 1.2×) and the summary ${f(last.summary / base.summary, 2)}× (goal ≤ 1.5×): balances are stored with the account, entries are read through the (account, id) index, and the summary reads maintained counters.`);
  log();
  return { passbook: last.passbook / base.passbook, summary: last.summary / base.summary };
}

async function roundTrips() {
  log("## 3. Database round-trips per request");
  log();
  const tour = await routeTour();
  log("| route | round-trips | budget |");
  log("|---|---:|---:|");
  for (const r of tour) log(`| ${r.route} | ${r.roundTrips} | ${r.budget} |`);
  const worst = Math.max(...tour.map((r) => r.roundTrips));
  log();
  log(`Reading: ${tour.length} routes measured, the most any needs is ${worst}; test/api/round-trips.test.ts fails if a route goes over its budget.`);
  log();
}

function dirSize(dir: string): { raw: number; gz: number; files: string[] } {
  let raw = 0;
  let gz = 0;
  const files: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory() || !/\.(m?js|wasm)$/.test(name)) continue;
    const buf = readFileSync(p);
    raw += buf.length;
    gz += gzipSync(buf, { level: 9 }).length;
    files.push(name);
  }
  return { raw, gz, files };
}

async function worker() {
  log("## 4. The Worker");
  log();
  const out = "dist/bench-worker";
  execFileSync("npx", ["wrangler", "deploy", "--dry-run", "--outdir", out], {
    stdio: "ignore",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1" },
  });
  const size = dirSize(out);
  const cpu = (fn: () => Promise<unknown>, n: number) => async () => {
    const start = process.cpuUsage();
    for (let i = 0; i < n; i++) await fn();
    const used = process.cpuUsage(start);
    return (used.user + used.system) / 1000 / n;
  };
  const stored = await hashPassword("a long enough password");
  const loginCpu = await cpu(() => verifyPassword("a long enough password", stored), QUICK ? 5 : 30)();
  const bank = await benchBank();
  const auth = { authorization: `Bearer ${bank.admin}` };
  await cpu(() => Promise.resolve(bank.app.request("/v1/me", { headers: auth })), 200)();
  const meCpu = await cpu(() => Promise.resolve(bank.app.request("/v1/me", { headers: auth })).then((r) => r.text()), QUICK ? 300 : 3000)();
  await bank.close();
  log("| figure | value | goal |");
  log("|---|---:|---:|");
  log(`| bundle (\`wrangler deploy --dry-run\`), raw | ${f(size.raw / 1024, 0)} KiB | |`);
  log(`| bundle, gzip -9 | ${f(size.gz / 1024, 0)} KiB | ≤ 350 KB |`);
  log(`| login: PBKDF2-SHA256 100,000 iterations, CPU per verify (Node 20 WebCrypto) | ${f(loginCpu, 1)} ms | |`);
  log(`| token-authenticated read (GET /v1/me: JWT verify + JSON), CPU per request (Node 20) | ${f(meCpu, 3)} ms | |`);
  log();
  log(`Reading: the bundle is ${f(size.gz / 1024, 0)} KiB gzipped. CPU was measured in Node (same V8 and WebCrypto semantics as workerd, not workerd itself): a login's ${f(loginCpu, 0)} ms of PBKDF2 is over the Workers Free plan's 10 ms CPU limit, so deployments need the Workers Paid (Standard) plan; token-authenticated requests stay far below it.`);
  log();
  return { gz: size.gz };
}

async function concurrency() {
  log("## 5. Concurrency over real HTTP");
  log();
  const bank = await benchBank();
  const { community, staff } = await staffAndMember(bank, "cc");
  const merchant = (await bank.call("POST", "/v1/merchants", { token: bank.admin, body: { name: "基准理发店" } })).body;
  const type = (
    await bank.call("POST", "/v1/voucher-types", {
      token: bank.admin,
      body: { merchantId: merchant.id, name: "公益理发券", pointsCost: 10, stock: 1_000_000, validDays: 30 },
    })
  ).body;
  const redeemers = CONCURRENCY / 2;
  const approvers = CONCURRENCY - redeemers;
  const members: { id: string; token: string }[] = [];
  for (let i = 0; i < redeemers; i++) {
    const m = await newMember(bank, community.id, staff, `cc-member-${i}`);
    // 100 hours of approved service each: 1,000 points, 100 vouchers' worth
    for (const r of await pendingRecords(bank, staff, m.id, 100)) {
      await bank.call("POST", `/v1/service-records/${r}/approve`, { token: staff, body: {} });
    }
    const token = (await bank.call("POST", "/v1/auth/login", { body: { username: `cc-member-${i}`, password: "member-password" } })).body.token;
    members.push({ id: m.id, token });
  }
  const worker = await newMember(bank, community.id, staff);
  const queue = await pendingRecords(bank, staff, worker.id, QUICK ? 2000 : 20_000);
  const server = await listen(bank);
  const deadline = performance.now() + CONCURRENT_SECONDS * 1000;
  const counts = { redeemed: 0, refused: 0, approved: 0, errors: 0 };
  const statuses = new Map<number, number>();
  const clients: Promise<void>[] = [];
  for (let i = 0; i < redeemers; i++) {
    const m = members[i]!;
    clients.push(
      (async () => {
        while (performance.now() < deadline) {
          const res = await fetch(`${server.url}/v1/vouchers`, {
            method: "POST",
            headers: { authorization: `Bearer ${m.token}`, "content-type": "application/json" },
            body: JSON.stringify({ voucherTypeId: type.id }),
          });
          await res.arrayBuffer();
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          if (res.status === 201) counts.redeemed++;
          else if (res.status === 409) counts.refused++;
          else counts.errors++;
        }
      })(),
    );
  }
  for (let i = 0; i < approvers; i++) {
    clients.push(
      (async () => {
        while (performance.now() < deadline) {
          const id = queue.pop();
          if (!id) return;
          const res = await fetch(`${server.url}/v1/service-records/${id}/approve`, {
            method: "POST",
            headers: { authorization: `Bearer ${staff}`, "content-type": "application/json" },
            body: "{}",
          });
          await res.arrayBuffer();
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          if (res.status === 200) counts.approved++;
          else counts.errors++;
        }
      })(),
    );
  }
  const t0 = performance.now();
  await Promise.all(clients);
  const seconds = (performance.now() - t0) / 1000;
  server.close();
  const check = await bank.db.client.execute(
    "SELECT (SELECT SUM(balance) FROM accounts WHERE asset = 'PTS') AS pts, (SELECT MIN(balance) FROM accounts WHERE non_negative = 1) AS minbal, (SELECT COUNT(*) FROM vouchers) AS vouchers",
  );
  await bank.close();
  const total = counts.redeemed + counts.refused + counts.approved + counts.errors;
  log(`${CONCURRENCY} clients (${redeemers} members redeeming vouchers, ${approvers} staff approving service records) for ${CONCURRENT_SECONDS} s against the local Node server on 127.0.0.1, one database file.`);
  log();
  log("| figure | value |");
  log("|---|---:|");
  log(`| requests | ${total.toLocaleString("en-US")} in ${f(seconds, 1)} s |`);
  log(`| throughput | ${f(total / seconds, 0)} requests/s |`);
  log(`| vouchers issued (201) | ${counts.redeemed} |`);
  log(`| redemptions refused, points used up (409) | ${counts.refused} |`);
  log(`| approvals (200) | ${counts.approved} |`);
  log(`| errors (anything else) | ${counts.errors} |`);
  log(`| statuses seen | ${[...statuses].map(([s, n]) => `${s}: ${n}`).join(", ")} |`);
  log(`| after the run: sum of PTS balances / lowest non-negative balance / vouchers | ${check.rows[0]!.pts} / ${check.rows[0]!.minbal} / ${check.rows[0]!.vouchers} |`);
  log();
  log(`Reading: ${counts.errors} errors under ${CONCURRENCY}-way concurrency; points still sum to zero and no guarded balance went negative.`);
  log();
}

const started = new Date();
log("# Benchmarks");
log();
log(`Run by \`npm run bench\` on ${started.toISOString().slice(0, 10)}: ${cpus().length} × ${cpus()[0]?.model.trim()}, ${f(totalmem() / 2 ** 30, 0)} GiB, Node ${process.version}, local libSQL file in WAL mode.${QUICK ? " QUICK MODE (reduced sizes) — not the published figures." : ""}`);
log("Tests never assert time; these figures are measured here and are only comparable within one run.");
log();
const w = await writePath();
const r = await readScaling();
await roundTrips();
const wk = await worker();
await concurrency();
log("## Summary");
log();
log(`| goal | measured |`);
log("|---|---:|");
log(`| write path ≥ 0.5× raw inserts | ${f(w.app, 2)}× in process, ${f(w.http, 2)}× over HTTP |`);
log(`| passbook at 1M ≤ 1.2× of 1k | ${f(r.passbook, 2)}× |`);
log(`| summary at 1M ≤ 1.5× of 1k | ${f(r.summary, 2)}× |`);
log(`| bundle ≤ 350 KB gzipped | ${f(wk.gz / 1024, 0)} KiB |`);
if (!QUICK) writeFileSync("BENCHMARKS.md", lines.join("\n") + "\n");
console.log(QUICK ? "\n(quick mode: BENCHMARKS.md not written)" : "\nwrote BENCHMARKS.md");
