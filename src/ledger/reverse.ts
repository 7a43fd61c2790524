import type { Db } from "../db/client";
import { AppError, notFound } from "../errors";
import type { Asset, TransactionKind } from "../vocabulary";
import type { KnownPosting, TransactionInput } from "./ledger";

/**
 * Builds the exact reversal of a transaction: the same postings with opposite signs, naming the
 * transaction it reverses. A second reversal is refused by the unique index on reverses_id.
 */
export async function reversalOf(
  db: Db,
  transactionId: string,
  at: string,
  memo: string,
  createdBy: string,
): Promise<
  Omit<TransactionInput, "postings"> & {
    postings: KnownPosting[];
    original: {
      kind: TransactionKind;
      refType: string | null;
      refId: string | null;
      postings: { accountId: string; asset: Asset; amount: number }[];
      /** The reason of a pending reversal request (four-eyes), read in the same batch. */
      requestedReason: string | null;
    };
  }
> {
  const [txRes, postRes] = await db.client.batch(
    [
      {
        sql: `SELECT t.id, t.kind, t.reverses_id, t.community_id, t.ref_type, t.ref_id,
                     (SELECT r.id FROM ledger_transactions r WHERE r.reverses_id = t.id) AS reversed_by,
                     (SELECT q.reason FROM reversal_requests q WHERE q.transaction_id = t.id AND q.status = 'pending') AS requested_reason
              FROM ledger_transactions t WHERE t.id = ?`,
        args: [transactionId],
      },
      { sql: "SELECT account_id, asset, amount FROM postings WHERE transaction_id = ? ORDER BY id", args: [transactionId] },
    ],
    "read",
  );
  const tx = txRes!.rows[0];
  if (!tx) throw notFound("Transaction");
  if (tx.reversed_by) throw new AppError("already_reversed", "This transaction has already been reversed", { reversedBy: tx.reversed_by });
  if (tx.reverses_id) throw new AppError("conflict", "A reversal cannot itself be reversed; post a new transaction instead");
  if (postRes!.rows.length === 0) throw new AppError("conflict", "This record moves no value: there is nothing to reverse");
  return {
    kind: "reversal",
    at,
    memo,
    reversesId: transactionId,
    communityId: tx.community_id as string | null,
    refType: tx.ref_type as string | null,
    refId: tx.ref_id as string | null,
    createdBy,
    // A capped credit's 0 posting (a passbook already full) has nothing to undo.
    postings: postRes!.rows.filter((p) => Number(p.amount) !== 0).map((p) => ({
      accountId: String(p.account_id),
      asset: String(p.asset) as Asset,
      amount: -Number(p.amount),
    })),
    original: {
      kind: String(tx.kind) as TransactionKind,
      refType: tx.ref_type as string | null,
      refId: tx.ref_id as string | null,
      postings: postRes!.rows.map((p) => ({ accountId: String(p.account_id), asset: String(p.asset) as Asset, amount: Number(p.amount) })),
      requestedReason: (tx.requested_reason as string | null) ?? null,
    },
  };
}
