import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { csrf } from "hono/csrf";
import type { Child } from "hono/jsx";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { login } from "../auth/login";
import { TOKEN_TTL_SECONDS, type Principal } from "../auth/tokens";
import { IdempotencyConflict, type IdempotencyRecord } from "../db/write";
import { getPassbook, updateMember } from "../domain/members";
import { acceptVoucher, getVoucher, listVouchers, listVoucherTypes, redeemVoucher, type VoucherJson } from "../domain/vouchers";
import { AppError, type ErrorCode } from "../errors";
import { callerAddress, SESSION_COOKIE } from "../http/auth";
import type { AppEnv } from "../http/env";
import { Id, z } from "../http/openapi";
import { sha256Hex } from "../ledger/chain";
import { DataTable, Stars, type TableDef } from "./components";
import { formatCount, formatDate, formatDateTime, label, type Dict } from "./i18n";
import { langOf, LangParam, pageQuery, qs, sendPage, validated, type WebContext } from "./page";
import { readTogether } from "./together";

// The logged-in pages: a member's passbook and a merchant's acceptance desk.
//
// Session: the JWT from /login sits in an HttpOnly, SameSite=Strict cookie (Secure when the
// deployment is https), which the app's authenticate middleware reads like a bearer token.
// CSRF, two layers: (1) hono/csrf refuses any form POST whose Origin (or Sec-Fetch-Site) is not
// this site, and (2) every form of a logged-in page carries a token derived from the session
// (HMAC of the session token under the JWT secret), checked before anything happens. The login
// form itself has no session to bind to and relies on (1) and on SameSite.
// Value-moving forms also carry a one-time key used as an Idempotency-Key, so a double click or a
// reload never redeems or accepts twice.

type View = ReturnType<typeof langOf>;

const PASSBOOK_ENTRIES = 20;

const deps = (c: WebContext) => c.get("deps");
const nowIso = (c: WebContext) => deps(c).clock.now().toISOString();

/** The session's CSRF token: HMAC-SHA256 of the session cookie under the JWT secret (stateless, dies with the session). */
async function csrfToken(c: WebContext): Promise<string> {
  const session = getCookie(c, SESSION_COOKIE) ?? "";
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(deps(c).jwtSecret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`csrf\n${session}`));
  let bin = "";
  for (const b of new Uint8Array(mac)) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

async function checkCsrf(c: WebContext, sent: string): Promise<void> {
  const expected = await csrfToken(c);
  let diff = sent.length ^ expected.length;
  for (let i = 0; i < expected.length; i++) diff |= expected.charCodeAt(i) ^ (sent.charCodeAt(i) || 0);
  if (diff !== 0) throw new AppError("forbidden", "The form's CSRF token does not match this session", { field: "csrf" });
}

const formKey = () => crypto.randomUUID();

/** The idempotency record of a form post: scoped to the user like the API's, keyed by the form's one-time key. */
async function formRecord(p: Principal, what: string, key: string, status: 200 | 201): Promise<IdempotencyRecord> {
  return { scope: `user:${p.userId}`, key: `web:${key}:${what}`, requestHash: await sha256Hex(`web ${what}`), status };
}

/**
 * The stored result of a form already sent with this one-time key, if any. A repeat is refused
 * by the state it left behind (a 409) or by the key itself; either way the first result stands.
 * Read only on that refusal path, like the API's idempotency middleware.
 */
async function firstResult<T>(c: WebContext, record: IdempotencyRecord, err: unknown): Promise<T | undefined> {
  if (!(err instanceof IdempotencyConflict || (err instanceof AppError && err.status === 409))) return undefined;
  const res = await deps(c).db.client.execute({
    sql: "SELECT request_hash, body FROM idempotency_keys WHERE scope = ? AND key = ?",
    args: [record.scope, record.key],
  });
  const row = res.rows[0];
  return row && row.request_hash === record.requestHash ? (JSON.parse(String(row.body)) as T) : undefined;
}

/** The form's fields; a body that does not parse as its Content-Type says (a broken multipart) is a 400, not a 500. */
async function formFields(c: WebContext): Promise<Record<string, unknown>> {
  try {
    return await c.req.parseBody();
  } catch {
    throw new AppError("validation_failed", "The form could not be read");
  }
}

const form = async <T extends z.ZodTypeAny>(c: WebContext, schema: T): Promise<z.infer<T>> =>
  validated(schema, await formFields(c), "The form is not valid");

const CsrfField = z.string().min(1).max(100);
const FormKey = z.string().uuid();

// ---- shared bits of the logged-in pages ----

