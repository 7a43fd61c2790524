import type { Db } from "../db/client";
import { AppError } from "../errors";
import { principalOf, userJson, type UserRow } from "../domain/users";
import { DUMMY_HASH, verifyPassword } from "./password";
import { signToken } from "./tokens";

// Login attempts are counted in the database (so every Worker isolate sees them), per username
// and per client address, in fixed 15-minute windows: each attempt is counted before its
// password is checked, and a successful one is taken back.
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

/**
 * Counts an attempt for `key` in its 15-minute window and returns the count with this attempt.
 * The count is taken before the password is checked, in the same write as reading the user, so
 * parallel attempts cannot all slip under the limit.
 */
const countAttempt = (key: string, at: string, windowFloor: string) => ({
  sql: `INSERT INTO login_attempts (key, window_start, failures) VALUES (?, ?, 1)
        ON CONFLICT (key) DO UPDATE SET
          failures = CASE WHEN window_start <= ? THEN 1 ELSE failures + 1 END,
          window_start = CASE WHEN window_start <= ? THEN excluded.window_start ELSE window_start END
        RETURNING failures`,
  args: [key, at, windowFloor, windowFloor],
});

/**
 * One write batch reads the user and counts the attempt per username and per address; a wrong
 * password leaves it counted. A right one takes the attempt back in a second round-trip.
 */
export async function login(db: Db, input: LoginInput) {
  const userKey = `user:${input.username.toLowerCase()}`;
  const addressKey = `addr:${input.address}`;
  const at = input.now.toISOString();
  const windowFloor = new Date(input.now.getTime() - LOGIN_WINDOW_MS).toISOString();
  const [userRes, userCount, addressCount] = await db.client.batch(
    [
      { sql: "SELECT * FROM users WHERE username = ?", args: [input.username] },
      countAttempt(userKey, at, windowFloor),
      countAttempt(addressKey, at, windowFloor),
    ],
    "write",
  );
  const userAttempts = Number(userCount!.rows[0]!.failures);
  const addressAttempts = Number(addressCount!.rows[0]!.failures);
  if (userAttempts > MAX_FAILURES_PER_USERNAME || addressAttempts > MAX_FAILURES_PER_ADDRESS) {
    throw new AppError("rate_limited", "Too many failed logins; try again in 15 minutes");
  }
  const row = userRes!.rows[0];
  const ok = await verifyPassword(input.password, row ? String(row.password_hash) : DUMMY_HASH);
  if (!row || !ok) throw new AppError("invalid_credentials", "Wrong username or password");
  await db.client.batch(
    [
      { sql: "DELETE FROM login_attempts WHERE key = ?", args: [userKey] },
      { sql: "UPDATE login_attempts SET failures = MAX(failures - 1, 0) WHERE key = ?", args: [addressKey] },
    ],
    "write",
  );
  const user: UserRow = {
    id: String(row.id),
    username: String(row.username),
    passwordHash: "",
    role: row.role as UserRow["role"],
    communityId: (row.community_id as string | null) ?? null,
    memberId: (row.member_id as string | null) ?? null,
    merchantId: (row.merchant_id as string | null) ?? null,
    createdAt: String(row.created_at),
  };
  const token = await signToken(principalOf(user), input.jwtSecret, input.now);
  return { token, user: userJson(user) };
}
