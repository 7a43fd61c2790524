import { AppError } from "../errors";
import { newId } from "../ids";
import type { Write } from "../db/write";
import type { Asset } from "./accounts";
import { assertPublicRecord, newSalt, type PublicRecord } from "./leaf";

export interface PostingInput {
  accountId: string;
  asset: Asset;
  /** Signed integer: positive adds to the account's balance, negative takes from it. */
  amount: number;
  /**
   * A credit the account may take only up to a balance of `max` (a storage cap): the rest goes to
   * `overflowAccountId` in the same transaction. The split is made by the database when the
   * posting is inserted, so two credits at once never both fill the same room.
   */
  cap?: { max: number; overflowAccountId: string };
}

export interface TransactionInput {
  id?: string;
  kind: string;
  at: string;
  memo?: string;
  reversesId?: string | null;
  ruleVersion?: number | null;
  communityId?: string | null;
  refType?: string | null;
  refId?: string | null;
  createdBy?: string | null;
  postings: PostingInput[];
  /** What the public may know of this transaction's record; hashed into its Merkle leaf (see leaf.ts). */
  publicRecord?: PublicRecord;
}

const MAX_AMOUNT = 1_000_000_000_000; // 10 billion yuan in fen; far above any real posting

/** Refuses postings that do not balance: at least two, non-zero safe integers, summing to zero per asset. */
export function assertBalanced(postings: PostingInput[]): void {
  if (postings.length < 2) throw new AppError("validation_failed", "A transaction needs at least two postings");
  const sums = new Map<Asset, number>();
  for (const p of postings) {
    if (!Number.isSafeInteger(p.amount) || p.amount === 0 || Math.abs(p.amount) > MAX_AMOUNT) {
      throw new AppError("validation_failed", "Posting amounts are non-zero integers within bounds", { posting: p });
    }
    sums.set(p.asset, (sums.get(p.asset) ?? 0) + p.amount);
  }
  for (const [asset, sum] of sums) {
    if (sum !== 0) throw new AppError("validation_failed", `Postings of ${asset} sum to ${sum}, not zero`);
  }
}

/**
 * Adds a ledger transaction to a write: the transaction row (its chain position taken inside the
 * write) and one INSERT per posting with the balance after it. The database applies each posting
 * to its account's stored balance (trigger postings_apply, migration 0003), so a posting never
 * exists without its balance change; a missing account fails the foreign key. Reading a balance
 * never sums postings. The hash is sealed later. A passbook posting keeps a fresh salt for its
 * member commitment; the public record's withdrawable facts go to ledger_disclosures with theirs.
 */
export function appendTransaction(write: Write, tx: TransactionInput): string {
  assertBalanced(tx.postings);
  const record = tx.publicRecord ?? {};
  assertPublicRecord(record);
  const facts = Object.keys(record.facts ?? {}).length ? JSON.stringify(record.facts) : null;
  const id = tx.id ?? newId();
  write.add({
    sql: `INSERT INTO ledger_transactions
            (id, seq, kind, at, memo, reverses_id, rule_version, community_id, ref_type, ref_id, created_by, public_facts)
          VALUES (?, (SELECT IFNULL(MAX(seq), 0) + 1 FROM ledger_transactions), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    args: [
      id,
      tx.kind,
      tx.at,
      tx.memo ?? "",
      tx.reversesId ?? null,
      tx.ruleVersion ?? null,
      tx.communityId ?? null,
      tx.refType ?? null,
      tx.refId ?? null,
      tx.createdBy ?? null,
      facts,
    ],
  });
  for (const p of tx.postings) {
    if (p.cap && p.amount > 0) {
      appendCapped(write, id, p, p.cap);
      continue;
    }
    write.add({
      sql: `INSERT INTO postings (transaction_id, account_id, asset, amount, balance_after, salt)
            VALUES (?, ?, ?, ?, (SELECT balance FROM accounts WHERE id = ?) + ?,
                    CASE WHEN (SELECT kind FROM accounts WHERE id = ?) = 'member_passbook' THEN ? END)`,
      args: [id, p.accountId, p.asset, p.amount, p.accountId, p.amount, p.accountId, newSalt()],
    });
  }
  for (const [name, value] of Object.entries(record.withdrawable ?? {})) {
    write.add({
      sql: "INSERT INTO ledger_disclosures (transaction_id, name, salt, value) VALUES (?, ?, ?, ?)",
      args: [id, name, newSalt(), value],
    });
  }
  return id;
}

/**
 * The capped credit and its overflow. The capped account always gets its posting, of 0 when it is
 * already full, so its passbook shows the credit and where it went; the overflow only when > 0.
 */
function appendCapped(write: Write, txId: string, p: PostingInput, cap: { max: number; overflowAccountId: string }): void {
  write
    .add({
      sql: `INSERT INTO postings (transaction_id, account_id, asset, amount, balance_after)
            SELECT ?, id, asset, room, balance + room
            FROM (SELECT id, asset, balance, MIN(?, MAX(0, ? - balance)) AS room FROM accounts WHERE id = ?)`,
      args: [txId, p.amount, cap.max, p.accountId],
    })
    .add({
      sql: `INSERT INTO postings (transaction_id, account_id, asset, amount, balance_after)
            SELECT ?, id, asset, rest, balance + rest
            FROM (SELECT id, asset, balance,
                         ? - IFNULL((SELECT SUM(amount) FROM postings WHERE transaction_id = ? AND account_id = ?), 0) AS rest
                  FROM accounts WHERE id = ?)
            WHERE rest > 0`,
      args: [txId, p.amount, txId, p.accountId, cap.overflowAccountId],
    });
}
