import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { HTTPException } from "hono/http-exception";
import { AppError, errorStatus, type ErrorCode } from "../errors";
import { IdempotencyConflict } from "../db/write";
import type { AppEnv } from "./env";

export function errorBody(c: Context<AppEnv>, code: ErrorCode, message: string, details: unknown = null) {
  return { error: { code, message, details, requestId: c.get("requestId") ?? null } };
}

export function errorResponse(c: Context<AppEnv>, err: AppError) {
  return c.json(errorBody(c, err.code, err.message, err.details), err.status as ContentfulStatusCode);
}

/**
 * The domain error behind `err`: drizzle wraps what a database call threw (the token check of
 * src/auth/current.ts throws from inside the request's own query) in a DrizzleQueryError.
 */
export function appErrorOf(err: unknown): AppError | undefined {
  for (let e = err, depth = 0; e && depth < 5; depth++, e = (e as { cause?: unknown }).cause) if (e instanceof AppError) return e;
  return undefined;
}

/** The one place errors become responses: codes map to statuses; anything unknown is a 500 without detail. */
export function onError(err: Error, c: Context<AppEnv>) {
  const app = appErrorOf(err);
  if (app) return errorResponse(c, app);
  // The key is already stored: the idempotency middleware replays the first response or refuses.
  if (err instanceof IdempotencyConflict) {
    return c.json(errorBody(c, "idempotency_key_reused", "This Idempotency-Key was already used"), 409);
  }
  if (err instanceof HTTPException) {
    const code: ErrorCode =
      err.status === 413 ? "payload_too_large" : err.status === 401 ? "unauthorized" : err.status === 415 ? "unsupported_media_type" : "validation_failed";
    return c.json(errorBody(c, code, err.message || code), errorStatus[code] as ContentfulStatusCode);
  }
  const log = c.get("deps")?.log ?? console.error;
  log(`[${c.get("requestId")}] internal error`, err);
  return c.json(errorBody(c, "internal", "Something went wrong; quote the request id when reporting it"), 500);
}

export function notFoundHandler(c: Context<AppEnv>) {
  return c.json(errorBody(c, "not_found", `No route for ${c.req.method} ${c.req.path}`), 404);
}
