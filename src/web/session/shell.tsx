import type { Child } from "hono/jsx";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Principal } from "../../auth/tokens";
import type { Dict } from "../../i18n";
import { langOf, sendPage, type WebContext } from "../page";
import { staffWords } from "../staff/words";
import { csrfToken } from "./csrf";

const staffWordsOf = (d: Dict) => staffWords[d.htmlLang === "en" ? "en" : "zh"];

// The frame every logged-in page shares: the login form when no one is logged in, the bar with
// the user and the logout button, notices, and the page for a user of the wrong role.

export type View = ReturnType<typeof langOf>;

/** A logged-in page that a login can lead to (the login form's `next`), with its words. */
interface Home {
  title: (d: Dict) => string;
  loginIntro: (d: Dict) => string;
  wrongRole: (d: Dict) => string;
}

export const homes = {
  passbook: { title: (d) => d.passbookTitle, loginIntro: (d) => d.loginIntro, wrongRole: (d) => d.wrongRole },
  merchant: { title: (d) => d.merchantTitle, loginIntro: (d) => d.merchantLoginIntro, wrongRole: (d) => d.wrongRoleMerchant },
  staff: { title: (d) => staffWordsOf(d).title, loginIntro: (d) => staffWordsOf(d).loginIntro, wrongRole: (d) => staffWordsOf(d).wrongRole },
} satisfies Record<string, Home>;

export type HomeName = keyof typeof homes;
export const homeNames = Object.keys(homes) as [HomeName, ...HomeName[]];

/**
 * The query a login returns to (a voucher's code from its QR code, an outing's sign-in code):
 * only plain parameter text, so the redirect after the login cannot be sent anywhere else.
 */
export const ReturnQuery = /^\?[A-Za-z0-9=&_.%-]{1,300}$/;

const returnQueryOf = (c: WebContext) => {
  const search = new URL(c.req.url).search;
  return ReturnQuery.test(search) ? search : undefined;
};

function LoginForm({ d, next, error, then }: { d: Dict; next: HomeName; error?: string; then?: string }) {
  return (
    <>
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
      <h2>{d.loginTitle}</h2>
      <p>{homes[next].loginIntro(d)}</p>
      <form method="post" action="/login">
        <input type="hidden" name="next" value={next} />
        {then ? <input type="hidden" name="then" value={then} /> : null}
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

export function UserBar({ d, p, token }: { d: Dict; p: Principal; token: string }) {
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

export const Notice = ({ text, kind }: { text: string; kind: "notice" | "error" }) => (
  <p class={kind} role={kind === "error" ? "alert" : "status"}>
    {text}
  </p>
);

export function privatePage(c: WebContext, view: View, path: string, title: string, body: Child, status?: ContentfulStatusCode) {
  return sendPage(c, view, { access: "private", path, title, body, status });
}

export const loginPage = (c: WebContext, view: View, next: HomeName, error?: string, status?: ContentfulStatusCode) =>
  privatePage(c, view, `/${next}`, homes[next].title(view.d), <LoginForm d={view.d} next={next} error={error} then={c.req.method === "GET" ? returnQueryOf(c) : undefined} />, status);

export async function wrongRolePage(c: WebContext, view: View, p: Principal, next: HomeName) {
  const token = await csrfToken(c);
  return privatePage(
    c,
    view,
    `/${next}`,
    homes[next].title(view.d),
    <>
      <UserBar d={view.d} p={p} token={token} />
      <Notice kind="error" text={homes[next].wrongRole(view.d)} />
    </>,
    403,
  );
}
