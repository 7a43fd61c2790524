import type { Context, MiddlewareHandler } from "hono";
import { deleteCookie, getCookie } from "hono/cookie";
import { checkedDb } from "../auth/current";
import { verifyToken, type Principal } from "../auth/tokens";
import { AppError } from "../errors";
import type { AppEnv } from "./env";

export const SESSION_COOKIE = "lsb_session";

/** Reads a bearer token (API) or the session cookie (pages, and API reads). A token that is present but bad is a 401. */
export const authenticate: MiddlewareHandler<AppEnv> = async (c, next) => {
  const header = c.req.header("authorization");
  let token: string | undefined;
  if (header) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new AppError("unauthorized", "Use an Authorization: Bearer <token> header");
    token = match[1];
  } else if (!c.req.path.startsWith("/v1/") || c.req.method === "GET" || c.req.method === "HEAD") {
    // The session cookie is for pages (whose forms carry their own CSRF token) and for reading
    // the API (a passbook CSV link). A write to the API needs the bearer header, which another
    // site cannot make a browser send: no cross-site request forgery through /v1.
    token = getCookie(c, SESSION_COOKIE);
  }
  const deps = c.get("deps");
  const verified = token ? verifyToken(token, deps.jwtSecret, deps.clock.now()) : undefined;
  // A bad bearer token is a 401; an expired page session is simply logged out, so pages still load.
  const p = await (header ? verified : verified?.catch(() => undefined));
  c.set("principal", p);
  if (!p) return next();
  // The token's login is checked as it is now, on the request's own first database call.
  const current = checkedDb(deps.db, p);
  c.set("deps", { ...deps, db: current.db });
  await next();
  // An answer made without the database (GET /v1/me, a page telling staff it is for members)
  // checks the login before it goes out.
  if (!current.checked()) {
    try {
      await current.check();
    } catch (err) {
      if (header || c.req.path.startsWith("/v1/")) throw err;
      c.res = endPageSession(c);
    }
  }
};

/**
 * A page session whose login was disabled, changed or logged out elsewhere ends: the cookie goes
 * and the same page is asked for again, logged out (after a form, the passbook's login form).
 */
export function endPageSession(c: Context<AppEnv>): Response {
  deleteCookie(c, SESSION_COOKIE, { path: "/", secure: c.get("deps").secureCookies ?? false });
  const url = new URL(c.req.url);
  return c.redirect(c.req.method === "GET" ? url.pathname + url.search : "/passbook", 303);
}

export function principal(c: Context<AppEnv>): Principal {
  const p = c.get("principal");
  if (!p) throw new AppError("unauthorized", "Log in first: send Authorization: Bearer <token>");
  return p;
}

/** Where a request comes from, for rate limiting (see AppDeps.clientAddress). */
export function callerAddress(c: Context<AppEnv>): string {
  const { clientAddress } = c.get("deps");
  if (clientAddress) return clientAddress(c) ?? "unknown";
  return c.req.header("cf-connecting-ip") ?? "unknown";
}
