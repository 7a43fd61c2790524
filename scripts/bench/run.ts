import { serve } from "@hono/node-server";
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { AddressInfo } from "node:net";
import { hashPassword, verifyPassword } from "../../src/auth/password";
import { createApp } from "../../src/app";
import { defaultBankTime } from "../../src/bank-time";
import { systemClock } from "../../src/clock";
import { distanceBench } from "./distance";
import { BENCH_SECRET, benchBank, measure, newMember, pendingRecords, staffAndMember, type BenchBank } from "./fixtures";
import { appCost } from "./profile";
import { f, QUICK, Report } from "./report";
import { routeTour } from "../../test/helpers/tour";

// `npm run bench`: the figures that do not need a big database (the write path, the Worker at a
// distance from its database, the app's own cost, round-trips, the bundle, concurrency) and writes
// them into BENCHMARKS.md. `npm run bench -- --quick` is a smoke run with small sizes that only
// prints. What grows with the ledger (1k to 1M transactions) is `npm run bench:growth`.

const N_WRITES = QUICK ? 200 : 2000;
const CONCURRENCY = 50;
const CONCURRENT_SECONDS = QUICK ? 2 : 10;
const DELAYS = [0, 10];
const DISTANCE_SAMPLES = QUICK ? 10 : 100;

const report = new Report();
const log = (s = "") => report.log(s);

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

