import { and, asc, count, eq, gte, lt, lte, sql } from "drizzle-orm";
import { fundExpenses, members, serviceRecords, vouchers, voucherTypes, wishes, merchants } from "../../db/schema";
import type { Principal } from "../auth/tokens";
import { DAY_MS } from "../clock";
import type { Db } from "../db/client";
import { assertRole } from "./access";

// What a community office has to do next, in one read: wishes waiting for the follow-up visit
// (回访) and confirmation, claims near or past their deadline (催办), open wishes past their own
// deadline, service records waiting for approval, fund expenses waiting for a second person's
// approval, vouchers about to expire, and low voucher stock.

/** A claim due within this many days is worth a reminder. */
export const CLAIM_DUE_DAYS = 2;
/** An unused voucher expiring within this many days is worth a call to its holder. */
export const VOUCHER_EXPIRY_DAYS = 7;
/** A voucher type with this many or fewer left needs restocking. */
export const LOW_STOCK = 5;
/** How many of each kind the worklist shows; the count says how many there are in all. */
export const WORKLIST_ITEMS = 10;

export async function staffWorklist(db: Db, actor: Principal, now: string, q: { communityId?: string } = {}) {
  assertRole(actor, "staff", "admin");
  const community = actor.role === "staff" ? (actor.communityId ?? "") : q.communityId;
  const wishIn = (status: "fulfilled" | "claimed" | "open") =>
    and(eq(wishes.status, status), community ? eq(wishes.communityId, community) : undefined);
  const dueBy = new Date(Date.parse(now) + CLAIM_DUE_DAYS * DAY_MS).toISOString();
  const expiresBy = new Date(Date.parse(now) + VOUCHER_EXPIRY_DAYS * DAY_MS).toISOString();
  const claimsDue = and(wishIn("claimed"), lte(wishes.claimDeadline, dueBy));
  const openOverdue = and(wishIn("open"), lt(wishes.deadline, now));
  const pending = and(eq(serviceRecords.status, "pending"), community ? eq(serviceRecords.communityId, community) : undefined);
  // An administrator's expense of no community is county business: it is on the administrators' list only.
  const expensesPending = and(eq(fundExpenses.status, "pending"), community ? eq(fundExpenses.communityId, community) : undefined);
  const expiring = and(eq(vouchers.status, "issued"), lte(vouchers.expiresAt, expiresBy), gte(vouchers.expiresAt, now), community ? eq(members.communityId, community) : undefined);
  const wishItem = {
    id: wishes.id,
    title: wishes.title,
    status: wishes.status,
    deadline: wishes.deadline,
    claimDeadline: wishes.claimDeadline,
    fulfilledAt: wishes.fulfilledAt,
    claimedByName: members.name,
    claimedByPassbookNo: members.passbookNo,
  };
  const wishesWhere = (where: ReturnType<typeof and>, order: Parameters<typeof asc>[0]) =>
    db.orm.select(wishItem).from(wishes).leftJoin(members, eq(members.id, wishes.claimedBy)).where(where).orderBy(asc(order)).limit(WORKLIST_ITEMS);
  const [toConfirm, toConfirmCount, due, dueCount, overdue, overdueCount, records, recordsCount, expenses, expensesCount, expiringRows, expiringCount, lowStock] = await db.orm.batch([
    wishesWhere(wishIn("fulfilled"), wishes.fulfilledAt),
    db.orm.select({ n: count() }).from(wishes).where(wishIn("fulfilled")),
    wishesWhere(claimsDue, wishes.claimDeadline),
    db.orm.select({ n: count() }).from(wishes).where(claimsDue),
    wishesWhere(openOverdue, wishes.deadline),
    db.orm.select({ n: count() }).from(wishes).where(openOverdue),
    db.orm
      .select({
        id: serviceRecords.id,
        date: serviceRecords.date,
        minutes: serviceRecords.minutes,
        description: serviceRecords.description,
        activityId: serviceRecords.activityId,
        memberName: members.name,
        passbookNo: members.passbookNo,
      })
      .from(serviceRecords)
      .innerJoin(members, eq(members.id, serviceRecords.memberId))
      .where(pending)
      .orderBy(asc(serviceRecords.id))
      .limit(WORKLIST_ITEMS),
    db.orm.select({ n: count() }).from(serviceRecords).where(pending),
    db.orm
      .select({
        id: fundExpenses.id,
        at: fundExpenses.at,
        amountFen: fundExpenses.amountFen,
        purpose: fundExpenses.purpose,
        description: fundExpenses.description,
        payee: fundExpenses.payee,
        communityId: fundExpenses.communityId,
        recordedByUserId: fundExpenses.createdBy,
        recorderName: fundExpenses.recorderName,
      })
      .from(fundExpenses)
      .where(expensesPending)
      .orderBy(asc(fundExpenses.id))
      .limit(WORKLIST_ITEMS),
    db.orm.select({ n: count() }).from(fundExpenses).where(expensesPending),
    db.orm
      .select({
        code: vouchers.code,
        expiresAt: vouchers.expiresAt,
        voucherTypeName: voucherTypes.name,
        memberName: members.name,
        passbookNo: members.passbookNo,
        phone: members.phone,
      })
      .from(vouchers)
      .innerJoin(members, eq(members.id, vouchers.memberId))
      .innerJoin(voucherTypes, eq(voucherTypes.id, vouchers.voucherTypeId))
      .where(expiring)
      .orderBy(asc(vouchers.expiresAt))
      .limit(WORKLIST_ITEMS),
    db.orm.select({ n: count() }).from(vouchers).innerJoin(members, eq(members.id, vouchers.memberId)).where(expiring),
    // Voucher types belong to merchants, not communities: every office sees the same stock.
    db.orm
      .select({ id: voucherTypes.id, name: voucherTypes.name, stock: voucherTypes.stock, merchantName: merchants.name })
      .from(voucherTypes)
      .innerJoin(merchants, eq(merchants.id, voucherTypes.merchantId))
      .where(lte(voucherTypes.stock, LOW_STOCK))
      .orderBy(asc(voucherTypes.stock), asc(sql`${voucherTypes.name}`)),
  ]);
  const n = (rows: { n: number }[]) => rows[0]?.n ?? 0;
  return {
    wishesToConfirm: { count: n(toConfirmCount), items: toConfirm },
    claimsDue: { count: n(dueCount), items: due },
    openWishesOverdue: { count: n(overdueCount), items: overdue },
    pendingServiceRecords: { count: n(recordsCount), items: records },
    // Approving needs someone other than the recorder (POST /v1/fund/expenses/:id/approve).
    pendingExpenses: { count: n(expensesCount), items: expenses.map((e) => ({ ...e, recordedByYou: e.recordedByUserId === actor.userId })) },
    vouchersExpiring: { count: n(expiringCount), items: expiringRows },
    lowVoucherStock: { count: lowStock.length, items: lowStock },
  };
}

export type Worklist = Awaited<ReturnType<typeof staffWorklist>>;
