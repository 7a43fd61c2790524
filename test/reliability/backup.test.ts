import { createClient } from "@libsql/client";
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { openLocalDatabase } from "../../src/db/local";
import { backupDatabase, main, verifyBackup } from "../../scripts/db-backup";
import { createDb } from "../../src/db/client";
import { verifyStoredChain } from "../../src/ledger/chain";
import { makeBank, type TestBank } from "../helpers/setup";
import { buildScene, dumpDatabase, ledgerProblems, must, pendingRecord, voucherOf, wishIn } from "./helpers";

// Backup and restore: `npm run db:backup -- <file>` takes a consistent copy with VACUUM INTO; a
// copy opened on its own (as a restore would) verifies: its hash chain, its balances against its
// postings, and every row equal to the live database at the time of the backup.

let bank: TestBank;
let dbFile: string;
const dir = mkdtempSync(join(tmpdir(), "lsb-backup-"));

beforeAll(async () => {
  bank = await makeBank();
  const s = await buildScene(bank, { points: 500, fundFen: 100_000 });
  // A little of everything: earnings, a voucher used and one cancelled, spending, a reversal.
  await must(bank, "POST", `/v1/service-records/${await pendingRecord(s)}/approve`, s.staffA, {});
  await must(bank, "POST", `/v1/wishes/${await wishIn(s, "fulfilled")}/confirm`, s.staffA, { satisfaction: 4 });
  await must(bank, "POST", `/v1/vouchers/${(await voucherOf(s)).code}/accept`, s.merchant.token, {});
  await must(bank, "POST", `/v1/vouchers/${(await voucherOf(s)).code}/cancel`, s.alice.token, {});
  const spent = await must(bank, "POST", "/v1/fund/expenses", s.staffA, { amountFen: 2_000, purpose: "hardship_aid", description: "救助", receiptRef: "R-1", payee: "爱心商店" });
  await must(bank, "POST", `/v1/transactions/${spent.transactionId}/reverse`, bank.admin, { reason: "重复" });
  await bank.settle();
  dbFile = String((await bank.db.client.execute("PRAGMA database_list")).rows[0]!.file);
});

describe("backup and restore", () => {
  it("a backup opened on its own verifies and holds exactly what the live database held", async () => {
    const out = join(dir, "restore-me.db");
    await backupDatabase(bank.db.client, out);
    const report = await verifyBackup(out);
    expect(report.problems).toEqual([]);
    expect(report.transactions).toBeGreaterThanOrEqual(10);
    expect(report.headHash).toMatch(/^[0-9a-f]{64}$/);

    // Restore = open the copy the way the server opens its database (migrations find nothing to do).
    const restored = createDb(await openLocalDatabase(`file:${out}`));
    expect(await verifyStoredChain(restored)).toBeNull();
    expect(await ledgerProblems(restored)).toEqual([]);
    expect(await dumpDatabase(restored)).toEqual(await dumpDatabase(bank.db));
    restored.client.close();
  });

  it("the check can fail: a copy whose ledger was altered does not verify", async () => {
    const out = join(dir, "tampered.db");
    await backupDatabase(bank.db.client, out);
    const c = createClient({ url: `file:${out}` });
    // Only by removing the append-only guard can a posting be changed at all.
    await c.execute("DROP TRIGGER postings_no_update");
    await c.execute("UPDATE postings SET amount = amount + 1 WHERE id = (SELECT MIN(id) FROM postings)");
    c.close();
    const report = await verifyBackup(out);
    expect(report.problems.join("\n")).toMatch(/hash chain broken at seq 1 .*hash_mismatch/);
    expect(report.problems.join("\n")).toMatch(/is not the sum of its postings/);
  });

  it("the command: writes and verifies, never overwrites, and sends remote databases to Turso's tools", async () => {
    const out = join(dir, "by-command.db");
    const logs: string[] = [];
    const log = console.log;
    const error = console.error;
    console.log = (...a: unknown[]) => void logs.push(a.join(" "));
    console.error = (...a: unknown[]) => void logs.push(a.join(" "));
    try {
      expect(await main([out], { DATABASE_URL: `file:${dbFile}` })).toBe(0);
      expect(logs.join("\n")).toMatch(/verified: integrity check, balances equal their postings, hash chain whole/);
      expect(await main([out], { DATABASE_URL: `file:${dbFile}` }), "never overwrites").toBe(1);
      expect(await main([join(dir, "remote.db")], { DATABASE_URL: "libsql://lsb-example.turso.io" })).toBe(1);
      expect(logs.join("\n")).toMatch(/turso db shell <database> \.dump/);
      expect(await main([], {})).toBe(2);
    } finally {
      console.log = log;
      console.error = error;
    }
    expect((await verifyBackup(out)).problems).toEqual([]);
  });

  it("npm run db:backup -- <file> works from a shell", async () => {
    const out = join(dir, "from-npm.db");
    const run = promisify(execFile);
    const { stdout } = await run("npm", ["run", "--silent", "db:backup", "--", out], {
      env: { ...process.env, DATABASE_URL: `file:${dbFile}` },
      cwd: join(__dirname, "../.."),
    });
    expect(stdout).toMatch(/ledger transactions, head hash [0-9a-f]{64}/);
    expect(stdout).toMatch(/verified/);
  }, 60_000);
});
