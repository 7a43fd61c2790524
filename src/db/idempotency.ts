import type { Db } from "./client";

/** How long a stored Idempotency-Key answer is kept (Stripe keeps them at least 24 hours). */
export const IDEMPOTENCY_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * Forgets stored answers older than the retention, oldest first, at most `max` per run (a cron
 * run has a subrequest budget; the rest go next time). A retry after that is a new request.
 */
export async function forgetOldIdempotencyKeys(db: Db, now: Date, max = 5000): Promise<number> {
  const before = new Date(now.getTime() - IDEMPOTENCY_RETENTION_MS).toISOString();
  const res = await db.client.execute({
    sql: `DELETE FROM idempotency_keys WHERE rowid IN
            (SELECT rowid FROM idempotency_keys WHERE created_at < ? ORDER BY created_at LIMIT ?)`,
    args: [before, max],
  });
  return res.rowsAffected;
}
