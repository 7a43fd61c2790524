import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MIGRATIONS_FOLDER } from "../../db/migrate";
import { commit, Write } from "../../src/db/write";
import { accounts } from "../../src/ledger/accounts";
import { coalescingSealer, sealPending, verifyStoredChain } from "../../src/ledger/chain";
import { appendTransaction, type PostingInput } from "../../src/ledger/ledger";
import { reversalOf } from "../../src/ledger/reverse";
import { makeBank, type TestBank } from "../helpers/setup";

const AT = "2026-03-01T08:00:00.000Z";

async function post(bank: TestBank, postings: PostingInput[], extra: Partial<Parameters<typeof appendTransaction>[1]> = {}) {
  const write = new Write();
  const id = appendTransaction(write, { kind: "donation", at: AT, postings, ...extra });
  await commit(bank.db, write);
  return id;
}

async function balance(bank: TestBank, accountId: string): Promise<number> {
  const r = await bank.db.client.execute({ sql: "SELECT balance FROM accounts WHERE id = ?", args: [accountId] });
  return Number(r.rows[0]!.balance);
}

async function memberAccount(bank: TestBank): Promise<string> {
  const c = await bank.community();
  const m = await bank.member(c.id);
  const r = await bank.db.client.execute({ sql: "SELECT account_id FROM members WHERE id = ?", args: [m.id] });
  return String(r.rows[0]!.account_id);
}

const credit = (account: string, points: number): PostingInput[] => [
  { accountId: accounts.pointsIssuer, asset: "PTS", amount: -points },
  { accountId: account, asset: "PTS", amount: points },
];

describe("double-entry postings", () => {
  it("moves balances and records the balance after each posting", async () => {
    const bank = await makeBank();
    const acc = await memberAccount(bank);
    await post(bank, credit(acc, 30));
    await post(bank, credit(acc, 12));
    expect(await balance(bank, acc)).toBe(42);
    expect(await balance(bank, accounts.pointsIssuer)).toBe(-42);
    const r = await bank.db.client.execute({ sql: "SELECT balance_after FROM postings WHERE account_id = ? ORDER BY id", args: [acc] });
    expect(r.rows.map((x) => Number(x.balance_after))).toEqual([30, 42]);
  });

  it("refuses postings that do not sum to zero per asset, and writes nothing", async () => {
    const bank = await makeBank();
    const acc = await memberAccount(bank);
    expect(() =>
      appendTransaction(new Write(), {
        kind: "donation",
        at: AT,
        postings: [
          { accountId: accounts.pointsIssuer, asset: "PTS", amount: -10 },
          { accountId: acc, asset: "PTS", amount: 9 },
        ],
      }),
    ).toThrow(/sum to -1/);
    // balanced in total but not per asset
    expect(() =>
      appendTransaction(new Write(), {
        kind: "donation",
        at: AT,
        postings: [
          { accountId: accounts.fundCash, asset: "CNY", amount: 10 },
          { accountId: acc, asset: "PTS", amount: -10 },
        ],
      }),
    ).toThrow(/not zero/);
    expect(() => appendTransaction(new Write(), { kind: "donation", at: AT, postings: [{ accountId: acc, asset: "PTS", amount: 0 }] })).toThrow();
    expect(() => appendTransaction(new Write(), { kind: "donation", at: AT, postings: credit(acc, 1.5) })).toThrow(/integers/);
    const n = await bank.db.client.execute("SELECT COUNT(*) AS n FROM ledger_transactions");
    expect(Number(n.rows[0]!.n)).toBe(0);
  });

  it("refuses an overdraft of a passbook and leaves no trace of the write", async () => {
    const bank = await makeBank();
    const acc = await memberAccount(bank);
    await post(bank, credit(acc, 5));
    const write = new Write().onConstraint("balance_non_negative", "insufficient_points");
    appendTransaction(write, {
      kind: "donation",
      at: AT,
      postings: [
        { accountId: acc, asset: "PTS", amount: -6 },
        { accountId: accounts.vouchersOutstanding, asset: "PTS", amount: 6 },
      ],
    });
    await expect(commit(bank.db, write)).rejects.toMatchObject({ code: "insufficient_points" });
    expect(await balance(bank, acc)).toBe(5);
    expect(await balance(bank, accounts.vouchersOutstanding)).toBe(0);
    const n = await bank.db.client.execute("SELECT COUNT(*) AS n FROM ledger_transactions");
    expect(Number(n.rows[0]!.n)).toBe(1);
  });

  it("lets the database itself refuse a negative passbook or fund balance, bypassing the code", async () => {
    const bank = await makeBank();
    const acc = await memberAccount(bank);
    await expect(bank.db.client.execute({ sql: "UPDATE accounts SET balance = -1 WHERE id = ?", args: [acc] })).rejects.toThrow(
      /balance_non_negative/,
    );
    await expect(bank.db.client.execute("UPDATE accounts SET balance = -1 WHERE id = 'fund:cash'")).rejects.toThrow(
      /balance_non_negative/,
    );
    // the issuer is allowed to go negative: it is where points come from
    await bank.db.client.execute("UPDATE accounts SET balance = -1 WHERE id = 'points:issuer'");
  });

  it("fails the whole write when one account does not exist", async () => {
    const bank = await makeBank();
    const acc = await memberAccount(bank);
    const write = new Write();
    appendTransaction(write, { kind: "donation", at: AT, postings: [...credit(acc, 5)].map((p, i) => (i === 0 ? { ...p, accountId: "nope" } : p)) });
    await expect(commit(bank.db, write)).rejects.toMatchObject({ code: "not_found" });
    expect(await balance(bank, acc)).toBe(0);
  });

  it("the database applies every posting to its account, and refuses a posting in another asset", async () => {
    const bank = await makeBank();
    const acc = await memberAccount(bank);
    await bank.db.client.execute({ sql: "INSERT INTO ledger_transactions (id, seq, kind, at) VALUES ('raw', 1, 'raw', ?)", args: [AT] });
    await bank.db.client.execute({
      sql: "INSERT INTO postings (transaction_id, account_id, asset, amount, balance_after) VALUES ('raw', ?, 'PTS', 9, 9)",
      args: [acc],
    });
    expect(await balance(bank, acc)).toBe(9);
    await expect(
      bank.db.client.execute("INSERT INTO postings (transaction_id, account_id, asset, amount, balance_after) VALUES ('raw', 'fund:cash', 'PTS', 5, 5)"),
    ).rejects.toThrow(/posting_asset_mismatch/);
    expect(await balance(bank, accounts.fundCash)).toBe(0);
  });

  it("keeps history immutable: postings and transactions cannot be updated or deleted", async () => {
    const bank = await makeBank();
    const acc = await memberAccount(bank);
    const id = await post(bank, credit(acc, 5));
    await expect(bank.db.client.execute("UPDATE postings SET amount = 500")).rejects.toThrow(/ledger_immutable/);
    await expect(bank.db.client.execute("DELETE FROM postings")).rejects.toThrow(/ledger_immutable/);
    await expect(bank.db.client.execute({ sql: "DELETE FROM ledger_transactions WHERE id = ?", args: [id] })).rejects.toThrow(
      /ledger_immutable/,
    );
    await expect(
      bank.db.client.execute({ sql: "UPDATE ledger_transactions SET kind = 'other' WHERE id = ?", args: [id] }),
    ).rejects.toThrow(/ledger_immutable/);
  });
});

