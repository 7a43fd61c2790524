import type { ContentfulStatusCode } from "hono/utils/http-status";
import { listCommunities } from "../../domain/communities";
import { createDonation } from "../../domain/donations";
import { fundStatement, recordExpense } from "../../domain/fund";
import { listVoucherTypes } from "../../domain/merchants";
import { getVoucher, redeemVoucher } from "../../domain/vouchers";
import { AppError } from "../../errors";
import { z } from "../../http/openapi";
import { formatCount, formatDateTime, formatYuan, label } from "../../i18n";
import { deps, LangParam, nowIso, pageQuery, qs, type WebContext } from "../page";
import { readTogether } from "../together";
import { action, Csrf, findMember, FormError, FormKeys, Input, Key, Optional, OptionalYuan, Select, staffOf, staffPage, Yuan, type FormState, type Staff } from "./frame";
import { donationKinds, fundPurposes, type DonorType } from "../../vocabulary";

// Money and vouchers at the office: donations (money and goods), fund expenses with their
// receipt number, the fund statement; and the voucher counter: redeem for a member, look up a code.

const Done = z.string().max(20).optional();
// The order the form offers them: most gifts at a desk come from companies and people.
const DONORS = ["company", "individual", "member", "anonymous"] as const satisfies readonly DonorType[];

async function moneyPage(s: Staff, state: FormState, status?: ContentfulStatusCode) {
  const { c, w, d } = s;
  const q = pageQuery(c, z.strictObject({ lang: LangParam, done: Done }));
  const [statement, communities] = await readTogether(deps(c).db, (db) =>
    Promise.all([fundStatement(db, {}), s.p.role === "admin" ? listCommunities(db, { limit: 100 }) : null]),
  );
  const community = communities ? (
    (form: string) => <Select form={form} name="communityId" label={d.col.community} state={state} options={communities.items.map((x) => [x.id, x.name])} />
  ) : () => null;
  return staffPage(
    s,
    "/staff/money",
    w.nav.money,
    { ...state, done: state.done ?? (q.done ? w.done[q.done] : undefined) },
    <>
      <section aria-labelledby="statement">
        <h2 id="statement">{w.statement}</h2>
        <p>
          {w.balance}：<strong data-testid="fund-balance">{formatYuan(statement.balanceFen)}</strong> {w.yuan}
        </p>
      </section>
      <div class="cols">
        <section aria-labelledby="donation-title">
          <h2 id="donation-title">{w.donation}</h2>
          <FormError state={state} form="donation" />
          <form method="post" action="/staff/donations">
            <FormKeys s={s} />
            {community("donation")}
            <Select form="donation" name="donorType" label={w.donorType} state={state} options={DONORS.map((x) => [x, label(d.donorTypes, x)])} />
            <Input form="donation" name="donorName" label={w.donorName} state={state} maxlength={100} />
            <Input form="donation" name="member" label={w.donorMember} state={state} maxlength={50} />
            <Select form="donation" name="kind" label={w.donationKind} state={state} options={[["money", label(d.donationKinds, "money")], ["goods", label(d.donationKinds, "goods")]]} />
            <Input form="donation" name="amountYuan" label={w.amountYuan} state={state} inputmode="decimal" maxlength={12} />
            <Input form="donation" name="goodsDescription" label={w.goodsDescription} state={state} maxlength={200} />
            <Input form="donation" name="quantity" label={w.quantity} state={state} type="number" inputmode="numeric" min={1} />
            <Input form="donation" name="goodsValueYuan" label={w.goodsValueYuan} state={state} inputmode="decimal" maxlength={12} />
            <button type="submit">{w.recordButton}</button>
          </form>
        </section>
        <section aria-labelledby="expense-title">
          <h2 id="expense-title">{w.expense}</h2>
          <FormError state={state} form="expense" />
          <form method="post" action="/staff/expenses">
            <FormKeys s={s} />
            {community("expense")}
            <Input form="expense" name="amountYuan" label={w.amountYuan} state={state} inputmode="decimal" required maxlength={12} />
            <Select form="expense" name="purpose" label={w.purpose} state={state} options={fundPurposes.map((x) => [x, label(d.purposes, x)])} />
            <Input form="expense" name="description" label={w.description} state={state} required maxlength={500} />
            <Input form="expense" name="payee" label={w.payee} state={state} required maxlength={100} />
            <Input form="expense" name="receiptRef" label={w.receiptRef} state={state} required maxlength={100} />
            <button type="submit">{w.recordButton}</button>
          </form>
        </section>
      </div>
    </>,
    status,
  );
}

