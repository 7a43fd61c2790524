import type { Context } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import type { Child } from "hono/jsx";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { AppError } from "../errors";
import type { AppEnv } from "../http/env";
import { z } from "../http/openapi";
import { dictionaries, isLang, LANG_COOKIE, type Dict, type Lang } from "../i18n";
import { CSS, Layout } from "./layout";

export type WebContext = Context<AppEnv>;

export const deps = (c: WebContext) => c.get("deps");
export const nowIso = (c: WebContext) => deps(c).clock.now().toISOString();

/** Public pages and public JSON: a minute in any cache; the ETag makes a revalidation cheap. */
export const PUBLIC_MAX_AGE = 60;

// ---- language: ?lang=en|zh switches and is remembered in a cookie; zh-CN by default ----

export const LangParam = z.enum(["zh", "en"]).optional();

export function langOf(c: WebContext): { lang: Lang; d: Dict; switched: boolean } {
  const asked = c.req.query("lang");
  if (isLang(asked)) {
    setCookie(c, LANG_COOKIE, asked, {
      path: "/",
      maxAge: 365 * 24 * 60 * 60,
      sameSite: "Lax",
      httpOnly: true,
      secure: c.get("deps").secureCookies ?? false,
    });
    return { lang: asked, d: dictionaries[asked], switched: true };
  }
  const remembered = getCookie(c, LANG_COOKIE);
  const lang: Lang = isLang(remembered) ? remembered : "zh";
  return { lang, d: dictionaries[lang], switched: false };
}

// ---- Content-Security-Policy: only our own inline stylesheet and scripts, by their hashes ----

const hashes = new Map<string, Promise<string>>();

/** 'sha256-…' of an inline block; computed once per distinct text (constants, so a handful). */
function cspHash(text: string): Promise<string> {
  let h = hashes.get(text);
  if (!h) {
    h = crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)).then((buf) => {
      let bin = "";
      for (const b of new Uint8Array(buf)) bin += String.fromCharCode(b);
      return `'sha256-${btoa(bin)}'`;
    });
    hashes.set(text, h);
  }
  return h;
}

/**
 * A strict policy: nothing loads from anywhere but this origin, no inline code but the exact
 * stylesheet and scripts the page carries (hash-allowed, so a page stays byte-identical between
 * requests and its ETag holds, which a per-request nonce would break), forms post only here.
 */
export async function contentSecurityPolicy(scripts: string[]): Promise<string> {
  const scriptHashes = await Promise.all(scripts.map(cspHash));
  return [
    "default-src 'none'",
    `style-src ${await cspHash(CSS)}`,
    `script-src ${scriptHashes.length ? scriptHashes.join(" ") : "'none'"}`,
    "img-src 'self' data:",
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

// ---- rendering ----

export interface PageOptions {
  /** public: cacheable by anyone; private: a logged-in view, never stored. */
  access: "public" | "private";
  title: string;
  path: string;
  body: Child;
  status?: ContentfulStatusCode;
  scripts?: string[];
}

/** The ledger's verifier key for a page; a bank whose key is not configured still serves its pages, without it. */
export const ledgerKeyOf = (c: WebContext): Promise<string | null> =>
  c.get("ledgerSigner")().then(
    (s) => s.verifierKey,
    () => null,
  );

export async function sendPage(c: WebContext, view: { lang: Lang; d: Dict; switched: boolean }, opts: PageOptions) {
  const scripts = opts.scripts ?? [];
  const ledgerKey = opts.access === "public" ? await ledgerKeyOf(c) : null;
  const html = await (
    <Layout d={view.d} lang={view.lang} path={opts.path} title={opts.title} scripts={scripts} ledgerKey={ledgerKey}>
      {opts.body}
    </Layout>
  ).toString();
  c.header("Content-Security-Policy", await contentSecurityPolicy(scripts));
  c.header("Cache-Control", cacheControl(opts.access, view.switched));
  // The language comes from a cookie, so a cache must keep one copy per cookie.
  c.header("Vary", "Cookie");
  return c.html(`<!DOCTYPE html>${html}`, opts.status ?? 200);
}

const cacheControl = (access: "public" | "private", setsCookie: boolean) =>
  access === "private" ? "no-store" : setsCookie ? "private, no-cache" : `public, max-age=${PUBLIC_MAX_AGE}`;

/** Input checked by a strict zod schema; anything else is a 400 page with the issues. */
export function validated<T extends z.ZodTypeAny>(schema: T, input: unknown, message: string): z.infer<T> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw new AppError(
      "validation_failed",
      message,
      parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
    );
  }
  return parsed.data;
}

/**
 * The page's own query parameters, checked; any others are dropped, not refused: a link shared
 * through WeChat or Weibo comes back with from=singlemessage&isappinstalled=0, utm_* and the like.
 */
export function pageQuery<T extends z.ZodObject>(c: WebContext, schema: T): z.infer<T> {
  const known = Object.fromEntries(Object.entries(c.req.query()).filter(([k]) => Object.hasOwn(schema.shape, k)));
  return validated(schema, known, "The address has parameters this page cannot read");
}

export const ListQuery = z.strictObject({ cursor: z.string().max(200).optional(), lang: LangParam });

/** The query string for a link: the given parameters, empty ones left out. */
export function qs(params: Record<string, string | number | null | undefined>): string {
  const s = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") s.set(k, String(v));
  const text = s.toString();
  return text ? `?${text}` : "";
}
