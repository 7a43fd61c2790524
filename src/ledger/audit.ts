import { leafHashOf, type PublishedTransaction } from "./chain";
import { factCommitment, memberCommitment } from "./leaf";
import { fromHex, rootOf, sameHash, verifyConsistency, verifyInclusion } from "./merkle";
import { openNote, parseCheckpoint, parseVerifierKey, type Checkpoint } from "./note";
import { isRecordKind } from "../vocabulary";

// What a verifier outside the bank checks in the published ledger beyond its hashes: the
// promises the data makes (docs/LEDGER-FORMAT.md, "What a verifier checks"). Pure functions over
// downloaded JSON, used by `npm run verify-ledger` and the tests.

export type FindingCode =
  | "malformed_checkpoint"
  | "checkpoint_other_key"
  | "bad_checkpoint_signature"
  | "truncated"
  | "inconsistent"
  | "log_incomplete"
  | "root_mismatch"
  | "commitment_mismatch"
  | "unbalanced"
  | "reversal_of_unknown"
  | "reversal_of_reversal"
  | "reversal_not_exact"
  | "double_reversal"
  | "balance_sign"
  | "statement_mismatch"
  | "summary_mismatch"
  | "passbook_entry_not_proven"
  | "receipt_not_in_log";

export interface Finding {
  code: FindingCode;
  seq?: number;
  detail: string;
}

/** Opens a signed checkpoint with a verifier key: its body, or why not. */
export async function openCheckpoint(note: string, verifierKey: string): Promise<{ checkpoint: Checkpoint } | { finding: Finding }> {
  const vkey = await parseVerifierKey(verifierKey);
  const opened = await openNote(note, vkey);
  if ("problem" in opened) {
    const code = opened.problem === "unknown_key" ? "checkpoint_other_key" : opened.problem === "bad_signature" ? "bad_checkpoint_signature" : "malformed_checkpoint";
    return { finding: { code, detail: `the checkpoint is not signed by ${verifierKey} (${opened.problem})` } };
  }
  const checkpoint = parseCheckpoint(opened.text);
  if (!checkpoint) return { finding: { code: "malformed_checkpoint", detail: "the signed text is not a tlog-checkpoint" } };
  if (checkpoint.origin !== vkey.name) return { finding: { code: "malformed_checkpoint", detail: `origin ${checkpoint.origin} is not the key's name ${vkey.name}` } };
  return { checkpoint };
}

/** A remembered tree against a newer one: the same log grown, or caught shrinking or rewritten. */
export async function checkGrowth(old: { size: number; root: Uint8Array }, now: Checkpoint, proof: string[] | null): Promise<Finding | null> {
  if (now.size < old.size) return { code: "truncated", detail: `the log shrank from ${old.size} to ${now.size} transactions since the remembered checkpoint` };
  if (!(await verifyConsistency(old.size, now.size, old.root, now.root, (proof ?? []).map(fromHex)))) {
    return { code: "inconsistent", detail: `the tree of ${now.size} does not extend the remembered tree of ${old.size}: history was rewritten` };
  }
  return null;
}

/** Accounts whose balance has a known sign at every point of the log (others are not judged). */
const SIGNS: [RegExp, 1 | -1][] = [
  [/^fund:cash$/, 1],
  [/^goods:stock$/, 1],
  [/^points:vouchers_outstanding$/, 1],
  [/^points:wish_pool$/, 1],
  [/^member$/, 1],
  [/^fund:spending:/, 1],
  // Restricted (定向) money: each restriction's account, and the one holding their opposite.
  [/^fund:restricted:/, 1],
  [/^fund:restricted$/, -1],
  [/^goods:distributed$/, 1],
  [/^points:retired$/, 1],
  [/^fund:income:/, -1],
  [/^points:issuer$/, -1],
  [/^goods:donated$/, -1],
];
const signOf = (account: string) => SIGNS.find(([re]) => re.test(account))?.[1];

const postingKey = (p: { account: string; asset: string; amount: number }) => `${p.account}|${p.asset}|${p.amount}`;

