import type { MiddlewareHandler } from "hono";
import { etag } from "hono/etag";
import type { AppEnv } from "../http/env";
import { PUBLIC_MAX_AGE } from "./page";

// Public JSON may be kept by any cache for a short while and carries an ETag, so a client or an
// edge cache revalidates with a 304 instead of fetching the body again. "Public" needs no list
// to keep in step with the routes: a GET answered 200 to a caller without any login is, by
// definition, the same answer for everyone. A route that sets its own Cache-Control keeps it;
// logged-in answers are left alone (and cost no hashing).

const tag = etag();

export const publicJsonCache: MiddlewareHandler<AppEnv> = async (c, next) => {
  if ((c.req.method !== "GET" && c.req.method !== "HEAD") || c.get("principal")) return next();
  await tag(c, async () => {
    await next();
    if (c.res.status === 200 && !c.res.headers.has("Cache-Control")) {
      c.res.headers.set("Cache-Control", `public, max-age=${PUBLIC_MAX_AGE}`);
    }
  });
};
