import { describe, expect, it } from "vitest";
import {
  consistencyRanges,
  foldRange,
  Frontier,
  inclusionRanges,
  leafHash,
  nodeHash,
  rangeNodes,
  rootOf,
  verifyConsistency,
  verifyInclusion,
  type Hash,
} from "../../src/ledger/merkle";
import { checkpointText, generateSignerKey, loadSigner, openNote, parseCheckpoint, parseVerifierKey } from "../../src/ledger/note";

// RFC 9162 section 2.1, written the way the RFC states it, as the reference the code is checked against.
async function mth(leaves: Hash[]): Promise<Hash> {
  if (leaves.length === 0) return new Uint8Array(await crypto.subtle.digest("SHA-256", new Uint8Array()));
  if (leaves.length === 1) return leaves[0]!;
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return nodeHash(await mth(leaves.slice(0, k)), await mth(leaves.slice(k)));
}
async function path(m: number, d: Hash[]): Promise<Hash[]> {
  if (d.length === 1) return [];
  let k = 1;
  while (k * 2 < d.length) k *= 2;
  return m < k ? [...(await path(m, d.slice(0, k))), await mth(d.slice(k))] : [...(await path(m - k, d.slice(k))), await mth(d.slice(0, k))];
}
async function subproof(m: number, d: Hash[], b: boolean): Promise<Hash[]> {
  if (m === d.length) return b ? [] : [await mth(d)];
  let k = 1;
  while (k * 2 < d.length) k *= 2;
  return m <= k
    ? [...(await subproof(m, d.slice(0, k), b)), await mth(d.slice(k))]
    : [...(await subproof(m - k, d.slice(k), false)), await mth(d.slice(0, k))];
}

const N = 17;
const leavesP = Promise.all(Array.from({ length: N }, (_, i) => leafHash(new TextEncoder().encode(`leaf ${i}`))));

/** Proof hashes the way the bank computes them: from kept complete subtrees only. */
async function fromNodes(leaves: Hash[], ranges: { start: number; end: number }[]) {
  const node = (level: number, index: number) => mth(leaves.slice(index * 2 ** level, (index + 1) * 2 ** level));
  return Promise.all(ranges.map(async (r) => foldRange(await Promise.all(rangeNodes(r).map((n) => node(n.level, n.index))))));
}

describe("RFC 9162 Merkle tree", () => {
  it("the incremental right edge gives the RFC's root at every size", async () => {
    const leaves = await leavesP;
    const f = new Frontier(0, []);
    expect(await f.root()).toEqual(await mth([]));
    for (let n = 1; n <= N; n++) {
      await f.append(leaves[n - 1]!);
      expect(await f.root()).toEqual(await mth(leaves.slice(0, n)));
      // a frontier rebuilt from the kept nodes of that size continues the same way
      const refs = Frontier.nodesFor(n);
      expect(refs.length).toBe(n.toString(2).replace(/0/g, "").length);
    }
    expect(await rootOf(leaves)).toEqual(await mth(leaves));
  });

  it("inclusion and consistency proofs from kept nodes equal the RFC's and verify; any change fails", async () => {
    const leaves = await leavesP;
    for (let n = 1; n <= N; n++) {
      const root = await mth(leaves.slice(0, n));
      for (let m = 0; m < n; m++) {
        const p = await fromNodes(leaves, inclusionRanges(m, n));
        expect(p).toEqual(await path(m, leaves.slice(0, n)));
        expect(await verifyInclusion(m, n, leaves[m]!, p, root)).toBe(true);
        expect(await verifyInclusion(m, n, leaves[(m + 1) % N]!, p, root)).toBe(m === (m + 1) % N);
        if (p.length) expect(await verifyInclusion(m, n, leaves[m]!, p.slice(1), root)).toBe(false);
      }
      for (let m = 1; m <= n; m++) {
        const p = await fromNodes(leaves, consistencyRanges(m, n));
        expect(p).toEqual(m === n ? [] : await subproof(m, leaves.slice(0, n), true));
        const old = await mth(leaves.slice(0, m));
        expect(await verifyConsistency(m, n, old, root, p)).toBe(true);
        if (m < n) {
          const forgedOld = await mth([...leaves.slice(0, m - 1), leaves[N - 1]!]);
          expect(await verifyConsistency(m, n, forgedOld, root, p)).toBe(false);
        }
      }
    }
  });
});

describe("signed checkpoints", () => {
  it("signs a tlog-checkpoint in a signed note that verifies with the verifier key, and nothing else does", async () => {
    const signer = await loadSigner(await generateSignerKey("bank.example/ledger"));
    expect(signer.verifierKey).toMatch(/^bank\.example\/ledger\+[0-9a-f]{8}\+[A-Za-z0-9+/]+=*$/);
    const root = await mth((await leavesP).slice(0, 5));
    const note = await signer.signNote(checkpointText({ origin: signer.name, size: 5, root }));
    expect(note).toMatch(/^bank\.example\/ledger\n5\n[A-Za-z0-9+/]{43}=\n\n— bank\.example\/ledger [A-Za-z0-9+/]+=*\n$/);
    expect(await signer.signNote(checkpointText({ origin: signer.name, size: 5, root }))).toBe(note); // Ed25519 is deterministic
    const vkey = await parseVerifierKey(signer.verifierKey);
    const opened = await openNote(note, vkey);
    expect(opened).toEqual({ text: note.slice(0, note.indexOf("\n\n") + 1) });
    expect(parseCheckpoint((opened as { text: string }).text)).toEqual({ origin: signer.name, size: 5, root });
    expect(await openNote(note.replace("\n5\n", "\n4\n"), vkey)).toEqual({ problem: "bad_signature" });
    const other = await loadSigner(await generateSignerKey("bank.example/ledger"));
    expect(await openNote(note, await parseVerifierKey(other.verifierKey))).toEqual({ problem: "unknown_key" });
    expect(await openNote("no signature\n", vkey)).toEqual({ problem: "malformed_note" });
    await expect(parseVerifierKey(signer.verifierKey.replace(/\+[0-9a-f]{8}\+/, "+00000000+"))).rejects.toThrow(/id/);
  });
});