function LoginForm({ d, next, error }: { d: Dict; next: "passbook" | "merchant"; error?: string }) {
  return (
    <>
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
      <h2>{d.loginTitle}</h2>
      <p>{next === "merchant" ? d.merchantLoginIntro : d.loginIntro}</p>
      <form method="post" action="/login">
        <input type="hidden" name="next" value={next} />
        <div class="field">
          <label for="username">{d.username}</label>
          <input id="username" name="username" autocomplete="username" required maxlength={64} />
        </div>
        <div class="field">
          <label for="password">{d.password}</label>
          <input id="password" name="password" type="password" autocomplete="current-password" required maxlength={200} />
        </div>
        <button type="submit">{d.loginButton}</button>
      </form>
    </>
  );
}

function UserBar({ d, p, token }: { d: Dict; p: Principal; token: string }) {
  return (
    <div class="userbar no-print">
      <span>{p.username}</span>
      <form method="post" action="/logout" class="inline">
        <input type="hidden" name="csrf" value={token} />
        <button type="submit" class="secondary">
          {d.logout}
        </button>
      </form>
    </div>
  );
}

const Notice = ({ text, kind }: { text: string; kind: "notice" | "error" }) => (
  <p class={kind} role={kind === "error" ? "alert" : "status"}>
    {text}
  </p>
);

function privatePage(c: WebContext, view: View, path: string, title: string, body: Child, status?: ContentfulStatusCode) {
  return sendPage(c, view, { access: "private", path, title, body, status });
}

const loginPage = (c: WebContext, view: View, next: "passbook" | "merchant", error?: string, status?: ContentfulStatusCode) =>
  privatePage(c, view, `/${next}`, next === "merchant" ? view.d.merchantTitle : view.d.passbookTitle, <LoginForm d={view.d} next={next} error={error} />, status);

async function wrongRolePage(c: WebContext, view: View, p: Principal, next: "passbook" | "merchant") {
  const token = await csrfToken(c);
  const title = next === "merchant" ? view.d.merchantTitle : view.d.passbookTitle;
  return privatePage(
    c,
    view,
    `/${next}`,
    title,
    <>
      <UserBar d={view.d} p={p} token={token} />
      <Notice kind="error" text={next === "merchant" ? view.d.wrongRoleMerchant : view.d.wrongRole} />
    </>,
    403,
  );
}

// ---- the passbook ----

const passbookErrors: Partial<Record<ErrorCode, (d: Dict) => string>> = {
  insufficient_points: (d) => d.insufficientPoints,
  out_of_stock: (d) => d.outOfStock,
  forbidden: (d) => d.csrfFailed,
};

const PassbookQuery = z.strictObject({
  cursor: z.string().max(200).optional(),
  done: z.enum(["redeemed", "privacy"]).optional(),
  error: z.enum(["insufficient_points", "out_of_stock", "not_found", "forbidden"]).optional(),
  lang: LangParam,
});

