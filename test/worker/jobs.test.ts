import { describe, expect, it } from "vitest";
import { DAY_MS } from "../../src/clock";
import { verifyStoredChain } from "../../src/ledger/chain";
import { runScheduledJobs } from "../../src/jobs";
import { makeBank } from "../helpers/setup";
import { grantPoints, merchantWithType, passbookBalance } from "../helpers/spending";

// The cron's work as one run, in Node with a ManualClock (the Worker passes the cron's
// scheduledTime the same way; test/worker/workerd.test.ts runs it inside workerd).

describe("runScheduledJobs", () => {
  it("does everything due at the clock's time in one run, seals the transactions it made, and a second run does nothing", async () => {
    const bank = await makeBank({ clockStart: "2026-06-01T08:00:00.000Z" });
    const c = await bank.community();
    const staff = await bank.staff(c.id);
    const m = await bank.member(c.id);
    await grantPoints(bank, m.id, 80);
    const { typeId } = await merchantWithType(bank, { pointsCost: 50, validDays: 10 });
    const voucher = await bank.call("POST", "/v1/vouchers", { token: m.token, body: { voucherTypeId: typeId } });
    expect(voucher.status, JSON.stringify(voucher.body)).toBe(201);
    const wish = await bank.call("POST", "/v1/wishes", {
      token: staff,
      body: { title: "冬衣", description: "一件冬衣", kind: "goods", beneficiaryGroup: "elderly", beneficiary: { name: "王奶奶" } },
    });
    const claim = await bank.call("POST", `/v1/wishes/${wish.body.id}/claim`, { token: m.token, body: {} });
    expect(claim.status, JSON.stringify(claim.body)).toBe(200);
    await bank.settle();

    const run = () => runScheduledJobs({ db: bank.db, clock: bank.clock, claimDays: 7 });
    expect(await run()).toMatchObject({ vouchersExpired: 0, claimsReleased: 0, sealed: 0 });

    bank.clock.advance(10 * DAY_MS + 1);
    const first = await run();
    expect(first).toMatchObject({ vouchersExpired: 1, claimsReleased: 1, sealed: 1 });
    expect(await passbookBalance(bank, m.id)).toBe(80);
    const unsealed = await bank.db.client.execute("SELECT COUNT(*) AS n FROM ledger_transactions WHERE hash IS NULL");
    expect(Number(unsealed.rows[0]!.n)).toBe(0);
    expect(await verifyStoredChain(bank.db)).toBeNull();

    expect(await run()).toMatchObject({ vouchersExpired: 0, claimsReleased: 0, sealed: 0 });
  });
});
