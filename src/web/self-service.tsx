import { Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { checkIn, checkOut } from "../domain/activities";
import { createServiceRecord } from "../domain/service-records";
import { cancelVoucher, type VoucherJson } from "../domain/vouchers";
import { claimWish, fulfilWish, releaseWish } from "../domain/wishes";
import type { AppEnv } from "../http/env";
import { Id, z } from "../http/openapi";
import { formatCount, formatDateTime, label } from "../i18n";
import { deps, langOf, qs, type WebContext } from "./page";
import { QrCode } from "./qr";
import { actionsFor, FormError, FormKeys, Input, Keys, Optional, type Desk, type FormState } from "./session/action";
import { csrfToken } from "./session/csrf";
import { formPost } from "./session/forms";
import { loginPage, wrongRolePage } from "./session/shell";
import { selfWords, type SelfWords } from "./self-words";

// The member's own desk on the passbook page: the open wishes of their community to claim, their
// claims to fulfil or give up, their own service hours to report (a pending claim), signing in
// and out at an outing with its code, and the vouchers they hold, each with a QR code of the
// merchant desk's address so a merchant's phone camera opens it with the code filled in. Every
// form calls the same domain function as the API, keyed once by the form (session/action).

export type Member = Desk<SelfWords>;

/** The passbook's member, or the page to answer instead (login, or 403 for other roles). */
export async function memberOf(c: WebContext): Promise<Member | Response> {
  const view = langOf(c);
  const p = c.get("principal");
  if (!p) return loginPage(c, view, "passbook");
  if (p.role !== "member" || !p.memberId) return wrongRolePage(c, view, p, "passbook");
  return { c, view, d: view.d, w: selfWords[view.lang], p, token: await csrfToken(c) };
}

/** The merchant desk's address for a voucher: what its QR code holds. */
export const merchantUrl = (c: WebContext, code: string) => `${new URL(c.req.url).origin}/merchant${qs({ code })}`;

// ---- what the page shows ----

interface ListedWish {
  id: string;
  title: string;
  description: string;
  kind: string;
  beneficiaryGroup: string;
  status: string;
  claimedBy: string | null;
  claimDeadline: string | null;
  deadline: string | null;
}

export function OpenWishes({ s, wishes }: { s: Member; wishes: ListedWish[] }) {
  const { w, d } = s;
  const time = s.c.get("time");
  const open = wishes.filter((x) => x.status === "open");
  return (
    <section class="no-print" aria-labelledby="open-wishes">
      <h2 id="open-wishes">{w.openWishes}</h2>
      {open.length === 0 ? <p>{w.noOpenWishes}</p> : null}
      <ul class="cards">
        {open.map((wish) => (
          <li class="card" data-testid="open-wish">
            <h3>{wish.title}</h3>
            <p>
              {label(d.groups, wish.beneficiaryGroup as never)}
              {wish.deadline ? ` · ${formatDateTime(wish.deadline, time)}` : ""}
            </p>
            <p class="help">{wish.description}</p>
            <form method="post" action={`/passbook/wishes/${wish.id}/claim`}>
              <FormKeys s={s} />
              <button type="submit">{w.claimButton}</button>
            </form>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function MyClaims({ s, wishes, state }: { s: Member; wishes: ListedWish[]; state: FormState }) {
  const { w } = s;
  const time = s.c.get("time");
  const mine = wishes.filter((x) => x.status === "claimed" && x.claimedBy === s.p.memberId);
  return (
    <section class="no-print" aria-labelledby="my-claims">
      <h2 id="my-claims">{w.myClaims}</h2>
      {mine.length === 0 ? <p>{w.noClaims}</p> : null}
      <ul class="cards">
        {mine.map((wish) => (
          <li class="card" data-testid="my-claim">
            <h3>{wish.title}</h3>
            {wish.claimDeadline ? <p>{w.claimDue(formatDateTime(wish.claimDeadline, time))}</p> : null}
            <p class="help">{wish.description}</p>
            <div class="actions">
              <form method="post" action={`/passbook/wishes/${wish.id}/fulfil`}>
                <FormKeys s={s} />
                <Input form={`fulfil-${wish.id}`} name="note" label={w.fulfilNote} state={state} maxlength={1000} />
                <button type="submit">{w.fulfilButton}</button>
              </form>
              <form method="post" action={`/passbook/wishes/${wish.id}/release`}>
                <FormKeys s={s} />
                <button type="submit" class="secondary">
                  {w.releaseButton}
                </button>
              </form>
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function ReportHours({ s, state, records }: { s: Member; state: FormState; records: { date: string; minutes: number; description: string; status: string }[] }) {
  const { w, d, c } = s;
  return (
    <section class="no-print" aria-labelledby="report-hours">
      <h2 id="report-hours">{w.hoursTitle}</h2>
      <p class="help">{w.hoursHelp}</p>
      <FormError state={state} form="hours" />
      <form method="post" action="/passbook/hours" aria-labelledby="report-hours">
        <FormKeys s={s} />
        <Input form="hours" name="date" label={w.date} state={state} type="date" required value={c.get("time").today(deps(c).clock)} />
        <Input form="hours" name="minutes" label={w.minutes} state={state} type="number" inputmode="numeric" min={1} max={1440} step="1" required />
        <Input form="hours" name="description" label={w.description} state={state} required maxlength={500} />
        <button type="submit">{w.reportButton}</button>
      </form>
      {records.length ? (
        <>
          <h3 id="my-records">{w.myRecords}</h3>
          <ul class="cards" aria-labelledby="my-records">
            {records.map((r) => (
              <li class="card" data-testid="my-record">
                {r.date} · {formatCount(r.minutes)} {w.minutesUnit} · {r.description} · <span class="badge">{label(d.serviceRecordStatus, r.status as never)}</span>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}

/** Shown when the member came by an outing's QR code (/passbook?activity=…&code=…). */
export function CheckinForm({ s, state, activityId, code }: { s: Member; state: FormState; activityId: string; code: string }) {
  const { w } = s;
  return (
    <section class="no-print" aria-labelledby="checkin">
      <h2 id="checkin">{w.checkinTitle}</h2>
      <p class="help">{w.checkinHelp}</p>
      <FormError state={state} form="checkin" />
      <form method="post" action="/passbook/checkin">
        <FormKeys s={s} />
        <input type="hidden" name="activityId" value={activityId} />
        <Input form="checkin" name="code" label={w.checkinCode} state={state} required maxlength={12} value={code} autocapitalize="characters" />
        <div class="actions">
          <button type="submit" name="step" value="in">
            {w.checkinButton}
          </button>
          <button type="submit" name="step" value="out" class="secondary">
            {w.checkoutButton}
          </button>
        </div>
      </form>
    </section>
  );
}

/** Each voucher that can still be used, large, with its code and the QR code a merchant scans. */
export function HeldVouchers({ s, vouchers }: { s: Member; vouchers: VoucherJson[] }) {
  const { w } = s;
  const time = s.c.get("time");
  const held = vouchers.filter((v) => v.status === "issued");
  if (held.length === 0) return null;
  return (
    <section aria-labelledby="held-vouchers">
      <h2 id="held-vouchers">{w.myVouchers}</h2>
      <p class="help no-print">{w.voucherHelp}</p>
      <ul class="cards">
        {held.map((v) => (
          <li class="card voucher-card" data-testid="held-voucher">
            <h3>
              {v.voucherTypeName}（{v.merchantName}）
            </h3>
            <p class="code-big">
              <code data-testid="held-code">{v.code}</code>
            </p>
            <QrCode text={merchantUrl(s.c, v.code)} label={w.voucherQr(v.code)} size="large" />
            <p>{w.validUntil(formatDateTime(v.expiresAt, time))}</p>
            <form method="post" action="/passbook/vouchers/cancel" class="no-print">
              <FormKeys s={s} />
              <input type="hidden" name="code" value={v.code} />
              <button type="submit" class="secondary">
                {w.cancelVoucher}
              </button>
            </form>
          </li>
        ))}
      </ul>
    </section>
  );
}

// ---- the forms ----

type Page = (s: Member, state: FormState, status?: ContentfulStatusCode) => Promise<Response>;

const wishId = (c: WebContext) => c.req.param("id")!;
const back = (done: string) => `/passbook${qs({ done })}`;
const Code = z.string().trim().min(4).max(40);

/** The self-service form posts, drawing `page` (the passbook) again with a refusal. */
export function selfServicePages(page: Page) {
  const action = actionsFor(memberOf);
  const common = { back: "/passbook", page, labels: (w: SelfWords) => ({ note: w.fulfilNote, date: w.date, minutes: w.minutes, description: w.description, code: w.checkinCode }) };
  const claim = action({
    ...common,
    form: (c) => `claim-${wishId(c)}`,
    schema: z.strictObject(Keys),
    what: () => "self-claim",
    async run(s, _f, ctx) {
      await claimWish(deps(s.c).db, s.p, wishId(s.c), {}, { ...ctx, claimDays: deps(s.c).claimDays ?? 7 });
      return back("claimed");
    },
  });
  const release = action({
    ...common,
    form: (c) => `release-${wishId(c)}`,
    schema: z.strictObject(Keys),
    what: () => "self-release",
    async run(s, _f, ctx) {
      await releaseWish(deps(s.c).db, s.p, wishId(s.c), ctx);
      return back("released");
    },
  });
  const fulfil = action({
    ...common,
    form: (c) => `fulfil-${wishId(c)}`,
    schema: z.strictObject({ ...Keys, note: Optional(z.string().trim().max(1000)) }),
    what: () => "self-fulfil",
    async run(s, f, ctx) {
      await fulfilWish(deps(s.c).db, s.p, wishId(s.c), { note: f.note }, ctx);
      return back("fulfilled");
    },
  });
  const hours = action({
    ...common,
    form: "hours",
    schema: z.strictObject({
      ...Keys,
      date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
      minutes: z.coerce.number().int().min(1).max(24 * 60),
      description: z.string().trim().min(1).max(500),
    }),
    what: () => "self-hours",
    async run(s, f, ctx) {
      await createServiceRecord(deps(s.c).db, s.p, { memberId: s.p.memberId!, date: f.date, minutes: f.minutes, description: f.description }, ctx);
      return back("reported");
    },
  });
  const cancel = action({
    ...common,
    form: "cancel-voucher",
    schema: z.strictObject({ ...Keys, code: Code }),
    what: (f) => `self-cancel:${f.code}`,
    async run(s, f, ctx) {
      await cancelVoucher(deps(s.c).db, s.p, f.code, ctx);
      return back("cancelled");
    },
  });
  const checkin = action({
    ...common,
    form: "checkin",
    schema: z.strictObject({ ...Keys, activityId: Id, code: z.string().trim().min(4).max(12), step: z.enum(["in", "out"]) }),
    what: (f) => `self-check-${f.step}:${f.activityId}`,
    async run(s, f, ctx) {
      const db = deps(s.c).db;
      if (f.step === "in") await checkIn(db, s.p, f.activityId, { code: f.code }, ctx);
      else await checkOut(db, s.p, f.activityId, { code: f.code }, ctx);
      // Signed in, the form stays on the page for signing out.
      return f.step === "in" ? `/passbook${qs({ activity: f.activityId, code: f.code, done: "checkedIn" })}` : back("checkedOut");
    },
  });
  return new Hono<AppEnv>()
    .post("/passbook/wishes/:id/claim", ...formPost, claim)
    .post("/passbook/wishes/:id/release", ...formPost, release)
    .post("/passbook/wishes/:id/fulfil", ...formPost, fulfil)
    .post("/passbook/hours", ...formPost, hours)
    .post("/passbook/vouchers/cancel", ...formPost, cancel)
    .post("/passbook/checkin", ...formPost, checkin);
}
