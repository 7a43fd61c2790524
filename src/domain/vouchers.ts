import type { Row } from "@libsql/client";
import type { Principal } from "../auth/tokens";
import type { Db } from "../db/client";
import { isSql, jsonObject, sql, type Sql, type Val } from "../db/sql";
import { Write } from "../db/write";
import { AppError, forbidden, notFound } from "../errors";
import { newId, newVoucherCode, normaliseVoucherCode } from "../ids";
import { accounts } from "../ledger/accounts";
import { appendTransaction } from "../ledger/ledger";
import { assertSelfOrStaffOf, communityScope, STAFF_ONLY } from "./access";
import { commitReplying, commitWith, dayOf, type WriteCtx } from "./writes";
import { toCsv } from "./csv";
import { decodeCursor, toPage, type PageQuery } from "./pagination";
import type { VoucherStatus } from "../vocabulary";
import { dictionaries } from "../i18n";

// Service vouchers (服务券). Points move only through the ledger:
//   redeem  passbook → points:vouchers_outstanding   (stock − 1, voucher issued)
//   accept  outstanding → points:retired              (voucher used)
//   cancel  outstanding → passbook                    (stock + 1, voucher cancelled)
//   expire  outstanding → passbook                    (stock + 1, voucher expired; scheduled job)
// Accepted points are retired, not paid to the merchant: partners give their service as a
// donation and are never paid in points, so a merchant account would only ever grow. Which
// merchant accepted is on the voucher (its type) and on the closing transaction (created_by).

/** Commits a voucher write; a failed status guard gets a message that tells the person why. */
async function commitVoucher<T>(db: Db, write: Write, ctx: WriteCtx, body: T): Promise<T> {
  try {
    return await commitWith(db, write, ctx, body);
  } catch (err) {
    if (err instanceof AppError && err.code === "voucher_not_issued") {
      throw new AppError("voucher_not_issued", "This voucher can no longer be used: it was used, cancelled or has expired");
    }
    throw err;
  }
}

// ---- vouchers ----

const VOUCHER_SELECT = `SELECT v.id, v.code, v.voucher_type_id, t.name AS type_name, t.merchant_id, m.name AS merchant_name,
                               v.member_id, mem.passbook_no, mem.community_id, mem.account_id, v.points_cost, v.status,
                               v.issued_at, v.expires_at, v.closed_at, v.issue_transaction_id, v.close_transaction_id
                        FROM vouchers v
                        JOIN voucher_types t ON t.id = v.voucher_type_id
                        JOIN merchants m ON m.id = t.merchant_id
                        JOIN members mem ON mem.id = v.member_id`;

interface VoucherRow {
  id: string;
  code: string;
  voucherTypeId: string;
  typeName: string;
  merchantId: string;
  merchantName: string;
  memberId: string;
  passbookNo: string;
  communityId: string;
  accountId: string;
  pointsCost: number;
  status: VoucherStatus;
  issuedAt: string;
  expiresAt: string;
  closedAt: string | null;
  issueTransactionId: string;
  closeTransactionId: string | null;
}

const voucherRow = (r: Row): VoucherRow => ({
  id: String(r.id),
  code: String(r.code),
  voucherTypeId: String(r.voucher_type_id),
  typeName: String(r.type_name),
  merchantId: String(r.merchant_id),
  merchantName: String(r.merchant_name),
  memberId: String(r.member_id),
  passbookNo: String(r.passbook_no),
  communityId: String(r.community_id),
  accountId: String(r.account_id),
  pointsCost: Number(r.points_cost),
  status: String(r.status) as VoucherStatus,
  issuedAt: String(r.issued_at),
  expiresAt: String(r.expires_at),
  closedAt: r.closed_at == null ? null : String(r.closed_at),
  issueTransactionId: String(r.issue_transaction_id),
  closeTransactionId: r.close_transaction_id == null ? null : String(r.close_transaction_id),
});

/**
 * The status a person should see: an issued voucher past its expiry is "expired" at once, even
 * before the scheduled job has returned its points; no one can accept or cancel it any more.
 */
export const effectiveStatus = (v: Pick<VoucherRow, "status" | "expiresAt">, now: string): VoucherStatus =>
  v.status === "issued" && v.expiresAt <= now ? "expired" : v.status;

/** A code stays a secret while it can be used: a merchant listing sees only its last group. */
export const maskCode = (code: string) => code.replace(/[^-](?=.*-)/g, "*");

