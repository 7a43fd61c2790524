import { createClient } from "@libsql/client";
import { Miniflare } from "miniflare";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { unstable_readConfig } from "wrangler";
import { ensureAdmin } from "../../src/db/local";
import { migrateDatabase } from "../../db/migrate";
import { createDb } from "../../src/db/client";
import { buildWorker, ROOT, startSqld, tempDir } from "../../test/worker/harness";
import { startDelayProxy, type DelayProxy } from "../../test/worker/delay-proxy";
import { percentile } from "./fixtures";

// The Worker as deployed (the wrangler bundle in workerd through Miniflare) against a real sqld,
// with the delay proxy between them standing in for the distance to Turso. Every request is
// timed from the caller's side of workerd; the proxy counts the database round-trips before the
// answer and after it (hash sealing in waitUntil).

export interface DistanceRow {
  name: string;
  /** p50 / p95 in ms, per one-way delay. */
  byDelay: Map<number, { p50: number; p95: number; before: number; after: number }>;
}

type Op = { name: string; run: () => Promise<Response> };

const ADMIN_PASSWORD = "bench-admin-password";
const JWT_SECRET = "bench-distance-secret-0123456789abcdefghij";

export async function distanceBench(opts: { delays: number[]; samples: number; warm: number; cached?: boolean }) {
  const outdir = tempDir("lsb-bench-worker-");
  const [sqld, built] = await Promise.all([startSqld(), buildWorker(outdir)]);
  const direct = createClient({ url: sqld.httpUrl });
  await migrateDatabase(direct);
  // Production PBKDF2 iterations (100,000), so the login below costs what it costs deployed.
  await ensureAdmin(createDb(direct), "admin", ADMIN_PASSWORD);
  const proxy: DelayProxy = await startDelayProxy(sqld.httpUrl);
  const config = unstable_readConfig({ config: join(ROOT, "wrangler.toml") });
  const mf = new Miniflare({
    modules: true,
    scriptPath: built.scriptPath,
    modulesRoot: built.dir,
    compatibilityDate: config.compatibility_date,
    compatibilityFlags: config.compatibility_flags,
    bindings: { ...(config.vars as Record<string, string>), DATABASE_URL: proxy.url, JWT_SECRET },
  });
  const origin = "http://bank.test";
  const fetchWorker = async (method: string, path: string, token?: string, body?: unknown, extra: Record<string, string> = {}): Promise<Response> => {
    const headers: Record<string, string> = { ...extra };
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = (await mf.dispatchFetch(`${origin}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    })) as unknown as Response;
    return res;
  };
  const json = async (method: string, path: string, token?: string, body?: unknown) => {
    const res = await fetchWorker(method, path, token, body);
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
    return JSON.parse(text);
  };

  try {
    const admin = (await json("POST", "/v1/auth/login", undefined, { username: "admin", password: ADMIN_PASSWORD })).token;
    const community = await json("POST", "/v1/communities", admin, { name: "远程社区", code: "far" });
    await json("POST", "/v1/users", admin, { username: "far-staff", password: "staff-password", role: "staff", communityId: community.id });
    const staff = (await json("POST", "/v1/auth/login", undefined, { username: "far-staff", password: "staff-password" })).token;
    const member = await json("POST", "/v1/members", staff, {
      name: "远程会员",
      communityId: community.id,
      kind: "volunteer",
      login: { username: "far-member", password: "member-password" },
    });
    const memberToken = (await json("POST", "/v1/auth/login", undefined, { username: "far-member", password: "member-password" })).token;
    const merchant = await json("POST", "/v1/merchants", admin, { name: "远程理发店" });
    const type = await json("POST", "/v1/voucher-types", admin, { merchantId: merchant.id, name: "公益理发券", pointsCost: 1, stock: 1_000_000, validDays: 30 });
    // A money donation fills the fund for the expenses; the approvals below earn the points the redemptions spend.
    await json("POST", "/v1/donations", staff, { donor: { type: "company", name: "远程银行" }, kind: "money", amountFen: 1_000_000_000 });
    const perDelay = opts.samples + opts.warm;
    const pending: string[] = [];
    for (let i = 0; i < perDelay * opts.delays.length; i++) {
      pending.push((await json("POST", "/v1/service-records", staff, { memberId: member.id, date: "2026-03-01", minutes: 60, description: "远程服务" })).id);
    }

    const uncached = { cookie: "bench=1" };
    const ops: Op[] = [
      { name: "approval (POST /v1/service-records/:id/approve)", run: () => fetchWorker("POST", `/v1/service-records/${pending.pop()}/approve`, staff, {}) },
      { name: "redemption (POST /v1/vouchers)", run: () => fetchWorker("POST", "/v1/vouchers", memberToken, { voucherTypeId: type.id }) },
      {
        name: "expense (POST /v1/fund/expenses)",
        run: () => fetchWorker("POST", "/v1/fund/expenses", staff, { amountFen: 100, purpose: "hardship_aid", description: "远程支出", receiptRef: "R-1", payee: "爱心商店" }),
      },
      { name: "passbook read (GET /v1/members/:id/passbook)", run: () => fetchWorker("GET", `/v1/members/${member.id}/passbook`, memberToken) },
      // A cookie the app ignores keeps a request out of the edge cache: the view as it costs without it.
      { name: "public summary (GET /v1/public/summary), not cached", run: () => fetchWorker("GET", "/v1/public/summary", undefined, undefined, uncached) },
      { name: "public summary, repeated view (edge cache)", run: () => fetchWorker("GET", "/v1/public/summary") },
      { name: "public page (GET /fund), not cached", run: () => fetchWorker("GET", "/fund", undefined, undefined, uncached) },
      { name: "public page (GET /fund), repeated view (edge cache)", run: () => fetchWorker("GET", "/fund") },
      { name: "login (POST /v1/auth/login, PBKDF2 100,000)", run: () => fetchWorker("POST", "/v1/auth/login", undefined, { username: "far-member", password: "member-password" }) },
    ];
    const rows: DistanceRow[] = ops.map((o) => ({ name: o.name, byDelay: new Map() }));
    for (const delay of opts.delays) {
      proxy.setOneWayMs(delay);
      const quiet = Math.max(15, 3 * delay);
      for (const [i, op] of ops.entries()) {
        const times: number[] = [];
        let before = 0;
        let after = 0;
        for (let s = 0; s < perDelay; s++) {
          await proxy.idle(quiet);
          const r0 = proxy.requests();
          const t0 = performance.now();
          const res = await op.run();
          await res.arrayBuffer();
          const ms = performance.now() - t0;
          if (res.status >= 300) throw new Error(`${op.name}: ${res.status}`);
          const r1 = proxy.requests();
          await proxy.idle(quiet);
          if (s < opts.warm) continue;
          times.push(ms);
          before += r1 - r0;
          after += proxy.requests() - r1;
        }
        times.sort((a, b) => a - b);
        rows[i]!.byDelay.set(delay, {
          p50: percentile(times, 50),
          p95: percentile(times, 95),
          before: before / opts.samples,
          after: after / opts.samples,
        });
      }
    }
    return rows;
  } finally {
    await mf.dispose();
    direct.close();
    await proxy.close();
    await sqld.stop();
    rmSync(outdir, { recursive: true, force: true });
  }
}
