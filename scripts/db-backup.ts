import { createClient, type Client } from "@libsql/client";
import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { createDb } from "../src/db/client";
import { verifyStoredChain } from "../src/ledger/chain";

// npm run db:backup -- <out-file>
// Copies the database named by DATABASE_URL (default file:data/lsb.db) into <out-file> with
// SQLite's VACUUM INTO: one consistent snapshot (what the WAL holds included), taken in a read
// transaction, so the server may keep running. Then opens the copy and checks it: SQLite's
// integrity check, every stored balance against its postings, and the whole hash chain.
// A remote (Turso) database is backed up with its own tools: see README, "Backup and restore".
// Exit codes: 0 written and verified; 1 refused (remote URL, the file exists) or the copy does
// not verify; 2 bad usage or failure.

export interface BackupReport {
  file: string;
  bytes: number;
  transactions: number;
  headHash: string | null;
  problems: string[];
}

/** Writes a snapshot of the database behind `client` to `outFile` (which must not exist yet). */
export async function backupDatabase(client: Client, outFile: string): Promise<void> {
  await client.execute({ sql: "VACUUM INTO ?", args: [outFile] });
}

/** Opens a backup file on its own and checks it; `problems` is empty when it verifies. */
export async function verifyBackup(file: string): Promise<BackupReport> {
  const client = createClient({ url: `file:${file}` });
  try {
    const problems: string[] = [];
    const [integrity, drift, head] = await client.batch(
      [
        "PRAGMA integrity_check",
        `SELECT a.code FROM accounts a LEFT JOIN postings p ON p.account_id = a.id
         GROUP BY a.id HAVING a.balance != IFNULL(SUM(p.amount), 0)`,
        "SELECT COUNT(*) AS n, (SELECT hash FROM ledger_transactions WHERE hash IS NOT NULL ORDER BY seq DESC LIMIT 1) AS head FROM ledger_transactions",
      ],
      "read",
    );
    const ok = String(integrity!.rows[0]?.[0] ?? "");
    if (ok !== "ok") problems.push(`integrity check: ${ok}`);
    for (const row of drift!.rows) problems.push(`balance of ${String(row.code)} is not the sum of its postings`);
    const chain = await verifyStoredChain(createDb(client));
    if (chain) problems.push(`hash chain broken at seq ${chain.seq} (${chain.id}): ${chain.problem}`);
    return {
      file,
      bytes: statSync(file).size,
      transactions: Number(head!.rows[0]!.n),
      headHash: head!.rows[0]!.head == null ? null : String(head!.rows[0]!.head),
      problems,
    };
  } finally {
    client.close();
  }
}

export async function main(args: string[], env: Record<string, string | undefined> = process.env): Promise<number> {
  const out = args[0];
  if (!out || args.length > 1) {
    console.error("usage: npm run db:backup -- <out-file>   (copies DATABASE_URL, default file:data/lsb.db)");
    return 2;
  }
  const url = env.DATABASE_URL ?? "file:data/lsb.db";
  if (!url.startsWith("file:")) {
    console.error(`DATABASE_URL is a remote database (${url.replace(/\/\/.*@/, "//…@")}): back it up with Turso's tools,`);
    console.error("  turso db shell <database> .dump > lsb-backup.sql      (see README, \"Backup and restore\")");
    return 1;
  }
  const file = resolve(out);
  if (existsSync(file)) {
    console.error(`${file} exists already; a backup never overwrites a file`);
    return 1;
  }
  const source = url.slice("file:".length).replace(/\?.*$/, "");
  if (!existsSync(source)) {
    console.error(`no database at ${source}`);
    return 2;
  }
  const client = createClient({ url });
  try {
    await client.execute("PRAGMA busy_timeout = 5000");
    await backupDatabase(client, file);
  } catch (err) {
    console.error(`backup failed: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  } finally {
    client.close();
  }
  const report = await verifyBackup(file);
  console.log(`wrote ${report.file} (${report.bytes} bytes): ${report.transactions} ledger transactions, head hash ${report.headHash ?? "(none sealed)"}`);
  if (report.problems.length) {
    for (const p of report.problems) console.error(`  does not verify: ${p}`);
    return 1;
  }
  console.log("  verified: integrity check, balances equal their postings, hash chain whole");
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
