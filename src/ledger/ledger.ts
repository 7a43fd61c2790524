import { AppError } from "../errors";
import { newId } from "../ids";
import { bind, isSql, sql, type Sql, type Val } from "../db/sql";
import type { Write } from "../db/write";
import { isRecordKind, type Asset, type TransactionKind } from "../vocabulary";
import { assertPublicRecord, newSalt, type PublicRecord } from "./leaf";

export interface PostingInput {
  /** An account id, or an expression giving it (a member's passbook account by the member's id). */
  accountId: string | Sql;
  asset: Asset;
  /** Signed integer: positive adds to the account's balance, negative takes from it; or an expression the database computes. */
  amount: number | Sql;
  /**
   * A credit the account may take only up to a balance of `max` (a storage cap): the rest goes to
   * `overflowAccountId` in the same transaction. The split is made by the database when the
   * posting is inserted, so two credits at once never both fill the same room.
   */
  cap?: { max: number | Sql; overflowAccountId: string };
}

/** A posting whose account and amount are known before the write. */
export interface KnownPosting extends PostingInput {
  accountId: string;
  amount: number;
}

export interface TransactionInput {
  id?: string;
  kind: TransactionKind;
  at: string;
  memo?: Val;
  reversesId?: string | null;
  ruleVersion?: Val;
  communityId?: Val;
  refType?: string | null;
  refId?: Val;
  createdBy?: string | null;
  postings: PostingInput[];
  /** Books the transaction only when this holds as the batch runs (e.g. the computed points are above zero). */
  when?: Sql;
  /** What the public may know of this transaction's record; hashed into its Merkle leaf (see leaf.ts). */
  publicRecord?: PublicRecord;
}

const MAX_AMOUNT = 1_000_000_000_000; // 10 billion yuan in fen; far above any real posting

/** Refuses postings that do not balance: at least two, non-zero safe integers, summing to zero per asset. */
export function assertBalanced(postings: KnownPosting[]): void {
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
  const computed = tx.postings.some((p) => isSql(p.amount) || isSql(p.accountId));
  if (isRecordKind(tx.kind)) {
    if (tx.postings.length) throw new AppError("validation_failed", `A ${tx.kind} record moves no value: it has no postings`);
  } else if (!computed) assertBalanced(tx.postings as KnownPosting[]);
  else if (tx.postings.length < 2) throw new AppError("validation_failed", "A transaction needs at least two postings");
  const record = tx.publicRecord ?? {};
  assertPublicRecord(record);
  const facts = Object.keys(record.facts ?? {}).length ? JSON.stringify(record.facts) : null;
  const id = tx.id ?? newId();
  // Every statement wrapped here is an INSERT … SELECT without a WHERE of its own.
  const when = (stmt: Sql): Sql => (tx.when ? { sql: `${stmt.sql} WHERE ${bind(tx.when).sql}`, args: [...stmt.args, ...tx.when.args] } : stmt);
  write.add(
    when(sql`INSERT INTO ledger_transactions
               (id, seq, kind, at, memo, reverses_id, rule_version, community_id, ref_type, ref_id, created_by, public_facts)
             SELECT ${id}, (SELECT IFNULL(MAX(seq), 0) + 1 FROM ledger_transactions), ${tx.kind}, ${tx.at}, ${tx.memo ?? ""},
                    ${tx.reversesId ?? null}, ${tx.ruleVersion ?? null}, ${tx.communityId ?? null}, ${tx.refType ?? null},
                    ${tx.refId ?? null}, ${tx.createdBy ?? null}, ${facts}`),
  );
  for (const p of tx.postings) {
    if (p.cap && (isSql(p.amount) || p.amount > 0)) {
      appendCapped(write, id, p, p.cap, when);
      continue;
    }
    write.add(
      when(sql`INSERT INTO postings (transaction_id, account_id, asset, amount, balance_after, salt)
               SELECT ${id}, ${p.accountId}, ${p.asset}, ${p.amount}, (SELECT balance FROM accounts WHERE id = ${p.accountId}) + ${p.amount},
                      CASE WHEN (SELECT kind FROM accounts WHERE id = ${p.accountId}) = 'member_passbook' THEN ${newSalt()} END`),
    );
  }
  for (const [name, value] of Object.entries(record.withdrawable ?? {})) {
    write.add(when(sql`INSERT INTO ledger_disclosures (transaction_id, name, salt, value) SELECT ${id}, ${name}, ${newSalt()}, ${value}`));
  }
  if (computed) {
    // Amounts the database computed are checked where they were computed: within bounds, summing to zero per asset.
    write.expect(
      "internal",
      sql`NOT EXISTS (SELECT 1 FROM postings WHERE transaction_id = ${id} AND abs(amount) > ${MAX_AMOUNT})
          AND NOT EXISTS (SELECT 1 FROM postings WHERE transaction_id = ${id} GROUP BY asset HAVING SUM(amount) <> 0)`,
      [],
      { message: "A computed transaction did not balance" },
    );
  }
  return id;
}

/**
 * The capped credit and its overflow. The capped account always gets its posting, of 0 when it is
 * already full, so its passbook shows the credit and where it went; the overflow only when > 0.
 */
function appendCapped(
  write: Write,
  txId: string,
  p: PostingInput,
  cap: { max: number | Sql; overflowAccountId: string },
  when: (stmt: Sql) => Sql,
): void {
  // A cap the database computed may be NULL (the rule in force has none): then all of it is room.
  write
    .add(
      when(sql`INSERT INTO postings (transaction_id, account_id, asset, amount, balance_after)
               SELECT ${txId}, id, asset, room, balance + room
               FROM (SELECT id, asset, balance, MIN(${p.amount}, IFNULL(MAX(0, ${cap.max} - balance), ${p.amount})) AS room
                     FROM accounts WHERE id = ${p.accountId})`),
    )
    .add(
      sql`INSERT INTO postings (transaction_id, account_id, asset, amount, balance_after)
          SELECT ${txId}, id, asset, rest, balance + rest
          FROM (SELECT id, asset, balance,
                       ${p.amount} - IFNULL((SELECT SUM(amount) FROM postings WHERE transaction_id = ${txId} AND account_id = ${p.accountId}), 0) AS rest
                FROM accounts WHERE id = ${cap.overflowAccountId})
          WHERE rest > 0 AND EXISTS (SELECT 1 FROM ledger_transactions WHERE id = ${txId})`,
    );
}
