import type { Db } from "../db/client";
import { AppError } from "../errors";
import { principalOf, userFromRow, userJson } from "../domain/users";
import { DUMMY_HASH, verifyPassword } from "./password";
import { signToken } from "./tokens";

// Login attempts are counted in the database (so every Worker isolate sees them), in fixed
// 15-minute windows, per client address and per username from that address: a guesser cannot
// lock the real owner out (the owner logs in from another address), and one address cannot try
// more than 30 passwords across all usernames. Each attempt is counted before its password is
// checked; a successful one takes back only its own attempt, so one account's success never
// wipes the failures counted against another. An address over its limit creates no more rows.
export const LOGIN_WINDOW_MS = 15 * 60 * 1000;
export const MAX_FAILURES_PER_USERNAME = 5;
export const MAX_FAILURES_PER_ADDRESS = 30;

interface LoginInput {
  username: string;
  password: string;
  address: string;
  now: Date;
  jwtSecret: string;
}

const UPSERT = `ON CONFLICT (key) DO UPDATE SET
          failures = CASE WHEN window_start <= ? THEN 1 ELSE failures + 1 END,
          window_start = CASE WHEN window_start <= ? THEN excluded.window_start ELSE window_start END
        RETURNING failures`;

/** Counts an attempt for `key` in its window; `onlyIf` (SQL) skips it, creating no row. */
export const countAttempt = (key: string, at: string, windowFloor: string, onlyIf?: { sql: string; args: unknown[] }) => ({
  sql: `INSERT INTO login_attempts (key, window_start, failures) SELECT ?, ?, 1 WHERE ${onlyIf?.sql ?? "1"} ${UPSERT}`,
  args: [key, at, ...(onlyIf?.args ?? []), windowFloor, windowFloor] as never[],
});

/**
 * One write batch counts the attempt per address, then per (username, address) unless the
 * address is already over its limit, and reads the user; a wrong password leaves it counted.
 * A right one takes its attempt back in a second round-trip.
 */
export async function login(db: Db, input: LoginInput) {
  const name = input.username.toLowerCase();
  const addressKey = `addr:${input.address}`;
  const pairKey = `pair:${input.address} ${name}`;
  const at = input.now.toISOString();
  const windowFloor = new Date(input.now.getTime() - LOGIN_WINDOW_MS).toISOString();
  const [addressCount, pairCount, userRes] = await db.client.batch(
    [
      countAttempt(addressKey, at, windowFloor),
      countAttempt(pairKey, at, windowFloor, {
        sql: "(SELECT failures FROM login_attempts WHERE key = ?) <= ?",
        args: [addressKey, MAX_FAILURES_PER_ADDRESS],
      }),
      { sql: "SELECT * FROM users WHERE lower(username) = ?", args: [name] },
    ],
    "write",
  );
  const addressAttempts = Number(addressCount!.rows[0]!.failures);
  const pairAttempts = Number(pairCount!.rows[0]?.failures ?? Infinity);
  if (addressAttempts > MAX_FAILURES_PER_ADDRESS || pairAttempts > MAX_FAILURES_PER_USERNAME) {
    throw new AppError("rate_limited", "Too many failed logins; try again in 15 minutes");
  }
  const row = userRes!.rows[0];
  const ok = await verifyPassword(input.password, row ? String(row.password_hash) : DUMMY_HASH);
  if (!row || !ok) throw new AppError("invalid_credentials", "Wrong username or password");
  await db.client.batch(
    [
      { sql: "DELETE FROM login_attempts WHERE key = ?", args: [pairKey] },
      { sql: "UPDATE login_attempts SET failures = MAX(failures - 1, 0) WHERE key = ?", args: [addressKey] },
    ],
    "write",
  );
  const user = userFromRow(row);
  // Only the right password learns that the login is disabled.
  if (user.disabledAt !== null) throw new AppError("user_disabled", "This login has been disabled");
  const token = await signToken(principalOf(user), input.jwtSecret, input.now);
  return { token, user: userJson(user) };
}

/** Forgets attempts whose window has passed, oldest first, at most `max` per run. */
export async function forgetOldLoginAttempts(db: Db, now: Date, max = 5000): Promise<number> {
  const floor = new Date(now.getTime() - LOGIN_WINDOW_MS).toISOString();
  const res = await db.client.execute({
    sql: "DELETE FROM login_attempts WHERE rowid IN (SELECT rowid FROM login_attempts WHERE window_start <= ? ORDER BY window_start LIMIT ?)",
    args: [floor, max],
  });
  return res.rowsAffected;
}
