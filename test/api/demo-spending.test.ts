import { describe, expect, it } from "vitest";
import { loadDemoData } from "../../src/demo/seed";
import { makeBank, TEST_JWT_SECRET } from "../helpers/setup";

describe("demo data: the spending scene", () => {
  it("loads through the API and leaves partners, vouchers in every state and fund spending that reconciles", async () => {
    const bank = await makeBank({ clockStart: new Date().toISOString() });
    await loadDemoData(bank.app, { adminUsername: "admin", jwtSecret: TEST_JWT_SECRET, db: bank.db });
    const merchants = (await bank.call("GET", "/v1/merchants")).body.items.map((m: { name: string }) => m.name);
    expect(merchants).toEqual(expect.arrayContaining(["东门爱心理发店", "金川家政服务公司", "紫港停车场"]));
    const types = (await bank.call("GET", "/v1/voucher-types")).body.items;
    expect(types.map((t: { name: string }) => t.name)).toEqual(expect.arrayContaining(["公益理发券", "家政服务券（2小时）", "免费停车券（半天）"]));
    const merchant = await bank.call("POST", "/v1/auth/login", { body: { username: "merchant1", password: "demo-merchant-pass" } });
    expect(merchant.body.user.role).toBe("merchant");
    const vouchers = (await bank.call("GET", "/v1/vouchers?limit=100", { token: bank.admin })).body.items;
    expect(new Set(vouchers.map((v: { status: string }) => v.status))).toEqual(new Set(["issued", "used", "cancelled"]));
    const s = (await bank.call("GET", "/v1/fund/statement")).body;
    const sum = (l: { amountFen: number }[]) => l.reduce((n, x) => n + x.amountFen, 0);
    expect(sum(s.spending)).toBeGreaterThanOrEqual(892_000);
    expect(s.openingBalanceFen + sum(s.income) - sum(s.spending)).toBe(s.balanceFen);
    expect((await bank.call("GET", "/v1/fund/expenses")).body.items.length).toBeGreaterThanOrEqual(4);
  });
});
