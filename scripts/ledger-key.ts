import { pathToFileURL } from "node:url";
import { generateSignerKey, loadSigner } from "../src/ledger/note";

// npm run ledger-key -- <origin>   e.g. bank.example.org/ledger
// Prints a new checkpoint signer key for LEDGER_SIGNING_KEY (on Workers:
// `wrangler secret put LEDGER_SIGNING_KEY`) and, on stderr, its verifier key to publish. The
// origin names the log in every checkpoint; by convention the bank's host and a path.

export async function main(args: string[]): Promise<number> {
  const origin = args[0];
  if (!origin || /[\s+]/.test(origin)) {
    console.error("usage: npm run ledger-key -- <origin>   (no spaces or '+', e.g. bank.example.org/ledger)");
    return 2;
  }
  const key = await generateSignerKey(origin);
  const signer = await loadSigner(key);
  console.log(key);
  console.error(`verifier key: ${signer.verifierKey}`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
