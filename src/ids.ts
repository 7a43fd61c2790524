import { monotonicFactory } from "ulidx";

// ULIDs: generated in the app so every statement of a write is known before the batch is sent,
// and sortable by creation time, which gives stable list order and cursors.
const ulid = monotonicFactory();

export const newId = (): string => ulid();

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** A code a person can read and type: 16 Crockford base32 characters (80 random bits), grouped by 4. */
export function newVoucherCode(): string {
  const bytes = new Uint8Array(10);
  crypto.getRandomValues(bytes);
  let bits = 0n;
  for (const b of bytes) bits = (bits << 8n) | BigInt(b);
  let out = "";
  for (let i = 0; i < 16; i++) {
    out = CROCKFORD[Number(bits & 31n)] + out;
    bits >>= 5n;
  }
  return out.match(/.{4}/g)!.join("-");
}

/** Accepts what a person typed: any case, spaces or dashes, and the usual look-alikes (O→0, I/L→1). */
export function normaliseVoucherCode(input: string): string {
  const plain = input
    .toUpperCase()
    .replace(/[\s-]/g, "")
    .replace(/O/g, "0")
    .replace(/[IL]/g, "1");
  return plain.length === 16 ? plain.match(/.{4}/g)!.join("-") : plain;
}

/** `length` random Crockford base32 characters: a check code that makes a sequential number unguessable. */
export function newCheckCode(length: number): string {
  const bytes = new Uint8Array(length);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => CROCKFORD[b & 31]).join("");
}