export const moneyGet = async (c: WebContext) => {
  const s = await staffOf(c);
  return s instanceof Response ? s : moneyPage(s, {});
};

const DonationForm = z.strictObject({
  csrf: Csrf,
  key: Key,
  communityId: z.string().max(40).optional(),
  donorType: z.enum(DONORS),
  donorName: Optional(z.string().trim().min(1).max(100)),
  member: Optional(z.string().trim().min(1).max(50)),
  kind: z.enum(donationKinds),
  amountYuan: OptionalYuan,
  goodsDescription: Optional(z.string().trim().min(1).max(200)),
  quantity: Optional(z.coerce.number().int().min(1).max(100000)),
  goodsValueYuan: OptionalYuan,
});

export const donationPost = action({
  form: "donation",
  schema: DonationForm,
  back: "/staff/money",
  labels: (w) => ({ donorName: w.donorName, member: w.donorMember, amountYuan: w.amountYuan, goodsDescription: w.goodsDescription, quantity: w.quantity, goodsValueYuan: w.goodsValueYuan }),
  what: () => "donation",
  page: (s, state, status) => moneyPage(s, state, status),
  async run(s, f, ctx) {
    const db = deps(s.c).db;
    const memberId = f.donorType === "member" ? (await findMember(db, s, f.member ?? "")).id : undefined;
    await createDonation(
      db,
      s.p,
      {
        communityId: s.p.role === "admin" ? f.communityId : undefined,
        donor: { type: f.donorType, memberId, name: f.donorType === "company" || f.donorType === "individual" ? f.donorName : undefined },
        kind: f.kind,
        amountFen: f.kind === "money" ? f.amountYuan : undefined,
        goods:
          f.kind === "goods" && f.goodsDescription && f.quantity && f.goodsValueYuan
            ? { description: f.goodsDescription, quantity: f.quantity, valueFen: f.goodsValueYuan }
            : undefined,
      },
      ctx,
    );
    return `/staff/money${qs({ done: "donation" })}`;
  },
});

export const expensePost = action({
  form: "expense",
  schema: z.strictObject({
    csrf: Csrf,
    key: Key,
    communityId: z.string().max(40).optional(),
    amountYuan: Yuan,
    purpose: z.enum(fundPurposes),
    description: z.string().trim().min(1).max(500),
    payee: z.string().trim().min(1).max(100),
    receiptRef: z.string().trim().min(1).max(100),
  }),
  back: "/staff/money",
  labels: (w) => ({ amountYuan: w.amountYuan, description: w.description, payee: w.payee, receiptRef: w.receiptRef }),
  what: () => "expense",
  page: (s, state, status) => moneyPage(s, state, status),
  async run(s, f, ctx) {
    await recordExpense(
      deps(s.c).db,
      s.p,
      { amountFen: f.amountYuan, purpose: f.purpose, description: f.description, payee: f.payee, receiptRef: f.receiptRef, communityId: s.p.role === "admin" ? f.communityId : undefined },
      ctx,
    );
    return `/staff/money${qs({ done: "expense" })}`;
  },
});

// ---- the voucher counter ----

