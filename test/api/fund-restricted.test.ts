import { describe, expect, it } from "vitest";
import { makeBank, type TestBank } from "../helpers/setup";
import { balanceOf, giveToFund, ledgerInvariants } from "../helpers/spending";

// Restricted (定向) donations: one ledger account per restriction, drawn first by the expenses
// that match it (most specific restriction first, oldest donation first), never by others.

const CASH = "fund:cash";
const TOTAL = "fund:restricted";

async function scene() {
  const bank = await makeBank();
  const a = await bank.community("东门社区");
  const b = await bank.community("金川社区");
  const staffA = await bank.staff(a.id);
  const staffB = await bank.staff(b.id);
  const give = async (amountFen: number, restriction?: Record<string, unknown>, token = bank.admin) => {
    const res = await bank.call("POST", "/v1/donations", {
      token,
      body: { donor: { type: "company", name: "常山村镇银行" }, kind: "money", amountFen, ...(restriction ? { restriction } : {}) },
    });
    return res;
  };
  const spend = (token: string, over: Record<string, unknown> = {}) =>
    bank.call("POST", "/v1/fund/expenses", {
      token,
      body: { amountFen: 10_000, purpose: "disability_aid", description: "轮椅", payee: "县康复辅具中心", receiptRef: "FP-1", ...over },
    });
  const reverse = (id: string) => bank.call("POST", `/v1/transactions/${id}/reverse`, { token: bank.admin, body: { reason: "录入错误" } });
  const donation = async (id: string) => (await bank.call("GET", `/v1/donations/${id}`)).body;
  return { bank, a, b, staffA, staffB, give, spend, reverse, donation };
}

const restrictedSum = async (bank: TestBank) =>
  Number((await bank.db.client.execute("SELECT IFNULL(SUM(balance), 0) AS s FROM accounts WHERE kind = 'fund_restricted'")).rows[0]!.s);

