import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_BODY_BYTES } from "../../src/app";
import { errorStatus } from "../../src/errors";
import { SESSION_COOKIE } from "../../src/http/auth";
import { makeBank, type TestBank } from "../helpers/setup";
import { grantPoints } from "../helpers/spending";
import { buildScene, dumpDatabase, expectHealthyLedger, must, pendingRecord, voucherOf, wishBody, wishIn, type Dump, type Scene } from "./helpers";

// Hostile input. Requests generated from the OpenAPI document (every route, its path, query and
// body schema) and from the page routes, then spoiled: wrong types, huge and non-finite numbers,
// unicode tricks, SQL and HTML injection, unknown and prototype-polluting fields, deep and
// oversized and broken JSON, odd headers and tokens. The bank must answer each with a 4xx (or a
// 2xx when the spoiled request happens to be valid), never a 500, and a refused request must
// change nothing. Then: HTML sent through valid requests never renders unescaped on any page.
//
// FUZZ_REQUESTS=20000 FUZZ_SEED=7 npx vitest run test/reliability/fuzz.test.ts   (default 5,000)

const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 5000);
const SEED = Number(process.env.FUZZ_SEED ?? 20260301);

/** mulberry32: a small seeded generator, so a failing request can be replayed with FUZZ_SEED. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    chance: (p: number) => next() < p,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!,
  };
}
type Rng = ReturnType<typeof rng>;

// ---- hostile values ----

const DEEP = (n: number) => "[".repeat(n) + "]".repeat(n);
const DEEP_OBJECT = (n: number) => '{"a":'.repeat(n) + "1" + "}".repeat(n);

const HOSTILE_STRINGS = [
  "",
  " ",
  "NaN",
  "Infinity",
  "-Infinity",
  "1e400",
  "0x10",
  "-0",
  "١٢٣",
  "null",
  "undefined",
  "true",
  "\u202Egnp.exe",
  "a\u200Bb\u200Dc\uFEFF",
  "\uD800",
  "x\uDC00",
  "a\u0000b",
  "\u0007\u001B[31mred",
  "e\u0301\u0301\u0301",
  "👨‍👩‍👧‍👦",
  "𝕏".repeat(40),
  "x".repeat(5000),
  "' OR '1'='1",
  "1; DROP TABLE accounts; --",
  "\" OR 1=1 --",
  "') UNION SELECT password_hash FROM users --",
  "<script>alert(1)</script>",
  '"><img src=x onerror=alert(1)>',
  "{{7*7}}${7*7}",
  "../../../../etc/passwd",
  "%00%2e%2e%2f",
  "__proto__",
  "constructor",
  "CS-000001",
  "2026-02-30",
  "2026-13-01T25:61:61Z",
  "9999-12-31T23:59:59.999Z",
  "0000-01-01",
];

const HOSTILE_VALUES: unknown[] = [
  ...HOSTILE_STRINGS,
  0,
  -1,
  1.5,
  -0.0001,
  2 ** 31,
  2 ** 53,
  2 ** 53 + 2,
  -(2 ** 63),
  1e21,
  1e308,
  Number.MAX_VALUE,
  true,
  false,
  null,
  [],
  [1, 2, 3],
  {},
  { $gt: "" },
  { __proto__: { role: "admin" } },
  Array.from({ length: 500 }, (_, i) => i),
];

const RAW_BODIES = [
  "{",
  "[1,2",
  "",
  "null",
  "true",
  "123",
  '"a string"',
  "[]",
  "{}",
  '{"__proto__":{"role":"admin","balance":1000000}}',
  '{"constructor":{"prototype":{"isAdmin":true}}}',
  '{"a":1,"a":2}',
  "\u0000",
  "\uFEFF{}",
  '{"amountFen": 1e999}',
  '{"amountFen": -0}',
  '{"amountFen": NaN}',
  '{"limit": Infinity}',
  DEEP(5_000),
  DEEP_OBJECT(3_000),
  DEEP(30_000),
  `{"name":"${"x".repeat(MAX_BODY_BYTES)}"}`,
];

const EXTRA_FIELDS = ["role", "balance", "communityId", "status", "passbookNo", "earnedTotal", "stars", "id", "transactionId", "pointsAwarded", "__proto__", "constructor", "memberId", "merchantId", "hash", "seq"];

const CONTENT_TYPES = [
  "application/json",
  "application/json; charset=utf-8",
  "application/json; charset=utf-16",
  "application/jsonx",
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=zzz",
  "",
];

const AUTH_HEADERS = ["Bearer", "Bearer ", "Bearer a.b.c", "Basic YWRtaW46YWRtaW4=", `Bearer ${"a".repeat(8000)}`, "bearer  x  y", "Bearer eyJhbGciOiJub25lIn0.eyJyb2xlIjoiYWRtaW4ifQ."];

// ---- requests from the OpenAPI document ----

interface Op {
  method: string;
  path: string;
  params: { name: string; in: "path" | "query"; schema: any }[];
  body?: any;
}

interface Spec {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

let doc: any;
const resolve = (s: any): any => (s?.$ref ? doc.components.schemas[s.$ref.split("/").pop()] : s);

/** A value that fits the schema, with ids taken from the live data so requests reach deep. */
function sample(schema: any, r: Rng, name: string, ctx: Ctx): unknown {
  const s = resolve(schema) ?? {};
  if (s.enum) return r.pick(s.enum);
  if (s.anyOf || s.oneOf) return sample(r.pick(s.anyOf ?? s.oneOf), r, name, ctx);
  const type = Array.isArray(s.type) ? s.type.find((t: string) => t !== "null") : s.type;
  switch (type) {
    case "object": {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries<any>(s.properties ?? {})) {
        if ((s.required ?? []).includes(k) || r.chance(0.4)) out[k] = sample(v, r, k, ctx);
      }
      return out;
    }
    case "array": {
      const n = s.minItems ?? r.int(0, 2);
      return Array.from({ length: n }, (_, i) => (name === "starThresholds" ? (i + 1) * 10 : sample(s.items, r, name, ctx)));
    }
    case "integer":
    case "number": {
      const lo = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : 0);
      const hi = Math.min(s.maximum ?? lo + 5000, lo + 5000);
      return r.int(lo, hi);
    }
    case "boolean":
      return r.chance(0.5);
    default:
      return sampleString(s, r, name, ctx);
  }
}

