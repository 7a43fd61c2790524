import { describe, expect, it } from "vitest";
import { makeBank } from "../helpers/setup";
import { giveToFund } from "../helpers/spending";

// The console's worklist shows fund expenses waiting for a second person's approval: staff their
// community's, administrators all (or one community's), each saying whether the caller recorded
// it (and so cannot approve it).

describe("pending expenses on the worklist", () => {
  it("lists them per community, marks the caller's own, and drops them once decided; the console shows them", async () => {
    const bank = await makeBank();
    const a = await bank.community("东门社区");
    const b = await bank.community("金川社区");
    const staffA = await bank.staff(a.id);
    const staffA2 = await bank.staff(a.id);
    const staffB = await bank.staff(b.id);
    await giveToFund(bank, 10_000_000);
    const rules = (await bank.call("GET", "/v1/rules")).body;
    const { version: _v, versions: _all, effectiveFrom: _f, ...values } = rules;
    expect((await bank.call("POST", "/v1/rules", { token: bank.admin, body: { ...values, expenseApprovalAboveFen: 100_000, effectiveFrom: bank.clock.now().toISOString() } })).status).toBe(201);
    const spend = async (token: string, amountFen: number, description: string) => {
      const res = await bank.call("POST", "/v1/fund/expenses", { token, body: { amountFen, purpose: "hardship_aid", description, payee: "县民政局", receiptRef: "FP" } });
      expect(res.status).toBe(201);
      return res.body;
    };
    const big = await spend(staffA, 500_000, "冬季大额救助");
    await spend(staffA, 50_000, "小额，当即支付");
    await spend(staffB, 300_000, "金川救助");
    await spend(bank.admin, 800_000, "全县统筹");
    const worklist = async (token: string, query = "") => (await bank.call("GET", `/v1/worklist${query}`, { token })).body.pendingExpenses;

    const ownView = await worklist(staffA);
    expect(ownView).toEqual({
      count: 1,
      items: [expect.objectContaining({ id: big.id, amountFen: 500_000, purpose: "hardship_aid", payee: "县民政局", description: "冬季大额救助", communityId: a.id, recordedByYou: true })],
    });
    expect((await worklist(staffA2)).items[0]).toMatchObject({ id: big.id, recordedByYou: false });
    expect((await worklist(staffB)).items.map((e: { description: string }) => e.description)).toEqual(["金川救助"]);
    const all = await worklist(bank.admin);
    expect(all.count).toBe(3);
    expect(all.items.map((e: { description: string }) => e.description)).toEqual(["冬季大额救助", "金川救助", "全县统筹"]);
    expect((await worklist(bank.admin, `?communityId=${a.id}`)).count).toBe(1);

    const page = await bank.app.request("/staff", { headers: { cookie: `lsb_session=${staffA2}` } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("待审批的基金支出");
    expect(html).toContain("冬季大额救助");
    expect(html).toContain("5,000.00");
    const mine = await (await bank.app.request("/staff", { headers: { cookie: `lsb_session=${staffA}` } })).text();
    expect(mine).toContain("本人登记，须由同事审批");

    expect((await bank.call("POST", `/v1/fund/expenses/${big.id}/approve`, { token: staffA2, body: {} })).status).toBe(200);
    expect(await worklist(staffA)).toEqual({ count: 0, items: [] });
    expect(await (await bank.app.request("/staff", { headers: { cookie: `lsb_session=${staffA2}` } })).text()).not.toContain("冬季大额救助");
  });
});
