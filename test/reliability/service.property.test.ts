import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { makeBank } from "../helpers/setup";

// Property (issue 14): whatever records, approvals (some refused by the daily cap) and reversals
// staff send, every member's serviceMinutes equals the sum of their approved, unreversed records,
// and no member's approved, unreversed minutes on one date exceed maxMinutesPerDay.
//
// FUZZ_RUNS=100 npx vitest run test/reliability/service.property.test.ts   (default 15)

const RUNS = Number(process.env.FUZZ_RUNS ?? 15);
const CAP = 300;
const DATES = ["2026-02-28", "2026-03-01"];

type Op = { op: "record"; member: number; date: number; minutes: number } | { op: "approve"; i: number } | { op: "reverse"; i: number };

// Few members and dates, long records and many approvals, so the daily cap is reached often.
const op: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant("record" as const), member: fc.integer({ min: 0, max: 1 }), date: fc.integer({ min: 0, max: 1 }), minutes: fc.integer({ min: 60, max: 240 }) }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant("approve" as const), i: fc.nat() }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant("reverse" as const), i: fc.nat() }), weight: 1 },
);

describe("service minutes under random rosters, approvals and reversals", () => {
  it("serviceMinutes is the sum of approved unreversed records and no date exceeds the cap", async () => {
    // The capped rule version takes effect on 1 February; the service happens at the end of the month.
    const bank = await makeBank({ clockStart: "2026-02-01T00:00:00.000Z" });
    const community = await bank.community("东门社区");
    const rule = await bank.call("POST", "/v1/rules", {
      token: bank.admin,
      body: { pointsPerServiceHour: 10, pointsPerYuanDonated: 1, pointsPerWishFulfilled: 20, starThresholds: [10, 100, 300, 600, 1000], titleMinStars: 3, maxMinutesPerDay: CAP, effectiveFrom: "2026-02-01T00:00:00.000Z" },
    });
    expect(rule.status, JSON.stringify(rule.body)).toBe(201);
    bank.clock.set("2026-03-01T08:00:00.000Z");
    const staff = await bank.token({ role: "staff", communityId: community.id });
    const admin = await bank.token({ role: "admin" });
    let capRefusals = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 6, maxLength: 24 }), async (ops) => {
        const members = [];
        for (let i = 0; i < 2; i++) members.push((await bank.call("POST", "/v1/members", { token: staff, body: { name: `队员${i}`, kind: "volunteer", communityId: community.id } })).body.id as string);
        const records: { id: string; transactionId?: string }[] = [];
        for (const o of ops) {
          if (o.op === "record") {
            const res = await bank.call("POST", "/v1/service-records", { token: staff, body: { memberId: members[o.member], date: DATES[o.date], minutes: o.minutes, description: "巡查" } });
            expect(res.status).toBe(201);
            records.push({ id: res.body.id });
          } else if (records.length) {
            const r = records[o.i % records.length]!;
            if (o.op === "approve") {
              const res = await bank.call("POST", `/v1/service-records/${r.id}/approve`, { token: staff, body: {} });
              expect([200, 409]).toContain(res.status);
              if (res.status === 200) r.transactionId = res.body.transactionId;
              else if (res.body.error.code === "limit_reached") capRefusals++;
              else expect(res.body.error.code).toBe("record_not_pending");
            } else if (r.transactionId) {
              const res = await bank.call("POST", `/v1/transactions/${r.transactionId}/reverse`, { token: admin, body: { reason: "核查不实" } });
              expect([201, 409]).toContain(res.status);
            }
          }
        }
        for (const id of members) {
          const m = (await bank.call("GET", `/v1/members/${id}`, { token: staff })).body;
          const rows = (await bank.db.client.execute({ sql: "SELECT date, minutes FROM service_records WHERE member_id = ? AND status = 'approved' AND reversal_id IS NULL", args: [id] })).rows;
          expect(m.serviceMinutes).toBe(rows.reduce((s, r) => s + Number(r.minutes), 0));
          const byDate = new Map<string, number>();
          for (const r of rows) byDate.set(String(r.date), (byDate.get(String(r.date)) ?? 0) + Number(r.minutes));
          for (const total of byDate.values()) expect(total).toBeLessThanOrEqual(CAP);
        }
      }),
      { numRuns: RUNS },
    );
    // the cap was exercised, so the second half of the property can fail
    expect(capRefusals).toBeGreaterThan(0);
  }, 60_000);
});
