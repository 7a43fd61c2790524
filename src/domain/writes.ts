import type { Principal } from "../auth/tokens";
import { defaultBankTime, type BankTime } from "../bank-time";
import type { Db } from "../db/client";
import { sql, type Sql, type Val } from "../db/sql";
import { commit, type IdempotencyRecord, type Write } from "../db/write";
import { AppError, forbidden } from "../errors";
import { assertRole } from "./access";

// Small helpers shared by the earning modules (wishes, service, donations, honours).

/** What a write needs from its request: the clock's time, the bank's day, and the Idempotency-Key record, if any. */
export interface WriteCtx {
  at: string;
  idem?: IdempotencyRecord;
  /** The bank's day; writes made outside a request use the default zone. */
  time?: BankTime;
}

export const dayOf = (ctx: WriteCtx): BankTime => ctx.time ?? defaultBankTime;

/** Commits the write (storing the response under the Idempotency-Key in the same batch) and returns `body`. */
export async function commitWith<T>(db: Db, write: Write, ctx: WriteCtx, body: T): Promise<T> {
  await commit(db, write, ctx.idem ? { record: ctx.idem, body, at: ctx.at } : undefined);
  return body;
}

/**
 * Commits a write in one round-trip whose reply the database builds: `reply` is a JSON expression
 * with its FROM clause (see jsonObject), read at the end of the same batch, after every change,
 * and stored under the Idempotency-Key in that batch too, so a replay answers the same text.
 */
export async function commitReplying<T>(db: Db, write: Write, ctx: WriteCtx, reply: Sql): Promise<T> {
  if (ctx.idem) write.storeReply(ctx.idem, ctx.at, reply);
  const at = write.select({ sql: `SELECT ${reply.sql}`, args: reply.args });
  const results = await commit(db, write);
  return JSON.parse(String(results[at]!.rows[0]![0])) as T;
}

/** Raises a maintained counter of the public summary in the same write as the event. */
export const bump = (write: Write, counter: string, by: Val = 1) => write.add(sql`UPDATE counters SET value = value + ${by} WHERE name = ${counter}`);

/** The community a staff member or administrator records in: staff their own, an administrator names one. */
export function communityOfWrite(actor: Principal, communityId: string | undefined): string {
  assertRole(actor, "staff", "admin");
  if (actor.role === "staff") {
    if (communityId !== undefined && communityId !== actor.communityId) throw forbidden("Staff act only in their own community");
    return actor.communityId!;
  }
  if (!communityId) throw new AppError("validation_failed", "An administrator names the communityId", { field: "communityId" });
  return communityId;
}