function voucherJson(v: VoucherRow, now: string, opts: { maskCode?: boolean } = {}) {
  const status = effectiveStatus(v, now);
  return {
    id: v.id,
    code: opts.maskCode && status !== "used" ? maskCode(v.code) : v.code,
    voucherTypeId: v.voucherTypeId,
    voucherTypeName: v.typeName,
    merchantId: v.merchantId,
    merchantName: v.merchantName,
    memberId: v.memberId,
    passbookNo: v.passbookNo,
    pointsCost: v.pointsCost,
    status,
    issuedAt: v.issuedAt,
    expiresAt: v.expiresAt,
    closedAt: v.closedAt,
    issueTransactionId: v.issueTransactionId,
    closeTransactionId: v.closeTransactionId,
  };
}

export type VoucherJson = ReturnType<typeof voucherJson>;

/**
 * Redeems points for a voucher in one atomic write: a unit of stock, the points from the passbook
 * to "vouchers outstanding", and the voucher with its code. Stock and balance are decided by the
 * database's CHECK constraints inside the write, so two requests for the last unit or the last
 * points never both succeed. One round-trip: the member, the type and who may redeem are read
 * inside the write, and the reply is built there.
 */
export async function redeemVoucher(
  db: Db,
  actor: Principal,
  input: { voucherTypeId: string; memberId?: string },
  ctx: WriteCtx,
) {
  const { at } = ctx;
  let memberId = input.memberId;
  if (actor.role === "member") {
    if (!actor.memberId) throw forbidden("A member redeems only for themselves");
    // Someone else's memberId: allowed below only for their guardian.
    memberId ??= actor.memberId;
  } else if (actor.role === "staff" || actor.role === "admin") {
    if (!memberId) throw new AppError("validation_failed", "Say which member redeems: memberId", { field: "memberId" });
  } else {
    throw forbidden("Only a member, or staff for a member, may redeem points");
  }
  const mid = memberId!;
  const memberCol = (column: string): Sql => ({ sql: `SELECT ${column} FROM members WHERE id = ?`, args: [mid] });
  const typeCol = (column: string): Sql => ({ sql: `SELECT ${column} FROM voucher_types WHERE id = ?`, args: [input.voucherTypeId] });
  // A member redeeming for someone else must be their guardian; staff and admin as for any member.
  const guardian: Sql | null =
    actor.role === "member" && mid !== actor.memberId ? sql`EXISTS (SELECT 1 FROM guardians WHERE member_id = ${mid} AND guardian_member_id = ${actor.memberId})` : null;
  const write = new Write()
    .onConstraint("stock_non_negative", "out_of_stock")
    .onConstraint("balance_non_negative", "insufficient_points")
    .expect("not_found", sql`EXISTS ${memberCol("1")}`, [], notFound("Member").message);
  if (guardian) {
    write.expect("forbidden", guardian, [], { message: "A member redeems only for themselves, or as a guardian for the member they look after" });
  } else if (actor.role === "staff") {
    write.expect("forbidden", sql`(${memberCol("community_id")}) = ${actor.communityId}`, [], { message: STAFF_ONLY });
  }
  write.expect("not_found", sql`EXISTS ${typeCol("1")}`, [], notFound("Voucher type").message);
  write.add(sql`UPDATE voucher_types SET stock = stock - 1 WHERE id = ${input.voucherTypeId}`);
  // Counted inside the write, so two redemptions at once never both take the last one of the year.
  const year = dayOf(ctx).dateOf(at).slice(0, 4);
  const from = dayOf(ctx).bounds(`${year}-01-01`).from;
  const to = dayOf(ctx).bounds(`${Number(year) + 1}-01-01`).from;
  write.expect(
    "limit_reached",
    sql`(${typeCol("per_member_limit")}) IS NULL OR (SELECT COUNT(*) FROM vouchers WHERE member_id = ${mid} AND voucher_type_id = ${input.voucherTypeId}
          AND issued_at >= ${from} AND issued_at < ${to} AND status IN ('issued', 'used')) < (${typeCol("per_member_limit")})`,
  );
  const id = newId();
  const cost = typeCol("points_cost");
  const transactionId = appendTransaction(write, {
    kind: "voucher_issued",
    at,
    memo: sql`'兑换服务券：' || (${typeCol("name")})`,
    communityId: memberCol("community_id"),
    refType: "voucher",
    refId: id,
    createdBy: actor.userId,
    postings: [
      { accountId: memberCol("account_id"), asset: "PTS", amount: sql`-${cost}` },
      { accountId: accounts.vouchersOutstanding, asset: "PTS", amount: cost },
    ],
  });
  if (!(actor.role === "member" && actor.memberId === mid)) {
    write.add(
      sql`INSERT INTO on_behalf (transaction_id, member_id, by_user_id, by_guardian_member_id)
          VALUES (${transactionId}, ${mid}, ${actor.userId}, ${guardian ? (actor.memberId ?? null) : null})`,
    );
  }
  write.add(
    sql`INSERT INTO vouchers (id, code, voucher_type_id, member_id, points_cost, status, issued_at, expires_at, issue_transaction_id)
        SELECT ${id}, ${newVoucherCode()}, id, ${mid}, points_cost, 'issued', ${at},
               strftime('%Y-%m-%dT%H:%M:%fZ', ${at}, '+' || valid_days || ' days'), ${transactionId}
        FROM voucher_types WHERE id = ${input.voucherTypeId}`,
  );
  return commitVoucherReplying(db, write, ctx, sql`v.id = ${id}`, { transactionId });
}

