import { newId } from "./ids";

// Public pages and JSON from Cloudflare's cache (the Workers Cache API), so a repeated view costs
// no database read. What may be kept is what the app already marks `Cache-Control: public,
// max-age=N` for an anonymous caller; it is kept for those N seconds (30 to 300) at most.
//
// Versioned, not listed: every key carries the location's current generation, itself a small
// entry of the same cache. A successful write puts a new generation before it answers, which in
// one cache operation retires every stored page and JSON in this Cloudflare location, whatever
// its query string, for every isolate there; the writer's next view shows the write. Other
// locations keep their copy until its max-age ends — the promise Cache-Control already makes to
// browsers and any other cache. (The Cache API is per location; reaching every location needs the
// zone purge API and an API token, which this Worker does not hold.) On a workers.dev hostname
// Cloudflare ignores cache.put, so the pages are simply not cached there: use a custom domain.

/** The part of the Workers Cache interface used here (caches.default in a Worker). */
export interface EdgeCache {
  match(request: Request): Promise<Response | undefined>;
  put(request: Request, response: Response): Promise<void>;
}

const LANG_COOKIE = "lsb_lang";
const PUBLIC = /^public,\s*max-age=(\d+)$/;
/** How long a generation lives without writes; an evicted one only costs one round of misses. */
const GENERATION_MAX_AGE = 7 * 24 * 60 * 60;
const generationKey = (origin: string) => new Request(`${origin}/__edge-cache/generation`);

/**
 * The part of an anonymous GET that picks the answer (path, query, remembered language), or null
 * when the request must go to the app: a login (a bearer token or a session cookie), any cookie
 * but the language, or ?lang= (which switches the language and sets a cookie).
 */
export function cacheable(request: Request): { url: URL; lang: string } | null {
  if (request.method !== "GET" || request.headers.has("authorization")) return null;
  const url = new URL(request.url);
  if (url.searchParams.has("lang")) return null;
  let lang = "";
  const cookie = request.headers.get("cookie");
  if (cookie) {
    for (const part of cookie.split(";")) {
      const [name, ...rest] = part.trim().split("=");
      if (!name) continue;
      if (name !== LANG_COOKIE) return null;
      lang = rest.join("=");
    }
    if (lang !== "zh" && lang !== "en") return null;
  }
  return { url, lang };
}

/** Whether the app's answer may be kept: a 200 marked public with a max-age, setting no cookie. */
export function storable(response: Response): boolean {
  return response.status === 200 && PUBLIC.test(response.headers.get("cache-control") ?? "") && !response.headers.has("set-cookie");
}

/** A request that may change what public pages show: a successful write other than a login or logout. */
export function changesPublicPages(request: Request, response: Response): boolean {
  if (request.method === "GET" || request.method === "HEAD" || request.method === "OPTIONS") return false;
  if (response.status >= 300) return false;
  const path = new URL(request.url).pathname;
  return !path.startsWith("/v1/auth/") && path !== "/login" && path !== "/logout";
}

export interface EdgeCacheLayer {
  /** Serves `request` from the cache when it can, otherwise from `origin`, keeping what may be kept. */
  handle(request: Request, origin: (request: Request) => Promise<Response>, waitUntil: (p: Promise<unknown>) => void): Promise<Response>;
  /** Retires everything stored, in this location, for every hostname this isolate has served. */
  purge(): Promise<void>;
}

export function edgeCacheLayer(cache: EdgeCache): EdgeCacheLayer {
  /** The hostnames this Worker answers on (a workers.dev name, custom domains): few. */
  const origins = new Set<string>();

  const newGeneration = async (origin: string) => {
    const generation = newId();
    const entry = new Response(generation, { headers: { "cache-control": `public, max-age=${GENERATION_MAX_AGE}` } });
    await cache.put(generationKey(origin), entry);
    return generation;
  };
  const generation = async (origin: string) => {
    const stored = await cache.match(generationKey(origin));
    return stored ? await stored.text() : await newGeneration(origin);
  };
  const keyOf = (url: URL, lang: string, gen: string) => {
    const key = new URL(url.pathname + url.search, url.origin);
    key.searchParams.set("__gen", gen);
    if (lang) key.searchParams.set("__lang", lang);
    return new Request(key.toString(), { method: "GET" });
  };
  const purge = async () => {
    await Promise.all([...origins].map((o) => newGeneration(o).catch(() => undefined)));
  };

  return {
    purge,
    async handle(request, origin, waitUntil) {
      const url = new URL(request.url);
      if (origins.size < 8) origins.add(url.origin);
      const shape = cacheable(request);
      if (!shape) {
        const response = await origin(request);
        // Before the answer, so the writer's next view (in this location) already shows the write.
        if (changesPublicPages(request, response)) await purge();
        return response;
      }
      const conditional = request.headers.get("if-none-match");
      const answer = (res: Response, state: "hit" | "miss") => {
        const tag = res.headers.get("etag");
        if (conditional && tag && conditional === tag) {
          return new Response(null, { status: 304, headers: { etag: tag, "cache-control": res.headers.get("cache-control") ?? "", "x-edge-cache": state } });
        }
        const out = new Response(res.body, res);
        out.headers.set("x-edge-cache", state);
        return out;
      };
      const key = keyOf(shape.url, shape.lang, await generation(url.origin));
      const hit = await cache.match(key);
      if (hit) return answer(hit, "hit");
      // Asked unconditionally, so a revalidating browser fills the cache too; its 304 is made here.
      const plain = new Request(request);
      plain.headers.delete("if-none-match");
      const response = await origin(plain);
      if (!storable(response)) return response;
      const kept = new Response(response.clone().body, response);
      // The request id belongs to the request that made the page, not to the ones it is served to.
      kept.headers.delete("x-request-id");
      waitUntil(cache.put(key, kept).catch(() => undefined));
      return answer(response, "miss");
    },
  };
}
