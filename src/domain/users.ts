import { users } from "../../db/schema";
import type { Principal, Role } from "../auth/tokens";
import type { Db } from "../db/client";
import { commit, Write } from "../db/write";
import { AppError } from "../errors";
import { newId } from "../ids";
import { assertRole } from "./access";

export type UserRow = typeof users.$inferSelect;

export const userJson = (u: Pick<UserRow, "id" | "username" | "role" | "communityId" | "memberId" | "merchantId">) => ({
  id: u.id,
  username: u.username,
  role: u.role,
  communityId: u.communityId,
  memberId: u.memberId,
  merchantId: u.merchantId,
});

export const principalOf = (u: UserRow): Principal => ({
  userId: u.id,
  username: u.username,
  role: u.role,
  communityId: u.communityId,
  memberId: u.memberId,
  merchantId: u.merchantId,
});

export interface NewUser {
  username: string;
  password: string;
  role: Exclude<Role, "member">;
  communityId?: string;
  merchantId?: string;
}

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
  };
  const write = new Write();
  if (row.communityId) write.expect("not_found", "EXISTS (SELECT 1 FROM communities WHERE id = ?)", [row.communityId]);
  if (row.merchantId) write.expect("not_found", "EXISTS (SELECT 1 FROM merchants WHERE id = ?)", [row.merchantId]);
  write.add(db.orm.insert(users).values(row)).onConstraint("users.username", "already_exists");
  await commit(db, write);
  return userJson(row);
}
