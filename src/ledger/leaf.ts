import type { Asset } from "../vocabulary";

// The leaf of the ledger's Merkle tree (format LSB-LEAF-V3, docs/LEDGER-FORMAT.md): a
// transaction's canonical bytes, covering its postings and its public record. UTF-8 lines joined
// by "\n", no trailing newline:
//   LSB-LEAF-V3
//   seq=<decimal>
//   id=<id>
//   at=<ISO 8601 UTC, as stored>
//   kind=<kind>
//   reverses=<id, or empty>
//   posting=<account>|<asset>|<signed decimal>|<member commitment, or empty>   (sorted)
//   fact=<name>=<value as JSON>                                                (sorted)
//   commit=<name>=<commitment of a withdrawable fact>                          (sorted)
// Lines of one kind are sorted by their UTF-8 bytes. A member's passbook is the account "member"
// with a per-posting salted commitment to its passbook number; a withdrawable fact is in the leaf
// only as its salted commitment, so deleting its value and salt later leaves the leaf unchanged.

/** A fact published as it is: text, an integer, a yes/no, null, or a list of texts (e.g. receipt sha256s). */
export type PlainFact = string | number | boolean | null | readonly string[];

/**
 * The public facts of one transaction, given with it to appendTransaction: the one place where a
 * concern (donations, the fund, transfers, ...) says what the public may know of its record.
 * `facts` are published and hashed as they are; `withdrawable` texts (a donor's public name, a
 * description that may have to be redacted) are hashed only as salted commitments, so they can
 * be withdrawn later without breaking the leaf. Names are lowerCamelCase ASCII.
 */
export interface PublicRecord {
  facts?: Record<string, PlainFact>;
  withdrawable?: Record<string, string>;
}

export interface LeafPosting {
  account: string;
  asset: Asset;
  amount: number;
  /** The member commitment of a passbook posting, null for any other account. */
  commitment: string | null;
}

export interface LeafTransaction {
  seq: number;
  id: string;
  at: string;
  kind: string;
  reversesId: string | null;
  postings: LeafPosting[];
  facts: Record<string, PlainFact>;
  /** Withdrawable facts by name: their commitments. */
  commitments: Record<string, string>;
}

export const FACT_NAME = /^[a-z][A-Za-z0-9]{0,39}$/;

/** Checks a public record before it is written: names, and facts of the allowed shapes only. */
export function assertPublicRecord(record: PublicRecord): void {
  const names = [...Object.keys(record.facts ?? {}), ...Object.keys(record.withdrawable ?? {})];
  if (new Set(names).size !== names.length) throw new Error("a public fact is both plain and withdrawable");
  for (const n of names) if (!FACT_NAME.test(n)) throw new Error(`public fact name ${JSON.stringify(n)} is not lowerCamelCase ASCII`);
  for (const [n, v] of Object.entries(record.facts ?? {})) {
    const ok =
      v === null ||
      typeof v === "string" ||
      typeof v === "boolean" ||
      (typeof v === "number" && Number.isSafeInteger(v)) ||
      (Array.isArray(v) && v.every((x) => typeof x === "string"));
    if (!ok) throw new Error(`public fact ${n} is not text, a safe integer, a boolean, null or a list of texts`);
  }
}

const encoder = new TextEncoder();

/** Compares by UTF-8 bytes (JavaScript's default sort compares UTF-16 units, which differs above U+FFFF). */
export function byUtf8(a: string, b: string): number {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

/**
 * A fact's value in the leaf: JSON as ECMAScript's JSON.stringify writes it, which for these
 * shapes is RFC 8785 (no spaces, integers in plain decimal, the minimal string escapes).
 */
export const factJson = (v: PlainFact) => JSON.stringify(v);

export function leafText(tx: LeafTransaction): string {
  const lines = (prefix: string, items: string[]) => items.map((s) => `${prefix}=${s}`).sort(byUtf8);
  return [
    "LSB-LEAF-V3",
    `seq=${tx.seq}`,
    `id=${tx.id}`,
    `at=${tx.at}`,
    `kind=${tx.kind}`,
    `reverses=${tx.reversesId ?? ""}`,
    ...lines(
      "posting",
      tx.postings.map((p) => `${p.account}|${p.asset}|${p.amount}|${p.commitment ?? ""}`),
    ),
    ...lines(
      "fact",
      Object.entries(tx.facts).map(([n, v]) => `${n}=${factJson(v)}`),
    ),
    ...lines(
      "commit",
      Object.entries(tx.commitments).map(([n, c]) => `${n}=${c}`),
    ),
  ].join("\n");
}

export const leafBytes = (tx: LeafTransaction) => encoder.encode(leafText(tx));

async function sha256Hex(text: string): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
  return Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A withdrawable fact's commitment: SHA-256 of "LSB-FACT-V1\n<name>\n<salt>\n<value>", hex. */
export const factCommitment = (name: string, salt: string, value: string) => sha256Hex(`LSB-FACT-V1\n${name}\n${salt}\n${value}`);

/** A passbook posting's commitment: SHA-256 of "LSB-MEMBER-V1\n<passbook number>\n<salt>", hex. */
export const memberCommitment = (passbookNo: string, salt: string) => sha256Hex(`LSB-MEMBER-V1\n${passbookNo}\n${salt}`);

/** A fresh salt: 16 random bytes as 32 lower-case hex digits. */
export const newSalt = () => Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
