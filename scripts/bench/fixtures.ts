import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureAdmin, openLocalDatabase } from "../../src/db/local";
import { caller, type Call } from "../../src/http/caller";
import { createApp, type App } from "../../src/app";
import { signToken } from "../../src/auth/tokens";
import { systemClock } from "../../src/clock";
import { countRoundTrips, createDb, type Db } from "../../src/db/client";

export const BENCH_SECRET = "bench-secret-0123456789abcdef-0123456789";

export interface BenchBank {
  dir: string;
  url: string;
  db: Db;
  app: App;
  call: Call;
  admin: string;
  roundTrips: () => number;
  /** Time spent waiting for the database since the last reset, and its reset. */
  databaseMs: () => number;
  resetCounters: () => void;
  /** Waits for the hash sealing started by earlier writes. */
  settle: () => Promise<void>;
  close: () => Promise<void>;
}

/** A bank on a fresh WAL database file, as `npm start` runs it, with fast password hashing. */
export async function benchBank(): Promise<BenchBank> {
  const dir = mkdtempSync(join(tmpdir(), "lsb-bench-"));
  const url = `file:${join(dir, "bench.db")}`;
  const raw = await openLocalDatabase(url);
  const counted = countRoundTrips(raw);
  const db = createDb(counted.client);
  await ensureAdmin(db, "admin", "admin-password", 1000);
  // Sealing runs after each write as it does in the Node server; close() waits for it.
  const sealing: Promise<unknown>[] = [];
  const app = createApp({
    db,
    clock: systemClock,
    jwtSecret: BENCH_SECRET,
    passwordIterations: 1000,
    defer: (work) => void sealing.push(work().catch(() => undefined)),
  });
  const adminId = String((await raw.execute("SELECT id FROM users WHERE username = 'admin'")).rows[0]!.id);
  const admin = await signToken(
    { userId: adminId, username: "admin", role: "admin", communityId: null, memberId: null, merchantId: null },
    BENCH_SECRET,
    new Date(),
  );
  return {
    dir,
    url,
    db,
    app,
    call: caller(app),
    admin,
    roundTrips: counted.count,
    databaseMs: counted.elapsedMs,
    resetCounters: counted.reset,
    settle: async () => void (await Promise.all(sealing)),
    close: async () => {
      await Promise.all(sealing);
      raw.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Fills the ledger with `entries` postings fast (set-based SQL in chunks): `entries / 2` credits of
 * one point spread over `others` members' accounts, every tenth one to `target`. The database applies
 * each posting to its stored balance; the target's balance_after, earned total and the counters are
 * set as the write path would have left them.
 */
export async function fillLedger(db: Db, target: { id: string; accountId: string }, entries: number, others: string[]) {
  const txs = Math.floor(entries / 2);
  const chunk = 50_000;
  const accountsJson = JSON.stringify(others);
  for (let start = 0; start < txs; start += chunk) {
    const end = Math.min(txs, start + chunk);
    await db.client.batch(
      [
        {
          sql: `WITH RECURSIVE n(i) AS (SELECT CAST(? AS INTEGER) UNION ALL SELECT i + 1 FROM n WHERE i < ?)
                INSERT INTO ledger_transactions (id, seq, kind, at, memo, rule_version)
                SELECT printf('BENCH%012d', i), i, 'service_approved',
                       strftime('%Y-%m-%dT%H:%M:%fZ', '2026-01-01', '+' || (i % 300) || ' days'), 'bench', 1 FROM n`,
          args: [start + 1, end],
        },
        {
          sql: `WITH RECURSIVE n(i) AS (SELECT CAST(? AS INTEGER) UNION ALL SELECT i + 1 FROM n WHERE i < ?)
                INSERT INTO postings (transaction_id, account_id, asset, amount, balance_after)
                SELECT printf('BENCH%012d', i), 'points:issuer', 'PTS', -1, -i FROM n`,
          args: [start + 1, end],
        },
        {
          sql: `WITH RECURSIVE n(i) AS (SELECT CAST(? AS INTEGER) UNION ALL SELECT i + 1 FROM n WHERE i < ?)
                INSERT INTO postings (transaction_id, account_id, asset, amount, balance_after)
                SELECT printf('BENCH%012d', i),
                       CASE WHEN i % 10 = 0 THEN ? ELSE json_extract(?, '$[' || (i % CAST(? AS INTEGER)) || ']') END,
                       'PTS', 1,
                       CASE WHEN i % 10 = 0 THEN i / 10 ELSE (i / CAST(? AS INTEGER)) + 1 END
                FROM n`,
          args: [start + 1, end, target.accountId, accountsJson, others.length, others.length],
        },
      ],
      "write",
    );
  }
  const targetPoints = Math.floor(txs / 10);
  await db.client.batch(
    [
      { sql: "UPDATE members SET earned_total = earned_total + ? WHERE id = ?", args: [targetPoints, target.id] },
      { sql: "UPDATE counters SET value = value + ? WHERE name = 'service_minutes'", args: [txs * 6] },
    ],
    "write",
  );
  // Fold the bulk load's WAL into the database file, as SQLite's checkpoints do in normal use,
  // so reads are measured against the database and not a one-off multi-gigabyte WAL.
  await db.client.execute("PRAGMA wal_checkpoint(TRUNCATE)");
}

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Runs `op` `n` times (after `warm` untimed runs) and returns ops/s and latency percentiles in ms. */
export async function measure(n: number, op: (i: number) => Promise<unknown>, warm = Math.min(50, n)) {
  for (let i = 0; i < warm; i++) await op(-1 - i);
  const times: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    await op(i);
    times.push(performance.now() - s);
  }
  const total = performance.now() - t0;
  times.sort((a, b) => a - b);
  return { n, opsPerSec: (n * 1000) / total, p50: percentile(times, 50), p95: percentile(times, 95), meanMs: total / n };
}

export async function staffAndMember(bank: BenchBank, code: string) {
  const c = (await bank.call("POST", "/v1/communities", { token: bank.admin, body: { name: `基准${code}`, code } })).body;
  const staffUser = await bank.call("POST", "/v1/users", {
    token: bank.admin,
    body: { username: `staff-${code}`, password: "staff-password", role: "staff", communityId: c.id },
  });
  const staff = (await bank.call("POST", "/v1/auth/login", { body: { username: `staff-${code}`, password: "staff-password" } })).body.token;
  if (staffUser.status !== 201 || !staff) throw new Error("bench set-up failed");
  return { community: c, staff };
}

export async function newMember(bank: BenchBank, communityId: string, staff: string, username?: string) {
  const res = await bank.call("POST", "/v1/members", {
    token: staff,
    body: { name: "基准会员", communityId, kind: "volunteer", ...(username ? { login: { username, password: "member-password" } } : {}) },
  });
  if (res.status !== 201) throw new Error(`member: ${JSON.stringify(res.body)}`);
  return res.body as { id: string };
}

export async function pendingRecords(bank: BenchBank, staff: string, memberId: string, n: number): Promise<string[]> {
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

