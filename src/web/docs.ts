import type { Context } from "hono";
import { Hono } from "hono";
import type { AppEnv } from "../http/env";

// The API reader: Swagger UI from the swagger-ui-dist npm package, served by this origin under a
// versioned path (no CDN: it must work offline and where public CDNs are unreliable). On Workers
// the two files are static assets (wrangler.toml [assets], copied by scripts/docs-assets.mjs);
// on Node the app serves them from node_modules through AppDeps.docsAsset.

/** The swagger-ui-dist version in package.json; it names the asset path, so a new version is a new URL. */
export const SWAGGER_UI_VERSION = "5.35.0";
export const DOCS_ASSET_FILES = ["swagger-ui-bundle.js", "swagger-ui.css"] as const;
export type DocsAssetFile = (typeof DOCS_ASSET_FILES)[number];
export const DOCS_ASSET_BASE = `/docs/${SWAGGER_UI_VERSION}`;

/** Our own initializer is a same-origin file too, so the policy allows no inline script at all. */
const INIT_JS = `window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true });\n`;

const HTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Love Savings Bank API (爱心储蓄银行)</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${DOCS_ASSET_BASE}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<noscript><p>The API reader needs JavaScript; the document itself is <a href="/openapi.json">/openapi.json</a>.</p></noscript>
<script src="${DOCS_ASSET_BASE}/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
`;

/**
 * As strict as the pages: scripts and stylesheets from this origin only. Swagger UI (React) sets
 * style attributes on its elements, which is all 'unsafe-inline' is allowed for (style-src-attr);
 * no inline <style> or <script> runs.
 */
export const DOCS_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "style-src-attr 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const YEAR = 365 * 24 * 60 * 60;

function send(c: Context<AppEnv>, body: string, type: string, cache: string) {
  c.header("Content-Security-Policy", DOCS_POLICY);
  c.header("Cache-Control", cache);
  return c.body(body, 200, { "Content-Type": type });
}

const isAsset = (file: string): file is DocsAssetFile => (DOCS_ASSET_FILES as readonly string[]).includes(file);

export const docsRoutes = new Hono<AppEnv>()
  .get("/docs", (c) => send(c, HTML, "text/html; charset=utf-8", "public, max-age=300"))
  .get("/docs/init.js", (c) => send(c, INIT_JS, "text/javascript; charset=utf-8", "public, max-age=300"))
  .get(`${DOCS_ASSET_BASE}/:file`, async (c, next) => {
    const file = c.req.param("file");
    const load = c.get("deps").docsAsset;
    const text = load && isAsset(file) ? await load(file) : undefined;
    if (text === undefined) return next();
    return send(c, text, file.endsWith(".css") ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8", `public, max-age=${YEAR}, immutable`);
  });
