import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { DocsAssetFile } from "./web/docs";

// Node only (the Worker serves these as static assets): the API reader's files from the
// swagger-ui-dist package, read once and kept.

const dist = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
const cache = new Map<DocsAssetFile, Promise<string>>();

export function nodeDocsAsset(file: DocsAssetFile): Promise<string> {
  let text = cache.get(file);
  if (!text) {
    text = readFile(join(dist, file), "utf8");
    cache.set(file, text);
  }
  return text;
}
