import type { Db } from "../db/client";
import type { Asset } from "./accounts";

// The hash chain. Input of one transaction's hash (documented in README, "Verifying the ledger"):
// UTF-8 bytes of these lines joined by "\n", no trailing newline, hashed with SHA-256, lower-case hex:
//   LSB-LEDGER-V2
//   seq=<decimal>
//   id=<id>
//   at=<ISO 8601 UTC, as stored, e.g. 2026-03-01T08:00:00.000Z>
//   kind=<kind>
//   reverses=<id of the reversed transaction, or empty>
//   posting=<account>|<asset>|<signed decimal amount>   (one line per posting, sorted by this text;
//                                                       a member's passbook is the account "member")
//   prev=<hash of the previous transaction in seq order; 64 zeros for the first>

export const GENESIS_HASH = "0".repeat(64);

/** How every member's passbook account appears in the published (and hashed) ledger. */
export const PUBLISHED_PASSBOOK = "member";

export interface ChainPosting {
  account: string;
  asset: Asset;
  amount: number;
}

export interface ChainTransaction {
  seq: number;
  id: string;
  at: string;
  kind: string;
  reversesId: string | null;
  postings: ChainPosting[];
}

export interface SealedTransaction extends ChainTransaction {
  prevHash: string;
  hash: string;
}

export function canonicalText(tx: ChainTransaction, prevHash: string): string {
  const postingLines = tx.postings.map((p) => `posting=${p.account}|${p.asset}|${p.amount}`).sort();
  return [
    "LSB-LEDGER-V2",
    `seq=${tx.seq}`,
    `id=${tx.id}`,
    `at=${tx.at}`,
    `kind=${tx.kind}`,
    `reverses=${tx.reversesId ?? ""}`,
    ...postingLines,
    `prev=${prevHash}`,
  ].join("\n");
}

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export const hashTransaction = (tx: ChainTransaction, prevHash: string) => sha256Hex(canonicalText(tx, prevHash));

export type ChainProblem = { seq: number; id: string; problem: "prev_hash_mismatch" | "hash_mismatch" | "seq_gap" };

/**
 * Checks a run of sealed transactions in seq order, starting right after `afterSeq` whose hash is
 * `startPrevHash` (genesis and 0 for the whole chain). Returns the first broken link, or null when all verify.
 */
export async function verifyChain(
  txs: SealedTransaction[],
  startPrevHash = GENESIS_HASH,
  afterSeq = 0,
): Promise<ChainProblem | null> {
  let prev = startPrevHash;
  let lastSeq = afterSeq;
  for (const tx of txs) {
    if (tx.seq !== lastSeq + 1) return { seq: tx.seq, id: tx.id, problem: "seq_gap" };
    if (tx.prevHash !== prev) return { seq: tx.seq, id: tx.id, problem: "prev_hash_mismatch" };
    if ((await hashTransaction(tx, prev)) !== tx.hash) return { seq: tx.seq, id: tx.id, problem: "hash_mismatch" };
    prev = tx.hash;
    lastSeq = tx.seq;
  }
  return null;
}

interface TxRow {
  id: string;
  seq: number;
  kind: string;
  at: string;
  reverses_id: string | null;
  prev_hash?: string | null;
  hash?: string | null;
}

