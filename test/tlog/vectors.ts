import { GENESIS_HASH, hashTransaction, leafHashOf, leafOf, type PublishedTransaction } from "../../src/ledger/chain";
import { factCommitment, leafText, memberCommitment } from "../../src/ledger/leaf";
import { consistencyRanges, inclusionRanges, rootOf, toHex } from "../../src/ledger/merkle";
import { checkpointText, loadSigner, toBase64 } from "../../src/ledger/note";

// The test vectors of docs/LEDGER-FORMAT.md: computed from the inputs the document gives.

export interface VectorInput {
  signerKey: string;
  passbookNo: string;
  transactions: (Omit<PublishedTransaction, "postings" | "withdrawable" | "prevHash" | "hash"> & {
    postings: { account: string; asset: "PTS" | "CNY"; amount: number; memberSalt?: string }[];
    withdrawable: Record<string, { salt: string; value: string; withdrawn?: true }>;
  })[];
  inclusion: { seq: number; size: number };
  consistency: { from: number; to: number };
}

export async function computeVectors(input: VectorInput) {
  const txs: PublishedTransaction[] = [];
  let prev = GENESIS_HASH;
  for (const t of input.transactions) {
    const withdrawable: PublishedTransaction["withdrawable"] = {};
    for (const [n, w] of Object.entries(t.withdrawable)) {
      const commitment = await factCommitment(n, w.salt, w.value);
      withdrawable[n] = w.withdrawn ? { commitment, salt: null, value: null } : { commitment, salt: w.salt, value: w.value };
    }
    const postings = await Promise.all(
      t.postings.map(async (p) => ({
        account: p.account,
        asset: p.asset,
        amount: p.amount,
        commitment: p.memberSalt ? await memberCommitment(input.passbookNo, p.memberSalt) : null,
      })),
    );
    const tx: PublishedTransaction = { ...t, postings, withdrawable, prevHash: prev, hash: null };
    tx.hash = await hashTransaction(tx, prev);
    prev = tx.hash;
    txs.push(tx);
  }
  const leaves = await Promise.all(txs.map(leafHashOf));
  // MTH of a range of leaves, straight from RFC 9162's definition
  const hashRange = (r: { start: number; end: number }) => rootOf(leaves.slice(r.start, r.end));
  const size = txs.length;
  const root = await rootOf(leaves);
  const signer = await loadSigner(input.signerKey);
  const inc = await Promise.all(inclusionRanges(input.inclusion.seq - 1, input.inclusion.size).map(async (r) => toHex(await hashRange(r))));
  const cons = await Promise.all(consistencyRanges(input.consistency.from, input.consistency.to).map(async (r) => toHex(await hashRange(r))));
  return {
    verifierKey: signer.verifierKey,
    published: txs,
    leaves: txs.map((t, i) => ({ seq: t.seq, text: leafText(leafOf(t)), leafHash: toHex(leaves[i]!), chainHash: t.hash })),
    treeSize: size,
    rootHash: toHex(root),
    checkpoint: await signer.signNote(checkpointText({ origin: signer.name, size, root })),
    inclusionPath: inc,
    consistencyPath: cons,
    rootAt: Object.fromEntries(await Promise.all([input.consistency.from, input.inclusion.size].map(async (n) => [n, toBase64(await rootOf(leaves.slice(0, n)))]))),
  };
}
