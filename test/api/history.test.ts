import { describe, expect, it } from "vitest";
import { makeBank } from "../helpers/setup";
import { grantPoints, merchantWithType, passbookBalance } from "../helpers/spending";

// Passbook history as of a date, the yearly statement (年度对账单), guardians, per-member limits.
// Dates are the bank's (Asia/Shanghai): 2025-12-31T17:00Z is already 2026-01-01 in Beijing.

async function scene() {
  const bank = await makeBank({ clockStart: "2026-03-01T08:00:00.000Z" });
  const a = await bank.community();
  const b = await bank.community();
  const staffA = await bank.staff(a.id);
  const staffB = await bank.staff(b.id);
  const grandma = await bank.member(a.id);
  const grandson = await bank.member(b.id);
  const stranger = await bank.member(a.id);
  return { bank, a, staffA, staffB, grandma, grandson, stranger };
}

const reverse = (bank: Awaited<ReturnType<typeof scene>>["bank"], id: string) =>
  bank.call("POST", `/v1/transactions/${id}/reverse`, { token: bank.admin, body: { reason: "录入错误" } });

describe("GET /v1/members/:id/passbook?asOf=", () => {
  it("balance, earned total and stars as they stood at the end of that bank date, a later reversal dated when posted", async () => {
    const { bank, grandma } = await scene();
    await grantPoints(bank, grandma.id, 40, "2025-06-01T02:00:00.000Z");
    const typo = await grantPoints(bank, grandma.id, 500, "2025-12-31T17:00:00.000Z"); // 2026-01-01 in Beijing
    await grantPoints(bank, grandma.id, 5, "2026-02-01T02:00:00.000Z");
    bank.clock.set("2026-03-01T08:00:00.000Z");
    expect((await reverse(bank, typo)).status).toBe(201);
    const asOf = (date: string) => bank.call("GET", `/v1/members/${grandma.id}/passbook?asOf=${date}`, { token: grandma.token });

    const y2025 = (await asOf("2025-12-31")).body;
    expect(y2025).toMatchObject({ balance: 40, earnedTotal: 40, stars: 1, title: null });
    expect(y2025.asOf).toBe("2025-12-31T16:00:00.000Z");
    expect(y2025.entries.map((e: { amount: number }) => e.amount)).toEqual([40]);

    const jan = (await asOf("2026-01-01")).body;
    expect(jan).toMatchObject({ balance: 540, earnedTotal: 540, stars: 3, title: "社区爱心荣誉会员" });
    expect(jan.levels.map((l: { stars: number }) => l.stars)).toEqual([1, 2, 3]);
    expect(jan.levelWithdrawals).toEqual([]);

    const now = (await asOf("2026-03-01")).body;
    expect(now).toMatchObject({ balance: 45, earnedTotal: 45, stars: 1 });
    expect(now.levelWithdrawals.map((w: { stars: number }) => w.stars)).toEqual([3, 2]);
    const current = (await bank.call("GET", `/v1/members/${grandma.id}/passbook`, { token: grandma.token })).body;
    expect(current).toMatchObject({ balance: 45, earnedTotal: 45, stars: 1, asOf: null });

    expect((await asOf("2026-13-01")).status).toBe(400);
    expect((await asOf("yesterday")).status).toBe(400);
  });
});