function sampleString(s: any, r: Rng, name: string, ctx: Ctx): string {
  if (s.format === "date") return ctx.today;
  if (s.format === "date-time") return r.chance(0.5) ? ctx.now : "2099-01-01T00:00:00Z";
  if (name === "code") return r.pick(ctx.codes);
  if (/id$/i.test(name) || s.pattern === "^[A-Za-z0-9_:-]+$") return r.pick(ctx.ids);
  if (name === "username") return `fz${r.int(0, 1e9)}`;
  if (name === "password") return "fuzz-password";
  if (name === "phone") return "13800001111";
  if (name === "cursor") return r.pick(["", "eyJ4IjoxfQ", "MDFBUlozTkRFS1RTVjRSUkZGUTY5RzVGQVY"]);
  const text = r.pick(["测试", "志愿服务", "A", "Hello world", "<b>bold</b>"]);
  return s.maxLength ? text.slice(0, s.maxLength) : text;
}

interface Ctx {
  today: string;
  now: string;
  ids: string[];
  codes: string[];
  tokens: (string | undefined)[];
  session: string;
}

/** Puts a hostile value somewhere inside a body (a top-level field or one level down). */
function spoil(body: any, r: Rng): any {
  if (!body || typeof body !== "object" || Array.isArray(body)) return r.pick(HOSTILE_VALUES);
  const copy = structuredClone(body);
  const keys = Object.keys(copy);
  const key = keys.length && r.chance(0.8) ? r.pick(keys) : r.pick(EXTRA_FIELDS);
  const inner = copy[key];
  if (inner && typeof inner === "object" && !Array.isArray(inner) && r.chance(0.5)) copy[key] = spoil(inner, r);
  else copy[key] = r.pick(HOSTILE_VALUES);
  return copy;
}

/** Percent-encodes a path segment; a lone surrogate becomes bytes that are not UTF-8 at all. */
function encodePath(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return "%ED%A0%80";
  }
}

