import { describe, expect, it } from "vitest";
import { makeBank } from "../helpers/setup";
import { giveToFund } from "../helpers/spending";
import { visible } from "../web/client";

// Budgets per purpose and year, against what the ledger actually spent in the bank's calendar
// year (Asia/Shanghai: the year starts at 16:00 UTC on 31 December).

async function scene() {
  const bank = await makeBank({ clockStart: "2026-03-01T08:00:00.000Z" });
  await giveToFund(bank, 10_000_000);
  const budget = (body: Record<string, unknown>, token = bank.admin) => bank.call("POST", "/v1/fund/budgets", { token, body });
  // A token of the clock's now: the tests move the clock further than a login lasts.
  const spend = async (amountFen: number, purpose = "hardship_aid") =>
    bank.call("POST", "/v1/fund/expenses", {
      token: await bank.token({ role: "admin" }),
      body: { amountFen, purpose, description: "救助", payee: "县民政局", receiptRef: "FP-1" },
    });
  return { bank, budget, spend };
}

const line = (body: { lines: { purpose: string }[] }, purpose: string) => body.lines.find((l) => l.purpose === purpose);

describe("fund budgets", () => {
  it("an administrator sets a budget per purpose and year; actual, remaining and the share used follow the ledger", async () => {
    const { bank, budget, spend } = await scene();
    const set = await budget({ year: 2026, purpose: "hardship_aid", amountFen: 300_000 });
    expect(set.status).toBe(201);
    expect(set.body).toEqual({ year: 2026, purpose: "hardship_aid", amountFen: 300_000 });
    await spend(100_000);
    const spent = (await spend(12_345)).body;
    await spend(50_000, "operations");
    const res = await bank.call("GET", "/v1/fund/budget?year=2026");
    expect(res.status).toBe(200);
    expect(res.body.year).toBe(2026);
    expect(line(res.body, "hardship_aid")).toEqual({ purpose: "hardship_aid", budgetFen: 300_000, actualFen: 112_345, remainingFen: 187_655, usedBasisPoints: 3744 });
    expect(line(res.body, "operations")).toEqual({ purpose: "operations", budgetFen: null, actualFen: 50_000, remainingFen: null, usedBasisPoints: null });
    expect(res.body.lines).toHaveLength(5);
    // setting it again replaces it; a reversal takes its expense out of the actual
    await budget({ year: 2026, purpose: "hardship_aid", amountFen: 100_000 });
    await bank.call("POST", `/v1/transactions/${spent.transactionId}/reverse`, { token: bank.admin, body: { reason: "重复" } });
    const after = (await bank.call("GET", "/v1/fund/budget?year=2026")).body;
    expect(line(after, "hardship_aid")).toEqual({ purpose: "hardship_aid", budgetFen: 100_000, actualFen: 100_000, remainingFen: 0, usedBasisPoints: 10_000 });
    // without a year: this year in the bank's time zone
    expect((await bank.call("GET", "/v1/fund/budget")).body.year).toBe(2026);
  });

  it("the year is the bank's: an expense at 17:00 UTC on 31 December counts in the next year", async () => {
    const { bank, spend } = await scene();
    bank.clock.set("2026-12-31T15:59:59.999Z");
    await spend(1_000);
    bank.clock.set("2026-12-31T16:00:00.000Z");
    await spend(2_000);
    expect(line((await bank.call("GET", "/v1/fund/budget?year=2026")).body, "hardship_aid")).toMatchObject({ actualFen: 1_000 });
    expect(line((await bank.call("GET", "/v1/fund/budget?year=2027")).body, "hardship_aid")).toMatchObject({ actualFen: 2_000 });
    expect((await bank.call("GET", "/v1/fund/budget")).body.year).toBe(2027);
  });

  it("only an administrator sets budgets; bad bodies and years are 400", async () => {
    const { bank, budget } = await scene();
    const c = await bank.community();
    expect((await budget({ year: 2026, purpose: "operations", amountFen: 1 }, await bank.staff(c.id))).status).toBe(403);
    expect((await bank.call("POST", "/v1/fund/budgets", { body: { year: 2026, purpose: "operations", amountFen: 1 } })).status).toBe(401);
    for (const body of [{ year: 1999, purpose: "operations", amountFen: 1 }, { year: 2026, purpose: "fun", amountFen: 1 }, { year: 2026, purpose: "operations", amountFen: -1 }, { year: 2026, purpose: "operations", amountFen: 1.5 }, { year: 2026, purpose: "operations" }]) {
      expect((await budget(body)).status, JSON.stringify(body)).toBe(400);
    }
    for (const q of ["year=abc", "year=1999", "year=2026&x=1"]) expect((await bank.call("GET", `/v1/fund/budget?${q}`)).status, q).toBe(400);
  });

  it("/fund shows budget against actual as a chart and a table, with its CSV", async () => {
    const { bank, budget, spend } = await scene();
    await budget({ year: 2026, purpose: "hardship_aid", amountFen: 400_000 });
    await spend(100_000);
    const page = await bank.call("GET", "/fund");
    const text = visible(String(page.body));
    expect(text).toContain("预算执行情况（按用途） · 2026");
    expect(text).toContain("帮困 4,000.00 1,000.00 3,000.00 25.00%");
    expect(String(page.body)).toContain('<desc id="budget-chart-desc">助残: ¥0.00 · 未设预算; 扶贫: ¥0.00 · 未设预算; 帮困: ¥1,000.00 / ¥4,000.00 · 25.00%');
    const csv = await bank.call("GET", "/csv/fund-budget.csv?year=2026");
    expect(csv.status).toBe(200);
    expect(String(csv.body)).toContain("帮困,4000.00,1000.00,3000.00,25.00%");
  });
});
