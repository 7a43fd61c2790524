import { describe, expect, it } from "vitest";
import { verifyStoredChain } from "../../src/ledger/chain";
import { makeBank, serveBank, type TestBank } from "../helpers/setup";
import { balanceOf, grantPoints, ledgerInvariants, passbookBalance } from "../helpers/spending";

const POOL = "points:wish_pool";

async function earned(bank: TestBank, id: string) {
  const r = await bank.db.client.execute({ sql: "SELECT earned_total, stars FROM members WHERE id = ?", args: [id] });
  return { earnedTotal: Number(r.rows[0]!.earned_total), stars: Number(r.rows[0]!.stars) };
}

async function scene(points = 100) {
  const bank = await makeBank();
  const a = await bank.community("东门社区");
  const b = await bank.community("西门社区");
  const staffA = await bank.staff(a.id);
  const staffB = await bank.staff(b.id);
  const alice = await bank.member(a.id);
  const bob = await bank.member(a.id);
  const carol = await bank.member(b.id);
  if (points) await grantPoints(bank, alice.id, points);
  const give = (token: string, body: Record<string, unknown>, headers?: Record<string, string>) =>
    bank.call("POST", "/v1/transfers", { token, body, headers });
  const grant = (token: string, body: Record<string, unknown>) => bank.call("POST", "/v1/pools/wish/grants", { token, body });
  return { bank, a, b, staffA, staffB, alice, bob, carol, give, grant };
}