function apiRequest(op: Op, r: Rng, ctx: Ctx): Spec {
  let path = op.path;
  const query = new URLSearchParams();
  for (const p of op.params) {
    if (p.in === "path") {
      const value = r.chance(0.75) ? String(sample(p.schema, r, p.name, ctx)) : String(r.pick(HOSTILE_STRINGS));
      path = path.replace(`{${p.name}}`, encodePath(value || "x"));
    } else if (r.chance(0.4)) {
      query.append(p.name, r.chance(0.5) ? String(sample(p.schema, r, p.name, ctx)) : String(r.pick(HOSTILE_VALUES)));
    }
  }
  if (r.chance(0.1)) query.append(r.pick(EXTRA_FIELDS), String(r.pick(HOSTILE_STRINGS)));
  if (r.chance(0.05)) query.append("limit", r.pick(["1", "100", "101", "1000", "1e2"]));
  const headers: Record<string, string> = {};
  const token = r.pick(ctx.tokens);
  if (token) headers.authorization = `Bearer ${token}`;
  if (r.chance(0.05)) headers.authorization = r.pick(AUTH_HEADERS);
  let body: string | undefined;
  if (op.method === "POST") {
    headers["content-type"] = r.chance(0.9) ? "application/json" : r.pick(CONTENT_TYPES);
    const roll = r.next();
    const valid = sample(op.body, r, "body", ctx);
    if (roll < 0.15) body = JSON.stringify(valid);
    else if (roll < 0.75) body = JSON.stringify(spoil(valid, r));
    else if (roll < 0.85) body = JSON.stringify({ ...(valid as object), [r.pick(EXTRA_FIELDS)]: r.pick(HOSTILE_VALUES) });
    else body = r.pick(RAW_BODIES);
    if (r.chance(0.3)) headers["idempotency-key"] = r.pick(["k", "x".repeat(256), "", `key-${r.int(0, 20)}`, "clé-ü"]);
  }
  if (r.chance(0.05)) headers["x-test-address"] = r.pick(["::1", "10.0.0.1", "' OR 1=1", "x".repeat(300)]);
  if (r.chance(0.05)) headers.cookie = r.pick([`${SESSION_COOKIE}=garbage`, "lang=xx", `${SESSION_COOKIE}=${ctx.session}; lang=en`]);
  const qs = query.toString();
  return { method: op.method, url: `${path}${qs ? `?${qs}` : ""}`, headers, body };
}

const PAGES = ["/", "/wishes", "/service", "/donations", "/fund", "/honours", "/quality", "/ledger", "/passbook", "/merchant", "/csv/wishes.csv", "/csv/ledger.csv", "/csv/constructor.csv", "/csv/__proto__.csv", "/docs"];
const FORMS = ["/login", "/logout", "/passbook/redeem", "/merchant/lookup", "/merchant/accept"];

function pageRequest(r: Rng, ctx: Ctx): Spec {
  const headers: Record<string, string> = {};
  if (r.chance(0.5)) headers.cookie = `${SESSION_COOKIE}=${r.pick([ctx.session, "garbage", ""])}${r.chance(0.3) ? "; lang=en" : ""}`;
  if (r.chance(0.5)) {
    const query = new URLSearchParams();
    for (const k of ["lang", "cursor", "year", "limit", "communityId", "x"]) if (r.chance(0.3)) query.append(k, String(r.pick(HOSTILE_VALUES)));
    const qs = query.toString();
    return { method: "GET", url: `${r.pick(PAGES)}${qs ? `?${qs}` : ""}`, headers };
  }
  const form = new URLSearchParams();
  for (const k of ["username", "password", "csrf", "key", "voucherTypeId", "code", "next", "role"]) if (r.chance(0.5)) form.append(k, String(r.pick(HOSTILE_VALUES)));
  headers["content-type"] = r.chance(0.8) ? "application/x-www-form-urlencoded" : r.pick(CONTENT_TYPES);
  if (r.chance(0.7)) headers.origin = r.pick(["http://localhost", "https://evil.example", "null"]);
  return { method: "POST", url: r.pick(FORMS), headers, body: r.chance(0.05) ? "a=".padEnd(40_000, "x") : form.toString() };
}

// ---- the run ----

let bank: TestBank;
let scene: Scene;
let ops: Op[];
let ctx: Ctx;

