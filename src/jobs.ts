import { defaultBankTime, type BankTime } from "./bank-time";
import type { Clock } from "./clock";
import { expirePoints } from "./domain/expiry";
import type { Db } from "./db/client";
import { forgetOldLoginAttempts } from "./auth/login";
import { forgetOldIdempotencyKeys } from "./db/idempotency";
import { forgetEndedSessions } from "./domain/users";
import { sealPending } from "./ledger/chain";
import { expireVouchers } from "./domain/vouchers";
import { releaseOverdueClaims } from "./domain/wishes";

export interface JobDeps {
  db: Db;
  clock: Clock;
  claimDays?: number;
  /** The bank's time zone: points expire at the end of its calendar years. */
  bankTime?: BankTime;
}

/**
 * The scheduled work, run by the Worker's cron trigger and by a timer in the local server.
 * Each job is safe to run twice or concurrently: state changes are conditional updates.
 */
export async function runScheduledJobs(deps: JobDeps): Promise<Record<string, number>> {
  const done: Record<string, number> = {};
  done.vouchersExpired = await expireVouchers(deps.db, deps.clock.now().toISOString());
  // Before sealing, so the expiry transactions are sealed in the same run.
  done.pointsExpired = await expirePoints(deps.db, deps.clock.now().toISOString(), deps.bankTime ?? defaultBankTime);
  done.claimsReleased = await releaseOverdueClaims(deps.db, deps.clock.now().toISOString());
  done.sealed = await sealPending(deps.db, deps.clock);
  done.idempotencyKeysForgotten = await forgetOldIdempotencyKeys(deps.db, deps.clock.now());
  done.loginAttemptsForgotten = await forgetOldLoginAttempts(deps.db, deps.clock.now());
  done.endedSessionsForgotten = await forgetEndedSessions(deps.db, deps.clock.now());
  return done;
}
