import { createClient } from "@libsql/client";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { drizzle } from "drizzle-orm/libsql";
import { migrate } from "drizzle-orm/libsql/migrator";
import { describe, expect, it } from "vitest";
import { MIGRATIONS_FOLDER } from "../../db/migrate";
import { createDb } from "../../src/db/client";
import { GENESIS_HASH, hashTransaction, loadPublished, sealPending, verifyStoredChain } from "../../src/ledger/chain";

// A bank that ran before the Merkle tree (migrations up to 0007, hash format V2) is migrated:
// every earlier hash stays as it was, and the first sealing run builds the tree over all of it.

const TREE_MIGRATION = 8; // 0008_merkle_tree

function foldersUpTo(last: number): string {
  const dir = mkdtempSync(join(tmpdir(), "lsb-migrations-"));
  mkdirSync(join(dir, "meta"));
  const journal = JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, "meta/_journal.json"), "utf8"));
  journal.entries = journal.entries.filter((e: { idx: number }) => e.idx <= last);
  for (const e of journal.entries as { tag: string }[]) cpSync(join(MIGRATIONS_FOLDER, `${e.tag}.sql`), join(dir, `${e.tag}.sql`));
  writeFileSync(join(dir, "meta/_journal.json"), JSON.stringify(journal));
  return dir;
}

describe("migrating an existing bank to the transparency log", () => {
  it("keeps every V2 hash, salts the passbook postings, records donations and expenses, and the sealer builds the tree from seq 1", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "lsb-old-")), "old.db");
    const client = createClient({ url: `file:${file}` });
    await migrate(drizzle(client), { migrationsFolder: foldersUpTo(TREE_MIGRATION - 1) });
    const run = (sql: string, args: (string | number | null)[] = []) => client.execute({ sql, args });
    await run("INSERT INTO communities (id, name, code, created_at) VALUES ('C1', '老社区', 'old', '2026-01-01T00:00:00.000Z')");
    await run("INSERT INTO accounts (id, code, asset, kind, balance, non_negative) VALUES ('A1', 'member:OLD-000001', 'PTS', 'member_passbook', 0, 1)");
    const txs = [
      { id: "T1", kind: "service_approved", postings: [["points:issuer", "PTS", -30], ["A1", "PTS", 30]] },
      { id: "T2", kind: "donation", postings: [["fund:cash", "CNY", 10_000], ["fund:income:company", "CNY", -10_000]] },
      { id: "T3", kind: "fund_expense", postings: [["fund:cash", "CNY", -4_000], ["fund:spending:operations", "CNY", 4_000]] },
    ] as const;
    let prev = GENESIS_HASH;
    const oldHashes: string[] = [];
    for (const [i, t] of txs.entries()) {
      const at = `2026-01-0${i + 1}T08:00:00.000Z`;
      await run("INSERT INTO ledger_transactions (id, seq, kind, at) VALUES (?, ?, ?, ?)", [t.id, i + 1, t.kind, at]);
      for (const [acc, asset, amount] of t.postings) {
        await run("INSERT INTO postings (transaction_id, account_id, asset, amount, balance_after) VALUES (?, ?, ?, ?, 0)", [t.id, acc, asset, amount]);
      }
      const hash = await hashTransaction(
        { seq: i + 1, id: t.id, at, kind: t.kind, reversesId: null, postings: t.postings.map(([a, asset, amount]) => ({ account: a === "A1" ? "member" : a, asset, amount })) },
        prev,
      );
      await run("UPDATE ledger_transactions SET prev_hash = ?, hash = ? WHERE id = ?", [prev, hash, t.id]);
      oldHashes.push(hash);
      prev = hash;
    }
    await run(`INSERT INTO donations (id, community_id, donor_type, donor_name, kind, amount_fen, transaction_id, at, created_by)
               VALUES ('D1', 'C1', 'company', '老企业', 'money', 10000, 'T2', '2026-01-02T08:00:00.000Z', 'u')`);
    await run(`INSERT INTO fund_expenses (id, amount_fen, purpose, description, receipt_ref, approved_by, community_id, transaction_id, at, created_by)
               VALUES ('E1', 4000, 'operations', '办公用品', 'R-1', 'x', NULL, 'T3', '2026-01-03T08:00:00.000Z', 'u')`);

    await migrate(drizzle(client), { migrationsFolder: MIGRATIONS_FOLDER });
    const db = createDb(client);
    expect(await loadPublished(db, 0, 10)).toEqual([]); // nothing is in the tree yet
    expect(await sealPending(db)).toBe(3);
    const published = await loadPublished(db, 0, 10);
    expect(published.map((t) => t.hash)).toEqual(oldHashes);
    expect(published[0]!.postings.find((p) => p.account === "member")!.commitment).toMatch(/^[0-9a-f]{64}$/);
    expect(published[1]!.facts).toEqual({ donorType: "company", kind: "money", community: "C1" });
    expect(published[1]!.withdrawable.donorName!.value).toBe("老企业");
    expect(published[2]!.facts).toEqual({ purpose: "operations" });
    expect(Object.keys(published[2]!.withdrawable).sort()).toEqual(["description", "receiptRef"]);
    expect(await verifyStoredChain(db)).toBeNull();
    client.close();
  });
});
