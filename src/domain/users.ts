import { and, asc, eq, gt, isNotNull, isNull, type SQL } from "drizzle-orm";
import { users } from "../../db/schema";
import { countAttempt, LOGIN_WINDOW_MS, MAX_FAILURES_PER_USERNAME } from "../auth/login";
import { TOKEN_TTL_SECONDS, type Principal } from "../auth/tokens";
import type { Role } from "../vocabulary";
import type { Db } from "../db/client";
import { commit, Write } from "../db/write";
import { AppError, forbidden } from "../errors";
import { newId } from "../ids";
import { assertRole } from "./access";
import { decodeCursor, toPage, type PageQuery } from "./pagination";

// Logins for their whole life: created, given to a member, password changed or reset, disabled
// and enabled, sessions ended. A change that must end existing tokens raises token_version
// (password) or sets disabled_at; every request checks its token against them (src/auth/current.ts).

export type UserRow = typeof users.$inferSelect;

export const userJson = (u: Pick<UserRow, "id" | "username" | "role" | "communityId" | "memberId" | "merchantId"> & { disabledAt?: string | null }) => ({
  id: u.id,
  username: u.username,
  role: u.role,
  communityId: u.communityId,
  memberId: u.memberId,
  merchantId: u.merchantId,
  disabled: (u.disabledAt ?? null) !== null,
});

export const principalOf = (u: UserRow): Principal => ({
  userId: u.id,
  username: u.username,
  role: u.role,
  communityId: u.communityId,
  memberId: u.memberId,
  merchantId: u.merchantId,
  tokenVersion: u.tokenVersion,
});

/** A users row as the raw client returns it. */
export const userFromRow = (row: Record<string, unknown>): UserRow => ({
  id: String(row.id),
  username: String(row.username),
  passwordHash: String(row.password_hash),
  role: row.role as UserRow["role"],
  communityId: (row.community_id as string | null) ?? null,
  memberId: (row.member_id as string | null) ?? null,
  merchantId: (row.merchant_id as string | null) ?? null,
  createdAt: String(row.created_at),
  disabledAt: (row.disabled_at as string | null) ?? null,
  tokenVersion: Number(row.token_version ?? 0),
});

export interface NewUser {
  username: string;
  password: string;
  role: Exclude<Role, "member">;
  communityId?: string;
  merchantId?: string;
}

/** A username taken in any case ("Alice" when "alice" exists) is 409 already_exists. */
export const usernameFree = (write: Write, username: string) =>
  write.expect("already_exists", "NOT EXISTS (SELECT 1 FROM users WHERE lower(username) = ?)", [username.toLowerCase()]);

/** Admin creates admin, staff (with their community) and merchant (with their merchant) logins. */
export async function createUser(db: Db, actor: Principal | null, input: NewUser, at: string, passwordHash: string) {
  if (actor) assertRole(actor, "admin");
  if (input.role === "staff" && !input.communityId) {
    throw new AppError("validation_failed", "A staff login needs a communityId", { field: "communityId" });
  }
  if (input.role === "merchant" && !input.merchantId) {
    throw new AppError("validation_failed", "A merchant login needs a merchantId", { field: "merchantId" });
  }
  const row: UserRow = {
    id: newId(),
    username: input.username,
    passwordHash,
    role: input.role,
    communityId: input.role === "staff" ? input.communityId! : null,
    memberId: null,
    merchantId: input.role === "merchant" ? input.merchantId! : null,
    createdAt: at,
    disabledAt: null,
    tokenVersion: 0,
  };
  const write = new Write();
  if (row.communityId) write.expect("not_found", "EXISTS (SELECT 1 FROM communities WHERE id = ?)", [row.communityId]);
  if (row.merchantId) write.expect("not_found", "EXISTS (SELECT 1 FROM merchants WHERE id = ?)", [row.merchantId]);
  usernameFree(write, row.username);
  write.add(db.orm.insert(users).values(row)).onConstraint("users.username", "already_exists");
  await commit(db, write);
  return userJson(row);
}

/**
 * Guards that `actor` may manage the login `userId`: an administrator any login, staff the
 * member logins of their own community. Checked inside the write, so no read comes first.
 */
function mayManage(write: Write, actor: Principal, userId: string): Write {
  assertRole(actor, "admin", "staff");
  write.expect("not_found", "EXISTS (SELECT 1 FROM users WHERE id = ?)", [userId]);
  if (actor.role === "staff") {
    write.expect("forbidden", "EXISTS (SELECT 1 FROM users WHERE id = ? AND role = 'member' AND community_id = ?)", [userId, actor.communityId]);
  }
  return write;
}

const RETURN_USER = "RETURNING id, username, role, community_id, member_id, merchant_id, disabled_at";

const updatedUser = (results: Awaited<ReturnType<typeof commit>>, index: number) => {
  const row = results[index]!.rows[0]!;
  return userJson(userFromRow({ ...row, password_hash: "", created_at: "", token_version: 0 }));
};

/** Admin resets any password, staff those of their community's members: every token of that login ends. */
export async function resetPassword(db: Db, actor: Principal, userId: string, passwordHash: string) {
  const write = mayManage(new Write(), actor, userId);
  const at = write.statements.length;
  write.add({ sql: `UPDATE users SET password_hash = ?, token_version = token_version + 1 WHERE id = ? ${RETURN_USER}`, args: [passwordHash, userId] });
  return updatedUser(await commit(db, write), at);
}

