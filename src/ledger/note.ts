// Signed checkpoints: the C2SP tlog-checkpoint body (https://c2sp.org/tlog-checkpoint) inside a
// C2SP signed note (https://c2sp.org/signed-note), signed with Ed25519 through WebCrypto, so the
// same code signs in Node 20 and in Workers. Keys use the encodings of Go's
// golang.org/x/mod/sumdb/note, so its tools read them:
//   signer key   PRIVATE+KEY+<name>+<key id, 8 hex>+<base64(0x01 || 32-byte Ed25519 seed)>
//   verifier key <name>+<key id, 8 hex>+<base64(0x01 || 32-byte Ed25519 public key)>
// key id = the first 4 bytes of SHA-256(name || 0x0A || 0x01 || public key).
// Ed25519 signatures are deterministic: a checkpoint signed again is the same bytes.

const ALG_ED25519 = 1;
// PKCS#8 wrapping of a raw Ed25519 seed (RFC 8410): WebCrypto imports private keys only this way.
const PKCS8_PREFIX = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20];

/** The log name (origin) of a local bank's generated key. */
export const LOCAL_LOG_NAME = "localhost/love-savings-bank";

export const toBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
export function fromBase64(text: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) throw new Error("not base64");
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}
const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const utf8 = (s: string) => new TextEncoder().encode(s);
/** Splits at the first n − 1 "+" only (as Go's strings.SplitN): the base64 key itself may hold "+". */
function splitN(text: string, n: number): string[] {
  const parts = text.split("+");
  return parts.length <= n ? parts : [...parts.slice(0, n - 1), parts.slice(n - 1).join("+")];
}

/** A key name is what the signature line names: no spaces, no "+", not empty (signed-note). */
const validName = (name: string) => name.length > 0 && !/[\s+]/u.test(name);

async function keyId(name: string, publicKey: Uint8Array): Promise<Uint8Array> {
  const input = new Uint8Array([...utf8(name), 0x0a, ALG_ED25519, ...publicKey]);
  return new Uint8Array(await crypto.subtle.digest("SHA-256", input)).slice(0, 4);
}

export interface LedgerSigner {
  name: string;
  /** The verifier key, in the format a note verifier takes; published at /v1/public/ledger-key. */
  verifierKey: string;
  /** Signs a note's text (ending in a newline) and returns the whole signed note. */
  signNote(text: string): Promise<string>;
}

/** Makes a new signer key for `name` (the log's origin), in the PRIVATE+KEY format. */
export async function generateSignerKey(name: string): Promise<string> {
  if (!validName(name)) throw new Error("a key name has no spaces or '+'");
  const seed = crypto.getRandomValues(new Uint8Array(32));
  const { publicKey } = await importSeed(seed);
  return `PRIVATE+KEY+${name}+${hex(await keyId(name, publicKey))}+${toBase64(new Uint8Array([ALG_ED25519, ...seed]))}`;
}

