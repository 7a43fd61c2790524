import type { Row } from "@libsql/client";
import type { Principal } from "../auth/tokens";
import type { Db } from "../db/client";
import { commit, Write } from "../db/write";
import { newId } from "../ids";
import { assertRole } from "./access";
import { decodeCursor, toPage, type PageQuery } from "./pagination";
import type { WriteCtx } from "./writes";

// Voucher partners (merchants) and the voucher types they offer, with their stock.

export async function createMerchant(db: Db, actor: Principal, input: { name: string }, at: string) {
  assertRole(actor, "admin");
  const merchant = { id: newId(), name: input.name, createdAt: at };
  await commit(
    db,
    new Write().add({ sql: "INSERT INTO merchants (id, name, created_at) VALUES (?, ?, ?)", args: [merchant.id, merchant.name, at] }),
  );
  return merchant;
}

export async function listMerchants(db: Db, page: PageQuery) {
  const after = decodeCursor<string>(page.cursor, "string");
  const res = await db.client.execute({
    sql: `SELECT id, name FROM merchants ${after ? "WHERE id > ?" : ""} ORDER BY id LIMIT ?`,
    args: after ? [after, page.limit + 1] : [page.limit + 1],
  });
  return toPage(res.rows, page.limit, (r) => String(r.id), (r) => ({ id: String(r.id), name: String(r.name) }));
}

export interface NewVoucherType {
  merchantId: string;
  name: string;
  pointsCost: number;
  stock: number;
  validDays: number;
  /** Vouchers of this type one member may redeem per calendar year; none when left out. */
  perMemberLimit?: number | null;
}

export const VOUCHER_TYPE_SELECT = `SELECT t.id, t.merchant_id, m.name AS merchant_name, t.name, t.points_cost, t.stock, t.valid_days, t.created_at, t.per_member_limit
                     FROM voucher_types t JOIN merchants m ON m.id = t.merchant_id`;

export const voucherTypeJson = (r: Row) => ({
  id: String(r.id),
  merchantId: String(r.merchant_id),
  merchantName: String(r.merchant_name),
  name: String(r.name),
  pointsCost: Number(r.points_cost),
  stock: Number(r.stock),
  validDays: Number(r.valid_days),
  createdAt: String(r.created_at),
  perMemberLimit: r.per_member_limit == null ? null : Number(r.per_member_limit),
});

export async function createVoucherType(db: Db, actor: Principal, input: NewVoucherType, at: string) {
  assertRole(actor, "admin");
  const id = newId();
  const write = new Write()
    .expect("not_found", "EXISTS (SELECT 1 FROM merchants WHERE id = ?)", [input.merchantId])
    .add({
      sql: `INSERT INTO voucher_types (id, merchant_id, name, points_cost, stock, valid_days, created_at, per_member_limit)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      args: [id, input.merchantId, input.name, input.pointsCost, input.stock, input.validDays, at, input.perMemberLimit ?? null],
    })
    .add({ sql: `${VOUCHER_TYPE_SELECT} WHERE t.id = ?`, args: [id] });
  const results = await commit(db, write);
  return voucherTypeJson(results[results.length - 1]!.rows[0]!);
}

export async function listVoucherTypes(db: Db, page: PageQuery & { merchantId?: string }) {
  const after = decodeCursor<string>(page.cursor, "string");
  const where: string[] = [];
  const args: (string | number)[] = [];
  if (page.merchantId) where.push("t.merchant_id = ?"), args.push(page.merchantId);
  if (after) where.push("t.id > ?"), args.push(after);
  const res = await db.client.execute({
    sql: `${VOUCHER_TYPE_SELECT} ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY t.id LIMIT ?`,
    args: [...args, page.limit + 1],
  });
  return toPage(res.rows, page.limit, (r) => String(r.id), voucherTypeJson);
}

/**
 * Adds units to a voucher type's stock; one write, no read. The reply is the type as the write
 * left it, so with an Idempotency-Key the stored reply is built by the database in the same batch.
 */
export async function restockVoucherType(db: Db, actor: Principal, id: string, quantity: number, ctx: WriteCtx) {
  assertRole(actor, "admin");
  const write = new Write()
    .add({ sql: "UPDATE voucher_types SET stock = stock + ? WHERE id = ?", args: [quantity, id] })
    .expectChanged("not_found");
  const record = ctx.idem;
  if (record) {
    write.storeReply(record, ctx.at, {
      sql: `json_object('id', t.id, 'merchantId', t.merchant_id, 'merchantName', m.name, 'name', t.name,
                        'pointsCost', t.points_cost, 'stock', t.stock, 'validDays', t.valid_days, 'createdAt', t.created_at,
                        'perMemberLimit', t.per_member_limit)
            FROM voucher_types t JOIN merchants m ON m.id = t.merchant_id WHERE t.id = ?`,
      args: [id],
    });
  }
  write.add({ sql: `${VOUCHER_TYPE_SELECT} WHERE t.id = ?`, args: [id] });
  const results = await commit(db, write);
  return voucherTypeJson(results[results.length - 1]!.rows[0]!);
}