/** A voucher's reply as voucherJson gives it (codes in full), built by the database from the rows the write left. */
function voucherReply(where: Sql, now: string, extra: Record<string, Val>): Sql {
  const col = (c: string): Sql => ({ sql: c, args: [] });
  const json = jsonObject({
    id: col("v.id"),
    code: col("v.code"),
    voucherTypeId: col("v.voucher_type_id"),
    voucherTypeName: col("t.name"),
    merchantId: col("t.merchant_id"),
    merchantName: col("m.name"),
    memberId: col("v.member_id"),
    passbookNo: col("mem.passbook_no"),
    pointsCost: col("v.points_cost"),
    status: sql`CASE WHEN v.status = 'issued' AND v.expires_at <= ${now} THEN 'expired' ELSE v.status END`,
    issuedAt: col("v.issued_at"),
    expiresAt: col("v.expires_at"),
    closedAt: col("v.closed_at"),
    issueTransactionId: col("v.issue_transaction_id"),
    closeTransactionId: col("v.close_transaction_id"),
    ...extra,
  });
  const from = VOUCHER_SELECT.slice(VOUCHER_SELECT.indexOf("FROM vouchers v"));
  return { sql: `${json.sql} ${from} WHERE ${where.sql}`, args: [...json.args, ...where.args] };
}

async function commitVoucherReplying(db: Db, write: Write, ctx: WriteCtx, where: Sql, extra: Record<string, Val>) {
  try {
    return await commitReplying<VoucherJson & { transactionId: string }>(db, write, ctx, voucherReply(where, ctx.at, extra));
  } catch (err) {
    if (err instanceof AppError && err.code === "voucher_not_issued") {
      throw new AppError("voucher_not_issued", "This voucher can no longer be used: it was used, cancelled or has expired");
    }
    throw err;
  }
}

async function findVoucher(db: Db, code: string): Promise<VoucherRow> {
  const res = await db.client.execute({ sql: `${VOUCHER_SELECT} WHERE v.code = ?`, args: [normaliseVoucherCode(code)] });
  const row = res.rows[0];
  if (!row) throw notFound("Voucher");
  return voucherRow(row);
}

const isMerchantOf = (actor: Principal, v: VoucherRow) => actor.role === "merchant" && actor.merchantId === v.merchantId;

function assertMaySee(actor: Principal, v: VoucherRow): void {
  if (isMerchantOf(actor, v)) return;
  if (actor.role === "merchant") throw forbidden("This voucher is for another merchant");
  assertSelfOrStaffOf(actor, { id: v.memberId, communityId: v.communityId });
}

/** One voucher by its code as a person typed it (holder, their staff, admin, or the merchant it is for). */
export async function getVoucher(db: Db, actor: Principal, code: string, now: string) {
  const v = await findVoucher(db, code);
  assertMaySee(actor, v);
  return voucherJson(v, now);
}

/** What reading the voucher by its code would have refused, as guards at the head of the write. */
function voucherByCode(code: string) {
  const normalised = normaliseVoucherCode(code);
  const id: Sql = { sql: "SELECT id FROM vouchers WHERE code = ?", args: [normalised] };
  const write = new Write().expect("not_found", sql`EXISTS ${id}`, [], { message: notFound("Voucher").message });
  const field = (column: string): Sql => sql`SELECT ${{ sql: column, args: [] }} FROM vouchers v JOIN voucher_types t ON t.id = v.voucher_type_id
                                                JOIN members mem ON mem.id = v.member_id WHERE v.code = ${normalised}`;
  const voucher: ClosingVoucher = {
    id,
    voucherTypeId: field("v.voucher_type_id"),
    typeName: field("t.name"),
    communityId: field("mem.community_id"),
    accountId: field("mem.account_id"),
    pointsCost: field("v.points_cost"),
  };
  return { write, voucher, field, where: sql`v.code = ${normalised}` };
}

