import { Hono } from "hono";
import type { Child } from "hono/jsx";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { listVoucherTypes } from "../domain/merchants";
import { getPassbook, updateMember } from "../domain/members";
import { memberStatement, type StatementEntry } from "../domain/statements";
import { listServiceRecords } from "../domain/service-records";
import { listVouchers, redeemVoucher, type VoucherJson } from "../domain/vouchers";
import { listWishes } from "../domain/wishes";
import { AppError, type ErrorCode } from "../errors";
import type { TransactionKind } from "../vocabulary";
import type { AppEnv } from "../http/env";
import { Id, z } from "../http/openapi";
import { DataTable, Stars, type TableDef } from "./components";
import { formatHours } from "../i18n";
import type { BankTime } from "../bank-time";
import { formatCount, formatDate, label, type Dict } from "../i18n";
import { deps, langOf, LangParam, nowIso, pageQuery, qs, type WebContext } from "./page";
import type { FormState } from "./session/action";
import { checkCsrf, csrfToken, CsrfField } from "./session/csrf";
import { firstResult, form, FormKey, formKey, formPost, formRecord } from "./session/forms";
import { loginPage, Notice, privatePage, UserBar, wrongRolePage } from "./session/shell";
import { CheckinForm, HeldVouchers, memberOf, MyClaims, OpenWishes, ReportHours, selfServicePages, type Member } from "./self-service";
import { readTogether } from "./together";

// A member's passbook (爱心存折): balance, stars, vouchers, redeeming points for a voucher, the
// choice to appear anonymous on the public pages, and the member's own desk (./self-service).

const PASSBOOK_ENTRIES = 20;
/** The open wishes of the community and the member's own claims, newest first. */
const WISHES = 30;
const RECORDS = 10;

const passbookErrors: Partial<Record<ErrorCode, (d: Dict) => string>> = {
  insufficient_points: (d) => d.insufficientPoints,
  out_of_stock: (d) => d.outOfStock,
  forbidden: (d) => d.csrfFailed,
};

const PassbookQuery = z.strictObject({
  cursor: z.string().max(200).optional(),
  done: z.string().max(20).optional(),
  error: z.enum(["insufficient_points", "out_of_stock", "not_found", "forbidden"]).optional(),
  /** An outing's QR code leads here with its id and sign-in code. */
  activity: Id.optional(),
  code: z.string().max(12).optional(),
  lang: LangParam,
});

async function passbookPage(s: Member, state: FormState, status?: ContentfulStatusCode) {
  const { c, view, d, w, p, token } = s;
  const q = pageQuery(c, PassbookQuery);
  const now = nowIso(c);
  const [book, vouchers, types, wishes, records] = await readTogether(deps(c).db, (db) =>
    Promise.all([
      getPassbook(db, p, p.memberId!, { limit: PASSBOOK_ENTRIES, cursor: q.cursor }, now, undefined, c.get("time")),
      listVouchers(db, p, { limit: 50 }, now),
      listVoucherTypes(db, { limit: 100 }),
      listWishes(db, p, { limit: WISHES }),
      listServiceRecords(db, p, { limit: RECORDS }),
    ]),
  );
  const m = book.member;
  const redeemable = types.items.filter((t) => t.stock > 0);
  const done = state.done ?? q.done;
  const message = state.error && state.form?.includes("-") ? (
    <Notice kind="error" text={state.error} />
  ) : done === "redeemed" ? (
    <Notice kind="notice" text={`${d.redeemed}${vouchers.items[0]?.code ?? ""}`} />
  ) : done === "privacy" ? (
    <Notice kind="notice" text={m.publicOptOut ? d.privacySavedAnonymous : d.privacySavedPublic} />
  ) : done && w.done[done] ? (
    <Notice kind="notice" text={w.done[done]!} />
  ) : q.error ? (
    <Notice kind="error" text={passbookErrors[q.error]?.(d) ?? d.errorTitle} />
  ) : null;
  const checkin = state.form === "checkin" ? { activityId: state.values?.activityId ?? "", code: state.values?.code ?? "" } : q.activity ? { activityId: q.activity, code: q.code ?? "" } : null;
  return privatePage(
    c,
    view,
    "/passbook",
    d.passbookTitle,
    <>
      <UserBar d={d} p={p} token={token} />
      {message}
      {checkin ? <CheckinForm s={s} state={state} activityId={checkin.activityId} code={checkin.code} /> : null}
      <PassbookCover d={d} name={m.name} passbookNo={m.passbookNo} book={book}>
        <dt>{d.titleLabel}</dt>
        <dd>{book.title ? d.honoraryTitle : d.noTitle}</dd>
        {book.expiring && book.expiring.points > 0 && book.expiring.at ? (
          <>
            <dt>{d.expiringLabel}</dt>
            <dd data-testid="expiring">{d.expiringText(book.expiring.points, formatDate(new Date(Date.parse(book.expiring.at) - 1).toISOString(), c.get("time")))}</dd>
          </>
        ) : null}
      </PassbookCover>
      <p class="no-print">
        <a href={`/passbook/statement${qs({ year: Number(c.get("time").dateOf(now).slice(0, 4)) })}`}>{d.statementTitle}</a>
      </p>
      <HeldVouchers s={s} vouchers={vouchers.items} />
      <MyClaims s={s} wishes={wishes.items} state={state} />
      <OpenWishes s={s} wishes={wishes.items} />
      <ReportHours s={s} state={state} records={records.items} />
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
        def={entriesTable(c.get("time"))}
        rows={book.entries}
        d={d}
        csvHref={`/v1/members/${m.id}/passbook.csv`}
        next={book.nextCursor}
        nextHref={`/passbook${qs({ cursor: book.nextCursor })}`}
      />
    </>,
    status,
  );
}

