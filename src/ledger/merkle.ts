// RFC 9162 (Certificate Transparency 2.0) Merkle tree hashing, section 2.1, over SHA-256:
//   leaf hash  = SHA-256(0x00 || leaf bytes)
//   node hash  = SHA-256(0x01 || left || right)
//   empty tree = SHA-256("")
// and the audit paths of sections 2.1.3 and 2.1.4 with their verification algorithms. Pure code
// shared by the bank, `npm run verify-ledger` and the tests; the database side is tree.ts.

export type Hash = Uint8Array;

async function sha256(...parts: Uint8Array[]): Promise<Hash> {
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.length;
  }
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}

const LEAF_PREFIX = new Uint8Array([0]);
const NODE_PREFIX = new Uint8Array([1]);

export const leafHash = (leaf: Uint8Array) => sha256(LEAF_PREFIX, leaf);
export const nodeHash = (left: Hash, right: Hash) => sha256(NODE_PREFIX, left, right);
export const emptyRoot = () => sha256();

export const toHex = (h: Uint8Array) => Array.from(h, (b) => b.toString(16).padStart(2, "0")).join("");
export function fromHex(hex: string): Hash {
  if (!/^([0-9a-f]{2})*$/.test(hex)) throw new Error("not lower-case hex");
  return new Uint8Array(hex.match(/../g)?.map((b) => parseInt(b, 16)) ?? []);
}
export const sameHash = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

/** The largest power of two smaller than n (n ≥ 2): RFC 9162's split point k. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** A range [start, end) of leaves whose hash a proof carries (MTH of that range). */
export interface Range {
  start: number;
  end: number;
}

/** RFC 9162 2.1.3.1 PATH(m, D[0:n]) as the leaf ranges whose hashes form the path, leaf first. */
export function inclusionRanges(m: number, n: number): Range[] {
  if (!(m >= 0 && m < n)) throw new RangeError("leaf index outside the tree");
  const out: Range[] = [];
  const walk = (m: number, start: number, end: number) => {
    const size = end - start;
    if (size === 1) return;
    const k = splitPoint(size);
    if (m < k) {
      walk(m, start, start + k);
      out.push({ start: start + k, end });
    } else {
      walk(m - k, start + k, end);
      out.push({ start, end: start + k });
    }
  };
  walk(m, 0, n);
  return out;
}

/** RFC 9162 2.1.4.1 PROOF(m, D[0:n]) as leaf ranges (empty when m = n or m = 0). */
export function consistencyRanges(m: number, n: number): Range[] {
  if (!(m >= 0 && m <= n)) throw new RangeError("the first size is larger than the second");
  const out: Range[] = [];
  if (m === 0 || m === n) return out;
  const sub = (m: number, start: number, end: number, whole: boolean) => {
    const size = end - start;
    if (m === size) {
      if (!whole) out.push({ start, end });
      return;
    }
    const k = splitPoint(size);
    if (m <= k) {
      sub(m, start, start + k, whole);
      out.push({ start: start + k, end });
    } else {
      sub(m - k, start + k, end, false);
      out.push({ start, end: start + k });
    }
  };
  sub(m, 0, n, true);
  return out;
}

/**
 * A node the tree keeps: the root of the complete subtree of 2^level leaves starting at leaf
 * index × 2^level. Every range a proof needs is a left-aligned subtree, possibly cut short by
 * the tree's size; it is the hash of the complete subtrees it decomposes into.
 */
export interface NodeRef {
  level: number;
  index: number;
}

export function rangeNodes(r: Range): NodeRef[] {
  const out: NodeRef[] = [];
  let start = r.start;
  while (start < r.end) {
    let size = 1;
    while (start % (size * 2) === 0 && start + size * 2 <= r.end) size *= 2;
    out.push({ level: Math.log2(size), index: start / size });
    start += size;
  }
  return out;
}

/** The hash of a range from the hashes of its complete subtrees (rangeNodes order), folded from the right. */
export async function foldRange(hashes: Hash[]): Promise<Hash> {
  let acc = hashes[hashes.length - 1]!;
  for (let i = hashes.length - 2; i >= 0; i--) acc = await nodeHash(hashes[i]!, acc);
  return acc;
}

/**
 * The tree's right edge: the roots of its complete subtrees, largest first (one per bit of the
 * size). Appending a leaf touches only this edge, so adding to a tree of any size costs O(log n)
 * hashes at most and two on average, and the edge gives the root.
 */
export class Frontier {
  constructor(
    public size: number,
    readonly edge: Hash[],
  ) {}

  /** Which kept nodes form the edge of a tree of `size` leaves, largest first. */
  static nodesFor(size: number): NodeRef[] {
    const out: NodeRef[] = [];
    for (let level = 52; level >= 0; level--) {
      const span = 2 ** level;
      if (Math.floor(size / span) % 2 === 1) out.push({ level, index: Math.floor(size / span) - 1 });
    }
    return out;
  }

  /** Adds a leaf; returns the nodes completed by it (the leaf first), which the tree keeps. */
  async append(leaf: Hash): Promise<{ ref: NodeRef; hash: Hash }[]> {
    const made = [{ ref: { level: 0, index: this.size }, hash: leaf }];
    let hash = leaf;
    let level = 0;
    let index = this.size;
    while (index % 2 === 1) {
      hash = await nodeHash(this.edge.pop()!, hash);
      level++;
      index = (index - 1) / 2;
      made.push({ ref: { level, index }, hash });
    }
    this.edge.push(hash);
    this.size++;
    return made;
  }

  async root(): Promise<Hash> {
    if (this.edge.length === 0) return emptyRoot();
    return foldRange(this.edge);
  }
}

/** The root of a list of leaf hashes (used by verifiers that download the whole log). */
export async function rootOf(leaves: Hash[]): Promise<Hash> {
  const f = new Frontier(0, []);
  for (const l of leaves) await f.append(l);
  return f.root();
}

/** RFC 9162 2.1.3.2: does `path` prove leaf `m` (its hash `leaf`) in the tree of `n` leaves with `root`? */
export async function verifyInclusion(m: number, n: number, leaf: Hash, path: Hash[], root: Hash): Promise<boolean> {
  if (!(m >= 0 && m < n)) return false;
  let fn = m;
  let sn = n - 1;
  let r = leaf;
  for (const p of path) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && sameHash(r, root);
}

/** RFC 9162 2.1.4.2: does `path` prove the tree of m leaves (root1) is a prefix of the tree of n (root2)? */
export async function verifyConsistency(m: number, n: number, root1: Hash, root2: Hash, path: Hash[]): Promise<boolean> {
  if (!(m >= 0 && m <= n)) return false;
  if (m === n) return path.length === 0 && sameHash(root1, root2);
  if (m === 0) return path.length === 0;
  const p = [...path];
  if ((m & (m - 1)) === 0) p.unshift(root1); // m is a power of two: the old root is the first node
  if (p.length === 0) return false;
  let fn = m - 1;
  let sn = n - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = p[0]!;
  let sr = p[0]!;
  for (const c of p.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = await nodeHash(c, fr);
      sr = await nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = await nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && sameHash(fr, root1) && sameHash(sr, root2);
}
