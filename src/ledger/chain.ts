import type { InStatement, ResultSet } from "@libsql/client";
import type { BankTime } from "../bank-time";
import { systemClock, type Clock } from "../clock";
import type { Db } from "../db/client";
import { AppError, notFound } from "../errors";
import type { Asset, TransactionKind } from "../vocabulary";
import { factCommitment, leafBytes, memberCommitment, type LeafTransaction, type PlainFact } from "./leaf";
import {
  consistencyRanges,
  foldRange,
  Frontier,
  fromHex,
  inclusionRanges,
  leafHash,
  rangeNodes,
  toHex,
  type Hash,
  type NodeRef,
} from "./merkle";
import { checkpointText, type LedgerSigner } from "./note";

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
const PASSBOOK_PREFIX = "member:";

export interface ChainPosting {
  account: string;
  asset: Asset;
  amount: number;
}

export interface ChainTransaction {
  seq: number;
  id: string;
  at: string;
  kind: TransactionKind;
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

/** A transaction as the public ledger publishes it: its chain fields and everything its Merkle leaf covers. */
export interface PublishedTransaction extends ChainTransaction {
  postings: (ChainPosting & { commitment: string | null })[];
  facts: Record<string, PlainFact>;
  /** Withdrawable facts: the value and salt while public, only the commitment once withdrawn. */
  withdrawable: Record<string, { commitment: string; salt: string | null; value: string | null }>;
  prevHash: string | null;
  hash: string | null;
}

export const leafOf = (tx: PublishedTransaction): LeafTransaction => ({
  seq: tx.seq,
  id: tx.id,
  at: tx.at,
  kind: tx.kind,
  reversesId: tx.reversesId,
  postings: tx.postings,
  facts: tx.facts,
  commitments: Object.fromEntries(Object.entries(tx.withdrawable).map(([n, w]) => [n, w.commitment])),
});

export const leafHashOf = (tx: PublishedTransaction) => leafHash(leafBytes(leafOf(tx)));

const TREE_SIZE = "(SELECT MAX(size) FROM ledger_checkpoints)";
const IN_RANGE = "SELECT id FROM ledger_transactions WHERE seq > ? AND seq <= ?";

/**
 * The statements that read transactions with seq in (after, upTo] (and, when `published`, in the
 * tree), and the parser of their results: three queries in one batch, commitments computed here.
 */
function rangeQuery(after: number, upTo: number, published: boolean) {
  const limit = published ? ` AND seq <= ${TREE_SIZE}` : "";
  const statements: InStatement[] = [
    {
      sql: `SELECT id, seq, kind, at, reverses_id, public_facts, prev_hash, hash FROM ledger_transactions
            WHERE seq > ? AND seq <= ?${limit} ORDER BY seq`,
      args: [after, upTo],
    },
    {
      // A passbook is published as plain "member" with a salted commitment to its number, so the
      // public sees every amount and time but cannot tell whose passbook moved, nor link two
      // postings of one member.
      sql: `SELECT p.transaction_id, a.kind, a.code, p.asset, p.amount, p.salt FROM postings p
            JOIN accounts a ON a.id = p.account_id
            WHERE p.transaction_id IN (${IN_RANGE}) ORDER BY p.id`,
      args: [after, upTo],
    },
    {
      sql: `SELECT transaction_id, name, salt, value, commitment FROM ledger_disclosures WHERE transaction_id IN (${IN_RANGE})`,
      args: [after, upTo],
    },
  ];
  const parse = async ([txRes, postRes, discRes]: ResultSet[]): Promise<PublishedTransaction[]> => {
    const postingsOf = new Map<string, PublishedTransaction["postings"]>();
    for (const r of postRes!.rows) {
      const passbook = r.kind === "member_passbook";
      const list = postingsOf.get(String(r.transaction_id)) ?? [];
      list.push({
        account: passbook ? PUBLISHED_PASSBOOK : String(r.code),
        asset: String(r.asset) as Asset,
        amount: Number(r.amount),
        commitment: passbook ? await memberCommitment(String(r.code).slice(PASSBOOK_PREFIX.length), String(r.salt)) : null,
      });
      postingsOf.set(String(r.transaction_id), list);
    }
    const disclosed = new Map<string, PublishedTransaction["withdrawable"]>();
    for (const r of discRes!.rows) {
      const map = disclosed.get(String(r.transaction_id)) ?? {};
      const name = String(r.name);
      map[name] =
        r.value === null
          ? { commitment: String(r.commitment), salt: null, value: null }
          : { commitment: await factCommitment(name, String(r.salt), String(r.value)), salt: String(r.salt), value: String(r.value) };
      disclosed.set(String(r.transaction_id), map);
    }
    return txRes!.rows.map((r) => ({
      seq: Number(r.seq),
      id: String(r.id),
      at: String(r.at),
      kind: String(r.kind) as TransactionKind,
      reversesId: r.reverses_id === null ? null : String(r.reverses_id),
      postings: postingsOf.get(String(r.id)) ?? [],
      facts: r.public_facts === null ? {} : (JSON.parse(String(r.public_facts)) as Record<string, PlainFact>),
      withdrawable: disclosed.get(String(r.id)) ?? {},
      prevHash: r.prev_hash == null ? null : String(r.prev_hash),
      hash: r.hash == null ? null : String(r.hash),
    }));
  };
  return { statements, parse };
}

/** Published transactions (those in the tree) after `afterSeq`, at most `limit`, in seq order. */
export async function loadPublished(db: Db, afterSeq: number, limit: number): Promise<PublishedTransaction[]> {
  const q = rangeQuery(afterSeq, afterSeq + limit, true);
  return q.parse(await db.client.batch(q.statements, "read"));
}

/** Chain-sealed transactions after `afterSeq` (in the tree or not yet), for verifiers of the stored chain. */
async function loadSealed(db: Db, afterSeq: number, limit: number): Promise<PublishedTransaction[]> {
  const q = rangeQuery(afterSeq, afterSeq + limit, false);
  return (await q.parse(await db.client.batch(q.statements, "read"))).filter((t) => t.hash !== null);
}

const nodeId = (n: NodeRef) => n.index * 64 + n.level;
const asHash = (v: unknown) => new Uint8Array(v as ArrayBuffer);

async function readNodes(db: Db, refs: NodeRef[], extra: InStatement[] = []) {
  const ids = refs.map(nodeId);
  const results = await db.client.batch(
    [
      `SELECT MAX(size) AS size FROM ledger_checkpoints`,
      { sql: `SELECT id, hash FROM merkle_nodes WHERE id IN (${ids.map(() => "?").join(", ") || "NULL"})`, args: ids },
      ...extra,
    ],
    "read",
  );
  const byId = new Map(results[1]!.rows.map((r) => [Number(r.id), asHash(r.hash)]));
  return {
    treeSize: Number(results[0]!.rows[0]!.size),
    node: (n: NodeRef) => {
      const h = byId.get(nodeId(n));
      if (!h) throw new Error(`merkle node ${n.level}/${n.index} is missing`);
      return h;
    },
    rest: results.slice(2),
  };
}

/**
 * Adds committed transactions to the log in seq order: each gets its V2 chain hash (unless it has
 * one) and its Merkle leaf; the tree's new nodes and its new head (a checkpoint) are written in
 * one batch, guarded by the head it started from, so of two sealers at once one wins and the
 * other writes nothing. Per transaction this reads and writes a constant amount on average (the
 * tree's right edge is O(log n) nodes, read once per run). Returns how many were added.
 */
export async function sealPending(db: Db, clock: Clock = systemClock, batchSize = 500, upToSeq = Number.MAX_SAFE_INTEGER): Promise<number> {
  let sealed = 0;
  for (;;) {
    const head = (
      await db.client.execute(
        `SELECT c.size, (SELECT hash FROM ledger_transactions WHERE seq = c.size) AS chain_head
         FROM ledger_checkpoints c ORDER BY c.size DESC LIMIT 1`,
      )
    ).rows[0]!;
    const size = Number(head.size);
    if (size >= upToSeq) return sealed;
    const edge = Frontier.nodesFor(size);
    const range = rangeQuery(size, Math.min(size + batchSize, upToSeq), false);
    const read = await readNodes(db, edge, range.statements);
    const pending = await range.parse(read.rest);
    const frontier = new Frontier(size, edge.map(read.node));
    let prev = size === 0 ? GENESIS_HASH : String(head.chain_head);
    const statements: InStatement[] = [
      { sql: `INSERT INTO guards (code) SELECT 'conflict' WHERE ${TREE_SIZE} IS NOT ?`, args: [size] },
    ];
    const nodes: { ref: NodeRef; hash: Hash }[] = [];
    for (const tx of pending) {
      if (tx.seq !== frontier.size + 1) break; // a later seq is visible before an earlier one committed; next run seals it
      if (tx.hash === null) {
        tx.prevHash = prev;
        tx.hash = await hashTransaction(tx, prev);
        statements.push({
          sql: "UPDATE ledger_transactions SET prev_hash = ?, hash = ? WHERE id = ? AND hash IS NULL",
          args: [tx.prevHash, tx.hash, tx.id],
        });
      }
      prev = tx.hash;
      nodes.push(...(await frontier.append(await leafHashOf(tx))));
    }
    if (frontier.size === size) return sealed;
    for (let i = 0; i < nodes.length; i += 200) {
      const chunk = nodes.slice(i, i + 200);
      statements.push({
        sql: `INSERT INTO merkle_nodes (id, hash) VALUES ${chunk.map(() => "(?, ?)").join(", ")}`,
        args: chunk.flatMap((n) => [nodeId(n.ref), n.hash]),
      });
    }
    statements.push({
      sql: "INSERT INTO ledger_checkpoints (size, root_hash, sealed_at) VALUES (?, ?, ?)",
      args: [frontier.size, toHex(await frontier.root()), clock.now().toISOString()],
    });
    try {
      await db.client.batch(statements, "write");
    } catch (err) {
      if (String(err).includes("guard_failed") || String(err).includes("UNIQUE")) return sealed; // another sealer added these first
      throw err;
    }
    sealed += frontier.size - size;
    if (pending.length < batchSize) return sealed;
  }
}

export type LogProblem = ChainProblem | { seq: number; id: string; problem: "root_mismatch" };

/**
 * Verifies the whole stored log (tests, backups, the CLI against a local file): every chain link
 * and hash, and that the leaves recomputed from the stored transactions give the latest
 * checkpoint's root.
 */
export async function verifyStoredChain(db: Db, pageSize = 2000): Promise<LogProblem | null> {
  const head = (await db.client.execute("SELECT size, root_hash FROM ledger_checkpoints ORDER BY size DESC LIMIT 1")).rows[0]!;
  const treeSize = Number(head.size);
  const frontier = new Frontier(0, []);
  let afterSeq = 0;
  let prev = GENESIS_HASH;
  let last: PublishedTransaction | undefined;
  for (;;) {
    const page = await loadSealed(db, afterSeq, pageSize);
    if (page.length === 0) break;
    const problem = await verifyChain(page as SealedTransaction[], prev, afterSeq);
    if (problem) return problem;
    for (const tx of page) if (tx.seq <= treeSize) await frontier.append(await leafHashOf(tx));
    last = page[page.length - 1]!;
    afterSeq = last.seq;
    prev = last.hash!;
    if (page.length < pageSize) break;
  }
  if (frontier.size !== treeSize || toHex(await frontier.root()) !== String(head.root_hash)) {
    return { seq: frontier.size, id: last?.id ?? "", problem: "root_mismatch" };
  }
  return null;
}

export interface StoredCheckpoint {
  size: number;
  rootHash: string;
  sealedAt: string;
}

const toCheckpoint = (r: Record<string, unknown>): StoredCheckpoint => ({
  size: Number(r.size),
  rootHash: String(r.root_hash),
  sealedAt: String(r.sealed_at),
});

/**
 * A kept checkpoint: the latest, the one of a given size, or the day-end one of a bank date (the
 * last sealed before that date ended in the bank's time zone).
 */
export async function findCheckpoint(db: Db, which: { size?: number; day?: string }, time: BankTime): Promise<StoredCheckpoint> {
  const cols = "SELECT size, root_hash, sealed_at FROM ledger_checkpoints";
  const stmt: InStatement =
    which.size !== undefined
      ? { sql: `${cols} WHERE size = ?`, args: [which.size] }
      : which.day !== undefined
        ? {
            sql: `${cols} WHERE sealed_at < ? ORDER BY sealed_at DESC, size DESC LIMIT 1`,
            args: [time.bounds(which.day).to],
          }
        : `${cols} ORDER BY size DESC LIMIT 1`;
  const row = (await db.client.execute(stmt)).rows[0];
  if (!row) throw notFound("Checkpoint");
  return toCheckpoint(row);
}

/** The signed note of a kept checkpoint; the key's name is the log's origin. */
export async function signedCheckpoint(signer: LedgerSigner, c: StoredCheckpoint): Promise<string> {
  return signer.signNote(checkpointText({ origin: signer.name, size: c.size, root: fromHex(c.rootHash) }));
}

function tooLarge(size: number, treeSize: number) {
  return new AppError("not_found", `The log has ${treeSize} transactions; there is no tree of ${size}`, { treeSize });
}

/** RFC 9162 inclusion proof of transaction `seq` (leaf seq − 1) in the tree of `size`, with the transaction itself. */
export async function inclusionProof(db: Db, seq: number, size: number) {
  if (!(seq >= 1 && seq <= size)) throw new AppError("validation_failed", "seq must be between 1 and size");
  const ranges = inclusionRanges(seq - 1, size);
  const range = rangeQuery(seq - 1, seq, true);
  const read = await readNodes(db, [{ level: 0, index: seq - 1 }, ...ranges.flatMap(rangeNodes)], range.statements);
  if (size > read.treeSize) throw tooLarge(size, read.treeSize);
  const path = await Promise.all(ranges.map((r) => foldRange(rangeNodes(r).map(read.node))));
  const [transaction] = await range.parse(read.rest);
  return {
    seq,
    size,
    leafIndex: seq - 1,
    leafHash: toHex(read.node({ level: 0, index: seq - 1 })),
    path: path.map(toHex),
    transaction: transaction!,
  };
}

/** RFC 9162 consistency proof between the trees of `from` and `to` transactions. */
export async function consistencyProof(db: Db, from: number, to: number) {
  if (!(from >= 1 && from <= to)) throw new AppError("validation_failed", "from must be between 1 and to");
  const ranges = consistencyRanges(from, to);
  const read = await readNodes(db, ranges.flatMap(rangeNodes));
  if (to > read.treeSize) throw tooLarge(to, read.treeSize);
  const path = await Promise.all(ranges.map((r) => foldRange(rangeNodes(r).map(read.node))));
  return { from, to, path: path.map(toHex) };
}

/**
 * Seals for one database, coalescing: a request that arrives while a run is in progress asks for
 * one more run instead of starting its own, and its promise settles only after that run. Under a
 * stream of writes this seals many transactions per run instead of one.
 */
export function coalescingSealer(db: Db, clock: Clock = systemClock): () => Promise<number> {
  let running: Promise<number> | null = null;
  let again = false;
  const run = async () => {
    let sealed = 0;
    do {
      again = false;
      sealed += await sealPending(db, clock);
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

/**
 * Withdraws a public fact of a transaction's record (a donor who opts out, a text redacted): its
 * value and salt are deleted and only the commitment stays, so the leaf, the tree and every
 * checkpoint verify as before, and the fact is no longer published. Returns false when there
 * was nothing public to withdraw.
 */
export async function withdrawPublicFact(db: Db, transactionId: string, name: string, reason: string, at: string): Promise<boolean> {
  const row = (
    await db.client.execute({
      sql: "SELECT salt, value FROM ledger_disclosures WHERE transaction_id = ? AND name = ? AND value IS NOT NULL",
      args: [transactionId, name],
    })
  ).rows[0];
  if (!row) return false;
  const commitment = await factCommitment(name, String(row.salt), String(row.value));
  const res = await db.client.execute({
    sql: `UPDATE ledger_disclosures SET commitment = ?, salt = NULL, value = NULL, withdrawn_at = ?, withdrawn_reason = ?
          WHERE transaction_id = ? AND name = ? AND value = ? AND salt = ?`,
    args: [commitment, at, reason, transactionId, name, String(row.value), String(row.salt)],
  });
  return res.rowsAffected === 1;
}
