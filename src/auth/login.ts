import type { Db } from "../db/client";
import { AppError } from "../errors";
import { principalOf, userJson, type UserRow } from "../domain/users";
import { DUMMY_HASH, verifyPassword } from "./password";
import { signToken } from "./tokens";

// Failed logins are counted in the database (so every Worker isolate sees them), per username
// and per client address, in fixed 15-minute windows.
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

function failuresInWindow(row: Record<string, unknown> | undefined, now: Date): number {
  if (!row) return 0;
  return now.getTime() - Date.parse(String(row.window_start)) < LOGIN_WINDOW_MS ? Number(row.failures) : 0;
}

/** One read batch (user + both counters); a second round-trip only to record a failure or clear one. */
export async function login(db: Db, input: LoginInput) {
  const userKey = `user:${input.username.toLowerCase()}`;
  const addressKey = `addr:${input.address}`;
  const [userRes, attemptsRes] = await db.client.batch(
    [
      { sql: "SELECT * FROM users WHERE username = ?", args: [input.username] },
      { sql: "SELECT key, window_start, failures FROM login_attempts WHERE key IN (?, ?)", args: [userKey, addressKey] },
    ],
    "read",
  );
  const attempts = new Map(attemptsRes!.rows.map((r) => [String(r.key), r as Record<string, unknown>]));
  const userFailures = failuresInWindow(attempts.get(userKey), input.now);
  const addressFailures = failuresInWindow(attempts.get(addressKey), input.now);
  if (userFailures >= MAX_FAILURES_PER_USERNAME || addressFailures >= MAX_FAILURES_PER_ADDRESS) {
    throw new AppError("rate_limited", "Too many failed logins; try again in 15 minutes");
  }
  const row = userRes!.rows[0];
  const ok = await verifyPassword(input.password, row ? String(row.password_hash) : DUMMY_HASH);
  const at = input.now.toISOString();
  if (!row || !ok) {
    const windowFloor = new Date(input.now.getTime() - LOGIN_WINDOW_MS).toISOString();
    const bump = (key: string) => ({
      sql: `INSERT INTO login_attempts (key, window_start, failures) VALUES (?, ?, 1)
            ON CONFLICT (key) DO UPDATE SET
              failures = CASE WHEN window_start <= ? THEN 1 ELSE failures + 1 END,
              window_start = CASE WHEN window_start <= ? THEN excluded.window_start ELSE window_start END`,
      args: [key, at, windowFloor, windowFloor],
    });
    await db.client.batch([bump(userKey), bump(addressKey)], "write");
    throw new AppError("invalid_credentials", "Wrong username or password");
  }
  if (userFailures > 0) {
    await db.client.execute({ sql: "DELETE FROM login_attempts WHERE key = ?", args: [userKey] });
  }
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
