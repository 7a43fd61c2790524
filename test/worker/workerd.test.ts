import { createClient, type Client } from "@libsql/client";
import { Miniflare } from "miniflare";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { unstable_readConfig } from "wrangler";
import { ensureAdmin } from "../../src/db/local";
import { migrateDatabase } from "../../db/migrate";
import { createDb, type Db } from "../../src/db/client";
import { commit, Write } from "../../src/db/write";
import { accounts } from "../../src/ledger/accounts";
import { verifyChain, verifyStoredChain, type SealedTransaction } from "../../src/ledger/chain";
import { appendTransaction } from "../../src/ledger/ledger";
import { buildWorker, ROOT, runDbMigrate, startSqld, tempDir, type BuiltWorker, type Sqld } from "./harness";

// The Worker as deployed: the bundle `wrangler deploy` would upload, run in workerd (Miniflare),
// talking to a real libSQL server (sqld, what Turso runs) over HTTP on loopback.

const JWT_SECRET = "workerd-test-secret-0123456789abcdefghij";
const ADMIN_PASSWORD = "admin-password-on-sqld";
/** Catches a careless dependency long before Workers' script size limit (231 KiB gzipped today). */
const GZIP_BUDGET_BYTES = 512 * 1024;

type WorkerName = "bank" | "fresh" | "no-secret" | "no-database";

let outdir: string;
let sqld: Sqld;
let fresh: Sqld;
let built: BuiltWorker;
let mf: Miniflare;
let client: Client;
let db: Db;
let runtimeLog = "";
/** What the scenario creates, for the scheduled-handler test that follows it. */
const s = {} as { admin: string; staff: string; member: string; communityId: string; memberId: string; voucherTypeId: string };

beforeAll(async () => {
  outdir = tempDir("lsb-worker-");
  [sqld, fresh, built] = await Promise.all([startSqld(), startSqld(), buildWorker(outdir)]);
  client = createClient({ url: sqld.httpUrl });
  await migrateDatabase(client);
  db = createDb(client);
  // Production iterations (100,000), so every login below runs the real PBKDF2 cost inside workerd.
  await ensureAdmin(db, "admin", ADMIN_PASSWORD);

  const config = unstable_readConfig({ config: join(ROOT, "wrangler.toml") });
  const worker = (name: WorkerName, secrets: Record<string, string>) => ({
    name,
    modules: true,
    scriptPath: built.scriptPath,
    modulesRoot: built.dir,
    compatibilityDate: config.compatibility_date,
    compatibilityFlags: config.compatibility_flags,
    bindings: { ...(config.vars as Record<string, string>), ...secrets },
    // The R2 buckets wrangler.toml binds (RECEIPTS), in Miniflare's memory.
    r2Buckets: config.r2_buckets.map((b: { binding: string }) => b.binding),
  });
  mf = new Miniflare({
    workers: [
      worker("bank", { DATABASE_URL: sqld.libsqlUrl, JWT_SECRET }),
      worker("fresh", { DATABASE_URL: fresh.httpUrl, JWT_SECRET }),
      worker("no-secret", { DATABASE_URL: sqld.httpUrl }),
      worker("no-database", { JWT_SECRET }),
    ],
    handleRuntimeStdio(stdout: Readable, stderr: Readable) {
      stdout.on("data", (d: Buffer) => (runtimeLog += d));
      stderr.on("data", (d: Buffer) => (runtimeLog += d));
    },
  });
  await mf.ready.catch((err) => {
    throw new Error(`workerd did not start: ${err}\n${runtimeLog}`);
  });
}, 120_000);

