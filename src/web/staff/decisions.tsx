import type { ContentfulStatusCode } from "hono/utils/http-status";
import { hashPassword } from "../../auth/password";
import { decideExpense } from "../../domain/fund";
import { giveMemberLogin, resetPassword, setDisabled, userJson } from "../../domain/users";
import type { Worklist } from "../../domain/worklist";
import { z } from "../../http/openapi";
import { formatDateTime, formatYuan, label } from "../../i18n";
import { deps, qs, type WebContext } from "../page";
import { action, FormError, FormKeys, Input, Keys, type FormState, type Staff } from "./frame";

// Decisions the office takes on what others recorded: a pending fund expense approved (paid) or
// rejected with a reason by someone other than its recorder, and a member's login: given,
// its password reset, disabled or enabled again. Each form calls the domain function of its API
// route (POST /v1/fund/expenses/:id/approve|reject, /v1/members/:id/login, /v1/users/:id/...).

type Page = (s: Staff, state: FormState, status: ContentfulStatusCode) => Promise<Response>;

// ---- pending expenses (on the worklist) ----

export function PendingExpenses({ s, part, state }: { s: Staff; part: Worklist["pendingExpenses"]; state: FormState }) {
  const { w, d } = s;
  const time = s.c.get("time");
  return (
    <section aria-labelledby="wl-pendingExpenses" class="worklist">
      <h2 id="wl-pendingExpenses">
        {w.worklist.pendingExpenses} <span class="count">{part.count}</span>
      </h2>
      {part.count === 0 ? <p>{w.worklist.none}</p> : null}
      <ul class="cards">
        {part.items.map((e) => (
          <li class="card" data-testid="pending-expense">
            <p>
              <strong>
                {formatYuan(e.amountFen)} {w.yuan}
              </strong>{" "}
              · {label(d.purposes, e.purpose)} · {e.description} · {e.payee}
            </p>
            <p class="help">
              {w.recordedBy}：{e.recorderName ?? ""} · {formatDateTime(e.at, time)}
            </p>
            {e.recordedByYou ? (
              <p class="help">{w.worklist.recordedByYou}</p>
            ) : (
              <div class="actions">
                <form method="post" action={`/staff/expenses/${e.id}/approve`}>
                  <FormKeys s={s} />
                  <button type="submit">{w.approveExpense}</button>
                </form>
                <form method="post" action={`/staff/expenses/${e.id}/reject`}>
                  <FormKeys s={s} />
                  <Input form={`reject-${e.id}`} name="reason" label={w.rejectReason} state={state} required maxlength={500} />
                  <button type="submit" class="secondary">
                    {w.rejectExpense}
                  </button>
                </form>
              </div>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

const expenseId = (c: WebContext) => c.req.param("id")!;

export const expenseActions = (page: Page) => ({
  approve: action({
    form: (c) => `approve-${expenseId(c)}`,
    schema: z.strictObject(Keys),
    back: "/staff",
    labels: () => ({}),
    what: () => "approve-expense",
    page,
    async run(s, _f, ctx) {
      await decideExpense(deps(s.c).db, s.p, expenseId(s.c), { approve: true }, ctx);
      return `/staff${qs({ done: "expenseApproved" })}`;
    },
  }),
  reject: action({
    form: (c) => `reject-${expenseId(c)}`,
    schema: z.strictObject({ ...Keys, reason: z.string().trim().min(1).max(500) }),
    back: "/staff",
    labels: (w) => ({ reason: w.rejectReason }),
    what: () => "reject-expense",
    page,
    async run(s, f, ctx) {
      await decideExpense(deps(s.c).db, s.p, expenseId(s.c), { approve: false, reason: f.reason }, ctx);
      return `/staff${qs({ done: "expenseRejected" })}`;
    },
  }),
});

// ---- a member's login (on the member's page) ----

type User = ReturnType<typeof userJson>;

export function MemberLogin({ s, memberId, user, state }: { s: Staff; memberId: string; user: User | undefined; state: FormState }) {
  const { w } = s;
  const base = `/staff/members/${memberId}`;
  return (
    <section class="no-print" aria-labelledby="login-title">
      <h2 id="login-title">{w.loginTitle}</h2>
      {user ? (
        <>
          <p data-testid="login">
            {w.loginUsername.replace(/（.*）| \(.*\)/, "")}：<code>{user.username}</code> · {user.disabled ? w.loginDisabled : w.loginActive}
          </p>
          <FormError state={state} form="password" />
          <form method="post" action={`${base}/password`}>
            <FormKeys s={s} />
            <input type="hidden" name="userId" value={user.id} />
            <Input form="password" name="password" label={w.newPassword} state={state} type="password" required maxlength={200} autocomplete="new-password" />
            <button type="submit">{w.resetPassword}</button>
          </form>
          <form method="post" action={`${base}/${user.disabled ? "enable" : "disable"}`}>
            <FormKeys s={s} />
            <input type="hidden" name="userId" value={user.id} />
            <button type="submit" class="secondary">
              {user.disabled ? w.enableLogin : w.disableLogin}
            </button>
          </form>
        </>
      ) : (
        <>
          <p>{w.noLogin}</p>
          <FormError state={state} form="login" />
          <form method="post" action={`${base}/login`}>
            <FormKeys s={s} />
            <Input form="login" name="username" label={w.loginUsername.replace(/（.*）| \(.*\)/, "")} state={state} required maxlength={64} />
            <Input form="login" name="password" label={w.newPassword} state={state} type="password" required maxlength={200} autocomplete="new-password" />
            <button type="submit">{w.giveLogin}</button>
          </form>
        </>
      )}
    </section>
  );
}

const memberId = (c: WebContext) => c.req.param("id")!;
const Password = z.string().min(8).max(200);
const UserRef = z.string().regex(/^[0-9A-Z]{26}$/);

export const loginActions = (page: Page) => {
  const back = (c: WebContext, done: string) => `/staff/members/${memberId(c)}${qs({ done })}`;
  return {
    give: action({
      form: "login",
      schema: z.strictObject({ ...Keys, username: z.string().trim().regex(/^[A-Za-z0-9_.-]{3,64}$/), password: Password }),
      back: "/staff/members",
      labels: (w) => ({ username: w.loginUsername, password: w.newPassword }),
      what: () => "give-login",
      page,
      async run(s, f, ctx) {
        const { db, passwordIterations } = deps(s.c);
        await giveMemberLogin(db, s.p, memberId(s.c), { username: f.username }, await hashPassword(f.password, passwordIterations), ctx.at);
        return back(s.c, "loginGiven");
      },
    }),
    password: action({
      form: "password",
      schema: z.strictObject({ ...Keys, userId: UserRef, password: Password }),
      back: "/staff/members",
      labels: (w) => ({ password: w.newPassword }),
      what: (f) => `reset-password:${f.userId}`,
      page,
      async run(s, f) {
        const { db, passwordIterations } = deps(s.c);
        await resetPassword(db, s.p, f.userId, await hashPassword(f.password, passwordIterations));
        return back(s.c, "passwordReset");
      },
    }),
    disable: action({
      form: "disable",
      schema: z.strictObject({ ...Keys, userId: UserRef }),
      back: "/staff/members",
      labels: () => ({}),
      what: (f) => `disable:${f.userId}`,
      page,
      async run(s, f, ctx) {
        await setDisabled(deps(s.c).db, s.p, f.userId, true, ctx.at);
        return back(s.c, "loginDisabled");
      },
    }),
    enable: action({
      form: "enable",
      schema: z.strictObject({ ...Keys, userId: UserRef }),
      back: "/staff/members",
      labels: () => ({}),
      what: (f) => `enable:${f.userId}`,
      page,
      async run(s, f, ctx) {
        await setDisabled(deps(s.c).db, s.p, f.userId, false, ctx.at);
        return back(s.c, "loginEnabled");
      },
    }),
  };
};