describe("gifts: POST /v1/transfers", () => {
  it("a member gives to a relative: one transaction, the giver's earned total and stars unchanged, the recipient's too", async () => {
    const { bank, alice, carol, give } = await scene(120);
    const before = await earned(bank, alice.id);
    const res = await give(alice.token, { fromMemberId: alice.id, to: { memberId: carol.id }, points: 70, memo: "给外婆" });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ fromMemberId: alice.id, to: { memberId: carol.id, passbookNo: carol.passbookNo }, points: 70, memo: "给外婆" });
    expect(typeof res.body.id).toBe("string");
    expect(await passbookBalance(bank, alice.id)).toBe(50);
    expect(await passbookBalance(bank, carol.id)).toBe(70);
    expect(await earned(bank, alice.id)).toEqual(before);
    expect(await earned(bank, carol.id)).toEqual({ earnedTotal: 0, stars: 0 });
    const tx = await bank.call("GET", `/v1/transactions/${res.body.transactionId}`, { token: bank.admin });
    expect(tx.body).toMatchObject({ kind: "gift", refType: "transfer", refId: res.body.id });
    expect(tx.body.postings.map((p: { amount: number }) => p.amount).sort()).toEqual([-70, 70]);
    const ranking = await bank.call("GET", "/v1/rankings?year=2026&by=points");
    expect(ranking.body.items.find((i: { memberId: string }) => i.memberId === carol.id)).toBeUndefined();
    const pb = await bank.call("GET", `/v1/members/${carol.id}/passbook`, { token: carol.token });
    expect(pb.body.entries[0]).toMatchObject({ kind: "gift", amount: 70, balanceAfter: 70, toWishPool: 0, onBehalfOf: null });
    expect((await ledgerInvariants(bank)).sums.PTS).toBe(0);
  });

  it("to the wish pool: the pool's public figures show it", async () => {
    const { bank, alice, give } = await scene(100);
    const res = await give(alice.token, { fromMemberId: alice.id, to: { pool: "wish" }, points: 30 });
    expect(res.status).toBe(201);
    expect(res.body.to).toEqual({ pool: "wish" });
    expect(await balanceOf(bank, POOL)).toBe(30);
    const pool = await bank.call("GET", "/v1/public/pools/wish");
    expect(pool.status).toBe(200);
    expect(pool.body).toMatchObject({ balance: 30, income: { gifts: 30, aboveCap: 0, total: 30 }, granted: 0, grants: [] });
    const pb = await bank.call("GET", `/v1/members/${alice.id}/passbook`, { token: alice.token });
    expect(pb.body.entries[0]).toMatchObject({ kind: "pool_gift", amount: -30, toWishPool: 30 });
  });

  it("staff give for a member of their community, and the entry says on whose behalf", async () => {
    const { bank, staffA, alice, bob, give } = await scene(100);
    const res = await give(staffA, { fromMemberId: alice.id, to: { memberId: bob.id }, points: 10 });
    expect(res.status).toBe(201);
    const pb = await bank.call("GET", `/v1/members/${alice.id}/passbook`, { token: alice.token });
    expect(pb.body.entries[0].onBehalfOf).toMatchObject({ memberId: alice.id, byGuardianMemberId: null });
    expect(typeof pb.body.entries[0].onBehalfOf.byUserId).toBe("string");
  });

  it("errors: more than the balance, to oneself, unknown recipient, bad bodies; nothing moves", async () => {
    const { bank, alice, bob, give } = await scene(50);
    const over = await give(alice.token, { fromMemberId: alice.id, to: { memberId: bob.id }, points: 51 });
    expect(over.status).toBe(409);
    expect(over.body.error.code).toBe("insufficient_points");
    expect((await give(alice.token, { fromMemberId: alice.id, to: { memberId: alice.id }, points: 1 })).body.error.code).toBe("validation_failed");
    expect((await give(alice.token, { fromMemberId: alice.id, to: { memberId: "nobody" }, points: 1 })).status).toBe(404);
    for (const body of [
      { fromMemberId: alice.id, to: { memberId: bob.id }, points: 0 },
      { fromMemberId: alice.id, to: { memberId: bob.id }, points: 1.5 },
      { fromMemberId: alice.id, to: { pool: "other" }, points: 1 },
      { fromMemberId: alice.id, to: { memberId: bob.id, pool: "wish" }, points: 1 },
      { fromMemberId: alice.id, to: { memberId: bob.id }, points: 1, extra: true },
    ]) {
      const res = await give(alice.token, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    expect(await passbookBalance(bank, alice.id)).toBe(50);
    expect(await passbookBalance(bank, bob.id)).toBe(0);
  });

  it("who may not: a member giving from another's passbook, staff of another community, a merchant", async () => {
    const { bank, staffB, alice, bob, give } = await scene(50);
    expect((await give(bob.token, { fromMemberId: alice.id, to: { memberId: bob.id }, points: 10 })).status).toBe(403);
    expect((await give(staffB, { fromMemberId: alice.id, to: { pool: "wish" }, points: 10 })).status).toBe(403);
    const merchant = await bank.token({ role: "merchant", merchantId: "m1" });
    expect((await give(merchant, { fromMemberId: alice.id, to: { pool: "wish" }, points: 10 })).status).toBe(403);
    expect((await bank.call("POST", "/v1/transfers", { body: { fromMemberId: alice.id, to: { pool: "wish" }, points: 10 } })).status).toBe(401);
    expect(await passbookBalance(bank, alice.id)).toBe(50);
  });

  it("Idempotency-Key: a retried gift moves points once", async () => {
    const { bank, alice, bob, give } = await scene(50);
    const body = { fromMemberId: alice.id, to: { memberId: bob.id }, points: 20 };
    const first = await give(alice.token, body, { "Idempotency-Key": "gift-1" });
    const again = await give(alice.token, body, { "Idempotency-Key": "gift-1" });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(await passbookBalance(bank, alice.id)).toBe(30);
  });

  it("race: two parallel gifts that together overdraw give one success", async () => {
    const { bank, alice, bob, carol } = await scene(100);
    const server = await serveBank(bank);
    try {
      for (let round = 0; round < 3; round++) {
        const post = (to: string) =>
          fetch(`${server.url}/v1/transfers`, {
            method: "POST",
            headers: { authorization: `Bearer ${alice.token}`, "content-type": "application/json" },
            body: JSON.stringify({ fromMemberId: alice.id, to: { memberId: to }, points: round === 0 ? 60 : 30 }),
          }).then(async (r) => ({ status: r.status, body: (await r.json()) as { error: { code: string } } }));
        const balance = await passbookBalance(bank, alice.id);
        const results = await Promise.all([post(bob.id), post(carol.id)]);
        const ok = results.filter((r) => r.status === 201);
        expect(ok.length).toBe(1);
        expect(results.find((r) => r.status !== 201)!.body.error.code).toBe("insufficient_points");
        expect(await passbookBalance(bank, alice.id)).toBe(balance - (round === 0 ? 60 : 30));
        await grantPoints(bank, alice.id, 50 - (await passbookBalance(bank, alice.id))); // 50: two of 30 overdraw
      }
    } finally {
      await server.close();
    }
    expect((await ledgerInvariants(bank)).drifted).toEqual([]);
  });
});

