import { and, eq } from "drizzle-orm";
import { guardians, members } from "../../db/schema";
import type { Principal } from "../auth/tokens";
import type { Db } from "../db/client";
import { commit, Write } from "../db/write";
import { AppError, notFound } from "../errors";
import { assertSelfOrStaffOf, assertStaffOf } from "./access";
import type { WriteCtx } from "./writes";

// Guardians (监护人): an elderly member without a phone is served by another member staff link
// to them. The guardian reads that passbook and redeems vouchers for them; every such write
// records on whose behalf it was made (on_behalf), shown on the passbook entry.

/** Whether the caller is a guardian of the member: a query to read in the same batch as the member. */
export const guardianQuery = (db: Db, memberId: string, actor: Principal) =>
  db.orm
    .select({ guardianMemberId: guardians.guardianMemberId })
    .from(guardians)
    .where(and(eq(guardians.memberId, memberId), eq(guardians.guardianMemberId, actor.role === "member" ? (actor.memberId ?? "") : "")));

/** The same, as a statement for a raw read batch. */
export const guardianQueryRaw = (memberId: string, actor: Principal) => ({
  sql: "SELECT 1 FROM guardians WHERE member_id = ? AND guardian_member_id = ?",
  args: [memberId, actor.role === "member" ? (actor.memberId ?? "") : ""],
});

/** The member themselves, their guardian, staff of their community, or an administrator. */
export function assertSelfGuardianOrStaffOf(actor: Principal, member: { id: string; communityId: string }, isGuardian: boolean): void {
  if (isGuardian && actor.role === "member") return;
  assertSelfOrStaffOf(actor, member);
}

/** Staff of the member's community link a guardian (another member, of any community). */
export async function addGuardian(db: Db, actor: Principal, memberId: string, guardianMemberId: string, ctx: WriteCtx) {
  if (guardianMemberId === memberId) {
    throw new AppError("validation_failed", "A member cannot be their own guardian", { field: "guardianMemberId" });
  }
  const [member] = await db.orm.select({ id: members.id, communityId: members.communityId }).from(members).where(eq(members.id, memberId));
  if (!member) throw notFound("Member");
  assertStaffOf(actor, member.communityId);
  const link = { memberId, guardianMemberId, createdAt: ctx.at, createdBy: actor.userId };
  const write = new Write()
    .expect("not_found", "EXISTS (SELECT 1 FROM members WHERE id = ?)", [guardianMemberId])
    .add(db.orm.insert(guardians).values(link));
  try {
    await commit(db, write);
  } catch (err) {
    if (err instanceof AppError && err.code === "already_exists") {
      throw new AppError("already_exists", "This member is already a guardian of that member");
    }
    if (err instanceof AppError && err.code === "not_found") throw notFound("Guardian member");
    throw err;
  }
  return { memberId, guardianMemberId, createdAt: ctx.at };
}

/** The guardians of a member (the member, a guardian, staff of the community, admin). */
export async function listGuardians(db: Db, actor: Principal, memberId: string) {
  const [memberRows, isGuardian, rows] = await db.orm.batch([
    db.orm.select({ id: members.id, communityId: members.communityId }).from(members).where(eq(members.id, memberId)),
    guardianQuery(db, memberId, actor),
    db.orm
      .select({ guardianMemberId: guardians.guardianMemberId, name: members.name, passbookNo: members.passbookNo, createdAt: guardians.createdAt })
      .from(guardians)
      .innerJoin(members, eq(members.id, guardians.guardianMemberId))
      .where(eq(guardians.memberId, memberId)),
  ]);
  const member = memberRows[0];
  if (!member) throw notFound("Member");
  assertSelfGuardianOrStaffOf(actor, member, isGuardian.length > 0);
  return { items: rows };
}