/**
 * 核销: the merchant of the voucher's type accepts it. The status change is conditional (issued
 * and not expired) and guarded inside the write, so a voucher is accepted at most once. One round-trip.
 */
export async function acceptVoucher(db: Db, actor: Principal, code: string, ctx: WriteCtx) {
  const { write, voucher, field, where } = voucherByCode(code);
  const mine = actor.role === "merchant" ? sql`(${field("t.merchant_id")}) = ${actor.merchantId}` : sql`0`;
  write.expect("forbidden", mine, [], { message: "Only the merchant this voucher is for may accept it" });
  const { transactionId } = closingWrite(write, voucher, "used", ctx.at, actor.userId);
  return commitVoucherReplying(db, write, ctx, where, { transactionId });
}

/** The holder or staff of the holder's community cancels an issued voucher: points and the unit go back. One round-trip. */
export async function cancelVoucher(db: Db, actor: Principal, code: string, ctx: WriteCtx) {
  const { write, voucher, field, where } = voucherByCode(code);
  if (actor.role === "merchant") write.expect("forbidden", "0", [], { message: "A merchant may not cancel a voucher" });
  else if (actor.role === "member") write.expect("forbidden", sql`(${field("v.member_id")}) = ${actor.memberId}`, [], { message: STAFF_ONLY });
  else if (actor.role === "staff") write.expect("forbidden", sql`(${field("mem.community_id")}) = ${actor.communityId}`, [], { message: STAFF_ONLY });
  const { transactionId } = closingWrite(write, voucher, "cancelled", ctx.at, actor.userId);
  return commitVoucherReplying(db, write, ctx, where, { transactionId });
}

const closing = {
  used: { kind: "voucher_used", memo: "服务券已核销", refund: false, notExpired: true },
  cancelled: { kind: "voucher_cancelled", memo: "服务券取消，积分退回", refund: true, notExpired: true },
  expired: { kind: "voucher_expired", memo: "服务券过期，积分退回", refund: true, notExpired: false },
} as const;

/** What closing a voucher needs, as values (the scheduled expiry read them) or expressions (a request by code). */
interface ClosingVoucher {
  id: string | Sql;
  voucherTypeId: Val;
  typeName: Val;
  communityId: Val;
  accountId: string | Sql;
  pointsCost: number | Sql;
}

/** Adds the closing of an issued voucher to `write`: conditional status change + guard, stock back on refund, ledger. */
function closingWrite(write: Write, v: ClosingVoucher, to: keyof typeof closing, at: string, createdBy: string | null) {
  const how = closing[to];
  const transactionId = newId();
  write
    .add(
      sql`UPDATE vouchers SET status = ${to}, closed_at = ${at}, close_transaction_id = ${transactionId}
          WHERE id = ${v.id} AND status = 'issued' AND ${{ sql: how.notExpired ? "expires_at > ?" : "expires_at <= ?", args: [at] }}`,
    )
    .expectChanged("voucher_not_issued");
  if (how.refund) write.add(sql`UPDATE voucher_types SET stock = stock + 1 WHERE id = ${v.voucherTypeId}`);
  const cost = v.pointsCost;
  appendTransaction(write, {
    id: transactionId,
    kind: how.kind,
    at,
    memo: isSql(v.typeName) ? sql`${how.memo + "："} || ${v.typeName}` : `${how.memo}：${v.typeName}`,
    communityId: v.communityId,
    refType: "voucher",
    refId: v.id,
    createdBy,
    postings: [
      { accountId: accounts.vouchersOutstanding, asset: "PTS", amount: isSql(cost) ? sql`-${cost}` : -cost },
      { accountId: how.refund ? v.accountId : accounts.pointsRetired, asset: "PTS", amount: cost },
    ],
  });
  return { write, transactionId };
}

/**
 * The scheduled expiry: issued vouchers past their expiry return their points and their unit,
 * oldest first, at most `max` per run (a Worker's cron run has a budget of subrequests; the rest
 * wait for the next run). Each voucher is its own guarded write, so a second or concurrent run
 * refunds nothing twice.
 */
