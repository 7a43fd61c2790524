import { describe, expect, it } from "vitest";
import { loadDemoData } from "../../src/demo/seed";
import { makeBank, TEST_JWT_SECRET } from "../helpers/setup";

describe("demo data: the earning scene", () => {
  it("loads through the API and leaves wishes in every state, outings, service, donations, goods used and an honour", async () => {
    const bank = await makeBank({ clockStart: new Date().toISOString() });
    await loadDemoData(bank.app, { adminUsername: "admin", jwtSecret: TEST_JWT_SECRET, db: bank.db });
    const wishes = (await bank.call("GET", "/v1/wishes?limit=100", { token: bank.admin })).body.items;
    expect(new Set(wishes.map((w: { status: string }) => w.status))).toEqual(new Set(["open", "claimed", "fulfilled", "confirmed", "cancelled"]));
    const records = (await bank.call("GET", "/v1/service-records?limit=100", { token: bank.admin })).body.items;
    expect(new Set(records.map((r: { status: string }) => r.status))).toEqual(new Set(["pending", "approved", "rejected"]));
    expect((await bank.call("GET", "/v1/activities", { token: bank.admin })).body.items).toHaveLength(3);

    const donations = (await bank.call("GET", "/v1/donations?limit=100")).body.items;
    expect(new Set(donations.map((d: { donor: { type: string } }) => d.donor.type))).toEqual(new Set(["member", "company", "individual", "anonymous"]));
    expect(donations.some((d: { goods: { remaining: number; quantity: number } | null }) => d.goods && d.goods.remaining < d.goods.quantity)).toBe(true);
    expect(JSON.stringify(donations)).not.toMatch(/赵敏|13800002000/);

    const summary = (await bank.call("GET", "/v1/public/summary")).body;
    expect(summary).toMatchObject({ wishesCollected: 8, wishesFulfilled: 4, activities: 3, participants: 8 });
    expect(summary.serviceMinutes).toBeGreaterThan(0);
    const year = bank.clock.now().getUTCFullYear();
    const lastOuting = new Date(bank.clock.now().getTime() - 7 * 24 * 60 * 60 * 1000).getUTCFullYear();
    expect((await bank.call("GET", `/v1/rankings?year=${lastOuting}`)).body.items.length).toBeGreaterThanOrEqual(2);
    expect((await bank.call("GET", `/v1/awards?year=${year - 1}`)).body.items).toEqual([expect.objectContaining({ name: "王建国", title: "优秀义工" })]);
    const quality = (await bank.call("GET", "/v1/reports/quality")).body.overall;
    expect(quality).toMatchObject({ confirmed: 3, rated: 3 });
  });
});
