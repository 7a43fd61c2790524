import { beforeAll, describe, expect, it } from "vitest";
import { makeBank, type TestBank } from "../helpers/setup";
import { wishBody } from "../helpers/earning";

// The annual report (SPEC v2): one bank year (Asia/Shanghai) of the fund, restricted money,
// wishes, service and honours, with the ledger checkpoint that stood at the year's end.

let bank: TestBank;
let a: { id: string; name: string };
let staffA: string;
let staffA2: string;
let restrictedId: string;
let hardshipExpenseId: string;

const must = async (method: string, path: string, token: string, body?: unknown) => {
  const res = await bank.call(method, path, { token, body });
  expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
  return res.body;
};
const report = (year: number | string) => bank.call("GET", `/v1/public/annual-report?year=${year}`);

beforeAll(async () => {
  bank = await makeBank({ clockStart: "2025-03-01T02:00:00.000Z" });
  a = await bank.community("东门社区");
  staffA = await bank.staff(a.id);
  staffA2 = await bank.staff(a.id);
  const member = await bank.member(a.id);
  await must("POST", "/v1/fund/budgets", bank.admin, { year: 2025, purpose: "hardship_aid", amountFen: 100_000 });
  await must("POST", "/v1/donations", staffA, { donor: { type: "company", name: "县建材公司" }, kind: "money", amountFen: 200_000 });
  await must("POST", "/v1/donations", staffA, { donor: { type: "anonymous" }, kind: "money", amountFen: 30_000 });
  restrictedId = (
    await must("POST", "/v1/donations", staffA, {
      donor: { type: "company", name: "爱心药店" },
      kind: "money",
      amountFen: 50_000,
      restriction: { purpose: "hardship_aid", communityId: a.id },
    })
  ).id;
  bank.clock.advance(60_000);
  const hardship = await must("POST", "/v1/fund/expenses", staffA, {
    amountFen: 40_000, purpose: "hardship_aid", description: "困难家庭慰问", payee: "县民政局", receiptRef: "FP-1",
  });
  hardshipExpenseId = hardship.id;
  const wrong = await must("POST", "/v1/fund/expenses", staffA, {
    amountFen: 7_000, purpose: "operations", description: "打印（录错）", payee: "打印店", receiptRef: "FP-2",
  });
  await must("POST", `/v1/transactions/${wrong.transactionId}/reverse`, bank.admin, { reason: "录错" });
  await must("POST", "/v1/fund/expenses", staffA, { amountFen: 5_000, purpose: "operations", description: "打印", payee: "打印店", receiptRef: "FP-3" });

  const wish = await must("POST", "/v1/wishes", staffA, wishBody());
  await must("POST", `/v1/wishes/${wish.id}/claim`, member.token, {});
  await must("POST", `/v1/wishes/${wish.id}/fulfil`, member.token, {});
  await must("POST", "/v1/wishes", staffA, wishBody({ title: "第二个心愿" }));
  const record = await must("POST", "/v1/service-records", staffA, { memberId: member.id, date: "2025-03-01", minutes: 150, description: "陪伴老人" });
  await must("POST", `/v1/service-records/${record.id}/approve`, staffA2, {});
  await must("POST", "/v1/awards", bank.admin, { year: 2025, memberId: member.id, title: "优秀志愿者", citation: "全年陪伴独居老人" });
  await bank.settle();
  // 1 January 2026, 01:00 in Beijing (still 31 December in UTC): the next bank year.
  bank.clock.set("2025-12-31T17:00:00.000Z");
  await must("POST", "/v1/donations", await bank.token({ role: "staff", communityId: a.id }), { donor: { type: "individual", name: "张先生" }, kind: "money", amountFen: 9_900 });
  await bank.settle();
});

