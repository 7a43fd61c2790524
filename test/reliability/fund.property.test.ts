import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { makeBank, type TestBank } from "../helpers/setup";

// Property (issue 16): whatever sequence of gifts (restricted to a purpose, a community, both,
// or not at all), expenses (some above the approval threshold, then approved), and reversals of
// any of them people send — including ones the bank must refuse — after every step:
//   - no restricted balance is negative, and each equals what its donations have left;
//   - the restricted balances plus the unrestricted money make fund:cash (and the unrestricted money is ≥ 0);
//   - the public expense list, the statement and the summary agree on what was spent.
//
// FUZZ_RUNS=100 npx vitest run test/reliability/fund.property.test.ts   (default 12)

const RUNS = Number(process.env.FUZZ_RUNS ?? 12);
const PURPOSES = ["disability_aid", "hardship_aid", "operations"] as const;

type Op =
  | { op: "give"; fen: number; purpose: number | null; community: number | null }
  | { op: "spend"; fen: number; purpose: number; community: number | null }
  | { op: "approve"; i: number }
  | { op: "reverse"; i: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    op: fc.constant("give" as const),
    fen: fc.integer({ min: 1, max: 80_000 }),
    purpose: fc.option(fc.integer({ min: 0, max: 2 }), { nil: null }),
    community: fc.option(fc.integer({ min: 0, max: 1 }), { nil: null }),
  }),
  fc.record({
    op: fc.constant("spend" as const),
    fen: fc.integer({ min: 1, max: 90_000 }),
    purpose: fc.integer({ min: 0, max: 2 }),
    community: fc.option(fc.integer({ min: 0, max: 1 }), { nil: null }),
  }),
  fc.record({ op: fc.constant("approve" as const), i: fc.nat() }),
  fc.record({ op: fc.constant("reverse" as const), i: fc.nat() }),
);

async function scene() {
  const bank = await makeBank();
  const communities = [(await bank.community("东门社区")).id, (await bank.community("金川社区")).id];
  const staff = [await bank.staff(communities[0]!), await bank.staff(communities[1]!)];
  const approver = await bank.token({ role: "admin" });
  const current = (await bank.call("GET", "/v1/rules")).body;
  const { version: _v, versions: _all, effectiveFrom: _f, ...values } = current;
  await bank.call("POST", "/v1/rules", { token: bank.admin, body: { ...values, expenseApprovalAboveFen: 50_000, effectiveFrom: bank.clock.now().toISOString() } });
  return { bank, communities, staff, approver };
}

async function check(bank: TestBank) {
  const [accounts, byRestriction] = await bank.db.client.batch(
    [
      "SELECT id, kind, balance FROM accounts WHERE id = 'fund:cash' OR id = 'fund:restricted' OR kind = 'fund_restricted'",
      `SELECT 'fund:restricted:' || IFNULL(restriction_purpose, 'any') || ':' || IFNULL(restriction_community_id, 'any') AS account,
              SUM(restricted_remaining_fen) AS remaining
       FROM donations WHERE restricted_remaining_fen IS NOT NULL GROUP BY 1`,
    ],
    "read",
  );
  const bal = new Map(accounts!.rows.map((r) => [String(r.id), Number(r.balance)]));
  const restricted = accounts!.rows.filter((r) => r.kind === "fund_restricted");
  for (const r of restricted) expect(Number(r.balance), String(r.id)).toBeGreaterThanOrEqual(0);
  const sum = restricted.reduce((n, r) => n + Number(r.balance), 0);
  expect(sum + (bal.get("fund:restricted") ?? 0)).toBe(0);
  const unrestricted = (bal.get("fund:cash") ?? 0) - sum;
  expect(unrestricted).toBeGreaterThanOrEqual(0);
  expect(sum + unrestricted).toBe(bal.get("fund:cash"));
  const remaining = new Map(byRestriction!.rows.map((r) => [String(r.account), Number(r.remaining)]));
  for (const r of restricted) expect(remaining.get(String(r.id)) ?? 0, String(r.id)).toBe(Number(r.balance));

  const listed: { amountFen: number; purpose: string; status: string; reversed: boolean }[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: typeof listed; nextCursor: string | null } = (await bank.call("GET", `/v1/fund/expenses?limit=100${cursor ? `&cursor=${cursor}` : ""}`)).body;
    listed.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  const counted = listed.filter((e) => e.status === "paid" && !e.reversed);
  const statement = (await bank.call("GET", "/v1/fund/statement")).body;
  for (const s of statement.spending as { purpose: string; amountFen: number }[]) {
    expect(counted.filter((e) => e.purpose === s.purpose).reduce((n, e) => n + e.amountFen, 0), s.purpose).toBe(s.amountFen);
  }
  const summary = (await bank.call("GET", "/v1/public/summary")).body;
  expect(summary.fund.spentFen).toBe(counted.reduce((n, e) => n + e.amountFen, 0));
  expect(summary.fund.balanceFen).toBe(bal.get("fund:cash"));
}

describe("the fund under any sequence of gifts, expenses, approvals and reversals", () => {
  it("keeps restricted money whole and every public figure in agreement", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 18 }), async (ops) => {
        const { bank, communities, staff, approver } = await scene();
        const txs: string[] = [];
        const pending: string[] = [];
        for (const o of ops) {
          let res;
          if (o.op === "give") {
            const restriction = {
              ...(o.purpose !== null ? { purpose: PURPOSES[o.purpose] } : {}),
              ...(o.community !== null ? { communityId: communities[o.community] } : {}),
            };
            res = await bank.call("POST", "/v1/donations", {
              token: bank.admin,
              body: { donor: { type: "company", name: "爱心企业" }, kind: "money", amountFen: o.fen, ...(Object.keys(restriction).length ? { restriction } : {}) },
            });
            expect(res.status, JSON.stringify(res.body)).toBe(201);
            txs.push(res.body.transactionId);
          } else if (o.op === "spend") {
            const token = o.community === null ? bank.admin : staff[o.community]!;
            res = await bank.call("POST", "/v1/fund/expenses", {
              token,
              body: { amountFen: o.fen, purpose: PURPOSES[o.purpose], description: "支出", payee: "收款单位", receiptRef: "R" },
            });
            expect([201, 409], JSON.stringify(res.body)).toContain(res.status);
            if (res.status === 409) expect(res.body.error.code).toBe("insufficient_funds");
            else if (res.body.status === "pending") pending.push(res.body.id);
            else txs.push(res.body.transactionId);
          } else if (o.op === "approve" && pending.length) {
            const id = pending[o.i % pending.length]!;
            res = await bank.call("POST", `/v1/fund/expenses/${id}/approve`, { token: approver, body: {} });
            expect([200, 409], JSON.stringify(res.body)).toContain(res.status);
            if (res.status === 200) {
              pending.splice(pending.indexOf(id), 1);
              txs.push(res.body.transactionId);
            }
          } else if (o.op === "reverse" && txs.length) {
            res = await bank.call("POST", `/v1/transactions/${txs[o.i % txs.length]}/reverse`, { token: bank.admin, body: { reason: "更正" } });
            expect([201, 409], JSON.stringify(res.body)).toContain(res.status);
            if (res.status === 409) expect(["already_reversed", "conflict", "reversal_would_overdraw"]).toContain(res.body.error.code);
          }
          await check(bank);
        }
      }),
      { numRuns: RUNS },
    );
  }, 600_000);
});