describe("the wish pool: POST /v1/pools/wish/grants", () => {
  it("staff grant pooled points to a member in need; the public sees community and group, never the member", async () => {
    const { bank, a, staffA, alice, bob, give, grant } = await scene(100);
    await give(alice.token, { fromMemberId: alice.id, to: { pool: "wish" }, points: 80 });
    const res = await grant(staffA, { memberId: bob.id, points: 50, reason: "独居老人冬季帮扶", beneficiaryGroup: "elderly" });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ memberId: bob.id, points: 50, beneficiaryGroup: "elderly" });
    expect(await passbookBalance(bank, bob.id)).toBe(50);
    expect(await earned(bank, bob.id)).toEqual({ earnedTotal: 0, stars: 0 });
    const pool = (await bank.call("GET", "/v1/public/pools/wish")).body;
    expect(pool).toMatchObject({ balance: 30, granted: 50, income: { gifts: 80 } });
    expect(pool.grants).toEqual([
      { at: res.body.at, communityId: a.id, communityName: "东门社区", beneficiaryGroup: "elderly", points: 50, reversed: false },
    ]);
    expect(JSON.stringify(pool)).not.toContain(bob.id);
    expect(JSON.stringify(pool)).not.toContain("独居老人冬季帮扶");
  });

  it("more than the pool holds: 409 insufficient_points, nothing moves; bad bodies 400", async () => {
    const { bank, staffA, bob, grant } = await scene(0);
    const res = await grant(staffA, { memberId: bob.id, points: 1, reason: "帮扶" });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("insufficient_points");
    expect((await grant(staffA, { memberId: bob.id, points: 1 })).status).toBe(400);
    expect((await grant(staffA, { memberId: bob.id, points: 1, reason: "x", beneficiaryGroup: "rich" })).status).toBe(400);
    expect((await grant(staffA, { memberId: "nobody", points: 1, reason: "x" })).status).toBe(404);
    expect(await balanceOf(bank, POOL)).toBe(0);
  });

  it("who may not: staff granting to a member of another community, a member, a merchant", async () => {
    const { bank, staffB, alice, bob, give, grant } = await scene(100);
    await give(alice.token, { fromMemberId: alice.id, to: { pool: "wish" }, points: 80 });
    expect((await grant(staffB, { memberId: bob.id, points: 10, reason: "帮扶" })).status).toBe(403);
    expect((await grant(alice.token, { memberId: bob.id, points: 10, reason: "帮扶" })).status).toBe(403);
    expect((await grant(await bank.token({ role: "merchant", merchantId: "m" }), { memberId: bob.id, points: 10, reason: "帮扶" })).status).toBe(403);
    expect(await balanceOf(bank, POOL)).toBe(80);
  });

  it("a reversed grant goes back to the pool and shows as reversed", async () => {
    const { bank, staffA, alice, bob, give, grant } = await scene(100);
    await give(alice.token, { fromMemberId: alice.id, to: { pool: "wish" }, points: 40 });
    const g = await grant(staffA, { memberId: bob.id, points: 40, reason: "帮扶" });
    const rev = await bank.call("POST", `/v1/transactions/${g.body.transactionId}/reverse`, { token: bank.admin, body: { reason: "重复发放" } });
    expect(rev.status).toBe(201);
    const pool = (await bank.call("GET", "/v1/public/pools/wish")).body;
    expect(pool).toMatchObject({ balance: 40, granted: 0 });
    expect(pool.grants[0].reversed).toBe(true);
  });
});

