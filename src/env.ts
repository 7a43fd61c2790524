import * as z from "zod";
import { DEFAULT_BANK_TIME_ZONE, isTimeZone } from "./bank-time";

// Configuration, parsed once with zod. Secrets come from the environment or Workers secrets only.

const common = {
  DATABASE_URL: z.string().min(1).default("file:data/lsb.db"),
  DATABASE_AUTH_TOKEN: z.string().optional(),
  CLAIM_DAYS: z.coerce.number().int().min(1).max(90).default(7),
  BANK_TIME_ZONE: z
    .string()
    .default(DEFAULT_BANK_TIME_ZONE)
    .refine(isTimeZone, "BANK_TIME_ZONE must be an IANA time zone such as Asia/Shanghai"),
  // Signs the ledger's checkpoints; made by `npm run ledger-key -- <origin>` (src/ledger/note.ts).
  LEDGER_SIGNING_KEY: z
    .string()
    .regex(/^PRIVATE\+KEY\+[^+\s]+\+[0-9a-f]{8}\+[A-Za-z0-9+/=]+$/, "LEDGER_SIGNING_KEY must be a PRIVATE+KEY+<name>+<id>+<key> signer key")
    .optional(),
};

export const nodeConfigSchema = z.object({
  ...common,
  JWT_SECRET: z.string().min(32, "JWT_SECRET must be at least 32 characters").optional(),
  ADMIN_USERNAME: z.string().min(3).default("admin"),
  ADMIN_PASSWORD: z.string().min(8).optional(),
  PORT: z.coerce.number().int().min(1).max(65535).default(8787),
  DEMO_DATA: z.enum(["0", "1"]).default("1"),
  // Expense receipt files, by SHA-256; default: a receipts folder beside the database file.
  RECEIPTS_DIR: z.string().min(1).optional(),
});

export const workerConfigSchema = z.object({
  ...common,
  DATABASE_URL: z
    .string({ error: "DATABASE_URL secret is missing (a libsql:// Turso URL): wrangler secret put DATABASE_URL" })
    .regex(/^(libsql|https?):\/\//, "DATABASE_URL must be a libsql:// or https:// URL on Workers"),
  JWT_SECRET: z
    .string({ error: "JWT_SECRET secret is missing: wrangler secret put JWT_SECRET" })
    .min(32, "JWT_SECRET must be at least 32 characters"),
});

export type NodeConfig = z.infer<typeof nodeConfigSchema>;
export type WorkerConfig = z.infer<typeof workerConfigSchema>;

export function parseConfig<T extends z.ZodTypeAny>(schema: T, source: Record<string, unknown>): z.infer<T> {
  const result = schema.safeParse(source);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n");
    throw new Error(`Invalid configuration:\n${lines}`);
  }
  return result.data;
}
