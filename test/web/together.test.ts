import { describe, expect, it } from "vitest";
import { getPassbook } from "../../src/domain/members";
import { listVoucherTypes } from "../../src/domain/merchants";
import { publicSummary } from "../../src/domain/public";
import { readTogether } from "../../src/web/together";
import { makeBank } from "../helpers/setup";

// readTogether: the reads several domain functions start together reach the database as one
// batch, and each gets back exactly its own results.

describe("readTogether", () => {
  it("sends the reads of several domain functions as one round-trip, each with its own results", async () => {
    const bank = await makeBank();
    const c = await bank.community();
    const m = await bank.member(c.id);
    const admin = { userId: "a", username: "admin", role: "admin" as const, communityId: null, memberId: null, merchantId: null };
    const alone = await Promise.all([
      getPassbook(bank.db, admin, m.id, { limit: 5 }, "2026-03-01T00:00:00.000Z"),
      listVoucherTypes(bank.db, { limit: 5 }),
      publicSummary(bank.db),
      bank.db.client.execute({ sql: "SELECT ? AS x", args: [42] }),
    ]);
    bank.roundTrips.reset();
    const together = await readTogether(bank.db, (db) =>
      Promise.all([
        getPassbook(db, admin, m.id, { limit: 5 }, "2026-03-01T00:00:00.000Z"),
        listVoucherTypes(db, { limit: 5 }),
        publicSummary(db),
        db.client.execute({ sql: "SELECT ? AS x", args: [42] }),
      ]),
    );
    expect(bank.roundTrips.count()).toBe(1);
    expect(together.slice(0, 3)).toEqual(alone.slice(0, 3));
    expect(together[3].rows[0]!.x).toBe(42);
  });

  it("a read that needs an earlier one's answer honestly costs a second round-trip", async () => {
    const bank = await makeBank();
    bank.roundTrips.reset();
    const result = await readTogether(bank.db, async (db) => {
      const first = await db.client.execute("SELECT 1 AS n");
      return db.client.execute({ sql: "SELECT ? + 1 AS n", args: [first.rows[0]!.n as number] });
    });
    expect(result.rows[0]!.n).toBe(2);
    expect(bank.roundTrips.count()).toBe(2);
  });

  it("a failing statement fails every read of its batch", async () => {
    const bank = await makeBank();
    const reads = readTogether(bank.db, (db) => Promise.all([db.client.execute("SELECT 1"), db.client.execute("SELECT * FROM no_such_table")]));
    await expect(reads).rejects.toThrow(/no_such_table/);
  });
});