/** A code looked up (a GET: it changes nothing), read in the same trip as the voucher types. */
async function counterPage(s: Staff, state: FormState, status?: ContentfulStatusCode) {
  const { c, w, d } = s;
  const q = pageQuery(c, z.strictObject({ lang: LangParam, done: Done, code: z.string().trim().max(40).optional() }));
  const code = q.code?.toUpperCase();
  const [types, found] = await readTogether(deps(c).db, (db) =>
    Promise.all([
      listVoucherTypes(db, { limit: 100 }),
      code ? getVoucher(db, s.p, code, nowIso(c)).catch((err: unknown) => (err instanceof AppError && err.status < 500 ? err : Promise.reject(err))) : undefined,
    ]),
  );
  const v = found instanceof AppError ? undefined : found;
  const lookupState: FormState = found instanceof AppError ? { form: "lookup", values: { code: q.code ?? "" }, error: w.refused[found.code] ?? w.refused.not_found } : state;
  const redeemed = q.done === "redeemed" ? v?.code : undefined;
  return staffPage(
    s,
    "/staff/counter",
    w.nav.counter,
    { ...state, done: state.done ?? (redeemed ? `${w.done.redeemed} ${redeemed}` : q.done ? w.done[q.done] : undefined) },
    <div class="cols">
      <section aria-labelledby="redeem-title">
        <h2 id="redeem-title">{w.redeemFor}</h2>
        <FormError state={state} form="redeem" />
        <form method="post" action="/staff/counter/redeem">
          <FormKeys s={s} />
          <Input form="redeem" name="member" label={w.memberRef} state={state} required maxlength={50} />
          <Select
            form="redeem"
            name="voucherTypeId"
            label={w.voucherType}
            state={state}
            options={types.items.filter((t) => t.stock > 0).map((t) => [t.id, `${t.name}（${t.merchantName}）— ${formatCount(t.pointsCost)} ${d.points}`])}
          />
          <button type="submit">{w.redeemButton}</button>
        </form>
      </section>
      <section aria-labelledby="lookup-title">
        <h2 id="lookup-title">{w.lookup}</h2>
        <FormError state={lookupState} form="lookup" />
        <form method="get" action="/staff/counter">
          <Input form="lookup" name="code" label={w.code} state={lookupState} required maxlength={40} value={q.code} />
          <button type="submit">{w.lookupButton}</button>
        </form>
        {v ? (
          <dl class="passbook" data-testid="voucher">
            <dt>{w.code}</dt>
            <dd>
              <code>{v.code}</code>
            </dd>
            <dt>{w.voucherType}</dt>
            <dd>
              {v.voucherTypeName}（{v.merchantName}）
            </dd>
            <dt>{d.passbookNo}</dt>
            <dd>{v.passbookNo}</dd>
            <dt>{d.status}</dt>
            <dd>{label(d.voucherStatus, v.status)}</dd>
            <dt>{d.validUntil}</dt>
            <dd>{formatDateTime(v.expiresAt, c.get("time"))}</dd>
          </dl>
        ) : null}
      </section>
    </div>,
    status,
  );
}

export const counterGet = async (c: WebContext) => {
  const s = await staffOf(c);
  return s instanceof Response ? s : counterPage(s, {});
};

export const redeemPost = action({
  form: "redeem",
  schema: z.strictObject({ csrf: Csrf, key: Key, member: z.string().trim().min(1).max(50), voucherTypeId: z.string().min(1).max(40) }),
  back: "/staff/counter",
  labels: (w) => ({ member: w.memberRef, voucherTypeId: w.voucherType }),
  what: (f) => `redeem:${f.voucherTypeId}`,
  page: (s, state, status) => counterPage(s, state, status),
  async run(s, f, ctx) {
    const db = deps(s.c).db;
    const member = await findMember(db, s, f.member);
    const v = await redeemVoucher(db, s.p, { voucherTypeId: f.voucherTypeId, memberId: member.id }, ctx);
    return `/staff/counter${qs({ done: "redeemed", code: v.code })}`;
  },
});
