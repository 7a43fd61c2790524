import type { BankTime } from "../bank-time";
import type { Db } from "../db/client";
import { sql, type Sql } from "../db/sql";
import type { Write } from "../db/write";
import { AppError } from "../errors";
import { listRules, type Rules } from "./rules";

// The rule versions, kept in the isolate so that a write can be one round-trip. Versions are
// only ever added (never edited), so the cache is right exactly while the newest version it holds
// is the newest in the database. A write that relies on it says so with a guard inside its batch
// (`rulesUnchanged`); when another isolate added a version meanwhile, the guard refuses, the cache
// is dropped, and the write runs once more on the rules as they are now (`withCachedRules`).

const cache = new WeakMap<object, Promise<Rules[]>>();

/** The rule versions, newest effective first, read once per isolate (and again after a change). */
export function cachedRules(db: Db): Promise<Rules[]> {
  let rules = cache.get(db.cacheKey);
  if (!rules) {
    rules = listRules(db);
    cache.set(db.cacheKey, rules);
    rules.catch(() => cache.delete(db.cacheKey));
  }
  return rules;
}

/** Drops the cached versions (this isolate just added one). */
export const forgetRules = (db: Db) => cache.delete(db.cacheKey);

const STALE = "rules_changed";

/** Refuses the write unless the database's newest rule version is the newest of `rules`. */
export function rulesUnchanged(write: Write, rules: Rules[]): void {
  const newest = rules.reduce((max, r) => Math.max(max, r.version), 0);
  write.expect("conflict", sql`(SELECT IFNULL(MAX(version), 0) FROM rule_versions) = ${newest}`, [], {
    message: "The rules changed while this request ran: send it again",
    details: { reason: STALE },
  });
}

const isStale = (err: unknown) =>
  err instanceof AppError && err.code === "conflict" && (err.details as { reason?: string } | null)?.reason === STALE;

/** Runs a write built on the cached rules; when they turn out stale, once more on fresh ones. */
export async function withCachedRules<T>(db: Db, run: (rules: Rules[]) => Promise<T>): Promise<T> {
  try {
    return await run(await cachedRules(db));
  } catch (err) {
    if (!isStale(err)) throw err;
    forgetRules(db);
    return run(await cachedRules(db));
  }
}

/** The first bank date a version applies to: its service day began at or after the version took effect. */
function firstDate(r: Rules, time: BankTime): string {
  const date = time.dateOf(r.effectiveFrom);
  if (time.bounds(date).from >= r.effectiveFrom) return date;
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/**
 * The rule version in force on the bank date `date` (an SQL expression), chosen by the database
 * from the cached versions: a JSON object `{v, d, rate, cats, backfill, second, maxDay, stars, cap}`,
 * or NULL when none was in force. The same choice as `ruleInForce(rules, bounds(date).from)`.
 */
export function ruleOnDate(rules: Rules[], time: BankTime, date: Sql): Sql {
  const table = JSON.stringify(
    rules.map((r) => ({
      v: r.version,
      d: firstDate(r, time),
      rate: r.pointsPerServiceHour,
      cats: Object.fromEntries(r.categoryRates.map((c) => [c.categoryId, c.pointsPerServiceHour])),
      backfill: r.backfillEarnsPoints ? 1 : 0,
      second: r.requireSecondApprover ? 1 : 0,
      maxDay: r.maxMinutesPerDay,
      stars: r.starThresholds,
      cap: r.maxBalance,
    })),
  );
  // json_each walks the array in order (newest effective first): the first that began by then.
  return sql`SELECT value FROM json_each(${table}) WHERE json_extract(value, '$.d') <= (${date}) ORDER BY key LIMIT 1`;
}
