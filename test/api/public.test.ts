import { describe, expect, it } from "vitest";
import { commit, Write } from "../../src/db/write";
import { accounts } from "../../src/ledger/accounts";
import { canonicalText, GENESIS_HASH, verifyChain } from "../../src/ledger/chain";
import { appendTransaction } from "../../src/ledger/ledger";
import { makeBank } from "../helpers/setup";

describe("GET /v1/public/ledger", () => {
  it("publishes sealed transactions in chain order with account codes only, and the chain verifies from the JSON alone", async () => {
    const bank = await makeBank();
    const c = await bank.community();
    const m = await bank.member(c.id, { phone: "13912345678", name: "隐私测试" });
    const acc = String((await bank.db.client.execute({ sql: "SELECT account_id FROM members WHERE id = ?", args: [m.id] })).rows[0]!.account_id);
    for (let i = 1; i <= 5; i++) {
      const w = new Write();
      appendTransaction(w, {
        kind: "service_approved",
        at: `2026-03-0${i}T08:00:00.000Z`,
        memo: "private memo 秘密",
        postings: [
          { accountId: accounts.pointsIssuer, asset: "PTS", amount: -i },
          { accountId: acc, asset: "PTS", amount: i },
        ],
      });
      await commit(bank.db, w);
    }
    // not yet sealed: nothing is published
    expect((await bank.call("GET", "/v1/public/ledger")).body.items).toHaveLength(0);
    await bank.settle();

    const page1 = await bank.call("GET", "/v1/public/ledger?limit=3");
    const page2 = await bank.call("GET", `/v1/public/ledger?limit=3&cursor=${page1.body.nextCursor}`);
    expect(page1.status).toBe(200);
    expect(page2.body.nextCursor).toBeNull();
    const all = [...page1.body.items, ...page2.body.items];
    expect(all.map((t: { seq: number }) => t.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(all[0].prevHash).toBe(GENESIS_HASH);
    expect(all[0].postings).toContainEqual({ account: "member", asset: "PTS", amount: 1, commitment: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const text = JSON.stringify(all);
    expect(text).not.toContain(m.passbookNo);
    expect(text).not.toContain("private memo");
    expect(text).not.toContain("13912345678");
    expect(text).not.toContain("隐私测试");
    expect(await verifyChain(all)).toBeNull();

    // a reader who changes one published amount finds the broken link
    const forged = structuredClone(all);
    forged[3].postings[0].amount += 1;
    forged[3].postings[1].amount -= 1;
    expect(await verifyChain(forged)).toMatchObject({ seq: 4, problem: "hash_mismatch" });
    // the documented canonical text is what is hashed
    expect(canonicalText(all[0], GENESIS_HASH).split("\n")[0]).toBe("LSB-LEDGER-V2");
    expect(page1.headers.get("cache-control")).toMatch(/public/);
  });

  it("refuses a bad cursor or limit", async () => {
    const bank = await makeBank();
    expect((await bank.call("GET", "/v1/public/ledger?limit=0")).status).toBe(400);
    expect((await bank.call("GET", "/v1/public/ledger?limit=5000")).status).toBe(400);
    expect((await bank.call("GET", "/v1/public/ledger?cursor=%%%")).status).toBe(400);
    expect((await bank.call("GET", "/v1/public/ledger?foo=1")).status).toBe(400);
  });
});