describe("GET /v1/members/:id/statement?year=", () => {
  it("opening, credits, debits, closing and entries of the bank's year; a reversal posted next year is in next year's", async () => {
    const { bank, grandma } = await scene();
    const shop = await merchantWithType(bank, { pointsCost: 30 });
    await grantPoints(bank, grandma.id, 100, "2024-05-01T02:00:00.000Z");
    bank.clock.set("2025-04-01T02:00:00.000Z");
    const grandmaToken = await bank.token({ role: "member", memberId: grandma.id });
    expect((await bank.call("POST", "/v1/vouchers", { token: grandmaToken, body: { voucherTypeId: shop.typeId } })).status).toBe(201);
    const mistaken = await grantPoints(bank, grandma.id, 50, "2025-12-31T15:59:59.000Z"); // still 2025 in Beijing
    bank.clock.set("2026-01-05T02:00:00.000Z");
    expect((await reverse(bank, mistaken)).status).toBe(201);
    const token = await bank.token({ role: "member", memberId: grandma.id });

    const s2025 = (await bank.call("GET", `/v1/members/${grandma.id}/statement?year=2025`, { token })).body;
    expect(s2025).toMatchObject({ year: 2025, opening: 100, credits: 50, debits: 30, closing: 120 });
    expect(s2025.from).toBe("2024-12-31T16:00:00.000Z");
    expect(s2025.entries.map((e: { amount: number; balanceAfter: number }) => [e.amount, e.balanceAfter])).toEqual([[-30, 70], [50, 120]]);
    expect(s2025.entries[1].reversedBy).toBeTruthy();

    const s2026 = (await bank.call("GET", `/v1/members/${grandma.id}/statement?year=2026`, { token })).body;
    expect(s2026).toMatchObject({ opening: 120, credits: 0, debits: 50, closing: 70 });
    expect(s2026.entries[0]).toMatchObject({ kind: "reversal", amount: -50, reversesId: mistaken });
    expect(await passbookBalance(bank, grandma.id)).toBe(70);

    const csv = await bank.app.request(`/v1/members/${grandma.id}/statement.csv?year=2025`, { headers: { authorization: `Bearer ${token}` } });
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toContain("text/csv");
    const text = await csv.text();
    const lines = text.replace(/^\uFEFF/, "").trim().split("\r\n");
    expect(lines[0]).toBe("时间,类型,摘要,收入,支出,余额,交易号,冲正交易,被冲正于");
    expect(lines[1]).toBe("年初余额,,,,,100,,,");
    expect(lines[2]).toMatch(/^2025-04-01 10:00,兑换服务券,/);
    expect(lines.at(-1)).toBe("本年合计,,,50,30,120,,,");

    for (const bad of ["?year=", "?year=1999", "?year=20x5", "?year=2025&extra=1"]) {
      expect((await bank.call("GET", `/v1/members/${grandma.id}/statement${bad}`, { token })).status, bad).toBe(400);
    }
  });

  it("who may not: another member, staff of another community, a merchant", async () => {
    const { bank, grandma, stranger, staffA, staffB } = await scene();
    const path = `/v1/members/${grandma.id}/statement?year=2026`;
    expect((await bank.call("GET", path, { token: staffA })).status).toBe(200);
    expect((await bank.call("GET", path, { token: stranger.token })).status).toBe(403);
    expect((await bank.call("GET", path, { token: staffB })).status).toBe(403);
    expect((await bank.call("GET", path, { token: await bank.token({ role: "merchant", merchantId: "m" }) })).status).toBe(403);
    expect((await bank.call("GET", path)).status).toBe(401);
  });
});