/** Loads transactions with their postings (account codes), in seq order, from `afterSeq` on. */
export async function loadChain(
  db: Db,
  opts: { afterSeq: number; limit: number; sealedOnly: boolean; unsealedOnly?: boolean },
): Promise<(ChainTransaction & { prevHash: string | null; hash: string | null })[]> {
  const where = opts.unsealedOnly ? "t.hash IS NULL" : opts.sealedOnly ? "t.hash IS NOT NULL" : "1";
  const [txRes, postRes] = await db.client.batch(
    [
      {
        sql: `SELECT t.id, t.seq, t.kind, t.at, t.reverses_id, t.prev_hash, t.hash FROM ledger_transactions t
              WHERE t.seq > ? AND ${where} ORDER BY t.seq LIMIT ?`,
        args: [opts.afterSeq, opts.limit],
      },
      {
        // A passbook is published as plain "member": the chain proves every amount, time and
        // system account, but does not tell the public whose passbook moved.
        sql: `SELECT p.transaction_id, CASE WHEN a.kind = 'member_passbook' THEN '${PUBLISHED_PASSBOOK}' ELSE a.code END AS code,
                     p.asset, p.amount FROM postings p
              JOIN accounts a ON a.id = p.account_id
              WHERE p.transaction_id IN (
                SELECT t.id FROM ledger_transactions t WHERE t.seq > ? AND ${where} ORDER BY t.seq LIMIT ?)
              ORDER BY p.id`,
        args: [opts.afterSeq, opts.limit],
      },
    ],
    "read",
  );
  const byTx = new Map<string, ChainPosting[]>();
  for (const r of postRes!.rows) {
    const list = byTx.get(String(r.transaction_id)) ?? [];
    list.push({ account: String(r.code), asset: String(r.asset) as Asset, amount: Number(r.amount) });
    byTx.set(String(r.transaction_id), list);
  }
  return (txRes!.rows as unknown as TxRow[]).map((r) => ({
    seq: Number(r.seq),
    id: String(r.id),
    at: String(r.at),
    kind: String(r.kind),
    reversesId: r.reverses_id === null ? null : String(r.reverses_id),
    postings: byTx.get(String(r.id)) ?? [],
    prevHash: r.prev_hash == null ? null : String(r.prev_hash),
    hash: r.hash == null ? null : String(r.hash),
  }));
}

/**
 * Seals committed transactions in seq order: each gets the previous hash and its own.
 * Hashes depend only on immutable content, so two sealers racing write the same values;
 * the conditional update keeps the first. Returns how many were sealed.
 */
export async function sealPending(db: Db, batchSize = 500): Promise<number> {
  let sealed = 0;
  for (;;) {
    const head = await db.client.execute(
      "SELECT seq, hash FROM ledger_transactions WHERE hash IS NOT NULL ORDER BY seq DESC LIMIT 1",
    );
    const lastSeq = head.rows.length ? Number(head.rows[0]!.seq) : 0;
    let prev = head.rows.length ? String(head.rows[0]!.hash) : GENESIS_HASH;
    const pending = await loadChain(db, { afterSeq: lastSeq, limit: batchSize, sealedOnly: false, unsealedOnly: true });
    if (pending.length === 0) return sealed;
    const updates = [];
    let expectedSeq = lastSeq + 1;
    for (const tx of pending) {
      if (tx.seq !== expectedSeq) break; // a later seq is visible before an earlier one committed; next run seals it
      const hash = await hashTransaction(tx, prev);
      updates.push({
        sql: "UPDATE ledger_transactions SET prev_hash = ?, hash = ? WHERE id = ? AND hash IS NULL",
        args: [prev, hash, tx.id],
      });
      prev = hash;
      expectedSeq++;
    }
    if (updates.length === 0) return sealed;
    await db.client.batch(updates, "write");
    sealed += updates.length;
    if (pending.length < batchSize) return sealed;
  }
}

/** Verifies the whole stored chain (used by tests, backups and the CLI against a local file). */
export async function verifyStoredChain(db: Db, pageSize = 2000): Promise<ChainProblem | null> {
  let afterSeq = 0;
  let prev = GENESIS_HASH;
  for (;;) {
    const page = await loadChain(db, { afterSeq, limit: pageSize, sealedOnly: true });
    if (page.length === 0) return null;
    const problem = await verifyChain(page as SealedTransaction[], prev, afterSeq);
    if (problem) return problem;
    const last = page[page.length - 1]!;
    afterSeq = last.seq;
    prev = last.hash!;
  }
}

/**
 * Seals for one database, coalescing: a request that arrives while a run is in progress asks for
 * one more run instead of starting its own, and its promise settles only after that run. Under a
 * stream of writes this seals many transactions per run instead of one.
 */
export function coalescingSealer(db: Db): () => Promise<number> {
  let running: Promise<number> | null = null;
  let again = false;
  const run = async () => {
    let sealed = 0;
    do {
      again = false;
      sealed += await sealPending(db);
    } while (again);
    return sealed;
  };
  return () => {
    if (running) {
      again = true;
      return running;
    }
    running = run().finally(() => {
      running = null;
    });
    return running;
  };
}
