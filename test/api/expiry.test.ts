import { describe, expect, it } from "vitest";
import { defaultBankTime } from "../../src/bank-time";
import { expirePoints } from "../../src/domain/expiry";
import { runScheduledJobs } from "../../src/jobs";
import { verifyStoredChain } from "../../src/ledger/chain";
import { makeBank, serveBank, type TestBank } from "../helpers/setup";
import { balanceOf, grantPoints, ledgerInvariants, merchantWithType, passbookBalance } from "../helpers/spending";

// pointsValidYears: points earned in bank year Y expire at the end of Y + N, first earned first
// spent; the scheduled job moves them to points:expired. Bank year = Asia/Shanghai.

const EXPIRED = "points:expired";

async function withExpiry(years: number, start = "2023-01-01T00:00:00.000Z") {
  const bank = await makeBank({ clockStart: start });
  const rules = (await bank.call("GET", "/v1/rules")).body;
  const { version: _v, versions: _vs, ...current } = rules;
  const res = await bank.call("POST", "/v1/rules", { token: bank.admin, body: { ...current, pointsValidYears: years, effectiveFrom: start } });
  expect(res.status).toBe(201);
  const c = await bank.community();
  const member = await bank.member(c.id);
  return { bank, c, member };
}

const run = (bank: TestBank) => expirePoints(bank.db, bank.clock.now().toISOString(), defaultBankTime);

