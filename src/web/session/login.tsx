import { Hono } from "hono";
import { deleteCookie, setCookie } from "hono/cookie";
import { login } from "../../auth/login";
import { TOKEN_TTL_SECONDS } from "../../auth/tokens";
import { logout as endSession } from "../../domain/users";
import { AppError } from "../../errors";
import { callerAddress, SESSION_COOKIE } from "../../http/auth";
import type { AppEnv } from "../../http/env";
import { z } from "../../http/openapi";
import { langOf, type WebContext } from "../page";
import { checkCsrf, CsrfField } from "./csrf";
import { form, formFields, formPost } from "./forms";
import { homeNames, loginPage, ReturnQuery } from "./shell";

// Session: the JWT from /login sits in an HttpOnly, SameSite=Strict cookie (Secure when the
// deployment is https), which the app's authenticate middleware reads like a bearer token.

const LoginBody = z.strictObject({
  username: z.string().trim().min(1).max(64),
  password: z.string().min(1).max(200),
  next: z.enum(homeNames).default("passbook"),
  then: z.string().regex(ReturnQuery).optional(),
});

async function loginPost(c: WebContext) {
  const view = langOf(c);
  const parsed = LoginBody.safeParse(await formFields(c));
  const next = parsed.success ? parsed.data.next : "passbook";
  if (!parsed.success) return loginPage(c, view, next, view.d.loginInvalid, 400);
  const { db, clock, jwtSecret, secureCookies } = c.get("deps");
  const address = callerAddress(c);
  let token: string;
  try {
    ({ token } = await login(db, { username: parsed.data.username, password: parsed.data.password, address, now: clock.now(), jwtSecret }));
  } catch (err) {
    if (err instanceof AppError && err.code === "invalid_credentials") return loginPage(c, view, next, view.d.loginFailed, 401);
    if (err instanceof AppError && err.code === "rate_limited") return loginPage(c, view, next, view.d.loginLimited, 429);
    if (err instanceof AppError && err.code === "user_disabled") return loginPage(c, view, next, view.d.loginDisabled, 403);
    throw err;
  }
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: "Strict",
    secure: secureCookies ?? false,
    path: "/",
    maxAge: TOKEN_TTL_SECONDS,
  });
  return c.redirect(`/${next}${parsed.data.then ?? ""}`, 303);
}

async function logout(c: WebContext) {
  const f = await form(c, z.strictObject({ csrf: CsrfField }));
  await checkCsrf(c, f.csrf);
  // The token itself is refused from now on, not only forgotten by this browser.
  const p = c.get("principal");
  if (p) await endSession(c.get("deps").db, p, c.get("deps").clock.now());
  deleteCookie(c, SESSION_COOKIE, { path: "/", secure: c.get("deps").secureCookies ?? false });
  return c.redirect("/", 303);
}

export const loginPages = new Hono<AppEnv>()
  .get("/login", (c) => c.redirect("/passbook", 303))
  .post("/login", ...formPost, loginPost)
  .post("/logout", ...formPost, logout);