async function passbookPage(c: WebContext) {
  const view = langOf(c);
  const { d } = view;
  const q = pageQuery(c, PassbookQuery);
  const p = c.get("principal");
  if (!p) return loginPage(c, view, "passbook");
  if (p.role !== "member" || !p.memberId) return wrongRolePage(c, view, p, "passbook");
  const now = nowIso(c);
  const [book, vouchers, types] = await readTogether(deps(c).db, (db) =>
    Promise.all([
      getPassbook(db, p, p.memberId!, { limit: PASSBOOK_ENTRIES, cursor: q.cursor }, now),
      listVouchers(db, p, { limit: 50 }, now),
      listVoucherTypes(db, { limit: 100 }),
    ]),
  );
  const token = await csrfToken(c);
  const m = book.member;
  const redeemable = types.items.filter((t) => t.stock > 0);
  const message =
    q.done === "redeemed" ? (
      <Notice kind="notice" text={`${d.redeemed}${vouchers.items[0]?.code ?? ""}`} />
    ) : q.done === "privacy" ? (
      <Notice kind="notice" text={m.publicOptOut ? d.privacySavedAnonymous : d.privacySavedPublic} />
    ) : q.error ? (
    <Notice kind="error" text={passbookErrors[q.error]?.(d) ?? d.errorTitle} />
  ) : null;
  return privatePage(
    c,
    view,
    "/passbook",
    d.passbookTitle,
    <>
      <UserBar d={d} p={p} token={token} />
      {message}
      <section class="passbook" aria-labelledby="cover">
        <h2 id="cover">{d.bank} · 爱心存折</h2>
        <dl>
          <dt>{d.holder}</dt>
          <dd>{m.name}</dd>
          <dt>{d.passbookNo}</dt>
          <dd>{m.passbookNo}</dd>
          <dt>{d.balanceLabel}</dt>
          <dd data-testid="balance">{formatCount(book.balance)}</dd>
          <dt>{d.earnedLabel}</dt>
          <dd>{formatCount(book.earnedTotal)}</dd>
          <dt>{d.starsLabel}</dt>
          <dd>
            <Stars n={book.stars} d={d} />
          </dd>
          <dt>{d.titleLabel}</dt>
          <dd>{book.title ? d.honoraryTitle : d.noTitle}</dd>
        </dl>
      </section>
      <h2>{d.levelsTitle}</h2>
      <DataTable def={levelsTable} rows={book.levels} d={d} csvHref={null} />
      <h2>{d.vouchersTitle}</h2>
      <DataTable def={vouchersTable} rows={vouchers.items} d={d} csvHref={null} />
      <h2 class="no-print">{d.redeemTitle}</h2>
      {redeemable.length === 0 ? (
        <p class="no-print">{d.noVoucherTypes}</p>
      ) : (
        <form method="post" action="/passbook/redeem">
          <input type="hidden" name="csrf" value={token} />
          <input type="hidden" name="key" value={formKey()} />
          <div class="field">
            <label for="voucherTypeId">{d.voucherType}</label>
            <select id="voucherTypeId" name="voucherTypeId" required>
              {redeemable.map((t) => (
                <option value={t.id}>
                  {t.name}（{t.merchantName}）— {formatCount(t.pointsCost)} {d.points}
                </option>
              ))}
            </select>
          </div>
          <button type="submit">{d.redeemButton}</button>
        </form>
      )}
      <h2 class="no-print">{d.privacyTitle}</h2>
      <form method="post" action="/passbook/privacy" class="no-print">
        <input type="hidden" name="csrf" value={token} />
        <div class="field">
          <span class="help" id="privacy-help">
            {d.privacyHelp}
          </span>
          <label class="check">
            <input type="checkbox" name="publicOptOut" value="1" checked={m.publicOptOut} aria-describedby="privacy-help" />
            {d.publicOptOutLabel}
          </label>
        </div>
        <button type="submit">{d.saveButton}</button>
      </form>
      <h2>{d.entriesTitle}</h2>
      {/* The CSV is the spending API's passbook export; the session cookie authenticates it like a bearer token. */}
      <DataTable
        def={entriesTable}
        rows={book.entries}
        d={d}
        csvHref={`/v1/members/${m.id}/passbook.csv`}
        next={book.nextCursor}
        nextHref={`/passbook${qs({ cursor: book.nextCursor })}`}
      />
    </>,
  );
}

const levelsTable: TableDef<{ stars: number; at: string }> = {
  name: "levels",
  caption: (d) => d.levelsTitle,
  columns: [
    { label: (d) => d.col.stars, cell: (l, d) => d.starsOf(l.stars) },
    { label: (d) => d.col.reached, cell: (l) => formatDate(l.at), nowrap: true },
  ],
};

const vouchersTable: TableDef<VoucherJson> = {
  name: "vouchers",
  caption: (d) => d.vouchersTitle,
  columns: [
    { label: (d) => d.col.voucher, cell: (v) => `${v.voucherTypeName}（${v.merchantName}）` },
    {
      label: (d) => d.col.code,
      cell: (v) => v.code,
      html: (v) => (
        <code class="nowrap" data-testid="voucher-code">
          {v.code}
        </code>
      ),
    },
    { label: (d) => d.col.status, cell: (v, d) => label(d.voucherStatus, v.status), nowrap: true },
    { label: (d) => d.col.expires, cell: (v) => formatDate(v.expiresAt), nowrap: true },
  ],
};

const entriesTable: TableDef<{ at: string; kind: string; memo: string; amount: number; balanceAfter: number }> = {
  name: "entries",
  caption: (d) => d.entriesTitle,
  columns: [
    { label: (d) => d.col.date, cell: (e) => formatDate(e.at), nowrap: true },
    { label: (d) => d.col.memo, cell: (e, d) => e.memo || label(d.txKinds, e.kind) },
    { label: (d) => d.col.change, cell: (e) => `${e.amount > 0 ? "+" : ""}${formatCount(e.amount)}`, num: true },
    { label: (d) => d.col.balanceAfter, cell: (e) => formatCount(e.balanceAfter), num: true },
  ],
};

const RedeemForm = z.strictObject({ csrf: CsrfField, key: FormKey, voucherTypeId: Id });

