import { getConnInfo } from "@hono/node-server/conninfo";
import type { Context } from "hono";
import type { AppEnv } from "./env";

/**
 * The Node server's caller address: the socket's. Off Cloudflare a CF-Connecting-IP header is
 * whatever the client wrote, so it is not trusted there. A request made in process (the demo
 * data loader's app.request) has no socket: "local". Behind a reverse proxy every caller shares
 * the proxy's address. (Node only; the Worker never imports this.)
 */
export const socketAddress = (c: Context<AppEnv>): string =>
  (c.env as { incoming?: unknown } | undefined)?.incoming ? (getConnInfo(c).remote.address ?? "unknown") : "local";
