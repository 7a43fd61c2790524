import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { defaultBankTime } from "../../src/bank-time";
import { DAY_MS } from "../../src/clock";
import { expirePoints } from "../../src/domain/expiry";
import { makeBank, type TestBank } from "../helpers/setup";
import { grantPoints, ledgerInvariants, merchantWithType } from "../helpers/spending";

// Property (issue 15): over random sequences of earning, gifts (to members and to the wish pool),
// pool grants, redemptions, expiry runs, reversals and time passing, under rules that cap a
// passbook and let points expire:
//   - every asset sums to zero and every stored balance equals its postings;
//   - no passbook and not the pool is ever below zero;
//   - a member's stars are exactly the stars their earned points support;
//   - the earned total is what the issuer credited them, less reversals: a gift never changes it;
//   - the passbook as of each past date equals the balances the bank held at the end of that date.
//
// FUZZ_RUNS=100 npx vitest run test/reliability/points.property.test.ts   (longer run; default 8)

const RUNS = Number(process.env.FUZZ_RUNS ?? 8);
const THRESHOLDS = [10, 100, 300, 600, 1000];
const M = 3;

type Op =
  | { op: "earn"; m: number; points: number }
  | { op: "gift"; from: number; to: number | "pool"; points: number }
  | { op: "grant"; m: number; points: number }
  | { op: "redeem"; m: number }
  | { op: "expire" }
  | { op: "reverse"; pick: number }
  | { op: "wait"; days: number };