async function redeem(c: WebContext) {
  const p = c.get("principal");
  if (!p || p.role !== "member") return c.redirect("/passbook", 303);
  const f = await form(c, RedeemForm);
  await checkCsrf(c, f.csrf);
  const record = await formRecord(p, `redeem:${f.voucherTypeId}`, f.key, 201);
  try {
    await redeemVoucher(deps(c).db, p, { voucherTypeId: f.voucherTypeId }, { at: nowIso(c), idem: record });
  } catch (err) {
    // The same form sent twice: the first one redeemed; show its result.
    if (await firstResult(c, record, err)) return c.redirect("/passbook?done=redeemed", 303);
    if (err instanceof AppError && (err.code === "insufficient_points" || err.code === "out_of_stock" || err.code === "not_found")) {
      return c.redirect(`/passbook?error=${err.code}`, 303);
    }
    throw err;
  }
  return c.redirect("/passbook?done=redeemed", 303);
}

// An unticked checkbox is not sent at all, so its absence means "show my name".
const PrivacyForm = z.strictObject({ csrf: CsrfField, publicOptOut: z.literal("1").optional() });

/** The member's own choice to appear as anonymous on the public pages (PATCH /v1/members/:id's publicOptOut). */
async function privacy(c: WebContext) {
  const p = c.get("principal");
  if (!p || p.role !== "member" || !p.memberId) return c.redirect("/passbook", 303);
  const f = await form(c, PrivacyForm);
  await checkCsrf(c, f.csrf);
  await updateMember(deps(c).db, p, p.memberId, { publicOptOut: f.publicOptOut === "1" });
  return c.redirect("/passbook?done=privacy", 303);
}

// ---- the merchant desk ----

const voucherProblems: Partial<Record<ErrorCode, [(d: Dict) => string, ContentfulStatusCode]>> = {
  not_found: [(d) => d.notFoundCode, 404],
  forbidden: [(d) => d.notYours, 403],
  voucher_not_issued: [(d) => d.notIssued, 409],
  validation_failed: [(d) => d.notFoundCode, 400],
};

async function merchantPage(c: WebContext, result?: { voucher?: VoucherJson; accepted?: boolean; problem?: ErrorCode; code?: string }) {
  const view = langOf(c);
  const { d } = view;
  if (!result) pageQuery(c, z.strictObject({ lang: LangParam }));
  const p = c.get("principal");
  if (!p) return loginPage(c, view, "merchant");
  if (p.role !== "merchant") return wrongRolePage(c, view, p, "merchant");
  const token = await csrfToken(c);
  const v = result?.voucher;
  const problem = result?.problem ? voucherProblems[result.problem] : undefined;
  return privatePage(
    c,
    view,
    "/merchant",
    d.merchantTitle,
    <>
      <UserBar d={d} p={p} token={token} />
      {result?.accepted && v ? <Notice kind="notice" text={`${d.accepted}${v.voucherTypeName} · ${v.code}`} /> : null}
      {problem ? <Notice kind="error" text={problem[0](d)} /> : null}
      <form method="post" action="/merchant/lookup">
        <input type="hidden" name="csrf" value={token} />
        <div class="field">
          <label for="code">{d.codeLabel}</label>
          <span class="help" id="code-help">
            {d.codeHelp}
          </span>
          <input
            id="code"
            name="code"
            class="code"
            required
            maxlength={40}
            autocomplete="off"
            autocapitalize="characters"
            spellcheck={false}
            aria-describedby="code-help"
            value={result?.code ?? ""}
          />
        </div>
        <button type="submit">{d.lookupButton}</button>
      </form>
      {v && !result?.accepted ? (
        <section aria-labelledby="found">
          <h2 id="found">
            {v.voucherTypeName}（{v.merchantName}）
          </h2>
          <dl class="passbook">
            <dt>{d.codeLabel}</dt>
            <dd>
              <code>{v.code}</code>
            </dd>
            <dt>{d.voucherFor}</dt>
            <dd>{v.voucherTypeName}</dd>
            <dt>{d.col.cost}</dt>
            <dd>{formatCount(v.pointsCost)}</dd>
            <dt>{d.passbookNo}</dt>
            <dd>{v.passbookNo}</dd>
            <dt>{d.status}</dt>
            <dd data-testid="voucher-status">{label(d.voucherStatus, v.status)}</dd>
            <dt>{d.validUntil}</dt>
            <dd>{formatDateTime(v.expiresAt)}</dd>
          </dl>
          {v.status === "issued" ? (
            <form method="post" action="/merchant/accept">
              <input type="hidden" name="csrf" value={token} />
              <input type="hidden" name="key" value={formKey()} />
              <input type="hidden" name="code" value={v.code} />
              <button type="submit">{d.acceptButton}</button>
            </form>
          ) : null}
        </section>
      ) : null}
    </>,
    problem?.[1],
  );
}

