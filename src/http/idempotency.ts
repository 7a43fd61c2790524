import type { MiddlewareHandler } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { sha256Hex } from "../ledger/chain";
import { AppError } from "../errors";
import { IdempotencyConflict } from "../db/write";
import type { AppEnv } from "./env";
import { errorBody } from "./errors";
import { isUpload } from "./uploads";

/** Far deeper than any body this API takes; a deeper one would exhaust the stack here (a 500). */
const MAX_DEPTH = 32;

const stable = (v: unknown, depth = 0): string => {
  if (depth > MAX_DEPTH) throw new AppError("validation_failed", `The JSON body is nested more than ${MAX_DEPTH} levels deep`);
  if (Array.isArray(v)) return `[${v.map((x) => stable(x, depth + 1)).join(",")}]`;
  if (v && typeof v === "object") {
    const keys = Object.keys(v).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${stable((v as Record<string, unknown>)[k], depth + 1)}`).join(",")}}`;
  }
  return JSON.stringify(v) ?? "null";
};

/**
 * Idempotency-Key, as Stripe defines it: scoped to the caller, the first response is stored in the
 * same batch as the write it made, and replayed (status and body) for the same key and request.
 * The happy path costs no extra round-trip: the store is only read when the write is refused.
 */
export const idempotency: MiddlewareHandler<AppEnv> = async (c, next) => {
  const key = c.req.header("idempotency-key");
  // A receipt upload is idempotent by itself (the same file is kept once, by its hash), and its
  // body is a file, not JSON to hash here.
  if (key === undefined || c.req.method !== "POST" || isUpload(c)) return next();
  if (key.length < 1 || key.length > 255) {
    throw new AppError("validation_failed", "Idempotency-Key must be 1 to 255 characters", { header: "Idempotency-Key" });
  }
  const raw = await c.req.text();
  let body: unknown = raw;
  try {
    body = raw ? JSON.parse(raw) : null;
  } catch {
    // invalid JSON is refused by validation later; hash the raw text meanwhile
  }
  const p = c.get("principal");
  const scope = p ? `user:${p.userId}` : "anonymous";
  const requestHash = await sha256Hex(`${c.req.method} ${c.req.path}\n${stable(body)}`);
  c.set("idempotency", { scope, key, requestHash, status: 200 });
  await next();
  const err = c.error;
  const refused = err instanceof IdempotencyConflict || (err instanceof AppError && err.status === 409);
  if (!refused) return;
  const stored = await c.get("deps").db.client.execute({
    sql: "SELECT request_hash, status, body FROM idempotency_keys WHERE scope = ? AND key = ?",
    args: [scope, key],
  });
  const row = stored.rows[0];
  if (!row) return;
  c.error = undefined;
  if (row.request_hash !== requestHash) {
    c.res = c.json(
      errorBody(c, "idempotency_key_reused", "This Idempotency-Key was used with a different request"),
      409,
    );
    return;
  }
  c.res = c.json(JSON.parse(String(row.body)), Number(row.status) as ContentfulStatusCode, { "Idempotent-Replayed": "true" });
};
