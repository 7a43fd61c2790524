import { randomUUID } from "node:crypto";
import { mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ReceiptStore } from "../domain/receipts";

// Receipt files on the Node server: <folder>/<first two hex digits>/<sha256>, written to a
// temporary name and renamed into place, so a reader never sees half a file and a crash leaves
// no file under a hash it does not have. Node-only (node:fs): the Worker never imports it.

const SHA256 = /^[0-9a-f]{64}$/;

export function folderReceiptStore(folder: string): ReceiptStore {
  const path = (sha256: string) => {
    if (!SHA256.test(sha256)) throw new Error(`not a SHA-256: ${sha256}`);
    return join(folder, sha256.slice(0, 2), sha256);
  };
  return {
    async put(sha256, bytes) {
      const file = path(sha256);
      if (await stat(file).then(() => true, () => false)) return;
      await mkdir(join(folder, sha256.slice(0, 2)), { recursive: true });
      const tmp = `${file}.${randomUUID()}.tmp`;
      await writeFile(tmp, bytes);
      await rename(tmp, file);
    },
    async get(sha256) {
      try {
        return new Uint8Array(await readFile(path(sha256)));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
        throw e;
      }
    },
  };
}
