import { describe, expect, it } from "vitest";
import { makeBank, type TestBank } from "../helpers/setup";
import { balanceOf, giveToFund, ledgerInvariants } from "../helpers/spending";
import { visible } from "../web/client";

// The expense workflow (SPEC v2): a payee and a community on every expense; above the rule's
// expenseApprovalAboveFen an expense waits, moving no money, until a person other than its
// recorder approves or rejects it; the public sees who acted by role and community only.

const CASH = "fund:cash";
const body = (over: Record<string, unknown> = {}) => ({
  amountFen: 500_000,
  purpose: "hardship_aid",
  description: "困难家庭冬季救助",
  payee: "县民政局",
  receiptRef: "FP-2026-0101",
  ...over,
});

async function withThreshold(bank: TestBank, aboveFen: number | null) {
  const current = (await bank.call("GET", "/v1/rules")).body;
  const { version: _v, versions: _all, effectiveFrom: _f, ...values } = current;
  const res = await bank.call("POST", "/v1/rules", {
    token: bank.admin,
    body: { ...values, expenseApprovalAboveFen: aboveFen, effectiveFrom: bank.clock.now().toISOString() },
  });
  expect(res.status).toBe(201);
  return res.body;
}

async function scene() {
  const bank = await makeBank();
  const a = await bank.community("东门社区");
  const b = await bank.community("金川社区");
  const staffA = await bank.staff(a.id);
  const staffA2 = await bank.staff(a.id);
  const staffB = await bank.staff(b.id);
  await giveToFund(bank, 1_000_000);
  await withThreshold(bank, 100_000);
  const spend = (token: string, over: Record<string, unknown> = {}) => bank.call("POST", "/v1/fund/expenses", { token, body: body(over) });
  const approve = (token: string, id: string, headers?: Record<string, string>) =>
    bank.call("POST", `/v1/fund/expenses/${id}/approve`, { token, body: {}, headers });
  const reject = (token: string, id: string, reason = "材料不全") => bank.call("POST", `/v1/fund/expenses/${id}/reject`, { token, body: { reason } });
  return { bank, a, b, staffA, staffA2, staffB, spend, approve, reject };
}