const CodeField = z.string().trim().min(1).max(40);
const LookupForm = z.strictObject({ csrf: CsrfField, code: CodeField });
const AcceptForm = z.strictObject({ csrf: CsrfField, key: FormKey, code: CodeField });

/** Known refusals become a message on the desk; anything else is a real error. */
async function onVoucher(c: WebContext, code: string, work: () => Promise<{ voucher: VoucherJson; accepted?: boolean }>) {
  try {
    return merchantPage(c, { ...(await work()), code });
  } catch (err) {
    if (err instanceof AppError && voucherProblems[err.code]) return merchantPage(c, { problem: err.code, code });
    throw err;
  }
}

async function lookup(c: WebContext) {
  const p = c.get("principal");
  if (!p || p.role !== "merchant") return c.redirect("/merchant", 303);
  const f = await form(c, LookupForm);
  await checkCsrf(c, f.csrf);
  return onVoucher(c, f.code, async () => ({ voucher: await getVoucher(deps(c).db, p, f.code, nowIso(c)) }));
}

async function accept(c: WebContext) {
  const p = c.get("principal");
  if (!p || p.role !== "merchant") return c.redirect("/merchant", 303);
  const f = await form(c, AcceptForm);
  await checkCsrf(c, f.csrf);
  const record = await formRecord(p, `accept:${f.code}`, f.key, 200);
  return onVoucher(c, f.code, async () => {
    try {
      return { voucher: await acceptVoucher(deps(c).db, p, f.code, { at: nowIso(c), idem: record }), accepted: true };
    } catch (err) {
      // The same form sent twice: the first one accepted it.
      const first = await firstResult<VoucherJson>(c, record, err);
      if (first) return { voucher: first, accepted: true };
      throw err;
    }
  });
}

// ---- login and logout ----

const LoginBody = z.strictObject({
  username: z.string().trim().min(1).max(64),
  password: z.string().min(1).max(200),
  next: z.enum(["passbook", "merchant"]).default("passbook"),
});

async function loginPost(c: WebContext) {
  const view = langOf(c);
  const parsed = LoginBody.safeParse(await formFields(c));
  const next = parsed.success ? parsed.data.next : "passbook";
  if (!parsed.success) return loginPage(c, view, next, view.d.loginInvalid, 400);
  const { db, clock, jwtSecret, secureCookies } = deps(c);
  const address = callerAddress(c);
  let token: string;
  try {
    ({ token } = await login(db, { username: parsed.data.username, password: parsed.data.password, address, now: clock.now(), jwtSecret }));
  } catch (err) {
    if (err instanceof AppError && err.code === "invalid_credentials") return loginPage(c, view, next, view.d.loginFailed, 401);
    if (err instanceof AppError && err.code === "rate_limited") return loginPage(c, view, next, view.d.loginLimited, 429);
    throw err;
  }
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: "Strict",
    secure: secureCookies ?? false,
    path: "/",
    maxAge: TOKEN_TTL_SECONDS,
  });
  return c.redirect(`/${next}`, 303);
}

async function logout(c: WebContext) {
  const f = await form(c, z.strictObject({ csrf: CsrfField }));
  await checkCsrf(c, f.csrf);
  deleteCookie(c, SESSION_COOKIE, { path: "/", secure: deps(c).secureCookies ?? false });
  return c.redirect("/", 303);
}

const noStore = async (c: WebContext, next: () => Promise<void>) => {
  await next();
  c.header("Cache-Control", "no-store");
};

/** Every form here is a few short fields. */
const FORM_MAX_BYTES = 4 * 1024;
const smallForm = bodyLimit({
  maxSize: FORM_MAX_BYTES,
  onError: () => {
    throw new AppError("payload_too_large", `Forms are limited to ${FORM_MAX_BYTES} bytes`);
  },
});

/** Checks that run before any form is read: same-site origin (hono/csrf), size, never cached. */
const formPost = [csrf(), smallForm, noStore] as const;

export const sessionPages = new Hono<AppEnv>()
  .get("/passbook", passbookPage)
  .get("/merchant", (c) => merchantPage(c))
  .get("/login", (c) => c.redirect("/passbook", 303))
  .post("/login", ...formPost, loginPost)
  .post("/logout", ...formPost, logout)
  .post("/passbook/redeem", ...formPost, redeem)
  .post("/passbook/privacy", ...formPost, privacy)
  .post("/merchant/lookup", ...formPost, lookup)
  .post("/merchant/accept", ...formPost, accept);