export interface LogAudit {
  findings: Finding[];
  /** Balances by account code (all passbooks together as "member") after every transaction downloaded. */
  balances: Map<string, number>;
}

/**
 * Checks the downloaded log against a verified checkpoint and against itself: the first
 * `checkpoint.size` leaves give the signed root; each withdrawable fact still public opens its
 * commitment; each transaction sums to zero per asset; each reversal names an earlier,
 * unreversed, non-reversal transaction and negates its postings exactly; the system accounts
 * never take the wrong sign.
 */
export async function auditLog(txs: PublishedTransaction[], checkpoint: Checkpoint): Promise<LogAudit> {
  const findings: Finding[] = [];
  if (txs.length < checkpoint.size) {
    findings.push({ code: "log_incomplete", detail: `the checkpoint signs ${checkpoint.size} transactions, the ledger serves ${txs.length}` });
  } else {
    const root = await rootOf(await Promise.all(txs.slice(0, checkpoint.size).map(leafHashOf)));
    if (!sameHash(root, checkpoint.root)) findings.push({ code: "root_mismatch", detail: `the ${checkpoint.size} published transactions do not give the signed root` });
  }
  const bySeq = new Map<string, PublishedTransaction>();
  const reversedBy = new Map<string, number>();
  const balances = new Map<string, number>();
  for (const tx of txs) {
    const at = (code: FindingCode, detail: string) => findings.push({ code, seq: tx.seq, detail });
    for (const [name, w] of Object.entries(tx.withdrawable)) {
      if (w.value !== null && (await factCommitment(name, w.salt ?? "", w.value)) !== w.commitment) at("commitment_mismatch", `${name} does not open its commitment`);
    }
    const sums = new Map<string, number>();
    for (const p of tx.postings) sums.set(p.asset, (sums.get(p.asset) ?? 0) + p.amount);
    for (const [asset, sum] of sums) if (sum !== 0) at("unbalanced", `its ${asset} postings sum to ${sum}`);
    // A record (a receipt's hash) moves nothing and has no postings; anything else has two or more.
    if (isRecordKind(tx.kind) ? tx.postings.length !== 0 : tx.postings.length < 2) {
      at("unbalanced", isRecordKind(tx.kind) ? `a ${tx.kind} record has postings` : "it has fewer than two postings");
    }
    if (tx.reversesId !== null) {
      const original = bySeq.get(tx.reversesId);
      if (!original) at("reversal_of_unknown", `it reverses ${tx.reversesId}, which is not earlier in the log`);
      else {
        if (original.reversesId !== null) at("reversal_of_reversal", `it reverses ${original.id}, itself a reversal`);
        const negated = original.postings.map((p) => postingKey({ ...p, amount: -p.amount })).sort();
        if (JSON.stringify(negated) !== JSON.stringify(tx.postings.map(postingKey).sort())) at("reversal_not_exact", `its postings are not those of seq ${original.seq} negated`);
        const earlier = reversedBy.get(original.id);
        if (earlier !== undefined) at("double_reversal", `seq ${original.seq} was already reversed by seq ${earlier}`);
        reversedBy.set(original.id, tx.seq);
      }
    }
    for (const p of tx.postings) {
      const b = (balances.get(p.account) ?? 0) + p.amount;
      balances.set(p.account, b);
      const sign = signOf(p.account);
      if (sign !== undefined && b * sign < 0) at("balance_sign", `${p.account} stands at ${b} after it`);
    }
    bySeq.set(tx.id, tx);
  }
  return { findings, balances };
}

export interface FundStatementJson {
  balanceFen: number;
  income: { source: string; amountFen: number }[];
  spending: { purpose: string; amountFen: number }[];
}
export interface SummaryJson {
  fund: { incomeFen: number; spentFen: number; balanceFen: number };
}

