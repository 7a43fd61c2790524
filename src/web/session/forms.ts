import { bodyLimit } from "hono/body-limit";
import { csrf } from "hono/csrf";
import type { Principal } from "../../auth/tokens";
import { IdempotencyConflict, type IdempotencyRecord } from "../../db/write";
import { AppError } from "../../errors";
import { z } from "../../http/openapi";
import { sha256Hex } from "../../ledger/chain";
import { validated, type WebContext } from "../page";

// What every form of the logged-in pages shares: reading and validating the fields, the checks
// that run before a form is read, and the one-time key that a value-moving form carries and
// uses as an Idempotency-Key, so a double click or a reload never redeems or accepts twice.

export const FormKey = z.string().uuid();

export const formKey = () => crypto.randomUUID();

/** The idempotency record of a form post: scoped to the user like the API's, keyed by the form's one-time key. */
export async function formRecord(p: Principal, what: string, key: string, status: 200 | 201): Promise<IdempotencyRecord> {
  return { scope: `user:${p.userId}`, key: `web:${key}:${what}`, requestHash: await sha256Hex(`web ${what}`), status };
}

/**
 * The stored result of a form already sent with this one-time key, if any. A repeat is refused
 * by the state it left behind (a 409) or by the key itself; either way the first result stands.
 * Read only on that refusal path, like the API's idempotency middleware.
 */
export async function firstResult<T>(c: WebContext, record: IdempotencyRecord, err: unknown): Promise<T | undefined> {
  if (!(err instanceof IdempotencyConflict || (err instanceof AppError && err.status === 409))) return undefined;
  const res = await c.get("deps").db.client.execute({
    sql: "SELECT request_hash, body FROM idempotency_keys WHERE scope = ? AND key = ?",
    args: [record.scope, record.key],
  });
  const row = res.rows[0];
  return row && row.request_hash === record.requestHash ? (JSON.parse(String(row.body)) as T) : undefined;
}

/** The form's fields; a body that does not parse as its Content-Type says (a broken multipart) is a 400, not a 500. */
export async function formFields(c: WebContext): Promise<Record<string, unknown>> {
  try {
    return await c.req.parseBody();
  } catch {
    throw new AppError("validation_failed", "The form could not be read");
  }
}

export const form = async <T extends z.ZodTypeAny>(c: WebContext, schema: T): Promise<z.infer<T>> =>
  validated(schema, await formFields(c), "The form is not valid");

const noStore = async (c: WebContext, next: () => Promise<void>) => {
  await next();
  c.header("Cache-Control", "no-store");
};

/** Every form here is a few short fields; a roster (one field per member) is larger. */
const FORM_MAX_BYTES = 4 * 1024;
const limitTo = (maxSize: number) =>
  bodyLimit({
    maxSize,
    onError: () => {
      throw new AppError("payload_too_large", `Forms are limited to ${maxSize} bytes`);
    },
  });

/** Checks that run before any form is read: same-site origin (hono/csrf), size, never cached. */
export const formPost = [csrf(), limitTo(FORM_MAX_BYTES), noStore] as const;

/** The same checks for a form of up to `maxBytes`. */
export const largeFormPost = (maxBytes: number) => [csrf(), limitTo(maxBytes), noStore] as const;