async function importSeed(seed: Uint8Array): Promise<{ key: CryptoKey; publicKey: Uint8Array }> {
  const key = await crypto.subtle.importKey("pkcs8", new Uint8Array([...PKCS8_PREFIX, ...seed]), { name: "Ed25519" }, true, ["sign"]);
  const jwk = await crypto.subtle.exportKey("jwk", key);
  const publicKey = Uint8Array.from(atob(jwk.x!.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
  return { key, publicKey };
}

/** Reads a signer key (and checks that its key id is the one its key gives). */
export async function loadSigner(signerKey: string): Promise<LedgerSigner> {
  const parts = splitN(signerKey.trim(), 5);
  if (parts.length !== 5 || parts[0] !== "PRIVATE" || parts[1] !== "KEY" || !validName(parts[2]!)) {
    throw new Error("LEDGER_SIGNING_KEY is missing or not a PRIVATE+KEY+<name>+<id>+<key> signer key (npm run ledger-key; on Workers: wrangler secret put LEDGER_SIGNING_KEY)");
  }
  const name = parts[2]!;
  const raw = fromBase64(parts[4]!);
  if (raw.length !== 33 || raw[0] !== ALG_ED25519) throw new Error("LEDGER_SIGNING_KEY is not an Ed25519 key");
  const { key, publicKey } = await importSeed(raw.slice(1));
  const id = await keyId(name, publicKey);
  if (hex(id) !== parts[3]) throw new Error("LEDGER_SIGNING_KEY's key id does not match its key");
  const verifierKey = `${name}+${hex(id)}+${toBase64(new Uint8Array([ALG_ED25519, ...publicKey]))}`;
  return {
    name,
    verifierKey,
    async signNote(text) {
      if (!text.endsWith("\n")) throw new Error("a note's text ends with a newline");
      const sig = new Uint8Array(await crypto.subtle.sign("Ed25519", key, utf8(text)));
      return `${text}\n— ${name} ${toBase64(new Uint8Array([...id, ...sig]))}\n`;
    },
  };
}

export interface VerifierKey {
  name: string;
  id: Uint8Array;
  key: CryptoKey;
}

export async function parseVerifierKey(vkey: string): Promise<VerifierKey> {
  const parts = splitN(vkey.trim(), 3);
  if (parts.length !== 3 || !validName(parts[0]!) || !/^[0-9a-f]{8}$/.test(parts[1]!)) throw new Error("not a <name>+<id>+<key> verifier key");
  const raw = fromBase64(parts[2]!);
  if (raw.length !== 33 || raw[0] !== ALG_ED25519) throw new Error("not an Ed25519 verifier key");
  const id = await keyId(parts[0]!, raw.slice(1));
  if (hex(id) !== parts[1]) throw new Error("the verifier key's id does not match its key");
  return { name: parts[0]!, id, key: await crypto.subtle.importKey("raw", raw.slice(1), { name: "Ed25519" }, false, ["verify"]) };
}

export type NoteProblem = "malformed_note" | "unknown_key" | "bad_signature";

/**
 * Verifies a signed note against one verifier key: the note must carry a signature line of that
 * key's name and id, and the signature must verify. Returns the note's text, or the problem.
 */
export async function openNote(note: string, vkey: VerifierKey): Promise<{ text: string } | { problem: NoteProblem }> {
  const split = note.lastIndexOf("\n\n");
  if (split < 0 || !note.endsWith("\n")) return { problem: "malformed_note" };
  const text = note.slice(0, split + 1);
  const lines = note.slice(split + 2, -1).split("\n");
  let found = false;
  for (const line of lines) {
    const m = /^— (\S+) ([A-Za-z0-9+/=]+)$/u.exec(line);
    if (!m) return { problem: "malformed_note" };
    if (m[1] !== vkey.name) continue;
    const sig = fromBase64(m[2]!);
    if (sig.length !== 68 || !sig.slice(0, 4).every((b, i) => b === vkey.id[i])) continue;
    found = true;
    if (await crypto.subtle.verify("Ed25519", vkey.key, sig.slice(4), utf8(text))) return { text };
  }
  return { problem: found ? "bad_signature" : "unknown_key" };
}

export interface Checkpoint {
  origin: string;
  size: number;
  /** The tree's root, 32 bytes. */
  root: Uint8Array;
}

/** The checkpoint body: origin, tree size in decimal, root hash in base64, each line ending in "\n". */
export const checkpointText = (c: Checkpoint) => `${c.origin}\n${c.size}\n${toBase64(c.root)}\n`;

export function parseCheckpoint(text: string): Checkpoint | null {
  const lines = text.split("\n");
  if (lines.length < 4 || lines[lines.length - 1] !== "") return null;
  const [origin, size, root] = lines as [string, string, string];
  if (!origin || !/^(0|[1-9][0-9]*)$/.test(size)) return null;
  try {
    const bytes = fromBase64(root);
    if (bytes.length !== 32) return null;
    return { origin, size: Number(size), root: bytes };
  } catch {
    return null;
  }
}