describe("GET /v1/public/annual-report", () => {
  it("a year with data: income by source, spending against budget, restricted money and its use, wishes, hours, honours", async () => {
    const res = await report(2025);
    expect(res.status).toBe(200);
    const r = res.body;
    expect(r).toMatchObject({ year: 2025, from: "2024-12-31T16:00:00.000Z", to: "2025-12-31T16:00:00.000Z" });
    expect(r.fund.income).toEqual([
      { source: "member", amountFen: 0 },
      { source: "company", amountFen: 250_000 },
      { source: "individual", amountFen: 0 },
      { source: "anonymous", amountFen: 30_000 },
    ]);
    expect(r.fund).toMatchObject({ openingBalanceFen: 0, incomeFen: 280_000, spentFen: 45_000, closingBalanceFen: 235_000 });
    expect(r.fund.spending.find((l: { purpose: string }) => l.purpose === "hardship_aid")).toEqual({
      purpose: "hardship_aid", budgetFen: 100_000, actualFen: 40_000, remainingFen: 60_000, usedBasisPoints: 4_000,
    });
    // The reversed expense counts nothing: operations is the 50 yuan that stood.
    expect(r.fund.spending.find((l: { purpose: string }) => l.purpose === "operations")).toMatchObject({ budgetFen: null, actualFen: 5_000 });

    expect(r.restricted).toHaveLength(1);
    expect(r.restricted[0]).toMatchObject({
      id: restrictedId,
      donor: { type: "company", name: "爱心药店" },
      amountFen: 50_000,
      restriction: { purpose: "hardship_aid", communityId: a.id, community: a.name, usedFen: 40_000, remainingFen: 10_000 },
      reversed: false,
    });
    expect(r.restricted[0].drawnBy).toEqual([
      expect.objectContaining({ expenseId: hardshipExpenseId, amountFen: 40_000, purpose: "hardship_aid", payee: "县民政局", reversed: false }),
    ]);
    expect(r.wishes).toEqual({ collected: 2, fulfilled: 1 });
    expect(r.service).toEqual({ minutes: 150, volunteers: 1 });
    expect(r.honours).toEqual([expect.objectContaining({ year: 2025, title: "优秀志愿者", citation: "全年陪伴独居老人", community: a.name })]);
  });

  it("agrees with the fund statement and the budget for the same year", async () => {
    const r = (await report(2025)).body;
    const statement = (await bank.call("GET", `/v1/fund/statement?from=${r.from}&to=${r.to}`)).body;
    expect(r.fund.income).toEqual(statement.income);
    expect(r.fund.closingBalanceFen).toBe(statement.closingBalanceFen);
    const budget = (await bank.call("GET", "/v1/fund/budget?year=2025")).body;
    expect(r.fund.spending).toEqual(budget.lines);
    expect(r.fund.spentFen).toBe(statement.spending.reduce((n: number, s: { amountFen: number }) => n + s.amountFen, 0));
  });

  it("the checkpoint at the year's end: the last kept before 1 January in bank time, signed at ?size=", async () => {
    const r = (await report(2025)).body;
    const sizes = (await bank.db.client.execute("SELECT size, sealed_at FROM ledger_checkpoints ORDER BY size")).rows;
    const yearEnd = sizes.filter((s) => String(s.sealed_at) < r.to).at(-1)!;
    expect(r.checkpoint).toMatchObject({ size: Number(yearEnd.size), sealedAt: String(yearEnd.sealed_at), yearEnded: true });
    // The 2026 donation was sealed later, in a larger checkpoint the 2025 report does not name.
    expect(Number(sizes.at(-1)!.size)).toBeGreaterThan(r.checkpoint.size);
    const signed = await bank.call("GET", `/v1/public/checkpoint?size=${r.checkpoint.size}`);
    expect(signed.status).toBe(200);
    expect(String(signed.body).split("\n")[1]).toBe(String(r.checkpoint.size));
    // The year under way names the latest checkpoint so far, and says the year is not over.
    const now = (await report(2026)).body;
    expect(now.checkpoint).toMatchObject({ size: Number(sizes.at(-1)!.size), yearEnded: false });
    expect(now.fund.income.find((i: { source: string }) => i.source === "individual").amountFen).toBe(9_900);
    expect(now.fund.openingBalanceFen).toBe(235_000);
  });

  it("an empty year: zeros, and the empty log's checkpoint", async () => {
    const res = await report(2010);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      year: 2010,
      fund: { openingBalanceFen: 0, incomeFen: 0, spentFen: 0, closingBalanceFen: 0 },
      restricted: [],
      wishes: { collected: 0, fulfilled: 0 },
      service: { minutes: 0, volunteers: 0 },
      honours: [],
    });
    // The empty tree's checkpoint (size 0, dated at the epoch) is what stood at the end of 2010.
    expect(res.body.checkpoint).toEqual({
      size: 0,
      rootHash: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      sealedAt: "1970-01-01T00:00:00.000Z",
      yearEnded: true,
    });
  });

  it("a bad year is 400; without a year it is this bank year", async () => {
    for (const bad of ["abc", "1999", "2101", "2025.5"]) {
      const res = await report(bad);
      expect(res.status, bad).toBe(400);
      expect(res.body.error.code).toBe("validation_failed");
    }
    expect((await bank.call("GET", "/v1/public/annual-report?year=2025&extra=1")).status).toBe(400);
    const current = await bank.call("GET", "/v1/public/annual-report");
    expect(current.status).toBe(200);
    expect(current.body.year).toBe(2026);
    expect(current.headers.get("cache-control")).toBe("public, max-age=60");
  });
});

describe("restricted donations on the public /donations page", () => {
  it("lists each with what is used and by which expense, and downloads as CSV", async () => {
    const html = await (await bank.app.request("/donations")).text();
    expect(html).toContain("定向捐赠及其使用");
    const row = html.slice(html.indexOf("爱心药店"));
    expect(row).toContain("帮困 · 东门社区");
    expect(row).toContain("400.00");
    expect(row).toContain("县民政局 · 困难家庭慰问 · ¥400.00");
    const csv = await (await bank.app.request("/csv/donations-restricted.csv")).text();
    expect(csv).toContain("爱心药店");
    expect(csv).toMatch(/500\.00,400\.00,100\.00/);
    const en = await (await bank.app.request("/donations?lang=en")).text();
    expect(en).toContain("Restricted donations and their use");
  });
});
