import type { Principal } from "../auth/tokens";
import type { Db } from "../db/client";
import { sql } from "../db/sql";
import { Write } from "../db/write";
import { AppError, notFound } from "../errors";
import { newId } from "../ids";
import { appendTransaction } from "../ledger/ledger";
import { assertRole, assertStaffOf } from "./access";
import { commitWith, type WriteCtx } from "./writes";

// Receipt files of fund expenses (凭证). A file is kept once, addressed by the SHA-256 of its
// bytes, in a ReceiptStore (an R2 bucket on Workers, a folder on Node); the database keeps which
// expense it belongs to, its type and size; and the ledger publishes its hash, so an auditor
// holding a copy of the file can check it against the signed log.

/** Where receipt files live, by the lower-case hex SHA-256 of their bytes. */
export interface ReceiptStore {
  /** Keeps the bytes under their hash; storing the same hash again changes nothing. */
  put(sha256: string, bytes: Uint8Array, contentType: string): Promise<void>;
  /** The bytes kept under this hash, or null when there are none. */
  get(sha256: string): Promise<Uint8Array<ArrayBuffer> | null>;
}

/** 5 MiB: a phone photo of an invoice, or a scanned PDF of a few pages. */
export const MAX_RECEIPT_BYTES = 5 * 1024 * 1024;

export const receiptTypes = ["application/pdf", "image/png", "image/jpeg", "image/webp"] as const;
export type ReceiptType = (typeof receiptTypes)[number];

const startsWith = (b: Uint8Array, sig: number[], at = 0) => b.length >= at + sig.length && sig.every((x, i) => b[at + i] === x);
const ascii = (s: string) => Array.from(s, (c) => c.charCodeAt(0));

/**
 * The file's type by its first bytes (its magic number), never by its name or the type the
 * client declared: a text file called invoice.pdf is not a PDF. Null for anything else.
 */
export function sniffReceiptType(b: Uint8Array): ReceiptType | null {
  if (startsWith(b, ascii("%PDF-"))) return "application/pdf";
  if (startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "image/png";
  if (startsWith(b, [0xff, 0xd8, 0xff])) return "image/jpeg";
  if (startsWith(b, ascii("RIFF")) && startsWith(b, ascii("WEBP"), 8)) return "image/webp";
  return null;
}

export const receiptExtension: Record<ReceiptType, string> = {
  "application/pdf": "pdf",
  "image/png": "png",
  "image/jpeg": "jpg",
  "image/webp": "webp",
};

export interface Receipt {
  sha256: string;
  contentType: ReceiptType;
  size: number;
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

const noStore = () => new AppError("internal", "Receipt storage is not configured (the RECEIPTS bucket binding on Workers)");

/** The expense a receipt call names, and whether this caller may handle its receipts. */
async function expenseForReceipts(db: Db, actor: Principal, expenseId: string, sha256?: string) {
  assertRole(actor, "staff", "admin");
  const [expenseRes, receiptRes] = await db.client.batch(
    [
      { sql: "SELECT id, community_id, status, transaction_id FROM fund_expenses WHERE id = ?", args: [expenseId] },
      sha256
        ? { sql: "SELECT sha256, content_type, size FROM fund_receipts WHERE expense_id = ? AND sha256 = ?", args: [expenseId, sha256] }
        : "SELECT 1 WHERE 0",
    ],
    "read",
  );
  const e = expenseRes!.rows[0];
  if (!e) throw notFound("Expense");
  // The same people who may decide the expense: staff of its community, or an administrator.
  if (e.community_id != null) assertStaffOf(actor, String(e.community_id));
  else assertRole(actor, "admin");
  const r = receiptRes!.rows[0];
  return {
    communityId: e.community_id == null ? null : String(e.community_id),
    status: String(e.status),
    transactionId: e.transaction_id == null ? null : String(e.transaction_id),
    receipt: r ? { sha256: String(r.sha256), contentType: String(r.content_type) as ReceiptType, size: Number(r.size) } : undefined,
  };
}

/**
 * Attaches a receipt file to an expense (staff of its community, administrators). The file is
 * stored first (by its hash, so a retry or a second copy writes the same object), then, in one
 * batch, its row and its ledger record: a `fund_receipt` transaction with no postings whose
 * public facts are the expense, its payment (null while pending), the hash, type and size. The
 * payment's own leaf cannot change once sealed, so a receipt attached after payment is committed
 * by this record; one attached while the expense is pending is also listed in the payment's leaf.
 * The same file again is answered with what is kept (`created: false`) and writes nothing.
 */
export async function attachReceipt(
  db: Db,
  store: ReceiptStore | undefined,
  actor: Principal,
  expenseId: string,
  bytes: Uint8Array,
  ctx: WriteCtx,
): Promise<{ receipt: Receipt; created: boolean }> {
  if (bytes.length === 0) throw new AppError("validation_failed", "The receipt file is empty", { field: "file" });
  if (bytes.length > MAX_RECEIPT_BYTES) {
    throw new AppError("payload_too_large", `A receipt file is at most ${MAX_RECEIPT_BYTES} bytes (5 MiB)`, { size: bytes.length, max: MAX_RECEIPT_BYTES });
  }
  const contentType = sniffReceiptType(bytes);
  if (!contentType) {
    throw new AppError("unsupported_media_type", "A receipt is a PDF, PNG, JPEG or WebP file, judged by its contents", { accepted: receiptTypes });
  }
  const sha256 = await sha256Hex(bytes);
  const e = await expenseForReceipts(db, actor, expenseId, sha256);
  if (e.receipt) return { receipt: e.receipt, created: false };
  if (e.status === "rejected") throw new AppError("conflict", "A rejected expense takes no receipts", { status: e.status });
  if (!store) throw noStore();
  await store.put(sha256, bytes, contentType);
  const receipt: Receipt = { sha256, contentType, size: bytes.length };
  const write = new Write();
  // OR IGNORE: the same file sent twice at once is kept once, and only the insert that took
  // books the ledger record (changes() is that of the statement just before it).
  write.add({
    sql: "INSERT OR IGNORE INTO fund_receipts (expense_id, sha256, content_type, size, at, created_by) VALUES (?, ?, ?, ?, ?, ?)",
    args: [expenseId, sha256, contentType, bytes.length, ctx.at, actor.userId],
  });
  appendTransaction(write, {
    id: newId(),
    kind: "fund_receipt",
    at: ctx.at,
    memo: `支出凭证 ${sha256}`,
    communityId: e.communityId,
    refType: "fund_expense",
    refId: expenseId,
    createdBy: actor.userId,
    postings: [],
    when: sql`changes() = 1`,
    publicRecord: { facts: { expense: expenseId, payment: e.transactionId, sha256, contentType, size: bytes.length } },
  });
  return { receipt: await commitWith(db, write, ctx, receipt), created: true };
}

/** A receipt's bytes for staff of the expense's community and administrators. */
export async function receiptFile(db: Db, store: ReceiptStore | undefined, actor: Principal, expenseId: string, sha256: string) {
  const e = await expenseForReceipts(db, actor, expenseId, sha256);
  if (!e.receipt) throw notFound("Receipt");
  if (!store) throw noStore();
  const bytes = await store.get(sha256);
  if (!bytes) throw new AppError("internal", `Receipt ${sha256} is recorded but missing from storage`);
  return { ...e.receipt, bytes };
}