export async function expireVouchers(db: Db, now: string, max = 100): Promise<number> {
  const res = await db.client.execute({
    sql: `${VOUCHER_SELECT} WHERE v.status = 'issued' AND v.expires_at <= ? ORDER BY v.expires_at, v.id LIMIT ?`,
    args: [now, max],
  });
  let expired = 0;
  for (const row of res.rows) {
    try {
      await commitVoucher(db, closingWrite(new Write(), voucherRow(row), "expired", now, null).write, { at: now }, null);
      expired++;
    } catch (err) {
      if (!(err instanceof AppError && err.code === "voucher_not_issued")) throw err;
    }
  }
  return expired;
}

export interface VoucherQuery extends PageQuery {
  status?: VoucherStatus;
  memberId?: string;
  voucherTypeId?: string;
}

/** Who sees which vouchers: a member their own, staff their community, a merchant theirs, admin all. */
function visibility(actor: Principal): { where: string; args: string[] } {
  switch (actor.role) {
    case "member":
      if (!actor.memberId) throw forbidden();
      return { where: "v.member_id = ?", args: [actor.memberId] };
    case "merchant":
      if (!actor.merchantId) throw forbidden();
      return { where: "t.merchant_id = ?", args: [actor.merchantId] };
    default: {
      const community = communityScope(actor);
      return community ? { where: "mem.community_id = ?", args: [community] } : { where: "1", args: [] };
    }
  }
}

/** A filter by effective status: "issued" excludes, and "expired" includes, issued vouchers past expiry. */
const statusFilter = (status: VoucherStatus, now: string): [string, string] =>
  status === "issued"
    ? ["v.status = 'issued' AND v.expires_at > ?", now]
    : status === "expired"
      ? ["(v.status = 'expired' OR (v.status = 'issued' AND v.expires_at <= ?))", now]
      : ["v.status = ?", status];

/** Newest first, filtered by effective status, member or type. */
export async function listVouchers(db: Db, actor: Principal, q: VoucherQuery, now: string) {
  const scope = visibility(actor);
  const before = decodeCursor<string>(q.cursor, "string");
  const where = [scope.where];
  const args: (string | number)[] = [...scope.args];
  if (q.status) {
    const [condition, arg] = statusFilter(q.status, now);
    where.push(condition), args.push(arg);
  }
  if (q.memberId) where.push("v.member_id = ?"), args.push(q.memberId);
  if (q.voucherTypeId) where.push("v.voucher_type_id = ?"), args.push(q.voucherTypeId);
  if (before) where.push("v.id < ?"), args.push(before);
  const res = await db.client.execute({
    sql: `${VOUCHER_SELECT} WHERE ${where.join(" AND ")} ORDER BY v.id DESC LIMIT ?`,
    args: [...args, q.limit + 1],
  });
  const mask = actor.role === "merchant";
  return toPage(res.rows.map(voucherRow), q.limit, (v) => v.id, (v) => voucherJson(v, now, { maskCode: mask }));
}

/**
 * The voucher register (台账) as CSV, for staff (their community) and admin, optionally for the
 * vouchers issued in [from, to). Codes of vouchers that can still be used are masked: the file
 * is for audit and travels by e-mail, and a code is as good as the voucher.
 */
export async function voucherRegisterCsv(db: Db, actor: Principal, period: { from?: string; to?: string }, now: string) {
  const community = communityScope(actor);
  const where: string[] = [];
  const args: string[] = [];
  if (community) where.push("mem.community_id = ?"), args.push(community);
  if (period.from) where.push("v.issued_at >= ?"), args.push(period.from);
  if (period.to) where.push("v.issued_at < ?"), args.push(period.to);
  const res = await db.client.execute({
    sql: `${VOUCHER_SELECT} ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY v.id`,
    args,
  });
  const rows = res.rows.map(voucherRow).map((v) => {
    const status = effectiveStatus(v, now);
    return [
      v.id,
      status === "issued" ? maskCode(v.code) : v.code,
      v.typeName,
      v.merchantName,
      v.passbookNo,
      v.pointsCost,
      dictionaries.zh.voucherStatus[status],
      v.issuedAt,
      v.expiresAt,
      v.closedAt,
      v.issueTransactionId,
      v.closeTransactionId,
    ];
  });
  return toCsv(
    ["编号", "券码", "券种", "商户", "存折号", "积分", "状态", "兑换时间", "到期时间", "结束时间", "兑换交易号", "结束交易号"],
    rows,
  );
}
