// Run by wrangler before every build ([build] in wrangler.toml): copies the API reader's two
// Swagger UI files from the swagger-ui-dist package into the Worker's static assets, under the
// same versioned path the Node server serves them at (src/web/docs.ts), with their headers.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);
const dist = dirname(require.resolve("swagger-ui-dist/package.json"));
const { version } = JSON.parse(readFileSync(join(dist, "package.json"), "utf8"));
const out = join(dirname(new URL(import.meta.url).pathname), "..", "dist", "assets");
const dir = join(out, "docs", version);
mkdirSync(dir, { recursive: true });
for (const file of ["swagger-ui-bundle.js", "swagger-ui.css"]) copyFileSync(join(dist, file), join(dir, file));
writeFileSync(
  join(out, "_headers"),
  `/docs/${version}/*\n  Cache-Control: public, max-age=31536000, immutable\n  X-Content-Type-Options: nosniff\n`,
);