describe("restricted donations", () => {
  it("a restricted gift is fund income and sits in its restriction's own account", async () => {
    const { bank, b, give, donation } = await scene();
    const res = await give(50_000, { purpose: "disability_aid", communityId: b.id });
    expect(res.status).toBe(201);
    expect(res.body.restriction).toEqual({ purpose: "disability_aid", communityId: b.id, usedFen: 0, remainingFen: 50_000 });
    expect(await balanceOf(bank, CASH)).toBe(50_000);
    expect(await balanceOf(bank, `fund:restricted:disability_aid:${b.id}`)).toBe(50_000);
    expect(await balanceOf(bank, TOTAL)).toBe(-50_000);
    const tx = await bank.call("GET", `/v1/transactions/${res.body.transactionId}`, { token: bank.admin });
    expect(tx.body.postings.map((p: { account: string; amount: number }) => [p.account, p.amount])).toEqual([
      ["fund:cash", 50_000],
      ["fund:income:company", -50_000],
      [`fund:restricted:disability_aid:${b.id}`, 50_000],
      [TOTAL, -50_000],
    ]);
    expect((await donation(res.body.id)).drawnBy).toEqual([]);
    const statement = (await bank.call("GET", "/v1/fund/statement")).body;
    expect(statement.income.find((i: { source: string }) => i.source === "company").amountFen).toBe(50_000);
    expect((await ledgerInvariants(bank)).sums.CNY).toBe(0);
  });

  it("staff of community A cannot spend money restricted to B: 409 insufficient_funds though the cash is there", async () => {
    const { bank, b, staffA, staffB, give, spend } = await scene();
    await give(50_000, { communityId: b.id });
    const res = await spend(staffA);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("insufficient_funds");
    expect(await balanceOf(bank, CASH)).toBe(50_000);
    // nor can an administrator spend it for the county, or B for another purpose of A's
    expect((await spend(bank.admin)).body.error.code).toBe("insufficient_funds");
    const ok = await spend(staffB, { purpose: "operations" });
    expect(ok.status).toBe(201);
    expect(ok.body.restricted).toHaveLength(1);
  });

  it("an expense draws matching restricted money first, most specific first, oldest first; the rest is unrestricted", async () => {
    const { bank, b, staffB, give, spend, donation } = await scene();
    const anyPurposeB = (await give(3_000, { communityId: b.id })).body;
    const purposeOnly = (await give(4_000, { purpose: "disability_aid" })).body;
    const exactOld = (await give(1_000, { purpose: "disability_aid", communityId: b.id })).body;
    const exactNew = (await give(2_000, { purpose: "disability_aid", communityId: b.id })).body;
    const other = (await give(9_000, { purpose: "poverty_relief" })).body;
    await giveToFund(bank, 5_000);
    const res = await spend(staffB, { amountFen: 12_000 });
    expect(res.status).toBe(201);
    expect(res.body.restricted).toEqual([
      { donationId: exactOld.id, amountFen: 1_000 },
      { donationId: exactNew.id, amountFen: 2_000 },
      { donationId: purposeOnly.id, amountFen: 4_000 },
      { donationId: anyPurposeB.id, amountFen: 3_000 },
    ]);
    expect(await balanceOf(bank, CASH)).toBe(12_000);
    expect(await restrictedSum(bank)).toBe(9_000); // only the poverty-relief gift is left restricted
    expect(await balanceOf(bank, TOTAL)).toBe(-9_000);
    const used = await donation(exactNew.id);
    expect(used.restriction).toMatchObject({ usedFen: 2_000, remainingFen: 0 });
    expect(used.drawnBy).toEqual([
      { expenseId: res.body.id, amountFen: 2_000, at: res.body.at, purpose: "disability_aid", description: "轮椅", payee: "县康复辅具中心", reversed: false },
    ]);
    expect((await donation(other.id)).restriction).toMatchObject({ usedFen: 0, remainingFen: 9_000 });
    // 3,000 of unrestricted money is left: a 3,001 unrelated expense is refused, 3,000 is fine
    expect((await spend(bank.admin, { amountFen: 3_001, purpose: "operations" })).body.error.code).toBe("insufficient_funds");
    expect((await spend(bank.admin, { amountFen: 3_000, purpose: "operations" })).status).toBe(201);
    expect(await balanceOf(bank, CASH)).toBe(9_000);
  });

  it("a reversed expense gives its draws back; a restricted gift is reversed only while none of it is drawn", async () => {
    const { bank, b, staffB, give, spend, reverse, donation } = await scene();
    const gift = (await give(20_000, { purpose: "disability_aid", communityId: b.id })).body;
    const spent = (await spend(staffB, { amountFen: 5_000 })).body;
    const refused = await reverse(gift.transactionId);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("conflict");
    expect((await reverse(spent.transactionId)).status).toBe(201);
    const back = await donation(gift.id);
    expect(back.restriction).toMatchObject({ usedFen: 0, remainingFen: 20_000 });
    expect(back.drawnBy).toMatchObject([{ expenseId: spent.id, amountFen: 5_000, reversed: true }]);
    expect(await balanceOf(bank, `fund:restricted:disability_aid:${b.id}`)).toBe(20_000);
    expect((await reverse(gift.transactionId)).status).toBe(201);
    expect(await restrictedSum(bank)).toBe(0);
    expect(await balanceOf(bank, TOTAL)).toBe(0);
    expect(await balanceOf(bank, CASH)).toBe(0);
    expect((await donation(gift.id)).reversed).toBe(true);
    // reversed and emptied: nothing can draw on it any more
    await giveToFund(bank, 1_000);
    expect((await spend(staffB, { amountFen: 1_000 })).body.restricted).toEqual([]);
  });

  it("reversing an unrestricted gift already spent is refused when only restricted money would be left", async () => {
    const { bank, b, give, spend, reverse } = await scene();
    const free = (await give(10_000)).body;
    await give(10_000, { communityId: b.id });
    await spend(bank.admin, { amountFen: 5_000, purpose: "operations" });
    const res = await reverse(free.transactionId);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("reversal_would_overdraw");
    expect(await balanceOf(bank, CASH)).toBe(15_000);
  });

  it("refuses bad restrictions: goods, an empty one, another community by staff, an unknown community", async () => {
    const { bank, b, staffA, give } = await scene();
    const goods = await bank.call("POST", "/v1/donations", {
      token: bank.admin,
      body: { donor: { type: "anonymous" }, kind: "goods", goods: { description: "冬衣", quantity: 1, valueFen: 100 }, restriction: { purpose: "operations" } },
    });
    expect(goods.status).toBe(400);
    expect((await give(100, {})).status).toBe(400);
    expect((await give(100, { purpose: "fun" })).status).toBe(400);
    expect((await give(100, { communityId: b.id }, staffA)).status).toBe(403);
    expect((await give(100, { communityId: "nope" })).status).toBe(404);
    expect(await balanceOf(bank, CASH)).toBe(0);
  });

  it("the public donation list shows each restricted gift's use", async () => {
    const { bank, b, staffB, give, spend } = await scene();
    const gift = (await give(8_000, { purpose: "disability_aid", communityId: b.id })).body;
    await spend(staffB, { amountFen: 3_000 });
    const listed = (await bank.call("GET", "/v1/donations")).body.items.find((d: { id: string }) => d.id === gift.id);
    expect(listed.restriction).toEqual({ purpose: "disability_aid", communityId: b.id, usedFen: 3_000, remainingFen: 5_000 });
  });
});
