import type { Context } from "hono";
import type { WriteCtx } from "../domain/writes";
import type { AppEnv } from "./env";
import { idem } from "./openapi";

/** The time (from the injected clock) and Idempotency-Key record a domain write needs. */
export const writeCtx = (c: Context<AppEnv>, status: 200 | 201): WriteCtx => ({
  at: c.get("deps").clock.now().toISOString(),
  idem: idem(c, status),
  time: c.get("time"),
});