const member = fc.integer({ min: 0, max: M - 1 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant("earn" as const), m: member, points: fc.integer({ min: 1, max: 400 }) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant("gift" as const),
      from: member,
      to: fc.oneof(member, fc.constant("pool" as const)),
      points: fc.integer({ min: 1, max: 150 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("grant" as const), m: member, points: fc.integer({ min: 1, max: 80 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("redeem" as const), m: member }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("expire" as const) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("reverse" as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("wait" as const), days: fc.integer({ min: 1, max: 500 }) }) },
);

interface Scene {
  bank: TestBank;
  ids: string[];
  community: string;
  typeId: string;
}

async function scene(): Promise<Scene> {
  const bank = await makeBank({ clockStart: "2024-01-01T00:00:00.000Z" });
  const { version: _v, versions: _vs, ...current } = (await bank.call("GET", "/v1/rules")).body;
  const rules = await bank.call("POST", "/v1/rules", {
    token: bank.admin,
    body: { ...current, starThresholds: THRESHOLDS, maxBalance: 700, pointsValidYears: 1, effectiveFrom: "2024-01-01T00:00:00.000Z" },
  });
  expect(rules.status).toBe(201);
  const c = await bank.community();
  const ids: string[] = [];
  for (let i = 0; i < M; i++) ids.push((await bank.member(c.id)).id);
  const shop = await merchantWithType(bank, { pointsCost: 40, stock: 1000, validDays: 30 });
  return { bank, ids, community: c.id, typeId: shop.typeId };
}

const rows = async (bank: TestBank, sql: string, args: (string | number)[] = []) => (await bank.db.client.execute({ sql, args })).rows;

async function balances(s: Scene): Promise<number[]> {
  const r = await rows(s.bank, `SELECT m.id, a.balance FROM members m JOIN accounts a ON a.id = m.account_id`);
  const by = new Map(r.map((x) => [String(x.id), Number(x.balance)]));
  return s.ids.map((id) => by.get(id)!);
}

async function earnedTotals(s: Scene): Promise<number[]> {
  const r = await rows(s.bank, "SELECT id, earned_total FROM members");
  const by = new Map(r.map((x) => [String(x.id), Number(x.earned_total)]));
  return s.ids.map((id) => by.get(id)!);
}

async function step(s: Scene, op: Op, earnings: string[]): Promise<void> {
  const { bank } = s;
  const staff = await bank.token({ role: "staff", communityId: s.community });
  const admin = await bank.token({ role: "admin" });
  const as = (m: number) => bank.token({ role: "member", communityId: s.community, memberId: s.ids[m]! });
  switch (op.op) {
    case "earn":
      earnings.push(await grantPoints(bank, s.ids[op.m]!, op.points));
      return;
    case "gift": {
      if (op.to === op.from) return;
      const before = await earnedTotals(s);
      const to = op.to === "pool" ? { pool: "wish" } : { memberId: s.ids[op.to]! };
      const res = await bank.call("POST", "/v1/transfers", { token: await as(op.from), body: { fromMemberId: s.ids[op.from], to, points: op.points } });
      expect([201, 409]).toContain(res.status);
      if (res.status === 409) expect(res.body.error.code).toBe("insufficient_points");
      expect(await earnedTotals(s), "a gift never changes anyone's earned total").toEqual(before);
      return;
    }
    case "grant": {
      const res = await bank.call("POST", "/v1/pools/wish/grants", { token: staff, body: { memberId: s.ids[op.m], points: op.points, reason: "帮扶" } });
      expect([201, 409]).toContain(res.status);
      if (res.status === 201) earnings.push(res.body.transactionId);
      return;
    }
    case "redeem": {
      const res = await bank.call("POST", "/v1/vouchers", { token: await as(op.m), body: { voucherTypeId: s.typeId } });
      expect([201, 409]).toContain(res.status);
      return;
    }
    case "expire":
      await expirePoints(bank.db, bank.clock.now().toISOString(), defaultBankTime);
      return;
    case "reverse": {
      if (!earnings.length) return;
      const [id] = earnings.splice(op.pick % earnings.length, 1);
      const res = await bank.call("POST", `/v1/transactions/${id}/reverse`, { token: admin, body: { reason: "更正" } });
      expect([201, 409]).toContain(res.status);
      if (res.status === 409) expect(res.body.error.code).toBe("reversal_would_overdraw");
      return;
    }
    case "wait":
      bank.clock.advance(op.days * DAY_MS);
      return;
  }
}

async function checkInvariants(s: Scene): Promise<void> {
  const { bank } = s;
  const inv = await ledgerInvariants(bank);
  expect(inv.sums.PTS ?? 0).toBe(0);
  expect(inv.sums.CNY ?? 0).toBe(0);
  expect(inv.drifted).toEqual([]);
  const negative = await rows(bank, "SELECT code, balance FROM accounts WHERE non_negative = 1 AND balance < 0");
  expect(negative).toEqual([]);
  for (const r of await rows(
    bank,
    `SELECT m.id, m.earned_total, m.stars,
            (SELECT -IFNULL(SUM(i.amount), 0) FROM postings p JOIN postings i ON i.transaction_id = p.transaction_id AND i.account_id = 'points:issuer'
             WHERE p.account_id = m.account_id) AS issued
     FROM members m`,
  )) {
    const earned = Number(r.earned_total);
    expect(Number(r.stars), "stars are what earned points support").toBe(THRESHOLDS.filter((t) => t <= earned).length);
    expect(earned, "earned total is what the issuer credited, less reversals").toBe(Number(r.issued));
  }
}

describe("points that move: random sequences keep every invariant", () => {
  it("earning, gifts, grants, redemptions, expiry, reversals and time", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 5, maxLength: 25 }), async (ops) => {
        const s = await scene();
        const earnings: string[] = [];
        // The balances at the end of each bank date an operation happened on (the clock only moves forward).
        const endOfDay = new Map<string, number[]>();
        for (const op of ops) {
          await step(s, op, earnings);
          await checkInvariants(s);
          endOfDay.set(defaultBankTime.dateOf(s.bank.clock.now()), await balances(s));
        }
        const admin = await s.bank.token({ role: "admin" });
        for (const [date, expected] of endOfDay) {
          for (let i = 0; i < M; i++) {
            const pb = await s.bank.call("GET", `/v1/members/${s.ids[i]}/passbook?asOf=${date}`, { token: admin });
            expect(pb.status).toBe(200);
            expect(pb.body.balance, `member ${i} as of ${date}`).toBe(expected[i]);
          }
        }
      }),
      { numRuns: RUNS },
    );
  }, 600_000);
});
