import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { AppError } from "../errors";
import type { IdempotencyRecord } from "../db/write";
import type { AppEnv } from "./env";

export { z };

/** A router whose zod validation failures become our 400 `validation_failed` body. */
export function newRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        throw new AppError(
          "validation_failed",
          "The request is not valid",
          result.error.issues.map((i) => ({ path: i.path.join("."), message: i.message, code: i.code })),
        );
      }
    },
  });
}

// ---- shared schemas ----

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      details: z.unknown(),
      requestId: z.string().nullable(),
    }),
  })
  .openapi("Error");

export const Id = z.string().min(1).max(64).regex(/^[A-Za-z0-9_:-]+$/, "not a valid id");
export const IdParam = z.strictObject({ id: Id.openapi({ param: { name: "id", in: "path" } }) });

export const PageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(200).optional(),
});

/**
 * Refused in free text: C0 controls but tab and line breaks (a NUL cut the text short when it was
 * read back), bidirectional overrides and isolates (they reorder how a published name reads), and
 * unpaired surrogates (UTF-8 cannot hold them; they came back as U+FFFD). No `u` flag: the
 * surrogate checks work on UTF-16 code units.
 */
const UNSAFE_TEXT = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\u202A-\u202E\u2066-\u2069]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export const Text = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((s) => !UNSAFE_TEXT.test(s), "control characters, bidirectional overrides and unpaired surrogates are not allowed");
export const Fen = z.number().int().positive().max(100_000_000_000);
/** ISO 8601 date (YYYY-MM-DD). */
export const IsoDate = z.iso.date();
/** ISO 8601 date-time, normalised to UTC. */
export const IsoDateTime = z.iso.datetime({ offset: true }).transform((s) => new Date(s).toISOString());

export const pageOf = <T extends z.ZodTypeAny>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });

// ---- route description helpers ----

export const jsonBody = <T extends z.ZodTypeAny>(schema: T) => ({
  body: { content: { "application/json": { schema } }, required: true },
});

export const jsonResponse = <T extends z.ZodTypeAny>(schema: T, description: string) => ({
  content: { "application/json": { schema } },
  description,
});

const err = (description: string) => jsonResponse(ErrorSchema, description);
export const errorResponses = {
  400: err("Invalid request (validation_failed)"),
  401: err("Not logged in or bad token (unauthorized)"),
  403: err("Not allowed (forbidden)"),
  404: err("Not found (not_found)"),
  409: err("Refused by the current state; the code says why"),
} as const;

export const bearer = [{ bearerAuth: [] }];

/** The idempotency record for this request, if it sent Idempotency-Key, with the status it will answer. */
export function idem(c: Context<AppEnv>, status: 200 | 201): IdempotencyRecord | undefined {
  const r = c.get("idempotency");
  return r ? { ...r, status } : undefined;
}
