import { createClient, type Client } from "@libsql/client";
import { Miniflare } from "miniflare";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { unstable_readConfig } from "wrangler";
import { ensureAdmin } from "../../src/db/local";
import { migrateDatabase } from "../../db/migrate";
import { createDb } from "../../src/db/client";
import { startDelayProxy, type DelayProxy } from "./delay-proxy";
import { buildWorker, ROOT, startSqld, tempDir, type Sqld } from "./harness";

// Public pages and JSON from the Workers Cache API: the Worker bundle in workerd against sqld,
// with the proxy between them counting every database request the Worker makes.

const JWT_SECRET = "edge-cache-test-secret-0123456789abcdefgh";
const ADMIN_PASSWORD = "admin-password-edge-cache";
const ORIGIN = "http://bank.test";

let outdir: string;
let sqld: Sqld;
let proxy: DelayProxy;
let mf: Miniflare;
let client: Client;
let admin: string;
let staff: string;

beforeAll(async () => {
  outdir = tempDir("lsb-edge-");
  let built;
  [sqld, built] = await Promise.all([startSqld(), buildWorker(outdir)]);
  client = createClient({ url: sqld.httpUrl });
  await migrateDatabase(client);
  await ensureAdmin(createDb(client), "admin", ADMIN_PASSWORD, 1000);
  proxy = await startDelayProxy(sqld.httpUrl);
  const config = unstable_readConfig({ config: join(ROOT, "wrangler.toml") });
  mf = new Miniflare({
    modules: true,
    scriptPath: built.scriptPath,
    modulesRoot: built.dir,
    compatibilityDate: config.compatibility_date,
    compatibilityFlags: config.compatibility_flags,
    bindings: { ...(config.vars as Record<string, string>), DATABASE_URL: proxy.url, JWT_SECRET },
  });
  admin = (await json("POST", "/v1/auth/login", { body: { username: "admin", password: ADMIN_PASSWORD } })).token;
  const community = await json("POST", "/v1/communities", { token: admin, body: { name: "缓存社区", code: "edge" } });
  await json("POST", "/v1/users", { token: admin, body: { username: "edge-staff", password: "staff-password", role: "staff", communityId: community.id } });
  staff = (await json("POST", "/v1/auth/login", { body: { username: "edge-staff", password: "staff-password" } })).token;
}, 120_000);

