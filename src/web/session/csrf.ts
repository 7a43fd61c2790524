import { getCookie } from "hono/cookie";
import { AppError } from "../../errors";
import { SESSION_COOKIE } from "../../http/auth";
import { z } from "../../http/openapi";
import type { WebContext } from "../page";

// CSRF, two layers: (1) hono/csrf refuses any form POST whose Origin (or Sec-Fetch-Site) is not
// this site (see formPost in ./forms), and (2) every form of a logged-in page carries a token
// derived from the session (HMAC of the session token under the JWT secret), checked before
// anything happens. The login form itself has no session to bind to and relies on (1) and on
// SameSite.

export const CsrfField = z.string().min(1).max(100);

/** The session's CSRF token: HMAC-SHA256 of the session cookie under the JWT secret (stateless, dies with the session). */
export async function csrfToken(c: WebContext): Promise<string> {
  const session = getCookie(c, SESSION_COOKIE) ?? "";
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(c.get("deps").jwtSecret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`csrf\n${session}`));
  let bin = "";
  for (const b of new Uint8Array(mac)) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export async function checkCsrf(c: WebContext, sent: string): Promise<void> {
  const expected = await csrfToken(c);
  let diff = sent.length ^ expected.length;
  for (let i = 0; i < expected.length; i++) diff |= expected.charCodeAt(i) ^ (sent.charCodeAt(i) || 0);
  if (diff !== 0) throw new AppError("forbidden", "The form's CSRF token does not match this session", { field: "csrf" });
}