describe("guardians", () => {
  it("staff link a guardian, who then reads the passbook and redeems for the member; the entry records onBehalfOf", async () => {
    const { bank, staffA, grandma, grandson } = await scene();
    await grantPoints(bank, grandma.id, 100);
    const shop = await merchantWithType(bank, { pointsCost: 30 });
    expect((await bank.call("GET", `/v1/members/${grandma.id}/passbook`, { token: grandson.token })).status).toBe(403);
    const link = await bank.call("POST", `/v1/members/${grandma.id}/guardians`, { token: staffA, body: { guardianMemberId: grandson.id } });
    expect(link.status).toBe(201);
    expect(link.body).toMatchObject({ memberId: grandma.id, guardianMemberId: grandson.id });
    const again = await bank.call("POST", `/v1/members/${grandma.id}/guardians`, { token: staffA, body: { guardianMemberId: grandson.id } });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("already_exists");
    const list = await bank.call("GET", `/v1/members/${grandma.id}/guardians`, { token: grandson.token });
    expect(list.body.items).toMatchObject([{ guardianMemberId: grandson.id, passbookNo: grandson.passbookNo }]);

    expect((await bank.call("GET", `/v1/members/${grandma.id}/passbook`, { token: grandson.token })).status).toBe(200);
    expect((await bank.call("GET", `/v1/members/${grandma.id}/statement?year=2026`, { token: grandson.token })).status).toBe(200);
    const v = await bank.call("POST", "/v1/vouchers", { token: grandson.token, body: { voucherTypeId: shop.typeId, memberId: grandma.id } });
    expect(v.status).toBe(201);
    expect(v.body.memberId).toBe(grandma.id);
    expect(await passbookBalance(bank, grandma.id)).toBe(70);
    const pb = (await bank.call("GET", `/v1/members/${grandma.id}/passbook`, { token: grandma.token })).body;
    expect(pb.entries[0].onBehalfOf).toMatchObject({ memberId: grandma.id, byGuardianMemberId: grandson.id });
    // The guardian's own redemption is their own: no onBehalfOf.
    await grantPoints(bank, grandson.id, 30);
    expect((await bank.call("POST", "/v1/vouchers", { token: grandson.token, body: { voucherTypeId: shop.typeId } })).status).toBe(201);
    const own = (await bank.call("GET", `/v1/members/${grandson.id}/passbook`, { token: grandson.token })).body;
    expect(own.entries[0].onBehalfOf).toBeNull();
  });

  it("who may not: a guardian of A acting for B, staff of another community linking, a member linking, a gift by a guardian", async () => {
    const { bank, staffA, staffB, grandma, grandson, stranger } = await scene();
    await grantPoints(bank, stranger.id, 100);
    const shop = await merchantWithType(bank, { pointsCost: 30 });
    await bank.call("POST", `/v1/members/${grandma.id}/guardians`, { token: staffA, body: { guardianMemberId: grandson.id } });
    expect((await bank.call("POST", "/v1/vouchers", { token: grandson.token, body: { voucherTypeId: shop.typeId, memberId: stranger.id } })).status).toBe(403);
    expect((await bank.call("GET", `/v1/members/${stranger.id}/passbook`, { token: grandson.token })).status).toBe(403);
    expect((await bank.call("POST", `/v1/members/${stranger.id}/guardians`, { token: staffB, body: { guardianMemberId: grandson.id } })).status).toBe(403);
    expect((await bank.call("POST", `/v1/members/${stranger.id}/guardians`, { token: grandson.token, body: { guardianMemberId: grandson.id } })).status).toBe(403);
    expect((await bank.call("POST", `/v1/members/${stranger.id}/guardians`, { token: staffA, body: { guardianMemberId: stranger.id } })).status).toBe(400);
    expect((await bank.call("POST", `/v1/members/${stranger.id}/guardians`, { token: staffA, body: { guardianMemberId: "nobody" } })).status).toBe(404);
    expect((await bank.call("POST", "/v1/transfers", { token: grandson.token, body: { fromMemberId: grandma.id, to: { memberId: grandson.id }, points: 1 } })).status).toBe(403);
    expect(await passbookBalance(bank, stranger.id)).toBe(100);
  });
});

describe("perMemberLimit per voucher type per year", () => {
  it("the limit counts the bank year's vouchers still issued or used; one more is 409 limit_reached; a cancelled one gives its place back", async () => {
    const { bank, grandma } = await scene();
    await grantPoints(bank, grandma.id, 1000);
    const m = await bank.call("POST", "/v1/merchants", { token: bank.admin, body: { name: "理发店" } });
    const type = await bank.call("POST", "/v1/voucher-types", {
      token: bank.admin,
      body: { merchantId: m.body.id, name: "理发券", pointsCost: 10, stock: 100, validDays: 30, perMemberLimit: 2 },
    });
    expect(type.status).toBe(201);
    expect(type.body.perMemberLimit).toBe(2);
    const redeem = () => bank.call("POST", "/v1/vouchers", { token: grandma.token, body: { voucherTypeId: type.body.id } });
    const first = await redeem();
    expect((await redeem()).status).toBe(201);
    const third = await redeem();
    expect(third.status).toBe(409);
    expect(third.body.error.code).toBe("limit_reached");
    expect(await passbookBalance(bank, grandma.id)).toBe(980);
    expect((await bank.call("POST", `/v1/vouchers/${first.body.code}/cancel`, { token: grandma.token, body: {} })).status).toBe(200);
    expect((await redeem()).status).toBe(201);
    const other = await merchantWithType(bank, { pointsCost: 10 });
    // A new bank year starts at 16:00 UTC on 31 December.
    bank.clock.set("2026-12-31T15:59:00.000Z");
    const token = await bank.token({ role: "member", memberId: grandma.id });
    expect((await bank.call("POST", "/v1/vouchers", { token, body: { voucherTypeId: type.body.id } })).body.error.code).toBe("limit_reached");
    bank.clock.set("2026-12-31T16:00:00.000Z");
    expect((await bank.call("POST", "/v1/vouchers", { token, body: { voucherTypeId: type.body.id } })).status).toBe(201);
    expect((await bank.call("POST", "/v1/vouchers", { token, body: { voucherTypeId: other.typeId } })).status).toBe(201);
  });
});