describe("expense approval", () => {
  it("the rule field: null by default, set by a new version, shown by GET /v1/rules", async () => {
    const bank = await makeBank();
    expect((await bank.call("GET", "/v1/rules")).body.expenseApprovalAboveFen).toBeNull();
    const v2 = await withThreshold(bank, 100_000);
    expect(v2.expenseApprovalAboveFen).toBe(100_000);
    expect((await bank.call("GET", "/v1/rules")).body).toMatchObject({ version: v2.version, expenseApprovalAboveFen: 100_000 });
    const bad = await bank.call("POST", "/v1/rules", {
      token: bank.admin,
      body: { ...v2, version: undefined, expenseApprovalAboveFen: -1, effectiveFrom: bank.clock.now().toISOString() },
    });
    expect(bad.status).toBe(400);
  });

  it("at or below the threshold an expense is paid at once; above it, pending and no money moves", async () => {
    const { bank, a, staffA, spend } = await scene();
    const small = await spend(staffA, { amountFen: 100_000 });
    expect(small.body).toMatchObject({ status: "paid", approvedBy: null, recordedBy: { role: "staff", community: a.name } });
    expect(small.body.transactionId).toBeTruthy();
    const big = await spend(staffA);
    expect(big.status).toBe(201);
    expect(big.body).toMatchObject({ status: "pending", transactionId: null, payee: "县民政局", communityId: a.id, community: a.name });
    expect(await balanceOf(bank, CASH)).toBe(900_000);
    const statement = (await bank.call("GET", "/v1/fund/statement")).body;
    expect(statement.spending.find((s: { purpose: string }) => s.purpose === "hardship_aid").amountFen).toBe(100_000);
  });

  it("another staff member of the community approves: paid now, approver by role and community; twice is 409", async () => {
    const { bank, a, staffA, staffA2, spend, approve } = await scene();
    const big = (await spend(staffA)).body;
    const res = await approve(staffA2, big.id);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: big.id, status: "paid", approvedBy: { role: "staff", community: a.name }, decidedAt: bank.clock.now().toISOString() });
    expect(JSON.stringify(res.body)).not.toContain("userId");
    expect(await balanceOf(bank, CASH)).toBe(500_000);
    const tx = await bank.call("GET", `/v1/transactions/${res.body.transactionId}`, { token: bank.admin });
    expect(tx.body).toMatchObject({ kind: "fund_expense", refId: big.id, communityId: a.id });
    const again = await approve(bank.admin, big.id);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("expense_not_pending");
    expect(await balanceOf(bank, CASH)).toBe(500_000);
    expect((await ledgerInvariants(bank)).drifted).toEqual([]);
  });

  it("the recorder cannot approve or reject their own expense: 409 same_person, nothing changes", async () => {
    const { bank, staffA, spend, approve, reject } = await scene();
    const big = (await spend(staffA)).body;
    for (const res of [await approve(staffA, big.id), await reject(staffA, big.id)]) {
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe("same_person");
    }
    const own = (await spend(bank.admin)).body;
    expect((await approve(bank.admin, own.id)).body.error.code).toBe("same_person");
    expect(await balanceOf(bank, CASH)).toBe(1_000_000);
    const listed = (await bank.call("GET", "/v1/fund/expenses?status=pending")).body.items;
    expect(listed.map((e: { id: string }) => e.id).sort()).toEqual([big.id, own.id].sort());
  });

  it("rejecting moves nothing and keeps the reason for staff; it cannot be approved afterwards", async () => {
    const { bank, staffA, staffA2, spend, approve, reject } = await scene();
    const big = (await spend(staffA)).body;
    const res = await reject(staffA2, big.id, "发票抬头不对");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "rejected", transactionId: null, approvedBy: { role: "staff" } });
    expect(res.body.reason).toBeUndefined();
    expect(await balanceOf(bank, CASH)).toBe(1_000_000);
    expect((await approve(bank.admin, big.id)).body.error.code).toBe("expense_not_pending");
    const forStaff = (await bank.call("GET", "/v1/fund/expenses", { token: staffA })).body.items[0];
    expect(forStaff).toMatchObject({ reason: "发票抬头不对", recordedBy: { role: "staff", name: expect.stringMatching(/^staff/) } });
    const forPublic = (await bank.call("GET", "/v1/fund/expenses")).body.items[0];
    expect(forPublic.reason).toBeUndefined();
    expect(JSON.stringify(forPublic)).not.toMatch(/"name"|userId|staff\d/);
    expect((await reject(bank.admin, big.id)).body.error.code).toBe("expense_not_pending");
    expect((await bank.call("POST", `/v1/fund/expenses/${big.id}/reject`, { token: bank.admin, body: {} })).status).toBe(400);
  });

  it("who may not decide: staff of another community, members, no token; an unknown expense is 404", async () => {
    const { bank, a, staffA, staffB, spend, approve, reject } = await scene();
    const big = (await spend(staffA)).body;
    expect((await approve(staffB, big.id)).status).toBe(403);
    expect((await reject(staffB, big.id)).status).toBe(403);
    const member = await bank.member(a.id);
    expect((await approve(member.token, big.id)).status).toBe(403);
    expect((await bank.call("POST", `/v1/fund/expenses/${big.id}/approve`, { body: {} })).status).toBe(401);
    expect((await approve(bank.admin, "nope")).status).toBe(404);
    // an administrator's expense for no community is decided by another administrator only
    const county = (await spend(bank.admin, {})).body;
    expect((await approve(staffA, county.id)).status).toBe(403);
    expect((await approve(await bank.token({ role: "admin" }), county.id)).body.status).toBe("paid");
    expect(await balanceOf(bank, CASH)).toBe(500_000);
  });

  it("an approval the fund cannot pay is 409 insufficient_funds and the expense stays pending", async () => {
    const { bank, staffA, staffA2, spend, approve } = await scene();
    const big = (await spend(staffA, { amountFen: 2_000_000 })).body;
    const res = await approve(staffA2, big.id);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("insufficient_funds");
    expect((await bank.call("GET", "/v1/fund/expenses")).body.items[0].status).toBe("pending");
    await giveToFund(bank, 1_000_000);
    expect((await approve(staffA2, big.id)).body.status).toBe("paid");
    expect(await balanceOf(bank, CASH)).toBe(0);
  });

  it("an approval with an Idempotency-Key pays once and replays its reply", async () => {
    const { bank, staffA, staffA2, spend, approve } = await scene();
    const big = (await spend(staffA)).body;
    const headers = { "idempotency-key": "approve-1" };
    const first = await approve(staffA2, big.id, headers);
    const again = await approve(staffA2, big.id, headers);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(await balanceOf(bank, CASH)).toBe(500_000);
  });

  it("parallel approvals of one expense: exactly one pays", async () => {
    const { bank, staffA, spend, approve } = await scene();
    const big = (await spend(staffA)).body;
    const others = await Promise.all([1, 2, 3, 4].map(() => bank.token({ role: "admin" })));
    const results = await Promise.all(others.map((t) => approve(t, big.id)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(3);
    expect(await balanceOf(bank, CASH)).toBe(500_000);
  });

  it("an expense needs a payee", async () => {
    const { staffA, spend } = await scene();
    for (const payee of [undefined, "", " ", "x".repeat(101)]) {
      const res = await spend(staffA, { payee });
      expect(res.status, String(payee)).toBe(400);
    }
  });
});