/** Counts committed row changes in every table (but login_attempts, whose refusals are the rate limit). */
async function installChangeCounter(b: TestBank) {
  const c = b.db.client;
  await c.execute("CREATE TABLE fuzz_changes (n INTEGER NOT NULL)");
  await c.execute("INSERT INTO fuzz_changes (n) VALUES (0)");
  const tables = await c.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN ('fuzz_changes', 'login_attempts') AND name NOT LIKE 'sqlite_%'");
  for (const row of tables.rows) {
    for (const op of ["INSERT", "UPDATE", "DELETE"]) {
      await c.execute(`CREATE TRIGGER "fuzz_${row.name}_${op}" AFTER ${op} ON "${row.name}" BEGIN UPDATE fuzz_changes SET n = n + 1; END`);
    }
  }
}
const changes = async () => Number((await bank.db.client.execute("SELECT n FROM fuzz_changes")).rows[0]!.n);
const dump = () => dumpDatabase(bank.db, { except: ["login_attempts", "fuzz_changes"] });

const stats = { requests: 0, api: 0, pages: 0, accepted: 0, byStatus: {} as Record<number, number> };

beforeAll(async () => {
  bank = await makeBank();
  scene = await buildScene(bank, { points: 500, fundFen: 1_000_000 });
  await grantPoints(bank, scene.bob.id, 500);
  doc = (await bank.call("GET", "/openapi.json")).body;
  // Logging out and changing one's own password end the fuzzer's own sessions (every later
  // request with that token would be a 401 and test nothing); test/api/accounts.test.ts covers them.
  const endsOwnSession = new Set(["POST /v1/auth/logout", "POST /v1/me/password"]);
  ops = Object.entries<any>(doc.paths)
    .flatMap(([path, methods]) =>
      Object.entries<any>(methods).map(([method, op]) => ({
        method: method.toUpperCase(),
        path,
        params: op.parameters ?? [],
        body: op.requestBody?.content?.["application/json"]?.schema,
      })),
    )
    .filter((op) => !endsOwnSession.has(`${op.method} ${op.path}`));
  const s = scene;
  const ids = [
    s.a,
    s.b,
    s.alice.id,
    s.bob.id,
    s.carol.id,
    s.merchant.id,
    s.merchant.typeId,
    s.otherMerchant.typeId,
    await wishIn(s, "open"),
    await wishIn(s, "claimed"),
    await wishIn(s, "fulfilled"),
    await pendingRecord(s),
    (await must(bank, "POST", "/v1/donations", s.staffA, { donor: { type: "anonymous" }, kind: "goods", goods: { description: "米", quantity: 50, valueFen: 5000 } })).id,
    "01ARZ3NDEKTSV4RRFFQ69G5FAV",
  ];
  const v = await voucherOf(s);
  ids.push(v.transactionId);
  const session = (await bank.call("POST", "/v1/auth/login", { body: { username: "admin", password: "admin-password" } })).body.token;
  ctx = {
    today: bank.clock.now().toISOString().slice(0, 10),
    now: bank.clock.now().toISOString(),
    ids,
    codes: [v.code, (await voucherOf(s, s.bob)).code, "ZZZZ-ZZZZ-ZZZZ-ZZZZ", "x"],
    tokens: [bank.admin, s.staffA, s.staffB, s.alice.token, s.bob.token, s.merchant.token, undefined, undefined],
    session,
  };
  await bank.settle();
  await installChangeCounter(bank);
});

afterAll(() => {
  console.info(`fuzz: seed ${SEED}, ${stats.requests} requests (${stats.api} API, ${stats.pages} pages), ${stats.accepted} accepted as valid`, stats.byStatus);
});