afterAll(async () => {
  await mf?.dispose();
  client?.close();
  await proxy?.close();
  await sqld?.stop();
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

async function send(method: string, path: string, opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers["content-type"] = "application/json";
  const res = await mf.dispatchFetch(`${ORIGIN}${path}`, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

async function json(method: string, path: string, opts: { token?: string; body?: unknown } = {}) {
  const res = await send(method, path, opts);
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.text}`);
  return JSON.parse(res.text);
}

/**
 * A request and the database requests it caused, counted once the Worker's deferred work (a
 * write's sealing) is done: quiet for long enough that a loaded machine's pauses do not end it early.
 */
async function counted(method: string, path: string, opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  await proxy.idle(150);
  const before = proxy.requests();
  const res = await send(method, path, opts);
  await proxy.idle(150);
  return { ...res, databaseRequests: proxy.requests() - before };
}

/** Waits until `path` is answered from the cache (the put runs in waitUntil, after the first answer). */
const untilStored = (path: string, headers: Record<string, string> = {}) =>
  vi.waitFor(async () => expect((await send("GET", path, { headers })).headers.get("x-edge-cache")).toBe("hit"), { timeout: 5_000, interval: 20 });

describe("public pages and JSON from the edge cache", () => {
  it("a repeated view of a public page costs no database read", async () => {
    const first = await counted("GET", "/fund");
    expect(first.status).toBe(200);
    expect(first.headers.get("x-edge-cache")).toBe("miss");
    expect(first.databaseRequests).toBeGreaterThanOrEqual(1);
    await untilStored("/fund");

    const again = await counted("GET", "/fund");
    expect(again.status).toBe(200);
    expect(again.headers.get("x-edge-cache")).toBe("hit");
    expect(again.databaseRequests).toBe(0);
    expect(again.text).toBe(first.text);
    expect(again.headers.get("cache-control")).toBe(first.headers.get("cache-control"));
    expect(again.headers.get("content-security-policy")).toBe(first.headers.get("content-security-policy"));
  });

  it("public JSON too, and a revalidation with the ETag is a 304 from the cache", async () => {
    const first = await counted("GET", "/v1/public/summary");
    expect(first.headers.get("x-edge-cache")).toBe("miss");
    expect(first.databaseRequests).toBe(1);
    await untilStored("/v1/public/summary");
    const again = await counted("GET", "/v1/public/summary");
    expect(again.headers.get("x-edge-cache")).toBe("hit");
    expect(again.databaseRequests).toBe(0);
    expect(JSON.parse(again.text)).toEqual(JSON.parse(first.text));

    const etag = first.headers.get("etag")!;
    expect(etag).toBeTruthy();
    const revalidated = await counted("GET", "/v1/public/summary", { headers: { "if-none-match": etag } });
    expect(revalidated.status).toBe(304);
    expect(revalidated.databaseRequests).toBe(0);
  });

  it("a write purges what it changes: the next view reads the database and shows the write", async () => {
    await untilStored("/v1/public/summary");
    const before = JSON.parse((await send("GET", "/v1/public/summary")).text);
    await untilStored("/fund");
    await json("POST", "/v1/donations", { token: staff, body: { donor: { type: "company", name: "缓存银行" }, kind: "money", amountFen: 12_300 } });

    // Purged before the write answered, not some time after: the very next view is fresh.
    const after = await counted("GET", "/v1/public/summary");
    expect(after.headers.get("x-edge-cache")).toBe("miss");
    expect(after.databaseRequests).toBe(1);
    expect(JSON.parse(after.text).fund.incomeFen).toBe(before.fund.incomeFen + 12_300);
    const page = await counted("GET", "/fund");
    expect(page.headers.get("x-edge-cache")).toBe("miss");
    expect(page.text).toContain("123.00");
  });

  it("query variants are retired by the same write (the generation is part of every key)", async () => {
    const path = "/v1/public/ledger?limit=5";
    await counted("GET", path);
    await untilStored(path);
    expect((await counted("GET", path)).databaseRequests).toBe(0);
    await json("POST", "/v1/donations", { token: staff, body: { donor: { type: "anonymous" }, kind: "money", amountFen: 100 } });
    const after = await counted("GET", path);
    expect(after.headers.get("x-edge-cache")).toBe("miss");
    expect(after.databaseRequests).toBe(1);
  });

  it("a logged-in caller is never answered from the cache", async () => {
    await counted("GET", "/v1/donations");
    await untilStored("/v1/donations");
    const withToken = await counted("GET", "/v1/donations", { token: staff });
    expect(withToken.status).toBe(200);
    expect(withToken.headers.get("x-edge-cache")).toBeNull();
    expect(withToken.databaseRequests).toBeGreaterThanOrEqual(1);
    expect(withToken.headers.get("cache-control")).toBe("private, no-store");

    const withSession = await counted("GET", "/fund", { headers: { cookie: "lsb_session=not-a-valid-token" } });
    expect(withSession.headers.get("x-edge-cache")).toBeNull();
    expect(withSession.databaseRequests).toBeGreaterThanOrEqual(1);
  });

  it("each language is its own entry; switching language is not cached", async () => {
    const zh = await send("GET", "/");
    const en = await counted("GET", "/", { headers: { cookie: "lsb_lang=en" } });
    expect(en.headers.get("x-edge-cache")).toBe("miss");
    await untilStored("/", { cookie: "lsb_lang=en" });
    const enAgain = await counted("GET", "/", { headers: { cookie: "lsb_lang=en" } });
    expect(enAgain.databaseRequests).toBe(0);
    expect(enAgain.text).not.toBe(zh.text);
    expect(enAgain.text).toContain('lang="en"');

    const switching = await counted("GET", "/?lang=en");
    expect(switching.headers.get("x-edge-cache")).toBeNull();
    expect(switching.headers.get("set-cookie")).toContain("lsb_lang=en");
    expect(switching.databaseRequests).toBeGreaterThanOrEqual(1);
  });

  it("a failed write purges nothing", async () => {
    await counted("GET", "/honours");
    await untilStored("/honours");
    const refused = await send("POST", "/v1/donations", { token: staff, body: { kind: "money" } });
    expect(refused.status).toBe(400);
    const after = await counted("GET", "/honours");
    expect(after.headers.get("x-edge-cache")).toBe("hit");
    expect(after.databaseRequests).toBe(0);
  });
});
