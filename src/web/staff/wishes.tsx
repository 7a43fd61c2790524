import type { ContentfulStatusCode } from "hono/utils/http-status";
import { listCommunities } from "../../domain/communities";
import { correctWish } from "../../domain/corrections";
import { cancelWish, claimWish, confirmWish, createWish, fulfilWish, listWishes, releaseWish } from "../../domain/wishes";
import { z } from "../../http/openapi";
import { formatDateTime, formatYuan, label } from "../../i18n";
import { deps, LangParam, pageQuery, qs, type WebContext } from "../page";
import { readTogether } from "../together";
import { action, Csrf, findMember, FormError, FormKeys, Input, Key, Optional, OptionalYuan, options, Select, staffOf, staffPage, type FormState, type Staff } from "./frame";
import { beneficiaryGroups, wishKinds, wishStatuses } from "../../vocabulary";

// Wishes at the station: register, claim for a member, release, record as fulfilled, confirm
// after the follow-up visit (回访) with the beneficiary's satisfaction, cancel.

const WishesQuery = z.strictObject({
  status: z.enum(wishStatuses).optional(),
  /** The wish whose correction form is open. */
  correct: z.string().max(40).optional(),
  cursor: z.string().max(200).optional(),
  lang: LangParam,
  done: z.string().max(20).optional(),
});