const passbookGet = async (c: WebContext) => {
  const s = await memberOf(c);
  return s instanceof Response ? s : passbookPage(s, {});
};

/** The passbook's cover (封面): holder, number, balance, points earned, stars; `children` adds rows. */
export function PassbookCover(props: { d: Dict; name: string; passbookNo: string; book: { balance: number; earnedTotal: number; stars: number; member?: { serviceStars: number; serviceMinutes: number } }; children?: Child }) {
  const { d, book } = props;
  return (
    <section class="passbook" aria-labelledby="cover">
      <h2 id="cover">{d.bank} · 爱心存折</h2>
      <dl>
        <dt>{d.holder}</dt>
        <dd>{props.name}</dd>
        <dt>{d.passbookNo}</dt>
        <dd data-testid="passbook-no">{props.passbookNo}</dd>
        <dt>{d.balanceLabel}</dt>
        <dd data-testid="balance">{formatCount(book.balance)}</dd>
        <dt>{d.earnedLabel}</dt>
        <dd>{formatCount(book.earnedTotal)}</dd>
        <dt>{d.starsLabel}</dt>
        <dd>
          <Stars n={book.stars} d={d} />
        </dd>
        {book.member ? (
          <>
            <dt>{d.serviceStarsLabel}</dt>
            <dd data-testid="service-stars">
              <Stars n={book.member.serviceStars} d={d} /> {d.serviceHoursOf(formatHours(book.member.serviceMinutes))}
            </dd>
          </>
        ) : null}
        {props.children}
      </dl>
    </section>
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

/** A passbook's entries, dated in the bank's time zone; the member's page and the console's show the same table. */
export const entriesTable = (time: BankTime): TableDef<{ at: string; kind: TransactionKind; memo: string; amount: number; balanceAfter: number; onBehalfOf?: unknown }> => ({
  name: "entries",
  caption: (d) => d.entriesTitle,
  columns: [
    { label: (d) => d.col.date, cell: (e) => formatDate(e.at, time), nowrap: true },
    { label: (d) => d.col.memo, cell: (e, d) => (e.memo || label(d.txKinds, e.kind)) + (e.onBehalfOf ? d.onBehalfMark : "") },
    { label: (d) => d.col.change, cell: (e) => `${e.amount > 0 ? "+" : ""}${formatCount(e.amount)}`, num: true },
    { label: (d) => d.col.balanceAfter, cell: (e) => formatCount(e.balanceAfter), num: true },
  ],
});

const statementTable: TableDef<StatementEntry> = {
  name: "statement",
  caption: (d) => d.statementTitle,
  columns: [
    { label: (d) => d.col.date, cell: (e) => formatDate(e.at), nowrap: true },
    { label: (d) => d.col.memo, cell: (e, d) => (e.memo || label(d.txKinds, e.kind)) + (e.reversedBy ? d.reversedMark : "") },
    { label: (d) => d.col.change, cell: (e) => `${e.amount > 0 ? "+" : ""}${formatCount(e.amount)}`, num: true },
    { label: (d) => d.col.balanceAfter, cell: (e) => formatCount(e.balanceAfter), num: true },
  ],
};

const StatementQuery = z.strictObject({ year: z.coerce.number().int().min(2000).max(2999).optional(), lang: LangParam });

/** 年度对账单: the member's year on one printable page, with its CSV. */
async function statementPage(c: WebContext) {
  const view = langOf(c);
  const { d } = view;
  const q = pageQuery(c, StatementQuery);
  const p = c.get("principal");
  if (!p) return loginPage(c, view, "passbook");
  if (p.role !== "member" || !p.memberId) return wrongRolePage(c, view, p, "passbook");
  const year = q.year ?? Number(c.get("time").dateOf(nowIso(c)).slice(0, 4));
  const s = await memberStatement(deps(c).db, p, p.memberId, year, c.get("time"));
  const token = await csrfToken(c);
  return privatePage(
    c,
    view,
    "/passbook/statement",
    d.statementTitle,
    <>
      <UserBar d={d} p={p} token={token} />
      <section class="passbook" aria-labelledby="statement">
        <h2 id="statement">
          {d.bank} · {d.statementTitle} · {d.statementYear(year)}
        </h2>
        <dl>
          <dt>{d.holder}</dt>
          <dd>{s.member.name}</dd>
          <dt>{d.passbookNo}</dt>
          <dd>{s.member.passbookNo}</dd>
          <dt>{d.openingLabel}</dt>
          <dd data-testid="opening">{formatCount(s.opening)}</dd>
          <dt>{d.creditsLabel}</dt>
          <dd>{formatCount(s.credits)}</dd>
          <dt>{d.debitsLabel}</dt>
          <dd>{formatCount(s.debits)}</dd>
          <dt>{d.closingLabel}</dt>
          <dd data-testid="closing">{formatCount(s.closing)}</dd>
        </dl>
        <p class="no-print">
          <a href={`/passbook/statement${qs({ year: year - 1 })}`}>{d.statementYear(year - 1)}</a> ·{" "}
          <a href={`/passbook/statement${qs({ year: year + 1 })}`}>{d.statementYear(year + 1)}</a> · <a href="/passbook">{d.passbookTitle}</a>
        </p>
      </section>
      <DataTable def={statementTable} rows={s.entries} d={d} csvHref={`/v1/members/${s.member.id}/statement.csv?year=${year}`} />
    </>,
  );
}

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

export const passbookPages = new Hono<AppEnv>()
  .get("/passbook", passbookGet)
  .get("/passbook/statement", statementPage)
  .post("/passbook/redeem", ...formPost, redeem)
  .post("/passbook/privacy", ...formPost, privacy)
  .route("/", selfServicePages(passbookPage));
