import { describe, expect, it } from "vitest";
import { DAY_MS } from "../../src/clock";
import { makeBank, type TestBank } from "../helpers/setup";
import { balanceOf, giveToFund, ledgerInvariants, ownRoundTrips } from "../helpers/spending";

const CASH = "fund:cash";

const expense = (over: Record<string, unknown> = {}) => ({
  amountFen: 30_000,
  purpose: "disability_aid",
  description: "轮椅两台",
  receiptRef: "FP-2026-0001",
  payee: "爱心商店",
  ...over,
});

async function expenseCount(bank: TestBank): Promise<number> {
  return Number((await bank.db.client.execute("SELECT COUNT(*) AS n FROM fund_expenses")).rows[0]!.n);
}

async function setup(fundFen = 100_000) {
  const bank = await makeBank();
  const c = await bank.community();
  const staff = await bank.staff(c.id);
  if (fundFen) await giveToFund(bank, fundFen);
  const spend = (token: string, body: Record<string, unknown> = expense(), headers?: Record<string, string>) =>
    bank.call("POST", "/v1/fund/expenses", { token, body, headers });
  return { bank, c, staff, spend };
}

type Statement = {
  openingBalanceFen: number;
  closingBalanceFen: number;
  balanceFen: number;
  income: { source: string; amountFen: number }[];
  spending: { purpose: string; amountFen: number }[];
};
const total = (lines: { amountFen: number }[]) => lines.reduce((n, l) => n + l.amountFen, 0);
const reconciles = (s: Statement) => s.openingBalanceFen + total(s.income) - total(s.spending) === s.closingBalanceFen;

