import type { DemoContext } from "./seed";

// Demo scene of the spending side: three voucher partners with logins, their voucher types,
// redemptions at home and at the counter, acceptances, one cancellation, and fund expenses.
// It brings its own inputs (approved service hours, a company's gift to the fund), so it does
// not depend on the order of the other scenes.

function must<T>(res: { status: number; body: T }, what: string): T {
  if (res.status >= 300) throw new Error(`demo data: ${what} failed with ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

const daysAgo = (n: number) => new Date(Date.now() - n * 24 * 60 * 60 * 1000).toISOString().slice(0, 10);

export async function spendingScene(ctx: DemoContext): Promise<string> {
  const { call, admin } = ctx;
  const login = async (username: string, password: string) =>
    must(await call("POST", "/v1/auth/login", { body: { username, password } }), `login ${username}`).token as string;

  const partners = [
    { name: "东门爱心理发店", voucher: { name: "公益理发券", pointsCost: 30, stock: 50, validDays: 30 } },
    { name: "金川家政服务公司", voucher: { name: "家政服务券（2小时）", pointsCost: 100, stock: 20, validDays: 60 } },
    { name: "紫港停车场", voucher: { name: "免费停车券（半天）", pointsCost: 20, stock: 100, validDays: 14 } },
  ];
  const shops: { token: string; typeId: string }[] = [];
  for (const [i, p] of partners.entries()) {
    const merchant = must(await call("POST", "/v1/merchants", { token: admin, body: { name: p.name } }), "merchant");
    const username = `merchant${i + 1}`;
    must(
      await call("POST", "/v1/users", {
        token: admin,
        body: { username, password: "demo-merchant-pass", role: "merchant", merchantId: merchant.id },
      }),
      "merchant login",
    );
    const type = must(await call("POST", "/v1/voucher-types", { token: admin, body: { merchantId: merchant.id, ...p.voucher } }), "voucher type");
    shops.push({ token: await login(username, "demo-merchant-pass"), typeId: type.id });
  }
  const [barber, housekeeping, carPark] = shops as [(typeof shops)[number], (typeof shops)[number], (typeof shops)[number]];

  // Hours that earn the points spent below (10 points an hour by the default rules).
  const hours = [15, 12, 5, 4];
  for (const [i, h] of hours.entries()) {
    const m = ctx.members[i]!;
    const staff = ctx.staff[i % 2]!;
    const record = must(
      await call("POST", "/v1/service-records", {
        token: staff,
        body: { memberId: m.id, date: daysAgo(20 - i), minutes: h * 60, description: "社区环境整治与敬老院帮扶" },
      }),
      "service record",
    );
    must(await call("POST", `/v1/service-records/${record.id}/approve`, { token: staff, body: {} }), "approve");
  }
  must(
    await call("POST", "/v1/donations", {
      token: ctx.staff[0]!,
      body: { donor: { type: "company", name: "天马爱心企业联合会" }, kind: "money", amountFen: 2_000_000 },
    }),
    "company gift",
  );

  const member = (i: number) => login(`member${i + 1}`, "demo-member-pass");
  const redeem = async (token: string, typeId: string, memberId?: string) =>
    must(await call("POST", "/v1/vouchers", { token, body: { voucherTypeId: typeId, ...(memberId ? { memberId } : {}) } }), "redeem")
      .code as string;
  const accept = async (shop: { token: string }, code: string) =>
    must(await call("POST", `/v1/vouchers/${code}/accept`, { token: shop.token, body: {} }), "accept");

  const m1 = await member(0);
  await accept(barber, await redeem(m1, barber.typeId));
  await redeem(m1, housekeeping.typeId); // kept: shown on the passbook page with its code
  const m2 = await member(1);
  await accept(housekeeping, await redeem(ctx.staff[1]!, housekeeping.typeId, ctx.members[1]!.id)); // at the counter
  const m3 = await member(2);
  await accept(carPark, await redeem(m3, carPark.typeId));
  await redeem(m3, barber.typeId);
  const cancelled = await redeem(await member(3), carPark.typeId);
  must(await call("POST", `/v1/vouchers/${cancelled}/cancel`, { token: ctx.staff[1]!, body: {} }), "cancel");
  await redeem(m2, carPark.typeId);

  const expenses = [
    { token: ctx.staff[0]!, amountFen: 300_000, purpose: "disability_aid", description: "为两位行动不便的老人购置轮椅", receiptRef: "DM-2026-001", payee: "县康复辅具中心" },
    { token: ctx.staff[1]!, amountFen: 500_000, purpose: "poverty_relief", description: "春节走访慰问困难家庭（12户）", receiptRef: "JC-2026-003", payee: "金川社区居委会" },
    { token: admin, amountFen: 80_000, purpose: "wish_purchase", description: "采购微心愿书包和文具", receiptRef: "XY-2026-017", payee: "县新华书店" },
    { token: admin, amountFen: 12_000, purpose: "operations", description: "爱心存折印制", receiptRef: "YY-2026-002", payee: "县印刷厂" },
  ];
  for (const { token, ...body } of expenses) must(await call("POST", "/v1/fund/expenses", { token, body }), "expense");

  return "3 voucher partners (merchant1..3 / demo-merchant-pass), 7 vouchers, 4 fund expenses";
}