/** Disables a login (its tokens and page sessions stop at once, 403 user_disabled), or enables it again. */
export async function setDisabled(db: Db, actor: Principal, userId: string, disabled: boolean, at: string) {
  if (userId === actor.userId) throw forbidden("You cannot disable or enable your own login");
  const write = mayManage(new Write(), actor, userId);
  const index = write.statements.length;
  write.add({
    sql: `UPDATE users SET disabled_at = ${disabled ? "COALESCE(disabled_at, ?)" : "NULL"} WHERE id = ? ${RETURN_USER}`,
    args: disabled ? [at, userId] : [userId],
  });
  return updatedUser(await commit(db, write), index);
}

/**
 * Changes one's own password after checking the current one. Every token of the login ends,
 * this one too; the caller gets a fresh token in the same answer.
 */
export async function changeOwnPassword(
  db: Db,
  actor: Principal,
  input: { currentPassword: string; newPassword: string },
  now: Date,
  check: (password: string, stored: string) => Promise<boolean>,
  hash: (password: string) => Promise<string>,
) {
  // Counted like logins, so a token left on a shared computer cannot be used to guess the password.
  const at = now.toISOString();
  const [count, userRes] = await db.client.batch(
    [countAttempt(`password:${actor.userId}`, at, new Date(now.getTime() - LOGIN_WINDOW_MS).toISOString()), { sql: "SELECT * FROM users WHERE id = ?", args: [actor.userId] }],
    "write",
  );
  if (Number(count!.rows[0]!.failures) > MAX_FAILURES_PER_USERNAME) throw new AppError("rate_limited", "Too many wrong passwords; try again in 15 minutes");
  const row = userRes!.rows[0] ? userFromRow(userRes!.rows[0]) : undefined;
  if (!row || !(await check(input.currentPassword, row.passwordHash))) {
    throw new AppError("validation_failed", "The current password is wrong", { field: "currentPassword" });
  }
  if (input.newPassword === input.currentPassword) {
    throw new AppError("validation_failed", "The new password must differ from the current one", { field: "newPassword" });
  }
  const write = new Write().add({
    // Compare-and-set on the version read: two changes at once cannot both win.
    sql: "UPDATE users SET password_hash = ?, token_version = token_version + 1 WHERE id = ? AND token_version = ?",
    args: [await hash(input.newPassword), actor.userId, row.tokenVersion],
  });
  write.expectChanged("conflict").add({ sql: "DELETE FROM login_attempts WHERE key = ?", args: [`password:${actor.userId}`] });
  await commit(db, write);
  return { ...row, tokenVersion: row.tokenVersion + 1 };
}

/** Gives an existing member (without one) a login; staff for members of their community. */
export async function giveMemberLogin(db: Db, actor: Principal, memberId: string, input: { username: string }, passwordHash: string, at: string) {
  assertRole(actor, "admin", "staff");
  const id = newId();
  const write = new Write().expect("not_found", "EXISTS (SELECT 1 FROM members WHERE id = ?)", [memberId]);
  if (actor.role === "staff") {
    write.expect("forbidden", "EXISTS (SELECT 1 FROM members WHERE id = ? AND community_id = ?)", [memberId, actor.communityId]);
  }
  write.expect("already_exists", "NOT EXISTS (SELECT 1 FROM users WHERE member_id = ?)", [memberId]);
  usernameFree(write, input.username);
  const index = write.statements.length;
  write
    .add({
      sql: `INSERT INTO users (id, username, password_hash, role, community_id, member_id, created_at)
            SELECT ?, ?, ?, 'member', community_id, id, ? FROM members WHERE id = ? ${RETURN_USER}`,
      args: [id, input.username, passwordHash, at, memberId],
    })
    .onConstraint("users.username", "already_exists");
  return updatedUser(await commit(db, write), index);
}

/** Ends this session for good: its token is refused from now on, until it would have expired anyway. */
export async function logout(db: Db, actor: Principal, now: Date) {
  if (!actor.sessionId) return;
  const expiresAt = new Date(now.getTime() + TOKEN_TTL_SECONDS * 1000).toISOString();
  await commit(
    db,
    new Write().add({ sql: "INSERT INTO revoked_sessions (session_id, expires_at) VALUES (?, ?) ON CONFLICT DO NOTHING", args: [actor.sessionId, expiresAt] }),
  );
}

/** Forgets ended sessions whose tokens have expired anyway. */
export async function forgetEndedSessions(db: Db, now: Date, max = 5000): Promise<number> {
  const res = await db.client.execute({
    sql: "DELETE FROM revoked_sessions WHERE rowid IN (SELECT rowid FROM revoked_sessions WHERE expires_at <= ? ORDER BY expires_at LIMIT ?)",
    args: [now.toISOString(), max],
  });
  return res.rowsAffected;
}

/** Logins an administrator (all, or filtered) or staff (their community's members) may manage. */
export async function listUsers(db: Db, actor: Principal, q: PageQuery & { role?: Role; communityId?: string; memberId?: string; disabled?: boolean }) {
  assertRole(actor, "admin", "staff");
  const after = decodeCursor<string>(q.cursor, "string");
  const filters: (SQL | undefined)[] = [
    after ? gt(users.id, after) : undefined,
    q.memberId ? eq(users.memberId, q.memberId) : undefined,
    q.disabled === undefined ? undefined : q.disabled ? isNotNull(users.disabledAt) : isNull(users.disabledAt),
  ];
  if (actor.role === "staff") filters.push(eq(users.role, "member"), eq(users.communityId, actor.communityId ?? ""));
  else filters.push(q.role ? eq(users.role, q.role) : undefined, q.communityId ? eq(users.communityId, q.communityId) : undefined);
  const rows = await db.orm
    .select()
    .from(users)
    .where(and(...filters))
    .orderBy(asc(users.id))
    .limit(q.limit + 1);
  return toPage(rows, q.limit, (u) => u.id, userJson);
}