async function wishesPage(s: Staff, state: FormState, status?: ContentfulStatusCode) {
  const { c, w, d } = s;
  const q = pageQuery(c, WishesQuery);
  const [list, communities] = await readTogether(deps(c).db, (db) =>
    Promise.all([listWishes(db, s.p, { limit: 20, cursor: q.cursor, status: q.status }), s.p.role === "admin" ? listCommunities(db, { limit: 100 }) : null]),
  );
  const time = c.get("time");
  const statusOptions: [string, string][] = [["", w.allStatuses], ...wishStatuses.map((x): [string, string] => [x, label(d.wishStatus, x)])];
  return staffPage(
    s,
    "/staff/wishes",
    w.nav.wishes,
    { ...state, done: state.done ?? (q.done ? w.done[q.done] : undefined) },
    <>
      <form method="get" action="/staff/wishes" class="filter">
        <Select form="filter" name="status" label={w.statusFilter} state={{}} options={statusOptions} value={q.status ?? ""} />
        <button type="submit">{w.filterButton}</button>
      </form>
      {list.items.length === 0 ? <p>{w.noWishes}</p> : null}
      <ul class="cards">
        {list.items.map((wish) => {
          const f = (op: string) => `${op}-${wish.id}`;
          const post = (op: string) => `/staff/wishes/${wish.id}/${op}${qs({ status: q.status })}`;
          return (
            <li class="card" data-testid="wish">
              <h3>{wish.title}</h3>
              <p>
                <span class="badge">{label(d.wishStatus, wish.status)}</span> {label(d.groups, wish.beneficiaryGroup)}
                {wish.beneficiary ? ` · ${wish.beneficiary.name}` : ""}
                {wish.claimedByName ? ` · ${w.claimer}：${wish.claimedByName}（${wish.claimedByPassbookNo}）` : ""}
                {wish.claimDeadline && wish.status === "claimed" ? ` · ${formatDateTime(wish.claimDeadline, time)}` : ""}
                {wish.deadline && wish.status === "open" ? ` · ${w.deadline.replace(/（.*）| \(.*\)/, "")} ${formatDateTime(wish.deadline, time)}` : ""}
                {wish.estimatedValueFen ? ` · ${formatYuan(wish.estimatedValueFen)} ${w.yuan}` : ""}
              </p>
              <p class="help">{wish.description}</p>
              {["open", "claimed", "fulfilled"].includes(wish.status) ? (
                <div class="actions">
                  {wish.status === "open" ? (
                    <>
                      <form method="post" action={post("claim")}>
                        <FormKeys s={s} />
                        <Input form={f("claim")} name="member" label={w.memberRef} state={state} required maxlength={50} />
                        <button type="submit">{w.claimButton}</button>
                      </form>
                      <form method="post" action={post("cancel")}>
                        <FormKeys s={s} />
                        <button type="submit" class="secondary">
                          {w.cancel}
                        </button>
                      </form>
                    </>
                  ) : null}
                  {wish.status === "claimed" ? (
                    <>
                      <form method="post" action={post("fulfil")}>
                        <FormKeys s={s} />
                        <button type="submit">{w.fulfil}</button>
                      </form>
                      <form method="post" action={post("release")}>
                        <FormKeys s={s} />
                        <button type="submit" class="secondary">
                          {w.release}
                        </button>
                      </form>
                    </>
                  ) : null}
                  {wish.status === "fulfilled" ? (
                    <form method="post" action={post("confirm")}>
                      <FormKeys s={s} />
                      <Select form={f("confirm")} name="satisfaction" label={w.satisfaction} state={state} value="5" options={["5", "4", "3", "2", "1"].map((n) => [n, "★".repeat(Number(n))])} />
                      <Input form={f("confirm")} name="feedback" label={w.feedback} state={state} maxlength={500} />
                      <button type="submit">{w.confirm}</button>
                    </form>
                  ) : null}
                </div>
              ) : null}
              {["open", "claimed", "fulfilled"].includes(wish.status) ? (
                q.correct === wish.id || state.form === f("correct") ? (
                  <form method="post" action={post("correct")} class="no-print" aria-label={w.correct}>
                    <FormKeys s={s} />
                    <Input form={f("correct")} name="title" label={w.wishTitle} state={state} required maxlength={100} value={wish.title} />
                    <Input form={f("correct")} name="description" label={w.description} state={state} required maxlength={1000} value={wish.description} />
                    <Input form={f("correct")} name="beneficiaryName" label={w.beneficiaryName} state={state} required maxlength={50} value={wish.beneficiary?.name} />
                    <Input form={f("correct")} name="beneficiaryContact" label={w.beneficiaryContact} state={state} maxlength={100} value={wish.beneficiary?.contact ?? ""} />
                    <button type="submit">{w.saveCorrection}</button>
                  </form>
                ) : (
                  <p class="no-print">
                    <a href={`/staff/wishes${qs({ status: q.status, correct: wish.id })}`}>{w.correct}</a>
                  </p>
                )
              ) : null}
            </li>
          );
        })}
      </ul>
      {list.nextCursor ? (
        <p>
          <a rel="next" href={`/staff/wishes${qs({ status: q.status, cursor: list.nextCursor })}`}>
            {d.next}
          </a>
        </p>
      ) : null}
      <h2 id="register-heading">{w.registerWish}</h2>
      <FormError state={state} form="register" />
      <form method="post" action="/staff/wishes" aria-labelledby="register-heading">
        <FormKeys s={s} />
        {communities ? <Select form="register" name="communityId" label={d.col.community} state={state} options={communities.items.map((x) => [x.id, x.name])} /> : null}
        <Input form="register" name="title" label={w.wishTitle} state={state} required maxlength={100} />
        <Input form="register" name="description" label={w.description} state={state} required maxlength={1000} />
        <Select form="register" name="kind" label={w.wishKind} state={state} options={options(w.wishKinds)} />
        <Select form="register" name="beneficiaryGroup" label={w.group} state={state} options={beneficiaryGroups.map((g) => [g, label(d.groups, g)])} />
        <Input form="register" name="beneficiaryName" label={w.beneficiaryName} state={state} required maxlength={50} />
        <Input form="register" name="beneficiaryContact" label={w.beneficiaryContact} state={state} maxlength={100} />
        <Input form="register" name="estimatedYuan" label={w.estimatedYuan} state={state} inputmode="decimal" maxlength={12} />
        <Input form="register" name="deadline" label={w.deadline} state={state} type="date" />
        <button type="submit">{w.registerButton}</button>
      </form>
    </>,
    status,
  );
}

export const wishesGet = async (c: WebContext) => {
  const s = await staffOf(c);
  return s instanceof Response ? s : wishesPage(s, {});
};

const back = (c: WebContext, done: string) => `/staff/wishes${qs({ status: c.req.query("status"), done })}`;
const page = (s: Staff, state: FormState, status: ContentfulStatusCode) => wishesPage(s, state, status);
const claimDays = (c: WebContext) => deps(c).claimDays ?? 7;

const RegisterForm = z.strictObject({
  csrf: Csrf,
  key: Key,
  communityId: z.string().max(40).optional(),
  title: z.string().trim().min(1).max(100),
  description: z.string().trim().min(1).max(1000),
  kind: z.enum(wishKinds),
  beneficiaryGroup: z.enum(beneficiaryGroups),
  beneficiaryName: z.string().trim().min(1).max(50),
  beneficiaryContact: Optional(z.string().trim().max(100)),
  estimatedYuan: OptionalYuan,
  deadline: Optional(z.string().regex(/^\d{4}-\d{2}-\d{2}$/)),
});