describe("hostile input", () => {
  it(`${REQUESTS} generated requests: never a 500, a proper error body, and nothing changed by a refusal`, async () => {
    const r = rng(SEED);
    const problems: string[] = [];
    let baseline = await changes();
    let baselineDump: Dump = await dump();
    for (let i = 0; i < REQUESTS && problems.length < 10; i++) {
      const isPage = r.chance(0.15);
      const spec = isPage ? pageRequest(r, ctx) : apiRequest(r.pick(ops), r, ctx);
      const res = await bank.app.request(spec.url, { method: spec.method, headers: spec.headers, body: spec.body });
      const text = await res.text();
      stats.requests++;
      stats[isPage ? "pages" : "api"]++;
      stats.byStatus[res.status] = (stats.byStatus[res.status] ?? 0) + 1;
      const where = `#${i} ${spec.method} ${spec.url.slice(0, 200)} ${JSON.stringify(spec.headers).slice(0, 200)} ${(spec.body ?? "").slice(0, 200)}`;
      if (res.status >= 500) problems.push(`${res.status} for ${where}: ${text.slice(0, 200)}`);
      if (!isPage && res.status >= 400) {
        let code: string | undefined;
        try {
          code = JSON.parse(text).error.code;
        } catch {
          code = undefined;
        }
        if (!code || errorStatus[code as keyof typeof errorStatus] !== res.status) problems.push(`no proper error body (${res.status}) for ${where}: ${text.slice(0, 200)}`);
      }
      if (spec.method === "POST" && res.status < 400) {
        stats.accepted++;
        await bank.settle();
        baseline = await changes();
        baselineDump = await dump();
      } else if ((await changes()) !== baseline) {
        problems.push(`${res.status} changed the database: ${where}`);
        baseline = await changes();
      }
    }
    expect(problems).toEqual([]);
    expect(await dump(), "every table as the last accepted request left it").toEqual(baselineDump);
    expect(stats.byStatus[400], "most spoiled requests are refused by validation").toBeGreaterThan(REQUESTS / 4);
    await expectHealthyLedger(bank);
  }, 600_000);

  it("regressions found by the fuzz stay fixed", async () => {
    const token = bank.admin;
    const deep = await bank.call("POST", "/v1/fund/expenses", { token, body: DEEP(30_000), headers: { "idempotency-key": "deep" } });
    expect({ status: deep.status, code: deep.body.error.code }).toEqual({ status: 400, code: "validation_failed" });
    expect((await bank.app.request("/csv/constructor.csv")).status).toBe(404);
    for (const path of ["/login", "/logout", "/passbook/redeem", "/merchant/lookup", "/merchant/accept"]) {
      const broken = await bank.app.request(path, {
        method: "POST",
        headers: { origin: "http://localhost", "content-type": "multipart/form-data; boundary=zzz", cookie: `${SESSION_COOKIE}=${path.startsWith("/merchant") ? scene.merchant.token : scene.alice.token}` },
        body: "username=admin&password=x",
      });
      expect({ path, status: broken.status }).toEqual({ path, status: 400 });
    }
    for (const name of ["a\uD800b", "a\u0000b", "\u202Egnp.exe", "x\uDC00", "\u2066isolate\u2069"]) {
      const res = await bank.call("POST", "/v1/communities", { token, body: JSON.stringify({ name, code: `u${Math.random().toString(36).slice(2, 8)}` }) });
      expect({ name: JSON.stringify(name), status: res.status }).toEqual({ name: JSON.stringify(name), status: 400 });
    }
    for (const name of ["a\u200Bb", "👨‍👩‍👧‍👦 一家", "e\u0301", "两行\n文字\t制表"]) {
      const res = await bank.call("POST", "/v1/communities", { token, body: { name, code: `u${Math.random().toString(36).slice(2, 8)}` } });
      expect(res.status).toBe(201);
      const back = await bank.call("GET", "/v1/communities?limit=100");
      expect(back.body.items.map((c: { name: string }) => c.name), "stored and read back exactly").toContain(name);
    }
  });
});

// ---- HTML in data never renders as HTML ----

const XSS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "'><svg onload=alert(1)>", "</textarea><iframe src=javascript:alert(1)>"];
/** What must never appear in a page: the payloads' markup, raw. */
const RAW_MARKUP = [/<script>alert/i, /<img src=x/i, /<svg onload/i, /<iframe/i, /<\/textarea>/i];

