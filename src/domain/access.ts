import type { Principal } from "../auth/tokens";
import { forbidden } from "../errors";

// Who may act on what. Admin sees all; staff act only inside their own community;
// a member acts only for themselves.

export const STAFF_ONLY = "Only staff of this community or an administrator may do this";

export function assertStaffOf(p: Principal, communityId: string): void {
  if (p.role === "admin") return;
  if (p.role === "staff" && p.communityId === communityId) return;
  throw forbidden(STAFF_ONLY);
}

export function assertSelfOrStaffOf(p: Principal, member: { id: string; communityId: string }): void {
  if (p.role === "member" && p.memberId === member.id) return;
  assertStaffOf(p, member.communityId);
}

export function assertRole(p: Principal, ...roles: Principal["role"][]): void {
  if (!roles.includes(p.role)) throw forbidden(`This needs one of the roles: ${roles.join(", ")}`);
}

/** The community a staff member is limited to; null for admin (all). Others may not list. */
export function communityScope(p: Principal): string | null {
  if (p.role === "admin") return null;
  if (p.role === "staff" && p.communityId) return p.communityId;
  throw forbidden("Only staff or an administrator may list these");
}