describe("storage cap (rule maxBalance)", () => {
  async function capped(maxBalance: number) {
    const s = await scene(0);
    const rules = (await s.bank.call("GET", "/v1/rules")).body;
    const { version: _v, versions: _vs, ...current } = rules;
    const res = await s.bank.call("POST", "/v1/rules", {
      token: s.bank.admin,
      body: { ...current, maxBalance, effectiveFrom: s.bank.clock.now().toISOString() },
    });
    expect(res.status).toBe(201);
    expect(res.body.maxBalance).toBe(maxBalance);
    return s;
  }

  it("a credit above the cap sends the rest to the wish pool in the same transaction; all of it is earned", async () => {
    const { bank, alice, bob, give } = await capped(100);
    const tx = await grantPoints(bank, alice.id, 130);
    expect(await passbookBalance(bank, alice.id)).toBe(100);
    expect(await balanceOf(bank, POOL)).toBe(30);
    expect(await earned(bank, alice.id)).toEqual({ earnedTotal: 130, stars: 2 });
    const pb = (await bank.call("GET", `/v1/members/${alice.id}/passbook`, { token: alice.token })).body;
    expect(pb.entries[0]).toMatchObject({ transactionId: tx, amount: 100, balanceAfter: 100, toWishPool: 30 });
    // Already full: the whole credit goes to the pool, and the passbook still shows it.
    const full = await grantPoints(bank, alice.id, 20);
    const pb2 = (await bank.call("GET", `/v1/members/${alice.id}/passbook`, { token: alice.token })).body;
    expect(pb2.entries[0]).toMatchObject({ transactionId: full, amount: 0, balanceAfter: 100, toWishPool: 20 });
    expect((await bank.call("GET", "/v1/public/pools/wish")).body.income).toEqual({ gifts: 0, aboveCap: 50, total: 50 });
    // A gift to a full passbook goes to the pool too.
    await grantPoints(bank, bob.id, 0 + 60);
    expect((await give(bob.token, { fromMemberId: bob.id, to: { memberId: alice.id }, points: 60 })).status).toBe(201);
    expect(await passbookBalance(bank, alice.id)).toBe(100);
    expect(await balanceOf(bank, POOL)).toBe(110);
    // Reversing the capped credit takes back both parts and the whole earned amount.
    const rev = await bank.call("POST", `/v1/transactions/${tx}/reverse`, { token: bank.admin, body: { reason: "录入错误" } });
    expect(rev.status).toBe(201);
    expect(await passbookBalance(bank, alice.id)).toBe(0);
    expect(await balanceOf(bank, POOL)).toBe(80);
    expect((await earned(bank, alice.id)).earnedTotal).toBe(20);
    // And the already-full credit's zero posting is left out of its reversal.
    expect((await bank.call("POST", `/v1/transactions/${full}/reverse`, { token: bank.admin, body: { reason: "录入错误" } })).status).toBe(201);
    expect(await balanceOf(bank, POOL)).toBe(60);
    expect((await ledgerInvariants(bank)).sums.PTS).toBe(0);
    await bank.settle();
    expect(await verifyStoredChain(bank.db)).toBeNull();
    const published = await bank.call("GET", "/v1/public/ledger");
    expect(published.body.items.find((t: { id: string }) => t.id === full).postings.map((p: { amount: number }) => p.amount).sort()).toEqual([-20, 0, 20]);
  });
});

describe("stars follow corrections", () => {
  it("a typo of 100,000 for 1,000, reversed, withdraws the stars 95 points no longer support; the history keeps why", async () => {
    const bank = await makeBank();
    const c = await bank.community();
    const member = await bank.member(c.id);
    await grantPoints(bank, member.id, 95);
    const typo = await grantPoints(bank, member.id, 100_000);
    expect(await earned(bank, member.id)).toEqual({ earnedTotal: 100_095, stars: 5 });
    const rev = await bank.call("POST", `/v1/transactions/${typo}/reverse`, { token: bank.admin, body: { reason: "金额录入错误" } });
    expect(rev.status).toBe(201);
    expect(await earned(bank, member.id)).toEqual({ earnedTotal: 95, stars: 1 });
    const pb = (await bank.call("GET", `/v1/members/${member.id}/passbook`, { token: member.token })).body;
    expect(pb).toMatchObject({ stars: 1, title: null });
    expect(pb.levels.map((l: { stars: number }) => l.stars)).toEqual([1]);
    expect(pb.levelWithdrawals.map((w: { stars: number }) => w.stars)).toEqual([5, 4, 3, 2]);
    expect(pb.levelWithdrawals[0]).toMatchObject({ transactionId: rev.body.id, reason: "金额录入错误", at: rev.body.at });
    // Earning again gives the stars back, with the new date.
    await grantPoints(bank, member.id, 10);
    expect(await earned(bank, member.id)).toEqual({ earnedTotal: 105, stars: 2 });
  });

  it("redeeming and giving never lower a star", async () => {
    const { bank, alice, bob, give } = await scene(120);
    await give(alice.token, { fromMemberId: alice.id, to: { memberId: bob.id }, points: 120 });
    expect(await earned(bank, alice.id)).toEqual({ earnedTotal: 120, stars: 2 });
  });
});