export const wishesPost = action({
  form: "register",
  schema: RegisterForm,
  back: "/staff/wishes",
  labels: (w) => ({ title: w.wishTitle, description: w.description, beneficiaryName: w.beneficiaryName, beneficiaryContact: w.beneficiaryContact, estimatedYuan: w.estimatedYuan, deadline: w.deadline }),
  what: () => "register-wish",
  page,
  async run(s, f, ctx) {
    await createWish(
      deps(s.c).db,
      s.p,
      {
        communityId: s.p.role === "admin" ? f.communityId : undefined,
        title: f.title,
        description: f.description,
        kind: f.kind,
        beneficiaryGroup: f.beneficiaryGroup,
        beneficiary: { name: f.beneficiaryName, contact: f.beneficiaryContact },
        estimatedValueFen: f.estimatedYuan,
        deadline: f.deadline,
      },
      ctx,
    );
    return back(s.c, "registered");
  },
});

const Keys = { csrf: Csrf, key: Key };
const wishId = (c: WebContext) => c.req.param("id")!;

export const wishActions = {
  claim: action({
    form: (c) => `claim-${wishId(c)}`,
    schema: z.strictObject({ ...Keys, member: z.string().trim().min(1).max(50) }),
    back: "/staff/wishes",
    labels: (w) => ({ member: w.memberRef }),
    what: () => "claim",
    page,
    async run(s, f, ctx) {
      const db = deps(s.c).db;
      const member = await findMember(db, s, f.member);
      await claimWish(db, s.p, wishId(s.c), { memberId: member.id }, { ...ctx, claimDays: claimDays(s.c) });
      return back(s.c, "claimed");
    },
  }),
  release: action({
    form: (c) => `release-${wishId(c)}`,
    schema: z.strictObject(Keys),
    back: "/staff/wishes",
    labels: () => ({}),
    what: () => "release",
    page,
    async run(s, _f, ctx) {
      await releaseWish(deps(s.c).db, s.p, wishId(s.c), ctx);
      return back(s.c, "released");
    },
  }),
  fulfil: action({
    form: (c) => `fulfil-${wishId(c)}`,
    schema: z.strictObject(Keys),
    back: "/staff/wishes",
    labels: () => ({}),
    what: () => "fulfil",
    page,
    async run(s, _f, ctx) {
      await fulfilWish(deps(s.c).db, s.p, wishId(s.c), {}, ctx);
      return back(s.c, "fulfilled");
    },
  }),
  confirm: action({
    form: (c) => `confirm-${wishId(c)}`,
    schema: z.strictObject({ ...Keys, satisfaction: z.coerce.number().int().min(1).max(5), feedback: Optional(z.string().trim().max(500)) }),
    back: "/staff/wishes",
    labels: (w) => ({ satisfaction: w.satisfaction, feedback: w.feedback }),
    what: () => "confirm",
    page,
    async run(s, f, ctx) {
      await confirmWish(deps(s.c).db, s.p, wishId(s.c), { satisfaction: f.satisfaction, feedback: f.feedback }, ctx);
      return back(s.c, "confirmed");
    },
  }),
  correct: action({
    form: (c) => `correct-${wishId(c)}`,
    schema: z.strictObject({
      ...Keys,
      title: z.string().trim().min(1).max(100),
      description: z.string().trim().min(1).max(1000),
      beneficiaryName: z.string().trim().min(1).max(50),
      beneficiaryContact: z.string().trim().max(100),
    }),
    back: "/staff/wishes",
    labels: (w) => ({ title: w.wishTitle, description: w.description, beneficiaryName: w.beneficiaryName, beneficiaryContact: w.beneficiaryContact }),
    what: () => "correct",
    page,
    async run(s, f, ctx) {
      const beneficiary = { name: f.beneficiaryName, contact: f.beneficiaryContact || null };
      await correctWish(deps(s.c).db, s.p, wishId(s.c), { title: f.title, description: f.description, beneficiary }, ctx);
      return back(s.c, "corrected");
    },
  }),
  cancel: action({
    form: (c) => `cancel-${wishId(c)}`,
    schema: z.strictObject(Keys),
    back: "/staff/wishes",
    labels: () => ({}),
    what: () => "cancel",
    page,
    async run(s, _f, ctx) {
      await cancelWish(deps(s.c).db, s.p, wishId(s.c), {}, ctx);
      return back(s.c, "cancelled");
    },
  }),
};
