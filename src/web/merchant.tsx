import { Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { acceptVoucher, getVoucher, type VoucherJson } from "../domain/vouchers";
import { AppError, type ErrorCode } from "../errors";
import type { AppEnv } from "../http/env";
import { z } from "../http/openapi";
import { formatCount, formatDateTime, label, type Dict } from "../i18n";
import { deps, langOf, LangParam, nowIso, pageQuery, type WebContext } from "./page";
import { checkCsrf, csrfToken, CsrfField } from "./session/csrf";
import { firstResult, form, FormKey, formKey, formPost, formRecord } from "./session/forms";
import { loginPage, Notice, privatePage, UserBar, wrongRolePage } from "./session/shell";

// A merchant's acceptance desk (核销): look a voucher up by its code, accept it. A voucher's QR
// code (on the member's passbook) is this page's address with ?code=, which looks it up at once.

const voucherProblems: Partial<Record<ErrorCode, [(d: Dict) => string, ContentfulStatusCode]>> = {
  not_found: [(d) => d.notFoundCode, 404],
  forbidden: [(d) => d.notYours, 403],
  voucher_not_issued: [(d) => d.notIssued, 409],
  validation_failed: [(d) => d.notFoundCode, 400],
};

async function merchantPage(c: WebContext, result?: { voucher?: VoucherJson; accepted?: boolean; problem?: ErrorCode; code?: string }) {
  const view = langOf(c);
  const { d } = view;
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

/** The desk; opened from a voucher's QR code, the voucher looked up (a read, so safe on GET). */
async function merchantGet(c: WebContext) {
  const q = pageQuery(c, z.strictObject({ lang: LangParam, code: CodeField.optional() }));
  const p = c.get("principal");
  if (!q.code || !p || p.role !== "merchant") return merchantPage(c);
  const code = q.code;
  return onVoucher(c, code, async () => ({ voucher: await getVoucher(deps(c).db, p, code, nowIso(c)) }));
}

export const merchantPages = new Hono<AppEnv>()
  .get("/merchant", merchantGet)
  .post("/merchant/lookup", ...formPost, lookup)
  .post("/merchant/accept", ...formPost, accept);