describe("HTML sent as data is escaped on every page", () => {
  it("every text field of every record, on every page, in both languages", async () => {
    const b = await makeBank();
    const s = await buildScene(b, { points: 1000, fundFen: 100_000 });
    const x = (i: number) => XSS[i % XSS.length]!;
    const a = await must(b, "POST", "/v1/communities", b.admin, { name: x(0), code: "xss" });
    const member = await b.member(a.id, { name: x(1) });
    const staff = await b.staff(a.id);
    await grantPoints(b, member.id, 500);
    const wish = await must(b, "POST", "/v1/wishes", staff, wishBody({ title: x(2), description: x(3), beneficiary: { name: x(0), contact: x(1) } }));
    await must(b, "POST", `/v1/wishes/${wish.id}/claim`, member.token, {});
    await must(b, "POST", `/v1/wishes/${wish.id}/fulfil`, member.token, { note: x(2) });
    await must(b, "POST", `/v1/wishes/${wish.id}/confirm`, staff, { satisfaction: 5, feedback: x(3) });
    const outing = await must(b, "POST", "/v1/activities", staff, { title: x(0), date: "2026-02-28", place: x(1) });
    const rec = await must(b, "POST", "/v1/service-records", staff, { memberId: member.id, activityId: outing.id, date: "2026-02-28", minutes: 120, description: x(2) });
    await must(b, "POST", `/v1/service-records/${rec.id}/approve`, staff, {});
    await must(b, "POST", "/v1/donations", staff, { donor: { type: "company", name: x(3) }, kind: "money", amountFen: 50_000 });
    await must(b, "POST", "/v1/donations", staff, { donor: { type: "member", memberId: member.id }, kind: "money", amountFen: 1_000 });
    const goods = await must(b, "POST", "/v1/donations", staff, { donor: { type: "individual", name: x(0) }, kind: "goods", goods: { description: x(1), quantity: 3, valueFen: 900 } });
    await must(b, "POST", `/v1/donations/${goods.id}/usages`, staff, { quantity: 1, beneficiaryGroup: "elderly", note: x(2) });
    await must(b, "POST", "/v1/fund/expenses", staff, { amountFen: 1_000, purpose: "hardship_aid", description: x(3), receiptRef: x(0), payee: x(1) });
    const m = await must(b, "POST", "/v1/merchants", b.admin, { name: x(2) });
    const type = await must(b, "POST", "/v1/voucher-types", b.admin, { merchantId: m.id, name: x(3), pointsCost: 5, stock: 5, validDays: 5 });
    await must(b, "POST", "/v1/vouchers", member.token, { voucherTypeId: type.id });
    await must(b, "POST", "/v1/awards", b.admin, { year: 2026, memberId: member.id, title: x(0), citation: x(1) });
    const rec2 = await must(b, "POST", "/v1/service-records", s.staffA, { memberId: s.alice.id, date: "2026-02-28", minutes: 30, description: "x" });
    await must(b, "POST", `/v1/service-records/${rec2.id}/reject`, s.staffA, { reason: x(2) });
    const tx = await must(b, "POST", "/v1/donations", staff, { donor: { type: "anonymous" }, kind: "money", amountFen: 100 });
    await must(b, "POST", `/v1/transactions/${tx.transactionId}/reverse`, b.admin, { reason: x(3) });
    await b.settle();

    const merchantToken = await b.token({ role: "merchant", merchantId: m.id });
    const sessions = { none: "", member: member.token, merchant: merchantToken, admin: b.admin };
    const pages = ["/", "/wishes", "/service", "/donations", "/fund", "/honours", "/quality", "/ledger", "/passbook", "/merchant", "/honours?year=2026"];
    const csvs = ["wishes", "activities", "service", "donations", "goods-use", "fund-income", "fund-spending", "expenses", "awards", "star-members", "quality", "ledger"];
    let escaped = 0;
    let fetched = 0;
    for (const [who, token] of Object.entries(sessions)) {
      for (const lang of ["zh", "en"]) {
        for (const path of pages) {
          const res = await b.app.request(`${path}${path.includes("?") ? "&" : "?"}lang=${lang}`, { headers: token ? { cookie: `${SESSION_COOKIE}=${token}` } : {} });
          const html = await res.text();
          fetched++;
          expect(res.status, `${who} ${path}`).toBeLessThan(500);
          expect(res.headers.get("content-type"), path).toMatch(/^text\/html/);
          for (const raw of RAW_MARKUP) expect(html, `${who} ${lang} ${path} has raw ${raw}`).not.toMatch(raw);
          if (html.includes("&lt;script&gt;alert(1)&lt;/script&gt;") || html.includes("&quot;&gt;&lt;img src=x")) escaped++;
        }
      }
    }
    for (const name of csvs) {
      const res = await b.app.request(`/csv/${name}.csv`);
      expect(res.status, name).toBe(200);
      expect(res.headers.get("content-type"), name).toMatch(/^text\/csv/);
      expect(res.headers.get("content-disposition"), name).toMatch(/^attachment/);
    }
    // The API answers JSON only, never sniffed as HTML.
    const api = await b.app.request("/v1/donations");
    expect(api.headers.get("content-type")).toMatch(/^application\/json/);
    expect(api.headers.get("x-content-type-options")).toBe("nosniff");
    expect(escaped, `pages showing the payloads, escaped, of ${fetched}`).toBeGreaterThan(pages.length);
  });
});