afterAll(async () => {
  await mf?.dispose();
  client?.close();
  await Promise.all([sqld?.stop(), fresh?.stop()]);
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

async function call(
  name: WorkerName,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers["content-type"] = "application/json";
  const worker = await mf.getWorker(name);
  const res = await worker.fetch(`http://bank.test${path}`, {
    method,
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  const json = (res.headers.get("content-type") ?? "").includes("application/json");
  return { status: res.status, body: json && text ? JSON.parse(text) : text, headers: res.headers as unknown as Headers };
}

async function login(username: string, password: string): Promise<string> {
  const res = await call("bank", "POST", "/v1/auth/login", { body: { username, password } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.token;
}

const tableCount = async (c: Client) =>
  Number((await c.execute("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")).rows[0]!.n);

describe("the Worker bundle", () => {
  it("is built for Workers: the web libSQL client, no migrator, no Node modules, one zod, within the size budget", () => {
    // The migrations' journal (names, no SQL) is in the bundle on purpose: /healthz compares it with the database.
    const inputs = Object.keys(built.meta.inputs);
    expect(inputs.some((p) => p.endsWith("@libsql/client/lib-esm/web.js"))).toBe(true);
    const forbidden = inputs.filter((p) =>
      /@libsql\/client\/lib-esm\/(node|sqlite3)\.js|libsql\/lib|migrator|db\/migrate\.ts|db\/local\.ts|db\/migrations\/(?!meta\/_journal\.json$)|src\/node\.ts/.test(p),
    );
    expect(forbidden).toEqual([]);
    const external = Object.values(built.meta.inputs).flatMap((i) => i.imports.filter((x) => x.external && x.path !== "<runtime>").map((x) => x.path));
    expect(external).toEqual([]);
    const zodRoots = new Set(inputs.filter((p) => p.includes("/zod/")).map((p) => p.slice(0, p.indexOf("/zod/") + 5)));
    expect([...zodRoots]).toEqual(["node_modules/zod/"]);
    const gzipped = gzipSync(readFileSync(built.scriptPath)).length;
    expect(gzipped).toBeLessThan(GZIP_BUDGET_BYTES);
  });
});

describe("the Worker in workerd against sqld", () => {
  it("answers a real request: the public summary from the migrated database", async () => {
    const res = await call("bank", "GET", "/v1/public/summary");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ wishesCollected: 0, passbooks: 0, fund: { balanceFen: 0 } });
    expect(res.headers.get("x-request-id")).toBeTruthy();
  });

  it("runs the programme over HTTP: logins, a passbook, credits, a redemption and its acceptance, the summary and the sealed ledger", async () => {
    const wrong = await call("bank", "POST", "/v1/auth/login", { body: { username: "admin", password: "not-the-password" } });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe("invalid_credentials");
    s.admin = await login("admin", ADMIN_PASSWORD);

    const community = await call("bank", "POST", "/v1/communities", { token: s.admin, body: { name: "城南社区", code: "CN" } });
    expect(community.status).toBe(201);
    s.communityId = community.body.id;
    const staffUser = await call("bank", "POST", "/v1/users", {
      token: s.admin,
      body: { username: "staff-cn", password: "staff-password", role: "staff", communityId: s.communityId },
    });
    expect(staffUser.status).toBe(201);
    s.staff = await login("staff-cn", "staff-password");

    const member = await call("bank", "POST", "/v1/members", {
      token: s.staff,
      body: {
        name: "李志愿",
        kind: "volunteer",
        communityId: s.communityId,
        phone: "13800000000",
        login: { username: "li-volunteer", password: "member-password" },
      },
    });
    expect(member.status, JSON.stringify(member.body)).toBe(201);
    expect(member.body.passbookNo).toBe("CS-000001");
    s.memberId = member.body.id;
    // The deployed Worker hashes new passwords within Workers' PBKDF2 cap.
    const hash = String((await client.execute("SELECT password_hash FROM users WHERE username = 'li-volunteer'")).rows[0]!.password_hash);
    expect(Number(hash.split("$")[1])).toBeLessThanOrEqual(100_000);
    s.member = await login("li-volunteer", "member-password");
    expect((await call("bank", "GET", "/v1/me", { token: s.member })).body).toMatchObject({ role: "member", memberId: s.memberId });

    // Credits: two hours of approved service (10 points an hour) and a 100-yuan money donation (1 point a yuan).
    const record = await call("bank", "POST", "/v1/service-records", {
      token: s.staff,
      body: { memberId: s.memberId, date: "2026-03-01", minutes: 120, description: "陪伴独居老人" },
    });
    expect(record.status, JSON.stringify(record.body)).toBe(201);
    const approved = await call("bank", "POST", `/v1/service-records/${record.body.id}/approve`, { token: s.staff, body: {} });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    expect(approved.body).toMatchObject({ status: "approved", pointsAwarded: 20, transactionId: expect.any(String) });
    const donation = await call("bank", "POST", "/v1/donations", {
      token: s.staff,
      body: { donor: { type: "member", memberId: s.memberId }, kind: "money", amountFen: 10_000 },
    });
    expect(donation.status, JSON.stringify(donation.body)).toBe(201);
    expect(donation.body.pointsAwarded).toBe(100);

    // A redemption, replayed with the same Idempotency-Key, then accepted by the partner once.
    const merchant = await call("bank", "POST", "/v1/merchants", { token: s.admin, body: { name: "城南理发店" } });
    expect(merchant.status).toBe(201);
    const type = await call("bank", "POST", "/v1/voucher-types", {
      token: s.admin,
      body: { merchantId: merchant.body.id, name: "免费理发", pointsCost: 50, stock: 5, validDays: 30 },
    });
    expect(type.status, JSON.stringify(type.body)).toBe(201);
    s.voucherTypeId = type.body.id;
    const redeem = () =>
      call("bank", "POST", "/v1/vouchers", { token: s.member, body: { voucherTypeId: s.voucherTypeId }, headers: { "idempotency-key": "haircut-1" } });
    const voucher = await redeem();
    expect(voucher.status, JSON.stringify(voucher.body)).toBe(201);
    expect(voucher.body).toMatchObject({ status: "issued", transactionId: expect.any(String) });
    const replay = await redeem();
    expect(replay.status).toBe(201);
    expect(replay.body.transactionId).toBe(voucher.body.transactionId);
    const passbook = await call("bank", "GET", `/v1/members/${s.memberId}/passbook`, { token: s.member });
    expect(passbook.body).toMatchObject({ balance: 70, earnedTotal: 120, stars: 2 });

    await call("bank", "POST", "/v1/users", {
      token: s.admin,
      body: { username: "barber", password: "merchant-password", role: "merchant", merchantId: merchant.body.id },
    });
    const barber = await login("barber", "merchant-password");
    const accepted = await call("bank", "POST", `/v1/vouchers/${voucher.body.code}/accept`, { token: barber, body: {} });
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
    expect(accepted.body.status).toBe("used");
    const again = await call("bank", "POST", `/v1/vouchers/${voucher.body.code}/accept`, { token: barber, body: {} });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("voucher_not_issued");

    const summary = await call("bank", "GET", "/v1/public/summary");
    expect(summary.body).toMatchObject({ passbooks: 1, serviceMinutes: 120, fund: { incomeFen: 10_000, spentFen: 0, balanceFen: 10_000 } });
    // The server-rendered pages (hono/jsx) run in workerd too.
    for (const page of ["/", "/honours", "/fund"]) {
      const res = await call("bank", "GET", page);
      expect(res.status, page).toBe(200);
      expect(res.headers.get("content-type"), page).toMatch(/^text\/html/);
      expect(res.body, page).toContain("</html>");
      expect(res.body, page).not.toContain("13800000000");
    }

    // Every write was sealed after its response (waitUntil inside workerd); the published chain verifies.
    const moved = [approved.body.transactionId, donation.body.transactionId, voucher.body.transactionId, accepted.body.transactionId];
    let items: SealedTransaction[] = [];
    await vi.waitFor(
      async () => {
        items = (await call("bank", "GET", "/v1/public/ledger")).body.items;
        expect(items.map((t) => t.id)).toEqual(expect.arrayContaining(moved));
      },
      { timeout: 10_000, interval: 100 },
    );
    expect(items.every((t) => /^[0-9a-f]{64}$/.test(t.hash))).toBe(true);
    expect(await verifyChain(items)).toBeNull();
    const published = JSON.stringify(items);
    expect(published).not.toContain("13800000000");
    expect(published).not.toContain("李志愿");
  });
});

describe("the scheduled handler in workerd", () => {
  it("runs the jobs at the injected scheduledTime: expires a voucher, releases a claim, seals what the request path left", async () => {
    const voucher = await call("bank", "POST", "/v1/vouchers", { token: s.member, body: { voucherTypeId: s.voucherTypeId } });
    expect(voucher.status, JSON.stringify(voucher.body)).toBe(201);
    const wish = await call("bank", "POST", "/v1/wishes", {
      token: s.staff,
      body: { title: "一个书包", description: "新学期的书包", kind: "goods", beneficiaryGroup: "left_behind_child", beneficiary: { name: "小明" } },
    });
    expect(wish.status, JSON.stringify(wish.body)).toBe(201);
    const claimed = await call("bank", "POST", `/v1/wishes/${wish.body.id}/claim`, { token: s.member, body: {} });
    expect(claimed.status, JSON.stringify(claimed.body)).toBe(200);

    const acc = String((await client.execute({ sql: "SELECT account_id FROM members WHERE id = ?", args: [s.memberId] })).rows[0]!.account_id);
    const w = new Write();
    const unsealedId = appendTransaction(w, {
      kind: "service_approved",
      at: "2026-03-02T08:00:00.000Z",
      memo: "committed without sealing",
      postings: [
        { accountId: accounts.pointsIssuer, asset: "PTS", amount: -30 },
        { accountId: acc, asset: "PTS", amount: 30 },
      ],
    });
    await commit(db, w);
    const hashOf = async () => (await client.execute({ sql: "SELECT hash FROM ledger_transactions WHERE id = ?", args: [unsealedId] })).rows[0]!.hash;
    expect(await hashOf()).toBeNull();

    const bank = await mf.getWorker("bank");
    const due = (iso: string) => Date.parse(iso) + 60_000;
    // Just before either deadline nothing is due.
    const early = Math.min(Date.parse(voucher.body.expiresAt), Date.parse(claimed.body.claimDeadline)) - 60_000;
    expect((await bank.scheduled({ scheduledTime: new Date(early), cron: "*/5 * * * *" })).outcome).toBe("ok");
    expect((await call("bank", "GET", `/v1/vouchers/${voucher.body.code}`, { token: s.member })).body.status).toBe("issued");
    expect((await call("bank", "GET", `/v1/wishes/${wish.body.id}`, { token: s.staff })).body.status).toBe("claimed");

    const at = new Date(Math.max(due(voucher.body.expiresAt), due(claimed.body.claimDeadline)));
    const result = await bank.scheduled({ scheduledTime: at, cron: "*/5 * * * *" });
    expect(result.outcome).toBe("ok");
    expect((await call("bank", "GET", `/v1/vouchers/${voucher.body.code}`, { token: s.member })).body.status).toBe("expired");
    expect((await call("bank", "GET", `/v1/wishes/${wish.body.id}`, { token: s.staff })).body.status).toBe("open");
    const passbook = await call("bank", "GET", `/v1/members/${s.memberId}/passbook`, { token: s.member });
    expect(passbook.body.balance).toBe(70 + 30); // the expired voucher's 50 points are back, plus the direct credit
    expect(await hashOf()).toMatch(/^[0-9a-f]{64}$/);
    await vi.waitFor(() => expect(runtimeLog).toMatch(new RegExp(`scheduled jobs at ${at.toISOString()}: .*"vouchersExpired":1.*"claimsReleased":1`)), {
      timeout: 5_000,
    });
    expect(await verifyStoredChain(db)).toBeNull();
  });
});

describe("the Worker never migrates", () => {
  it("answers 500 on an unmigrated database and leaves it empty; `npm run db:migrate` migrates it, and migrating again changes nothing", async () => {
    const freshClient = createClient({ url: fresh.httpUrl });
    try {
      const before = await call("fresh", "GET", "/v1/public/summary");
      expect(before.status).toBe(500);
      expect(before.body.error.code).toBe("internal");
      expect(await tableCount(freshClient)).toBe(0);

      const first = await runDbMigrate(fresh.libsqlUrl);
      expect(first.code, first.output).toBe(0);
      expect(first.output).toContain(`migrated libsql://127.0.0.1:${fresh.port}`);
      const journal = JSON.parse(readFileSync(join(ROOT, "db/migrations/meta/_journal.json"), "utf8")).entries.length;
      const applied = async () => Number((await freshClient.execute("SELECT COUNT(*) AS n FROM __drizzle_migrations")).rows[0]!.n);
      expect(await applied()).toBe(journal);
      expect(await tableCount(freshClient)).toBeGreaterThan(10);

      const after = await call("fresh", "GET", "/v1/public/summary");
      expect(after.status).toBe(200);

      await migrateDatabase(freshClient);
      expect(await applied()).toBe(journal);
    } finally {
      freshClient.close();
    }
  });
});

describe("the Worker without its secrets", () => {
  it.each([
    ["no-secret", "JWT_SECRET secret is missing: wrangler secret put JWT_SECRET"],
    ["no-database", "DATABASE_URL secret is missing"],
  ] as const)("%s: answers a plain 500 and logs which secret is missing", async (name, logged) => {
    const res = await call(name, "GET", "/v1/public/summary");
    expect(res.status).toBe(500);
    expect(res.body.error.code).toBe("internal");
    expect(JSON.stringify(res.body)).not.toMatch(/JWT_SECRET|DATABASE_URL|127\.0\.0\.1/);
    const requestId = res.body.error.requestId;
    await vi.waitFor(() => expect(runtimeLog).toContain(`[${requestId}] Invalid configuration`), { timeout: 5_000 });
    const line = runtimeLog.slice(runtimeLog.indexOf(`[${requestId}]`));
    expect(line).toContain(logged);
    expect(line).not.toContain(JWT_SECRET);
  });

  it("fails the scheduled run too, rather than running jobs unconfigured", async () => {
    const worker = await mf.getWorker("no-secret");
    const result = await worker.scheduled({ scheduledTime: new Date("2026-03-03T00:00:00.000Z"), cron: "*/5 * * * *" });
    expect(result.outcome).toBe("exception");
  });
});

describe("receipt files in the R2 bucket", () => {
  /** A real multipart body, encoded as a browser would, sent as bytes with its boundary. */
  async function upload(token: string, expenseId: string, bytes: Uint8Array, name: string, type: string) {
    const form = new FormData();
    form.append("file", new File([bytes as Uint8Array<ArrayBuffer>], name, { type }));
    const encoded = new Request("http://encode.test", { method: "POST", body: form });
    const worker = await mf.getWorker("bank");
    const res = await worker.fetch(`http://bank.test/v1/fund/expenses/${expenseId}/receipts`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": encoded.headers.get("content-type")! },
      body: new Uint8Array(await encoded.arrayBuffer()),
    });
    return { status: res.status, body: (await res.json()) as any };
  }

  it("keeps an uploaded PDF under its SHA-256 in the RECEIPTS bucket, publishes the hash, and gives the bytes back to the administrator", async () => {
    expect(unstable_readConfig({ config: join(ROOT, "wrangler.toml") }).r2_buckets.map((b: { binding: string }) => b.binding)).toEqual(["RECEIPTS"]);
    const admin = await login("admin", ADMIN_PASSWORD);
    const gift = await call("bank", "POST", "/v1/donations", {
      token: admin,
      body: { donor: { type: "company", name: "城南建材" }, kind: "money", amountFen: 50_000, communityId: s.communityId },
    });
    expect(gift.status, JSON.stringify(gift.body)).toBe(201);
    const expense = await call("bank", "POST", "/v1/fund/expenses", {
      token: admin,
      body: { amountFen: 20_000, purpose: "hardship_aid", description: "慰问困难家庭", payee: "县民政局", receiptRef: "FP-R2" },
    });
    expect(expense.status, JSON.stringify(expense.body)).toBe(201);
    const pdf = new TextEncoder().encode("%PDF-1.7\n% a receipt kept in R2\n%%EOF\n");
    const hash = createHash("sha256").update(pdf).digest("hex");

    const first = await upload(admin, expense.body.id, pdf, "发票.pdf", "application/pdf");
    expect(first).toEqual({ status: 201, body: { sha256: hash, contentType: "application/pdf", size: pdf.length } });
    const object = await (await mf.getR2Bucket("RECEIPTS", "bank")).get(`receipts/${hash}`);
    expect(object).not.toBeNull();
    expect(createHash("sha256").update(new Uint8Array(await object!.arrayBuffer())).digest("hex")).toBe(hash);
    expect(object!.httpMetadata?.contentType).toBe("application/pdf");

    expect((await upload(admin, expense.body.id, pdf, "again.pdf", "application/pdf")).status).toBe(200);
    const text = await upload(admin, expense.body.id, new TextEncoder().encode("not a pdf"), "fake.pdf", "application/pdf");
    expect(text.status).toBe(415);
    const big = new Uint8Array(5 * 1024 * 1024 + 1);
    big.set(pdf);
    const oversize = await upload(admin, expense.body.id, big, "big.pdf", "application/pdf");
    expect(oversize.status).toBe(413);
    expect(oversize.body.error.code).toBe("payload_too_large");

    const worker = await mf.getWorker("bank");
    const got = await worker.fetch(`http://bank.test/v1/fund/expenses/${expense.body.id}/receipts/${hash}`, { headers: { authorization: `Bearer ${admin}` } });
    expect(got.status).toBe(200);
    expect(got.headers.get("content-type")).toBe("application/pdf");
    expect(createHash("sha256").update(new Uint8Array(await got.arrayBuffer())).digest("hex")).toBe(hash);
    const anonymous = await worker.fetch(`http://bank.test/v1/fund/expenses/${expense.body.id}/receipts/${hash}`);
    expect(anonymous.status).toBe(401);
    await anonymous.arrayBuffer();

    const listed = await call("bank", "GET", "/v1/fund/expenses");
    expect(listed.body.items.find((e: { id: string }) => e.id === expense.body.id).receipts).toEqual([first.body]);
    const record = await client.execute({ sql: "SELECT public_facts FROM ledger_transactions WHERE kind = 'fund_receipt' AND ref_id = ?", args: [expense.body.id] });
    expect(record.rows.map((r) => JSON.parse(String(r.public_facts)).sha256)).toEqual([hash]);
  });
});