async function roundTrips() {
  log("## 4. Database round-trips per request (in process, counted)");
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

/** A county's outing: 200 people's attendance entered in one request, then approved in one write. */
async function outingApproval() {
  log("## 4b. Approving a 200-person outing (one write)");
  log();
  const bank = await benchBank();
  const { community, staff } = await staffAndMember(bank, "o1");
  const people: string[] = [];
  for (let i = 0; i < 200; i++) people.push((await newMember(bank, community.id, staff)).id);
  const outings = QUICK ? 3 : 10;
  const date = defaultBankTime.dateOf(new Date(Date.now() - 86_400_000));
  const ids: string[] = [];
  for (let i = 0; i < outings + 1; i++) {
    const a = await bank.call("POST", "/v1/activities", { token: staff, body: { title: "基准外出", date, place: "广场" } });
    const att = await bank.call("POST", `/v1/activities/${a.body.id}/attendance`, {
      token: staff,
      body: { entries: people.map((memberId) => ({ memberId, minutes: 120 })) },
    });
    if (att.status !== 201) throw new Error(`attendance: ${JSON.stringify(att.body).slice(0, 300)}`);
    ids.push(a.body.id);
  }
  const approve = async (id: string) => {
    const res = await bank.call("POST", `/v1/activities/${id}/approve`, { token: staff, body: {} });
    if (res.status !== 200 || res.body.approved !== 200) throw new Error(`approve: ${JSON.stringify(res.body).slice(0, 300)}`);
  };
  // The first approval, alone and counted (the hash sealing it starts is waited for first).
  await bank.settle();
  bank.resetCounters();
  await approve(ids[outings]!);
  const perApproval = bank.roundTrips();
  const m = await measure(outings, (i) => approve(ids[i]!), 0);
  await bank.close();
  log("| outing approval | approvals | p50 ms | p95 ms | round-trips, with the sealing that follows |");
  log("|---|---:|---:|---:|---:|");
  log(`| 200 records, 200 ledger transactions | ${outings} | ${f(m.p50, 1)} | ${f(m.p95, 1)} | ${f(perApproval, 0)} |`);
  log();
  log("Reading: the request itself is one read batch and one write batch whatever the roster's size (test/api/outings.test.ts counts them); the rest is the hash sealing started after it answers.");
  log();
  return { p50: m.p50, roundTrips: perApproval };
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
  log("## 5. The Worker");
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
  log("## 6. Concurrency over real HTTP");
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


async function distance() {
  log("## 2. The Worker at a distance from its database");
  log();
  const rows = await distanceBench({ delays: DELAYS, samples: DISTANCE_SAMPLES, warm: 5 });
  const far = DELAYS[DELAYS.length - 1]!;
  const rtt = 2 * far;
  log(
    `The Worker bundle (\`wrangler deploy --dry-run\`) in workerd (Miniflare), against sqld ${"\u2014"} the libSQL server Turso runs ${"\u2014"} through scripts/bench/delay-proxy.ts, which holds every request and every answer for a fixed one-way delay. ${DISTANCE_SAMPLES} requests each, one at a time, after 5 untimed; the proxy is idle before each request, so deferred work (hash sealing in waitUntil) never overlaps the next one.`,
  );
  log();
  log(`| request | p50 ms, RTT 0 | p50 ms, RTT ${rtt} | p95 ms, RTT ${rtt} | p50 ÷ RTT | p95 ÷ RTT | round-trips waited (p50 growth ÷ RTT) | database requests in all (after the answer) |`);
  log("|---|---:|---:|---:|---:|---:|---:|---:|");
  const out: { name: string; waited: number; p50PerRtt: number }[] = [];
  for (const r of rows) {
    const near = r.byDelay.get(0)!;
    const at = r.byDelay.get(far)!;
    const waited = (at.p50 - near.p50) / rtt;
    out.push({ name: r.name, waited, p50PerRtt: at.p50 / rtt });
    log(
      `| ${r.name} | ${f(near.p50, 1)} | ${f(at.p50, 1)} | ${f(at.p95, 1)} | ${f(at.p50 / rtt, 2)} | ${f(at.p95 / rtt, 2)} | ${f(waited, 2)} | ${f(at.before + at.after, 1)} (${f(at.after, 1)}) |`,
    );
  }
  log();
  log(
    "How to read it: \"p50 ÷ RTT\" is the latency as a multiple of the round-trip time, CPU included. \"Round-trips waited\" takes the same request on loopback away and divides by the RTT, which leaves the number of database round-trips the caller really waited for. \"Database requests\" counts what passed the proxy per request, including the sealing that runs after the answer; the proxy cannot tell which of them the answer waited for, which is why the waiting is measured by time. The RTT-0 column is workerd's own cost plus Miniflare's loopback dispatch on this machine, not a Workers figure.",
  );
  log();
  return out;
}

async function appCostSection() {
  log("## 3. The app's own cost, in process");
  log();
  const n = QUICK ? 300 : 2000;
  const r = await appCost(n);
  log(
    `${n} approvals through the whole app (app.request: routing, middleware, JWT, zod, domain, drizzle, @libsql/client, sealing off) against the same ${r.statements} SQL statements each approval sent, recorded and replayed raw as one batch per approval on a copy of the same database file.`,
  );
  log();
  log("| path | requests/s | p50 ms | p95 ms | vs raw replay |");
  log("|---|---:|---:|---:|---:|");
  log(`| the approval's own SQL, replayed raw as one batch | ${f(r.replay.opsPerSec, 0)} | ${f(r.replay.p50, 3)} | ${f(r.replay.p95, 3)} | 1.00× |`);
  log(`| approve through the app | ${f(r.viaApp.opsPerSec, 0)} | ${f(r.viaApp.p50, 3)} | ${f(r.viaApp.p95, 3)} | ${f(r.viaApp.opsPerSec / r.replay.opsPerSec, 2)}× |`);
  log();
  log("Where the approvals' CPU goes (self time in a V8 CPU profile of the app path; the database's own work is the native libSQL code inside \"V8 / Node internals\" and \"libsql\"):");
  log();
  log("| where | share of CPU |");
  log("|---|---:|");
  for (const p of r.places.slice(0, 12)) log(`| ${p.where} | ${f(p.share * 100, 1)} % |`);
  log();
  log("| token-authenticated read against hello-world Hono | requests/s | p50 ms | × hello |");
  log("|---|---:|---:|---:|");
  log(`| hello-world Hono route, in process (app.request) | ${f(r.helloIn.opsPerSec, 0)} | ${f(r.helloIn.p50, 3)} | 1.00× |`);
  log(`| GET /v1/me with a bearer token, in process | ${f(r.meIn.opsPerSec, 0)} | ${f(r.meIn.p50, 3)} | ${f(r.helloIn.opsPerSec / r.meIn.opsPerSec, 2)}× |`);
  log(`| hello-world Hono route, Node server over HTTP | ${f(r.helloHttp.opsPerSec, 0)} | ${f(r.helloHttp.p50, 3)} | 1.00× |`);
  log(`| GET /v1/me with a bearer token, Node server over HTTP | ${f(r.meHttp.opsPerSec, 0)} | ${f(r.meHttp.p50, 3)} | ${f(r.helloHttp.opsPerSec / r.meHttp.opsPerSec, 2)}× |`);
  log();
  return { app: r.viaApp.opsPerSec / r.replay.opsPerSec, meHttp: r.helloHttp.opsPerSec / r.meHttp.opsPerSec, meIn: r.helloIn.opsPerSec / r.meIn.opsPerSec };
}

report.header(QUICK ? "npm run bench -- --quick" : "npm run bench");
log("Tests never assert time; these figures are ratios measured within this one run.");
log();
const w = await writePath();
const d = await distance();
const a = await appCostSection();
await roundTrips();
const outing = await outingApproval();
const wk = await worker();
await concurrency();
const writes = d.filter((x) => /^(approval|redemption|expense)/.test(x.name));
log("## Summary of this run");
log();
log("| goal | measured |");
log("|---|---:|");
log(`| every write ≤ 1.2 × RTT + CPU at 20 ms RTT | round-trips waited: ${writes.map((x) => `${x.name.split(" ")[0]} ${f(x.waited, 2)}`).join(", ")} |`);
log(`| the app ≥ 0.5× the rate of its own SQL replayed raw | ${f(a.app, 2)}× |`);
log(`| token-authenticated read within 2× hello-world Hono | ${f(a.meHttp, 2)}× over HTTP, ${f(a.meIn, 2)}× in process |`);
log(`| bundle ≤ 350 KB gzipped | ${f(wk.gz / 1024, 0)} KiB |`);
log(`| approval vs a bare single-row insert (for the record) | ${f(w.app, 2)}× in process, ${f(w.http, 2)}× over HTTP |`);
log(`| a 200-person outing approved in one write | ${f(outing.p50, 1)} ms p50, ${f(outing.roundTrips, 0)} round-trips |`);
report.write("standard");
