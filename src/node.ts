import { serve } from "@hono/node-server";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { ensureAdmin, openLocalClient, prepareDatabase } from "./db/local";
import { loadDemoData } from "./demo/seed";
import { nodeDocsAsset } from "./docs-assets";
import { createApp } from "./app";
import { createDb } from "./db/client";
import { bankTime } from "./bank-time";
import { systemClock } from "./clock";
import { nodeConfigSchema, parseConfig } from "./env";
import { runScheduledJobs } from "./jobs";
import { socketAddress } from "./http/socket-address";
import { generateSignerKey, loadSigner, LOCAL_LOG_NAME } from "./ledger/note";
import { folderReceiptStore } from "./storage/folder";

// Local entry: an embedded database file, migrated on start, an administrator and demo data
// on an empty database, the same app as the Worker, and a timer for the scheduled jobs.

const config = parseConfig(nodeConfigSchema, process.env);

/** Locally, without JWT_SECRET, a random secret is kept next to the database so logins survive restarts. */
const dataDir = () => (config.DATABASE_URL.startsWith("file:") ? dirname(config.DATABASE_URL.slice(5)) : "data");

function localJwtSecret(): string {
  if (config.JWT_SECRET) return config.JWT_SECRET;
  const dir = dataDir();
  const file = join(dir, "jwt-secret");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(dir, { recursive: true });
  const secret = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url");
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

/** Locally, without LEDGER_SIGNING_KEY, a signer key is made once and kept next to the database. */
async function localLedgerKey(): Promise<string> {
  if (config.LEDGER_SIGNING_KEY) return config.LEDGER_SIGNING_KEY;
  const file = join(dataDir(), "ledger-signing-key");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(dataDir(), { recursive: true });
  const key = await generateSignerKey(LOCAL_LOG_NAME);
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return key;
}

const client = await openLocalClient(config.DATABASE_URL, config.DATABASE_AUTH_TOKEN);
const db = createDb(client);
const jwtSecret = localJwtSecret();
const ledgerKey = await localLedgerKey();
await loadSigner(ledgerKey); // a bad key stops the server here, not at the first checkpoint request
const app = createApp({
  db,
  ledgerKey,
  clock: systemClock,
  jwtSecret,
  claimDays: config.CLAIM_DAYS,
  bankTime: bankTime(config.BANK_TIME_ZONE),
  secureCookies: false,
  clientAddress: socketAddress,
  docsAsset: nodeDocsAsset,
  receipts: folderReceiptStore(config.RECEIPTS_DIR ?? join(dataDir(), "receipts")),
});

// Migrations, the administrator and demo data wait for a writable database; reads are served meanwhile.
const prepared = prepareDatabase(client, async () => {
  const admin = await ensureAdmin(db, config.ADMIN_USERNAME, config.ADMIN_PASSWORD);
  if (admin.generatedPassword) {
    console.log(`Administrator created: username "${config.ADMIN_USERNAME}", password "${admin.generatedPassword}" (shown once)`);
  }
  if (admin.created && config.DEMO_DATA === "1") {
    const summary = await loadDemoData(app, { adminUsername: config.ADMIN_USERNAME, jwtSecret, db });
    console.log(`Demo data loaded: ${summary}`);
  }
});
prepared.ready.catch((e) => {
  console.error("the database could not be prepared", e);
  process.exit(1);
});
await prepared.first;

const runJobs = () =>
  runScheduledJobs({ db, clock: systemClock, claimDays: config.CLAIM_DAYS, bankTime: bankTime(config.BANK_TIME_ZONE) }).catch((e) => console.error("scheduled jobs failed", e));
await runJobs();
setInterval(runJobs, 60_000).unref();

serve({ fetch: app.fetch, port: config.PORT }, (info) => {
  console.log(`Love Savings Bank listening on http://localhost:${info.port} (docs: /docs, public summary: /v1/public/summary)`);
});