describe("fund expenses", () => {
  it("staff record one for their community: fund:cash → fund:spending:<purpose>, with the transaction", async () => {
    const { bank, c, staff, spend } = await setup(100_000);
    const res = await spend(staff);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      amountFen: 30_000,
      purpose: "disability_aid",
      description: "轮椅两台",
      receiptRef: "FP-2026-0001",
      payee: "爱心商店",
      communityId: c.id,
      community: c.name,
      status: "paid",
      at: "2026-03-01T08:00:00.000Z",
      reversed: false,
      reversedBy: null,
      recordedBy: { role: "staff", community: c.name },
      approvedBy: null,
      restricted: [],
      receipts: [],
    });
    // the public reply names no login (anyone could lock that account by failed logins)
    expect(JSON.stringify(res.body)).not.toMatch(/"staff\d/);
    expect(await balanceOf(bank, CASH)).toBe(70_000);
    expect(await balanceOf(bank, "fund:spending:disability_aid")).toBe(30_000);
    const tx = await bank.call("GET", `/v1/transactions/${res.body.transactionId}`, { token: bank.admin });
    expect(tx.body).toMatchObject({ kind: "fund_expense", refType: "fund_expense", refId: res.body.id, communityId: c.id });
    expect(tx.body.postings).toEqual([
      { account: CASH, asset: "CNY", amount: -30_000, balanceAfter: 70_000 },
      { account: "fund:spending:disability_aid", asset: "CNY", amount: 30_000, balanceAfter: 30_000 },
    ]);
  });

  it("the admin records one for no community or any; a free-text approver is no longer taken", async () => {
    const { bank, c, spend } = await setup(100_000);
    const res = await spend(bank.admin, expense({ purpose: "operations" }));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ recordedBy: { role: "admin", community: null }, approvedBy: null, communityId: null, purpose: "operations" });
    expect((await spend(bank.admin, expense({ approvedBy: "基金管理小组 张主任" }))).status).toBe(400);
    const forCommunity = await spend(bank.admin, expense({ communityId: c.id, amountFen: 100 }));
    expect(forCommunity.body.communityId).toBe(c.id);
    const unknown = await spend(bank.admin, expense({ communityId: "nope" }));
    expect(unknown.status).toBe(404);
  });

  it("the fund never goes below zero: 409 insufficient_funds, nothing changes; down to exactly zero is fine", async () => {
    const { bank, staff, spend } = await setup(50_000);
    const res = await spend(staff, expense({ amountFen: 50_001 }));
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("insufficient_funds");
    expect(await balanceOf(bank, CASH)).toBe(50_000);
    expect(await expenseCount(bank)).toBe(0);
    expect((await spend(staff, expense({ amountFen: 50_000 }))).status).toBe(201);
    expect(await balanceOf(bank, CASH)).toBe(0);
    expect((await spend(staff, expense({ amountFen: 1 }))).body.error.code).toBe("insufficient_funds");
  });

  it("parallel spends of the last yuan: exactly one succeeds", async () => {
    const { bank, staff, spend } = await setup(100);
    const results = await Promise.all(Array.from({ length: 10 }, () => spend(staff, expense({ amountFen: 100 }))));
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409 && r.body.error.code === "insufficient_funds")).toHaveLength(9);
    expect(await balanceOf(bank, CASH)).toBe(0);
    expect(await expenseCount(bank)).toBe(1);
  });

  it("validates every field and rejects unknown ones", async () => {
    const { bank, staff, spend } = await setup(100_000);
    const bad = [
      expense({ amountFen: 0 }),
      expense({ amountFen: -5 }),
      expense({ amountFen: 10.5 }),
      expense({ amountFen: "100" }),
      expense({ amountFen: 1e15 }),
      expense({ purpose: "party" }),
      expense({ description: "" }),
      expense({ description: "长".repeat(501) }),
      expense({ receiptRef: "   ", payee: "爱心商店" }),
      expense({ approvedBy: "x".repeat(51) }),
      expense({ transactionId: "mine" }),
      { amountFen: 100, purpose: "operations", description: "no receipt" },
    ];
    for (const body of bad) {
      const res = await spend(staff, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe("validation_failed");
    }
    expect(await balanceOf(bank, CASH)).toBe(100_000);
  });

  it("who may not: no token, a member, a merchant, staff naming another community", async () => {
    const { bank, c, spend } = await setup(100_000);
    expect((await bank.call("POST", "/v1/fund/expenses", { body: expense() })).status).toBe(401);
    const member = await bank.member(c.id);
    for (const token of [member.token, await bank.token({ role: "merchant", merchantId: "m1" })]) {
      expect((await spend(token)).status).toBe(403);
    }
    const otherStaff = await bank.staff((await bank.community()).id);
    const res = await spend(otherStaff, expense({ communityId: c.id }));
    expect(res.status).toBe(403);
    expect(await balanceOf(bank, CASH)).toBe(100_000);
  });

  it("an Idempotency-Key pays once and replays the reply; a different body with it is refused", async () => {
    const { bank, staff, spend } = await setup(100_000);
    const headers = { "idempotency-key": "exp-0001" };
    const first = await spend(staff, expense(), headers);
    const again = await spend(staff, expense(), headers);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(await balanceOf(bank, CASH)).toBe(70_000);
    const other = await spend(staff, expense({ amountFen: 1 }), headers);
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe("idempotency_key_reused");
    expect(await expenseCount(bank)).toBe(1);
  });

  // Version 2: whether an expense waits for approval (the rule in force) and which restricted
  // money pays it are read first, in one read batch; then the write.
  it("an expense costs two round-trips: one read (rule and restricted money), then the write", async () => {
    const { bank, staff, spend } = await setup(100_000);
    expect(await ownRoundTrips(bank, () => spend(staff))).toMatchObject({ res: { status: 201 }, count: 2 });
    expect(await ownRoundTrips(bank, () => spend(staff, expense({ amountFen: 1_000_000 })))).toMatchObject({ res: { status: 409 }, count: 2 });
  });

  it("the public lists expenses newest first, by purpose and community, page by page", async () => {
    const { bank, c, staff, spend } = await setup(100_000);
    const a = (await spend(staff, expense({ amountFen: 100, purpose: "hardship_aid" }))).body;
    const b = (await spend(bank.admin, expense({ amountFen: 200, purpose: "operations" }))).body;
    const d = (await spend(staff, expense({ amountFen: 300, purpose: "hardship_aid" }))).body;
    const list = await bank.call("GET", "/v1/fund/expenses");
    expect(list.status).toBe(200);
    expect(list.body.items.map((e: { id: string }) => e.id)).toEqual([d.id, b.id, a.id]);
    expect(list.body.items[0]).toEqual(d);
    const hardship = await bank.call("GET", "/v1/fund/expenses?purpose=hardship_aid");
    expect(hardship.body.items.map((e: { id: string }) => e.id)).toEqual([d.id, a.id]);
    const mine = await bank.call("GET", `/v1/fund/expenses?communityId=${c.id}`);
    expect(mine.body.items).toHaveLength(2);
    const page = await bank.call("GET", "/v1/fund/expenses?limit=2");
    const rest = await bank.call("GET", `/v1/fund/expenses?limit=2&cursor=${page.body.nextCursor}`);
    expect(rest.body.items.map((e: { id: string }) => e.id)).toEqual([a.id]);
    expect((await bank.call("GET", "/v1/fund/expenses?purpose=fun")).status).toBe(400);
    expect((await bank.call("GET", "/v1/fund/expenses?limit=1000")).status).toBe(400);
    expect(JSON.stringify(list.body)).not.toContain("createdBy");
  });
});