describe("reversals", () => {
  it("restores every balance and names the transaction it reverses; a second reversal is refused", async () => {
    const bank = await makeBank();
    const acc = await memberAccount(bank);
    await post(bank, credit(acc, 7));
    const id = await post(bank, credit(acc, 20));
    const reversal = await reversalOf(bank.db, id, AT, "entered twice", "admin");
    expect(reversal.reversesId).toBe(id);
    const write = new Write();
    appendTransaction(write, reversal);
    await commit(bank.db, write);
    expect(await balance(bank, acc)).toBe(7);
    expect(await balance(bank, accounts.pointsIssuer)).toBe(-7);
    await expect(reversalOf(bank.db, id, AT, "again", "admin")).rejects.toMatchObject({ code: "already_reversed" });
    // even if two reversals were built at once, the unique index refuses the second
    const again = new Write();
    appendTransaction(again, { ...reversal, id: undefined });
    await expect(commit(bank.db, again)).rejects.toMatchObject({ code: "already_reversed" });
  });

  it("reports a transaction that does not exist", async () => {
    const bank = await makeBank();
    await expect(reversalOf(bank.db, "01NOPE", AT, "x", "admin")).rejects.toMatchObject({ code: "not_found" });
  });
});

describe("hash chain", () => {
  it("seals transactions in order and verifies; altering any stored transaction breaks verification", async () => {
    const bank = await makeBank();
    const acc = await memberAccount(bank);
    const ids: string[] = [];
    for (let i = 1; i <= 5; i++) ids.push(await post(bank, credit(acc, i)));
    expect(await sealPending(bank.db)).toBe(5);
    expect(await sealPending(bank.db)).toBe(0);
    expect(await verifyStoredChain(bank.db)).toBeNull();

    const rows = await bank.db.client.execute("SELECT seq, prev_hash, hash FROM ledger_transactions ORDER BY seq");
    expect(rows.rows[0]!.prev_hash).toBe("0".repeat(64));
    for (let i = 1; i < rows.rows.length; i++) expect(rows.rows[i]!.prev_hash).toBe(rows.rows[i - 1]!.hash);

    // An attacker with write access to the file drops the guard and edits history.
    await bank.db.client.execute("DROP TRIGGER postings_no_update");
    const victim = ids[2]!;
    await bank.db.client.execute({ sql: "UPDATE postings SET amount = amount * 100 WHERE transaction_id = ?", args: [victim] });
    expect(await verifyStoredChain(bank.db)).toEqual({ seq: 3, id: victim, problem: "hash_mismatch" });
  });

  it("a coalescing sealer answers many requests with few runs, and each caller's transaction is sealed when its promise settles", async () => {
    const bank = await makeBank();
    const acc = await memberAccount(bank);
    await bank.settle();
    const seal = coalescingSealer(bank.db);
    await post(bank, credit(acc, 1));
    const first = seal();
    await post(bank, credit(acc, 2)); // committed while the first run is in progress
    bank.roundTrips.reset();
    const rest = [seal(), seal(), seal(), seal()];
    await Promise.all([first, ...rest]);
    // one extra run for all four requests: head read, chain read, update
    expect(bank.roundTrips.count()).toBeLessThanOrEqual(2 * 3);
    const unsealed = await bank.db.client.execute("SELECT COUNT(*) AS n FROM ledger_transactions WHERE hash IS NULL");
    expect(Number(unsealed.rows[0]!.n)).toBe(0);
    expect(await verifyStoredChain(bank.db)).toBeNull();
  });

  it("migration 0004 unseals a chain sealed under the old format, and the sealer seals it again so it verifies", async () => {
    const bank = await makeBank();
    const acc = await memberAccount(bank);
    for (let i = 1; i <= 4; i++) await post(bank, credit(acc, i));
    await sealPending(bank.db);
    // Migration 0004 ran before the Merkle tree existed (0006): take the tree back to empty.
    for (const t of ["merkle_nodes_no_delete", "ledger_checkpoints_no_delete"]) await bank.db.client.execute(`DROP TRIGGER ${t}`);
    await bank.db.client.execute("DELETE FROM merkle_nodes");
    await bank.db.client.execute("DELETE FROM ledger_checkpoints WHERE size > 0");
    // Stand-in for hashes written by the V1 format: different values, sealed.
    await bank.db.client.execute("DROP TRIGGER ledger_transactions_seal_only");
    await bank.db.client.execute("UPDATE ledger_transactions SET hash = 'v1-' || seq, prev_hash = 'v1-' || (seq - 1)");
    const sql = readFileSync(join(MIGRATIONS_FOLDER, "0004_reseal_ledger_v2.sql"), "utf8").split("--> statement-breakpoint");
    // (the trigger was dropped above to plant the old hashes; the migration drops and recreates it)
    await bank.db.client.execute(sql[0]!.replace("DROP TRIGGER", "DROP TRIGGER IF EXISTS"));
    for (const statement of sql.slice(1)) await bank.db.client.execute(statement);
    expect(await verifyStoredChain(bank.db)).toBeNull(); // nothing sealed is published yet
    expect(await sealPending(bank.db)).toBe(4);
    expect(await verifyStoredChain(bank.db)).toBeNull();
    await expect(bank.db.client.execute("UPDATE ledger_transactions SET hash = 'x' WHERE seq = 1")).rejects.toThrow(/ledger_immutable/);
  });

  it("detects a removed transaction as a gap", async () => {
    const bank = await makeBank();
    const acc = await memberAccount(bank);
    const ids: string[] = [];
    for (let i = 1; i <= 3; i++) ids.push(await post(bank, credit(acc, i)));
    await sealPending(bank.db);
    await bank.db.client.execute("DROP TRIGGER postings_no_delete");
    await bank.db.client.execute("DROP TRIGGER ledger_transactions_no_delete");
    await bank.db.client.execute({ sql: "DELETE FROM postings WHERE transaction_id = ?", args: [ids[1]!] });
    await bank.db.client.execute({ sql: "DELETE FROM ledger_transactions WHERE id = ?", args: [ids[1]!] });
    expect(await verifyStoredChain(bank.db)).toMatchObject({ seq: 3, problem: "seq_gap" });
  });

  it("a sealed hash cannot be rewritten through the database", async () => {
    const bank = await makeBank();
    const acc = await memberAccount(bank);
    const id = await post(bank, credit(acc, 1));
    await sealPending(bank.db);
    await expect(
      bank.db.client.execute({ sql: "UPDATE ledger_transactions SET hash = 'x' WHERE id = ?", args: [id] }),
    ).rejects.toThrow(/ledger_immutable/);
  });
});
