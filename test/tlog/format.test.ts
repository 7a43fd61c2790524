import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { openCheckpoint } from "../../src/ledger/audit";
import { fromHex, verifyConsistency, verifyInclusion } from "../../src/ledger/merkle";
import { fromBase64 } from "../../src/ledger/note";
import { computeVectors, type VectorInput } from "./vectors";

// docs/LEDGER-FORMAT.md's test vectors, recomputed by the code from the inputs the document gives.

const doc = readFileSync(new URL("../../docs/LEDGER-FORMAT.md", import.meta.url), "utf8");
const block = /<!-- vectors -->\n```json\n([\s\S]*?)\n```\n<!-- \/vectors -->/.exec(doc)![1]!;
const vectors = JSON.parse(block) as { input: VectorInput; output: Record<string, unknown> & { leaves: { seq: number; leafHash: string; chainHash: string }[] } };

describe("docs/LEDGER-FORMAT.md test vectors", () => {
  it("the code gives every leaf, hash, root, checkpoint and proof the document states", async () => {
    const got = await computeVectors(vectors.input);
    const want = vectors.output;
    expect(got.verifierKey).toBe(want.verifierKey);
    expect(got.rootHash).toBe(want.rootHash);
    expect(got.treeSize).toBe(want.treeSize);
    expect(got.checkpoint).toBe(want.checkpoint);
    expect(got.inclusionPath).toEqual(want.inclusionPath);
    expect(got.consistencyPath).toEqual(want.consistencyPath);
    expect(got.rootAt).toEqual(want.rootAt);
    expect(got.leaves.map(({ seq, leafHash, chainHash }) => ({ seq, leafHash, chainHash }))).toEqual(want.leaves);
    // the readable leaf texts and the checkpoint shown in the document are these exact bytes
    for (const l of got.leaves) expect(doc).toContain("```text\n" + l.text + "\n```");
    expect(doc).toContain("```text\n" + got.checkpoint + "```");
  });

  it("the stated proofs and checkpoint verify by the RFC 9162 and signed-note rules", async () => {
    const o = vectors.output as unknown as { verifierKey: string; checkpoint: string; rootHash: string; inclusionPath: string[]; consistencyPath: string[]; rootAt: Record<string, string>; leaves: { leafHash: string }[] };
    const { inclusion, consistency } = vectors.input;
    const opened = await openCheckpoint(o.checkpoint, o.verifierKey);
    expect("checkpoint" in opened).toBe(true);
    const root = fromHex(o.rootHash);
    expect(await verifyInclusion(inclusion.seq - 1, inclusion.size, fromHex(o.leaves[inclusion.seq - 1]!.leafHash), o.inclusionPath.map(fromHex), root)).toBe(true);
    const old = fromBase64(o.rootAt[String(consistency.from)]!);
    expect(await verifyConsistency(consistency.from, consistency.to, old, root, o.consistencyPath.map(fromHex))).toBe(true);
  });
});
