import type { ReceiptStore } from "../domain/receipts";

// Receipt files on Workers: one R2 object per file, keyed by its SHA-256 (binding RECEIPTS in
// wrangler.toml). R2 checks the upload against the hash we computed, so a corrupted transfer is
// refused rather than kept under the wrong name.

const fromHex = (h: string) => Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16));

export function r2ReceiptStore(bucket: R2Bucket): ReceiptStore {
  const key = (sha256: string) => `receipts/${sha256}`;
  return {
    async put(sha256, bytes, contentType) {
      if (await bucket.head(key(sha256))) return;
      await bucket.put(key(sha256), bytes, { sha256: fromHex(sha256), httpMetadata: { contentType } });
    },
    async get(sha256) {
      const object = await bucket.get(key(sha256));
      return object ? new Uint8Array(await object.arrayBuffer()) : null;
    },
  };
}
