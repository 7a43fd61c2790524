import { getConnInfo } from "@hono/node-server/conninfo";
import type { Context } from "hono";
import type { AppEnv } from "./env";

/**
 * The Node server's caller address: the socket's. Off Cloudflare a CF-Connecting-IP header is
 * whatever the client wrote, so it is not trusted there. (Node only; the Worker never imports this.)
 */
export const socketAddress = (c: Context<AppEnv>): string | undefined => getConnInfo(c).remote.address;