describe("fund statement", () => {
  /** Income and spending spread over three months, each at its own time on the bank's clock. */
  async function history() {
    const { bank, staff, spend } = await setup(0);
    bank.clock.set("2026-01-10T09:00:00.000Z");
    await giveToFund(bank, 500_000, "company");
    await giveToFund(bank, 20_000, "member");
    bank.clock.set("2026-01-31T23:59:59.999Z");
    expect((await spend(await bank.token({ role: "admin" }), expense({ amountFen: 100_000, purpose: "poverty_relief" }))).status).toBe(201);
    bank.clock.set("2026-02-01T00:00:00.000Z");
    await giveToFund(bank, 3_000, "anonymous");
    expect((await spend(await bank.token({ role: "admin" }), expense({ amountFen: 50_000, purpose: "wish_purchase" }))).status).toBe(201);
    bank.clock.set("2026-03-05T12:00:00.000Z");
    await giveToFund(bank, 7_000, "individual");
    expect((await spend(await bank.token({ role: "admin" }), expense({ amountFen: 1_000, purpose: "operations" }))).status).toBe(201);
    return { bank, staff };
  }

  it("all time comes from stored balances: income by source, spending by purpose, closing = cash", async () => {
    const { bank } = await history();
    const res = await bank.call("GET", "/v1/fund/statement");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      from: null,
      to: null,
      openingBalanceFen: 0,
      income: [
        { source: "member", amountFen: 20_000 },
        { source: "company", amountFen: 500_000 },
        { source: "individual", amountFen: 7_000 },
        { source: "anonymous", amountFen: 3_000 },
      ],
      spending: [
        { purpose: "disability_aid", amountFen: 0 },
        { purpose: "poverty_relief", amountFen: 100_000 },
        { purpose: "hardship_aid", amountFen: 0 },
        { purpose: "wish_purchase", amountFen: 50_000 },
        { purpose: "operations", amountFen: 1_000 },
      ],
      closingBalanceFen: 379_000,
      balanceFen: 379_000,
    });
    expect(await balanceOf(bank, CASH)).toBe(379_000);
    await bank.settle();
    bank.roundTrips.reset();
    await bank.call("GET", "/v1/fund/statement");
    expect(bank.roundTrips.count()).toBe(1);
  });

  it("a month: opening, the month's income and spending, closing; dates are whole UTC days", async () => {
    const { bank } = await history();
    const jan = (await bank.call("GET", "/v1/fund/statement?from=2026-01-01&to=2026-01-31")).body;
    expect(jan).toMatchObject({ from: "2026-01-01T00:00:00.000Z", to: "2026-02-01T00:00:00.000Z", openingBalanceFen: 0, closingBalanceFen: 420_000 });
    expect(total(jan.income)).toBe(520_000);
    expect(jan.spending.find((s: { purpose: string }) => s.purpose === "poverty_relief").amountFen).toBe(100_000);
    const feb = (await bank.call("GET", "/v1/fund/statement?from=2026-02-01&to=2026-02-28")).body;
    expect(feb).toMatchObject({ openingBalanceFen: 420_000, closingBalanceFen: 373_000 });
    expect(feb.income.find((s: { source: string }) => s.source === "anonymous").amountFen).toBe(3_000);
    expect(total(feb.spending)).toBe(50_000);
    for (const s of [jan, feb]) expect(reconciles(s)).toBe(true);
    await bank.settle();
    bank.roundTrips.reset();
    await bank.call("GET", "/v1/fund/statement?from=2026-02-01&to=2026-02-28");
    expect(bank.roundTrips.count()).toBe(1);
  });

  it("every split of time reconciles, each closing is the next opening, and open-ended closing is the cash now", async () => {
    const { bank } = await history();
    const cuts = ["2025-12-01T00:00:00.000Z", "2026-01-10T09:00:00.000Z", "2026-01-31T23:59:59.999Z", "2026-02-01T00:00:00.000Z", "2026-02-15T00:00:00.000Z", "2026-03-05T12:00:00.000Z"];
    let previousClosing = 0;
    for (let i = 0; i < cuts.length; i++) {
      const to = cuts[i + 1];
      const q = `from=${encodeURIComponent(cuts[i]!)}${to ? `&to=${encodeURIComponent(to)}` : ""}`;
      const s = (await bank.call("GET", `/v1/fund/statement?${q}`)).body;
      expect(reconciles(s), q).toBe(true);
      expect(s.openingBalanceFen, q).toBe(previousClosing);
      previousClosing = s.closingBalanceFen;
    }
    expect(previousClosing).toBe(379_000);
    const open = (await bank.call("GET", "/v1/fund/statement?from=2026-02-01")).body;
    expect(open).toMatchObject({ to: null, closingBalanceFen: 379_000, balanceFen: 379_000 });
    const untilFeb = (await bank.call("GET", "/v1/fund/statement?to=2026-01-31")).body;
    expect(untilFeb).toMatchObject({ from: null, openingBalanceFen: 0, closingBalanceFen: 420_000 });
    // a date-time with an offset is the same instant in UTC
    const offset = (await bank.call("GET", `/v1/fund/statement?from=${encodeURIComponent("2026-02-01T08:00:00+08:00")}`)).body;
    expect(offset.from).toBe("2026-02-01T00:00:00.000Z");
    expect(offset.openingBalanceFen).toBe(420_000);
    const inv = await ledgerInvariants(bank);
    expect(inv.sums.CNY).toBe(0);
    expect(inv.drifted).toEqual([]);
  });

  it("refuses bad periods", async () => {
    const { bank } = await setup(0);
    for (const q of ["from=2026-02-01&to=2026-01-01", "from=yesterday", "to=2026-13-01", "from=2026-01-01&foo=1", "from=2026-01-01T00:00:00"]) {
      const res = await bank.call("GET", `/v1/fund/statement?${q}`);
      expect(res.status, q).toBe(400);
      expect(res.body.error.code).toBe("validation_failed");
    }
  });

  it("the public summary and the statement agree", async () => {
    const { bank } = await history();
    bank.clock.advance(DAY_MS);
    const summary = (await bank.call("GET", "/v1/public/summary")).body;
    const s = (await bank.call("GET", "/v1/fund/statement")).body;
    expect(summary.fund).toEqual({ incomeFen: total(s.income), spentFen: total(s.spending), balanceFen: s.balanceFen });
  });
});