describe("reversals in public", () => {
  it("a reversed expense and a reversed donation are marked 已冲正 on the pages and in the CSVs; totals leave them out", async () => {
    const { bank, staffA, spend } = await scene();
    const gift = (await bank.call("POST", "/v1/donations", {
      token: bank.admin,
      body: { donor: { type: "company", name: "冲正测试企业" }, kind: "money", amountFen: 7_000 },
    })).body;
    const paid = (await spend(staffA, { amountFen: 20_000, description: "录错的支出" })).body;
    await spend(staffA, { amountFen: 30_000, description: "真实的支出" });
    for (const tx of [paid.transactionId, gift.transactionId]) {
      expect((await bank.call("POST", `/v1/transactions/${tx}/reverse`, { token: bank.admin, body: { reason: "录入错误" } })).status).toBe(201);
    }
    const listed = (await bank.call("GET", "/v1/fund/expenses")).body.items;
    expect(listed.find((e: { id: string }) => e.id === paid.id)).toMatchObject({ reversed: true, status: "paid" });
    const summary = (await bank.call("GET", "/v1/public/summary")).body;
    expect(summary.fund.spentFen).toBe(30_000);
    const fundPage = String((await bank.call("GET", "/fund")).body);
    expect(fundPage).toMatch(/录错的支出[\s\S]*?已冲正/);
    expect(visible(fundPage)).toContain("300.00 基金支出（元）");
    const csv = String((await bank.call("GET", "/csv/expenses.csv")).body);
    expect(csv.split("\r\n").find((l) => l.includes("录错的支出"))).toContain("已冲正");
    expect(csv.split("\r\n").find((l) => l.includes("真实的支出"))).toContain("已支付");
    const donations = String((await bank.call("GET", "/csv/donations.csv")).body);
    expect(donations.split("\r\n").find((l) => l.includes("冲正测试企业"))).toContain("已冲正");
    expect(String((await bank.call("GET", "/donations")).body)).toMatch(/冲正测试企业[\s\S]*?已冲正/);
  });
});