/** The fund statement and the public summary must say what the ledger's own balances say. */
export function checkFigures(balances: Map<string, number>, statement: FundStatementJson, summary: SummaryJson): Finding[] {
  const bal = (code: string) => balances.get(code) ?? 0;
  const findings: Finding[] = [];
  const differ = (code: FindingCode, what: string, said: number, ledger: number) => {
    if (said !== ledger) findings.push({ code, detail: `${what}: published ${said}, the ledger gives ${ledger}` });
  };
  differ("statement_mismatch", "fund statement balanceFen", statement.balanceFen, bal("fund:cash"));
  for (const i of statement.income) differ("statement_mismatch", `fund statement income ${i.source}`, i.amountFen, -bal(`fund:income:${i.source}`));
  for (const s of statement.spending) differ("statement_mismatch", `fund statement spending ${s.purpose}`, s.amountFen, bal(`fund:spending:${s.purpose}`));
  const sum = (prefix: string) => [...balances].filter(([k]) => k.startsWith(prefix)).reduce((n, [, v]) => n + v, 0);
  differ("summary_mismatch", "public summary fund.balanceFen", summary.fund.balanceFen, bal("fund:cash"));
  differ("summary_mismatch", "public summary fund.incomeFen", summary.fund.incomeFen, -sum("fund:income:"));
  differ("summary_mismatch", "public summary fund.spentFen", summary.fund.spentFen, sum("fund:spending:"));
  return findings;
}

export interface PassbookEntryJson {
  transactionId: string;
  seq: number;
  salt: string;
  amount: number;
}
export interface InclusionProofJson {
  seq: number;
  size: number;
  leafIndex: number;
  path: string[];
  transaction: PublishedTransaction;
}

/**
 * A member's proof that one passbook entry is in the signed log: the proof's transaction is the
 * entry's, its leaf (recomputed, not taken from the bank) is in the tree of the checkpoint, and
 * one of its "member" postings carries the entry's amount and opens with the passbook number and
 * the entry's salt.
 */
export async function checkPassbookEntry(passbookNo: string, entry: PassbookEntryJson, proof: InclusionProofJson, checkpoint: Checkpoint): Promise<Finding | null> {
  const fail = (detail: string): Finding => ({ code: "passbook_entry_not_proven", seq: entry.seq, detail });
  const tx = proof.transaction;
  if (tx.id !== entry.transactionId || tx.seq !== entry.seq) return fail("the bank's proof is for another transaction");
  if (!(await verifyInclusion(entry.seq - 1, checkpoint.size, await leafHashOf(tx), proof.path.map(fromHex), checkpoint.root))) {
    return fail("the transaction is not in the signed tree");
  }
  const commitment = await memberCommitment(passbookNo, entry.salt);
  if (!tx.postings.some((p) => p.account === "member" && p.amount === entry.amount && p.commitment === commitment)) {
    return fail(`no posting of ${entry.amount} to passbook ${passbookNo} in the published transaction`);
  }
  return null;
}

export interface ReceiptRecord {
  seq: number;
  expense: string;
  payment: string | null;
}

/**
 * An auditor's copy of a receipt file against the signed log: the `fund_receipt` records among
 * the checkpoint's transactions whose sha256 is the file's, with the same type and size (the
 * records' facts are in their leaves, so the signed root covers them). None is a finding.
 */
export function checkReceipt(txs: PublishedTransaction[], checkpoint: Checkpoint, file: { name: string; sha256: string; size: number }): ReceiptRecord[] | Finding {
  const records = txs
    .filter((t) => t.seq <= checkpoint.size && t.kind === "fund_receipt" && t.facts.sha256 === file.sha256)
    .map((t) => ({ tx: t, seq: t.seq, expense: String(t.facts.expense), payment: t.facts.payment == null ? null : String(t.facts.payment) }));
  const exact = records.filter((r) => r.tx.facts.size === file.size);
  if (!exact.length) {
    return { code: "receipt_not_in_log", detail: `${file.name} (sha256 ${file.sha256}, ${file.size} bytes) is not a receipt recorded in the signed log` };
  }
  return exact.map(({ seq, expense, payment }) => ({ seq, expense, payment }));
}