describe("points that expire (rule pointsValidYears)", () => {
  it("first earned, first spent: what is left of a year's points expires at the end of year + N; stars and earned total stay", async () => {
    const { bank, member } = await withExpiry(2);
    await grantPoints(bank, member.id, 100, "2023-03-01T02:00:00.000Z");
    await grantPoints(bank, member.id, 40, "2024-03-01T02:00:00.000Z");
    const shop = await merchantWithType(bank, { pointsCost: 60, validDays: 3000 });
    bank.clock.set("2024-06-01T02:00:00.000Z");
    const token = await bank.token({ role: "member", memberId: member.id });
    expect((await bank.call("POST", "/v1/vouchers", { token, body: { voucherTypeId: shop.typeId } })).status).toBe(201);

    // The end of 2025 in Beijing: 2025-12-31T16:00Z. A moment before, nothing has expired.
    bank.clock.set("2025-12-31T15:59:00.000Z");
    expect(await run(bank)).toBe(0);
    const before = (await bank.call("GET", `/v1/members/${member.id}/passbook`, { token: await bank.token({ role: "member", memberId: member.id }) })).body;
    expect(before.expiring).toEqual({ points: 40, at: "2025-12-31T16:00:00.000Z", expiredPoints: 0 });

    bank.clock.set("2025-12-31T16:00:00.000Z");
    expect(await run(bank)).toBe(1);
    expect(await run(bank)).toBe(0); // a second run takes nothing twice
    expect(await passbookBalance(bank, member.id)).toBe(40); // 2024's 40 are left; 2023's 100 − 60 spent expired
    expect(await balanceOf(bank, EXPIRED)).toBe(40);
    const pb = (await bank.call("GET", `/v1/members/${member.id}/passbook`, { token: await bank.token({ role: "member", memberId: member.id }) })).body;
    expect(pb).toMatchObject({ balance: 40, earnedTotal: 140, stars: 2 });
    expect(pb.entries[0]).toMatchObject({ kind: "points_expired", amount: -40, balanceAfter: 40 });
    expect(pb.expiring).toEqual({ points: 40, at: "2026-12-31T16:00:00.000Z", expiredPoints: 0 });

    bank.clock.set("2026-12-31T16:00:00.000Z");
    const done = await runScheduledJobs({ db: bank.db, clock: bank.clock });
    expect(done.pointsExpired).toBe(1);
    expect(await passbookBalance(bank, member.id)).toBe(0);
    expect((await ledgerInvariants(bank)).sums.PTS).toBe(0);
    await bank.settle();
    expect(await verifyStoredChain(bank.db)).toBeNull();
  });

  it("a refund gives back what was spent, a reversed credit leaves its own year; points from before expiry was switched on never expire", async () => {
    const bank = await makeBank({ clockStart: "2022-05-01T00:00:00.000Z" });
    const c = await bank.community();
    const member = await bank.member(c.id);
    await grantPoints(bank, member.id, 30, "2022-05-01T00:00:00.000Z"); // under a rule with no expiry
    const shop = await merchantWithType(bank, { pointsCost: 40, validDays: 3000 });
    bank.clock.set("2023-01-01T00:00:00.000Z");
    const admin = await bank.token({ role: "admin" });
    const { version: _v, versions: _vs, ...current } = (await bank.call("GET", "/v1/rules")).body;
    expect((await bank.call("POST", "/v1/rules", { token: admin, body: { ...current, pointsValidYears: 1, effectiveFrom: "2023-01-01T00:00:00.000Z" } })).status).toBe(201);
    await grantPoints(bank, member.id, 50, "2023-02-01T00:00:00.000Z");
    const typo = await grantPoints(bank, member.id, 20, "2023-03-01T00:00:00.000Z");
    const token = await bank.token({ role: "member", memberId: member.id });
    const v = await bank.call("POST", "/v1/vouchers", { token, body: { voucherTypeId: shop.typeId } });
    expect((await bank.call("POST", `/v1/vouchers/${v.body.code}/cancel`, { token, body: {} })).status).toBe(200);
    expect((await bank.call("POST", `/v1/transactions/${typo}/reverse`, { token: admin, body: { reason: "录入错误" } })).status).toBe(201);
    bank.clock.set("2024-12-31T16:00:00.000Z"); // end of 2023 + 1
    expect(await run(bank)).toBe(1);
    expect(await passbookBalance(bank, member.id)).toBe(30); // 2022's 30 stay; 2023's 50 expired
    expect(await balanceOf(bank, EXPIRED)).toBe(50);
  });

  it("race: expiry racing a redemption never takes the same points twice", async () => {
    for (let round = 0; round < 4; round++) {
      const { bank, member } = await withExpiry(1);
      await grantPoints(bank, member.id, 100, "2023-03-01T02:00:00.000Z");
      const shop = await merchantWithType(bank, { pointsCost: 70, validDays: 3000 });
      bank.clock.set("2024-12-31T16:00:00.000Z");
      const token = await bank.token({ role: "member", memberId: member.id });
      const server = await serveBank(bank);
      try {
        const redeem = fetch(`${server.url}/v1/vouchers`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify({ voucherTypeId: shop.typeId }),
        }).then((r) => r.status);
        const [status, expired] = await Promise.all([redeem, run(bank)]);
        const again = await run(bank);
        const balance = await passbookBalance(bank, member.id);
        const spent = status === 201 ? 70 : 0;
        // Whatever the order: the expired and spent points are what came in, never more.
        expect(balance + spent + (await balanceOf(bank, EXPIRED))).toBe(100);
        expect(balance).toBe(0);
        expect(expired + again).toBeGreaterThanOrEqual(1);
        expect((await ledgerInvariants(bank)).drifted).toEqual([]);
      } finally {
        await server.close();
      }
    }
  });

  it("without pointsValidYears nothing expires and the passbook says so", async () => {
    const bank = await makeBank({ clockStart: "2020-01-01T00:00:00.000Z" });
    const c = await bank.community();
    const member = await bank.member(c.id);
    await grantPoints(bank, member.id, 10, "2020-01-02T00:00:00.000Z");
    bank.clock.set("2030-01-01T00:00:00.000Z");
    expect(await run(bank)).toBe(0);
    const pb = (await bank.call("GET", `/v1/members/${member.id}/passbook`, { token: await bank.token({ role: "member", memberId: member.id }) })).body;
    expect(pb.expiring).toBeNull();
    expect(pb.balance).toBe(10);
  });
});
