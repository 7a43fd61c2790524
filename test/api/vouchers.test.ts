import { describe, expect, it } from "vitest";
import { DAY_MS } from "../../src/clock";
import { verifyStoredChain } from "../../src/ledger/chain";
import { expireVouchers } from "../../src/domain/vouchers";
import { runScheduledJobs } from "../../src/jobs";
import { makeBank, type TestBank } from "../helpers/setup";
import { balanceOf, grantPoints, ledgerInvariants, merchantWithType, ownRoundTrips, passbookBalance, stockOf } from "../helpers/spending";

const CODE = /^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/;
const OUTSTANDING = "points:vouchers_outstanding";
const RETIRED = "points:retired";

async function voucherCount(bank: TestBank): Promise<number> {
  return Number((await bank.db.client.execute("SELECT COUNT(*) AS n FROM vouchers")).rows[0]!.n);
}

/** A community with staff, a member holding `points`, and a merchant with one voucher type. */
async function scene(opts: { points?: number; pointsCost?: number; stock?: number; validDays?: number } = {}) {
  const bank = await makeBank();
  const c = await bank.community();
  const staff = await bank.staff(c.id);
  const member = await bank.member(c.id);
  if (opts.points) await grantPoints(bank, member.id, opts.points);
  const shop = await merchantWithType(bank, { pointsCost: opts.pointsCost ?? 50, stock: opts.stock ?? 10, validDays: opts.validDays ?? 30 });
  const redeem = (token = member.token, body: Record<string, unknown> = { voucherTypeId: shop.typeId }, headers?: Record<string, string>) =>
    bank.call("POST", "/v1/vouchers", { token, body, headers });
  // Tokens last 8 hours of the bank's clock: after moving time, log in again.
  const fresh = async () => ({
    member: await bank.token({ role: "member", memberId: member.id, communityId: c.id }),
    merchant: await bank.token({ role: "merchant", merchantId: shop.merchantId }),
    admin: await bank.token({ role: "admin" }),
  });
  return { bank, c, staff, member, shop, redeem, fresh };
}

describe("redeeming points for a voucher", () => {
  it("a member redeems for themselves: points to outstanding, one unit of stock, an unguessable code", async () => {
    const { bank, member, shop, redeem } = await scene({ points: 120, pointsCost: 50, stock: 3, validDays: 30 });
    const res = await redeem();
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      status: "issued",
      pointsCost: 50,
      memberId: member.id,
      passbookNo: member.passbookNo,
      voucherTypeId: shop.typeId,
      voucherTypeName: "公益理发券",
      merchantName: "理发店",
      issuedAt: "2026-03-01T08:00:00.000Z",
      expiresAt: "2026-03-31T08:00:00.000Z",
      closedAt: null,
    });
    expect(res.body.code).toMatch(CODE);
    expect(res.body.transactionId).toBe(res.body.issueTransactionId);
    expect(await passbookBalance(bank, member.id)).toBe(70);
    expect(await balanceOf(bank, OUTSTANDING)).toBe(50);
    expect(await stockOf(bank, shop.typeId)).toBe(2);
    const passbook = await bank.call("GET", `/v1/members/${member.id}/passbook`, { token: member.token });
    expect(passbook.body.entries[0]).toMatchObject({ transactionId: res.body.transactionId, kind: "voucher_issued", amount: -50, balanceAfter: 70 });
    expect(passbook.body.earnedTotal).toBe(120);
    const codes = new Set([res.body.code, (await redeem()).body.code]);
    expect(codes.size).toBe(2);
  });

  it("staff redeem at the counter for a member of their community, and the admin for anyone", async () => {
    const { bank, staff, member, shop, redeem } = await scene({ points: 200 });
    const byStaff = await redeem(staff, { voucherTypeId: shop.typeId, memberId: member.id });
    expect(byStaff.status).toBe(201);
    expect(byStaff.body.memberId).toBe(member.id);
    const byAdmin = await redeem(bank.admin, { voucherTypeId: shop.typeId, memberId: member.id });
    expect(byAdmin.status).toBe(201);
    expect(await passbookBalance(bank, member.id)).toBe(100);
    const self = await redeem(member.token, { voucherTypeId: shop.typeId, memberId: member.id });
    expect(self.status).toBe(201);
  });

  it("not enough points is 409 insufficient_points and changes nothing", async () => {
    const { bank, member, shop, redeem } = await scene({ points: 49, pointsCost: 50, stock: 3 });
    const res = await redeem();
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("insufficient_points");
    expect(await passbookBalance(bank, member.id)).toBe(49);
    expect(await stockOf(bank, shop.typeId)).toBe(3);
    expect(await voucherCount(bank)).toBe(0);
    expect(await balanceOf(bank, OUTSTANDING)).toBe(0);
  });

  it("no stock is 409 out_of_stock and changes nothing", async () => {
    const { bank, member, redeem } = await scene({ points: 500, stock: 0 });
    const res = await redeem();
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("out_of_stock");
    expect(await passbookBalance(bank, member.id)).toBe(500);
    expect(await voucherCount(bank)).toBe(0);
  });

  it("refuses unknown types and members, bad bodies, and staff without a member", async () => {
    const { bank, staff, member, shop, redeem } = await scene({ points: 500 });
    expect((await redeem(member.token, { voucherTypeId: "nope" })).status).toBe(404);
    expect((await redeem(staff, { voucherTypeId: shop.typeId, memberId: "nope" })).status).toBe(404);
    const noMember = await redeem(staff, { voucherTypeId: shop.typeId });
    expect(noMember.status).toBe(400);
    expect(noMember.body.error.code).toBe("validation_failed");
    for (const bad of [{}, { voucherTypeId: 5 }, { voucherTypeId: shop.typeId, pointsCost: 1 }, { voucherTypeId: "bad id!" }]) {
      expect((await redeem(member.token, bad)).status, JSON.stringify(bad)).toBe(400);
    }
    expect(await passbookBalance(bank, member.id)).toBe(500);
  });

  it("who may not: no token, a merchant, another member, staff of another community", async () => {
    const { bank, c, member, shop, redeem } = await scene({ points: 500 });
    const body = { voucherTypeId: shop.typeId, memberId: member.id };
    expect((await bank.call("POST", "/v1/vouchers", { body })).status).toBe(401);
    const other = await bank.member(c.id);
    const otherStaff = await bank.staff((await bank.community()).id);
    for (const token of [shop.merchantToken, other.token, otherStaff]) {
      const res = await redeem(token, body);
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe("forbidden");
    }
    expect(await passbookBalance(bank, member.id)).toBe(500);
  });

  it("an Idempotency-Key replays the first voucher and takes points once; a different body is refused", async () => {
    const { bank, member, shop, redeem } = await scene({ points: 500 });
    const headers = { "idempotency-key": "redeem-1" };
    const first = await redeem(member.token, { voucherTypeId: shop.typeId }, headers);
    const again = await redeem(member.token, { voucherTypeId: shop.typeId }, headers);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(await passbookBalance(bank, member.id)).toBe(450);
    expect(await voucherCount(bank)).toBe(1);
    const other = await merchantWithType(bank, { name: "家政服务券" });
    const reused = await redeem(member.token, { voucherTypeId: other.typeId }, headers);
    expect(reused.status).toBe(409);
    expect(reused.body.error.code).toBe("idempotency_key_reused");
    expect(await passbookBalance(bank, member.id)).toBe(450);
  });

  it("N parallel redemptions against points for one voucher: exactly one 201, N−1 insufficient_points", async () => {
    const N = 12;
    const { bank, member, shop, redeem } = await scene({ points: 80, pointsCost: 50, stock: 100 });
    const results = await Promise.all(Array.from({ length: N }, () => redeem()));
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    const refused = results.filter((r) => r.status === 409);
    expect(refused).toHaveLength(N - 1);
    expect(new Set(refused.map((r) => r.body.error.code))).toEqual(new Set(["insufficient_points"]));
    expect(await passbookBalance(bank, member.id)).toBe(30);
    expect(await stockOf(bank, shop.typeId)).toBe(99);
    expect(await balanceOf(bank, OUTSTANDING)).toBe(50);
    expect(await voucherCount(bank)).toBe(1);
  });

  it("N parallel redemptions of the last unit: exactly one 201, N−1 out_of_stock", async () => {
    const N = 12;
    const c = await scene({ points: 10_000, pointsCost: 50, stock: 1 });
    const members = [c.member, ...(await Promise.all(Array.from({ length: N - 1 }, () => c.bank.member(c.c.id))))];
    for (const m of members.slice(1)) await grantPoints(c.bank, m.id, 100);
    const results = await Promise.all(members.map((m) => c.redeem(m.token)));
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409 && r.body.error.code === "out_of_stock")).toHaveLength(N - 1);
    expect(await stockOf(c.bank, c.shop.typeId)).toBe(0);
    expect(await balanceOf(c.bank, OUTSTANDING)).toBe(50);
    expect(await voucherCount(c.bank)).toBe(1);
  });

  it("redeem, accept and cancel each cost one round-trip: the write reads what it needs itself", async () => {
    const { bank, member, shop, redeem } = await scene({ points: 500 });
    const issued = await ownRoundTrips(bank, () => redeem());
    expect(issued.res.status).toBe(201);
    expect(issued.count).toBe(1);
    const other = (await redeem()).body;
    const accepted = await ownRoundTrips(bank, () =>
      bank.call("POST", `/v1/vouchers/${issued.res.body.code}/accept`, { token: shop.merchantToken, body: {} }),
    );
    expect(accepted).toMatchObject({ res: { status: 200 }, count: 1 });
    const cancelled = await ownRoundTrips(bank, () => bank.call("POST", `/v1/vouchers/${other.code}/cancel`, { token: member.token, body: {} }));
    expect(cancelled).toMatchObject({ res: { status: 200 }, count: 1 });
    // A refusal costs the same single round-trip: the guard fails inside the write.
    const refused = await ownRoundTrips(bank, () => bank.call("POST", `/v1/vouchers/${other.code}/cancel`, { token: member.token, body: {} }));
    expect(refused).toMatchObject({ res: { status: 409 }, count: 1 });
  });
});

describe("accepting a voucher (核销)", () => {
  it("the merchant of its type accepts it: outstanding → retired, the voucher is used; again is voucher_not_issued", async () => {
    const { bank, member, shop, redeem } = await scene({ points: 100 });
    const v = (await redeem()).body;
    const res = await bank.call("POST", `/v1/vouchers/${v.code}/accept`, { token: shop.merchantToken, body: {} });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: v.id, status: "used", closedAt: "2026-03-01T08:00:00.000Z" });
    expect(res.body.transactionId).toBe(res.body.closeTransactionId);
    expect(res.body.transactionId).not.toBe(v.transactionId);
    expect(await balanceOf(bank, OUTSTANDING)).toBe(0);
    expect(await balanceOf(bank, RETIRED)).toBe(50);
    expect(await passbookBalance(bank, member.id)).toBe(50);
    const again = await bank.call("POST", `/v1/vouchers/${v.code}/accept`, { token: shop.merchantToken, body: {} });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("voucher_not_issued");
    expect(await balanceOf(bank, RETIRED)).toBe(50);
    const tx = await bank.call("GET", `/v1/transactions/${res.body.transactionId}`, { token: bank.admin });
    expect(tx.body).toMatchObject({ kind: "voucher_used", refType: "voucher", refId: v.id });
  });

  it("takes the code as a person types it: lower case, spaces, O for 0, I or L for 1", async () => {
    const { bank, shop, redeem } = await scene({ points: 100 });
    const v = (await redeem()).body;
    const typed = v.code.replace(/-/g, " ").toLowerCase().replace(/0/g, "o").replace(/1/g, "l");
    const res = await bank.call("POST", `/v1/vouchers/${encodeURIComponent(typed)}/accept`, { token: shop.merchantToken, body: {} });
    expect(res.status).toBe(200);
    expect(res.body.code).toBe(v.code);
  });

  it("nobody else accepts it: another merchant, the holder, staff, the admin, no token", async () => {
    const { bank, staff, member, redeem } = await scene({ points: 100 });
    const v = (await redeem()).body;
    const other = await merchantWithType(bank);
    const path = `/v1/vouchers/${v.code}/accept`;
    expect((await bank.call("POST", path, { body: {} })).status).toBe(401);
    for (const token of [other.merchantToken, member.token, staff, bank.admin]) {
      const res = await bank.call("POST", path, { token, body: {} });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe("forbidden");
    }
    expect(await balanceOf(bank, OUTSTANDING)).toBe(50);
    expect((await bank.call("GET", `/v1/vouchers/${v.code}`, { token: member.token })).body.status).toBe("issued");
  });

  it("refuses unknown codes, bad codes and unknown fields", async () => {
    const { bank, shop, redeem } = await scene({ points: 100 });
    const v = (await redeem()).body;
    expect((await bank.call("POST", "/v1/vouchers/0000-0000-0000-0000/accept", { token: shop.merchantToken, body: {} })).status).toBe(404);
    expect((await bank.call("POST", "/v1/vouchers/abc%24/accept", { token: shop.merchantToken, body: {} })).status).toBe(400);
    expect((await bank.call("POST", `/v1/vouchers/${v.code}/accept`, { token: shop.merchantToken, body: { status: "used" } })).status).toBe(400);
    expect(await balanceOf(bank, OUTSTANDING)).toBe(50);
  });

  it("a cancelled or expired voucher is voucher_not_issued", async () => {
    const { bank, member, shop, redeem, fresh } = await scene({ points: 200, validDays: 2 });
    const cancelled = (await redeem()).body;
    expect((await bank.call("POST", `/v1/vouchers/${cancelled.code}/cancel`, { token: member.token, body: {} })).status).toBe(200);
    const res = await bank.call("POST", `/v1/vouchers/${cancelled.code}/accept`, { token: shop.merchantToken, body: {} });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("voucher_not_issued");

    const late = (await redeem()).body;
    bank.clock.set(late.expiresAt); // expired the moment its validity ends, before the job has run
    const merchant = (await fresh()).merchant;
    const shown = await bank.call("GET", `/v1/vouchers/${late.code}`, { token: merchant });
    expect(shown.body.status).toBe("expired");
    const refused = await bank.call("POST", `/v1/vouchers/${late.code}/accept`, { token: merchant, body: {} });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("voucher_not_issued");
    await runScheduledJobs({ db: bank.db, clock: bank.clock });
    const expired = await bank.call("POST", `/v1/vouchers/${late.code}/accept`, { token: merchant, body: {} });
    expect(expired.body.error.code).toBe("voucher_not_issued");
    expect(await balanceOf(bank, RETIRED)).toBe(0);
    expect(await passbookBalance(bank, member.id)).toBe(200);
  });

  it("one second before expiry it is still accepted", async () => {
    const { bank, redeem, fresh } = await scene({ points: 100, validDays: 1 });
    const v = (await redeem()).body;
    bank.clock.set(new Date(new Date(v.expiresAt).getTime() - 1000));
    expect((await bank.call("POST", `/v1/vouchers/${v.code}/accept`, { token: (await fresh()).merchant, body: {} })).status).toBe(200);
  });

  it("parallel accepts of one voucher: exactly one 200", async () => {
    const { bank, shop, redeem } = await scene({ points: 100 });
    const v = (await redeem()).body;
    const results = await Promise.all(
      Array.from({ length: 8 }, () => bank.call("POST", `/v1/vouchers/${v.code}/accept`, { token: shop.merchantToken, body: {} })),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409 && r.body.error.code === "voucher_not_issued")).toHaveLength(7);
    expect(await balanceOf(bank, RETIRED)).toBe(50);
  });

  it("an Idempotency-Key replays the acceptance", async () => {
    const { bank, shop, redeem } = await scene({ points: 100 });
    const v = (await redeem()).body;
    const headers = { "idempotency-key": "accept-1" };
    const first = await bank.call("POST", `/v1/vouchers/${v.code}/accept`, { token: shop.merchantToken, body: {}, headers });
    const again = await bank.call("POST", `/v1/vouchers/${v.code}/accept`, { token: shop.merchantToken, body: {}, headers });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
  });
});

describe("cancelling a voucher", () => {
  it("the holder cancels: points back to the passbook, the unit back to stock", async () => {
    const { bank, member, shop, redeem } = await scene({ points: 100, stock: 5 });
    const v = (await redeem()).body;
    const res = await bank.call("POST", `/v1/vouchers/${v.code}/cancel`, { token: member.token, body: {} });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "cancelled", closedAt: "2026-03-01T08:00:00.000Z" });
    expect(await passbookBalance(bank, member.id)).toBe(100);
    expect(await stockOf(bank, shop.typeId)).toBe(5);
    expect(await balanceOf(bank, OUTSTANDING)).toBe(0);
    const passbook = await bank.call("GET", `/v1/members/${member.id}/passbook`, { token: member.token });
    expect(passbook.body.entries[0]).toMatchObject({ transactionId: res.body.transactionId, kind: "voucher_cancelled", amount: 50, balanceAfter: 100 });
    const again = await bank.call("POST", `/v1/vouchers/${v.code}/cancel`, { token: member.token, body: {} });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("voucher_not_issued");
    expect(await passbookBalance(bank, member.id)).toBe(100);
  });

  it("staff of the holder's community and the admin may cancel", async () => {
    const { bank, staff, member, redeem } = await scene({ points: 100 });
    const a = (await redeem()).body;
    const b = (await redeem()).body;
    expect((await bank.call("POST", `/v1/vouchers/${a.code}/cancel`, { token: staff, body: {} })).status).toBe(200);
    expect((await bank.call("POST", `/v1/vouchers/${b.code}/cancel`, { token: bank.admin, body: {} })).status).toBe(200);
    expect(await passbookBalance(bank, member.id)).toBe(100);
  });

  it("nobody else: another member, staff of another community, the merchant, no token", async () => {
    const { bank, member, shop, redeem } = await scene({ points: 100 });
    const v = (await redeem()).body;
    const path = `/v1/vouchers/${v.code}/cancel`;
    expect((await bank.call("POST", path, { body: {} })).status).toBe(401);
    const elsewhere = (await bank.community()).id;
    for (const token of [(await bank.member(elsewhere)).token, await bank.staff(elsewhere), shop.merchantToken]) {
      const res = await bank.call("POST", path, { token, body: {} });
      expect(res.status).toBe(403);
    }
    expect(await passbookBalance(bank, member.id)).toBe(50);
    expect((await bank.call("POST", "/v1/vouchers/ZZZZ-ZZZZ-ZZZZ-ZZZZ/cancel", { token: member.token, body: {} })).status).toBe(404);
  });

  it("a used or expired voucher cannot be cancelled", async () => {
    const { bank, member, shop, redeem, fresh } = await scene({ points: 100, validDays: 1 });
    const used = (await redeem()).body;
    await bank.call("POST", `/v1/vouchers/${used.code}/accept`, { token: shop.merchantToken, body: {} });
    const res = await bank.call("POST", `/v1/vouchers/${used.code}/cancel`, { token: member.token, body: {} });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("voucher_not_issued");
    const late = (await redeem()).body;
    bank.clock.advance(DAY_MS);
    const expired = await bank.call("POST", `/v1/vouchers/${late.code}/cancel`, { token: (await fresh()).member, body: {} });
    expect(expired.status).toBe(409);
    expect(expired.body.error.code).toBe("voucher_not_issued");
    expect(await passbookBalance(bank, member.id)).toBe(0);
  });
});

describe("expiry", () => {
  it("returns the points and the unit exactly once, however often the job runs", async () => {
    const { bank, member, shop, redeem, fresh } = await scene({ points: 100, stock: 5, validDays: 7 });
    const v = (await redeem()).body;
    const keep = (await redeem()).body;
    // the second voucher is redeemed later, so it expires later
    await bank.db.client.execute({ sql: "UPDATE vouchers SET expires_at = ? WHERE id = ?", args: ["2026-04-01T00:00:00.000Z", keep.id] });
    bank.clock.advance(7 * DAY_MS - 1);
    expect((await runScheduledJobs({ db: bank.db, clock: bank.clock })).vouchersExpired).toBe(0);
    expect(await passbookBalance(bank, member.id)).toBe(0);

    bank.clock.advance(1);
    const first = await runScheduledJobs({ db: bank.db, clock: bank.clock });
    const second = await runScheduledJobs({ db: bank.db, clock: bank.clock });
    expect(first.vouchersExpired).toBe(1);
    expect(second.vouchersExpired).toBe(0);
    expect(await passbookBalance(bank, member.id)).toBe(50);
    expect(await stockOf(bank, shop.typeId)).toBe(4);
    expect(await balanceOf(bank, OUTSTANDING)).toBe(50);
    const token = (await fresh()).member;
    const shown = await bank.call("GET", `/v1/vouchers/${v.code}`, { token });
    expect(shown.body).toMatchObject({ status: "expired", closedAt: bank.clock.now().toISOString() });
    const passbook = await bank.call("GET", `/v1/members/${member.id}/passbook`, { token });
    expect(passbook.body.entries.filter((e: { kind: string }) => e.kind === "voucher_expired")).toHaveLength(1);
    expect((await bank.call("GET", `/v1/vouchers/${keep.code}`, { token })).body.status).toBe("issued");
  });

  it("expires at most `max` per run, oldest first; the rest in the next run", async () => {
    const { bank, member, redeem } = await scene({ points: 150, validDays: 1 });
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push((await redeem()).body.code);
    bank.clock.advance(DAY_MS);
    const now = bank.clock.now().toISOString();
    expect(await expireVouchers(bank.db, now, 2)).toBe(2);
    expect(await passbookBalance(bank, member.id)).toBe(100);
    expect(await expireVouchers(bank.db, now, 2)).toBe(1);
    expect(await expireVouchers(bank.db, now, 2)).toBe(0);
    expect(await passbookBalance(bank, member.id)).toBe(150);
  });

  it("two jobs running at once still refund once", async () => {
    const { bank, member, redeem } = await scene({ points: 150, validDays: 1 });
    for (let i = 0; i < 3; i++) expect((await redeem()).status).toBe(201);
    bank.clock.advance(DAY_MS);
    const runs = await Promise.all([1, 2, 3].map(() => runScheduledJobs({ db: bank.db, clock: bank.clock })));
    expect(runs.reduce((n, r) => n + r.vouchersExpired!, 0)).toBe(3);
    expect(await passbookBalance(bank, member.id)).toBe(150);
    expect(await balanceOf(bank, OUTSTANDING)).toBe(0);
    const expired = await bank.db.client.execute("SELECT COUNT(*) AS n FROM ledger_transactions WHERE kind = 'voucher_expired'");
    expect(Number(expired.rows[0]!.n)).toBe(3);
  });
});

describe("reading vouchers", () => {
  it("by code: the holder, their staff, the admin and the merchant it is for; nobody else", async () => {
    const { bank, staff, member, shop, redeem } = await scene({ points: 100 });
    const v = (await redeem()).body;
    const path = `/v1/vouchers/${v.code}`;
    for (const token of [member.token, staff, bank.admin, shop.merchantToken]) {
      const res = await bank.call("GET", path, { token });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: v.id, code: v.code, status: "issued", voucherTypeName: "公益理发券" });
    }
    expect((await bank.call("GET", path)).status).toBe(401);
    const elsewhere = (await bank.community()).id;
    const other = await merchantWithType(bank);
    for (const token of [(await bank.member(elsewhere)).token, await bank.staff(elsewhere), other.merchantToken]) {
      expect((await bank.call("GET", path, { token })).status).toBe(403);
    }
    expect((await bank.call("GET", "/v1/vouchers/ZZZZ-ZZZZ-ZZZZ-ZZZZ", { token: bank.admin })).status).toBe(404);
  });

  it("lists: a member their own, staff their community, a merchant theirs with codes masked until used, admin all", async () => {
    const { bank, c, staff, member, shop, redeem, fresh } = await scene({ points: 500 });
    const elsewhere = (await bank.community()).id;
    const stranger = await bank.member(elsewhere);
    await grantPoints(bank, stranger.id, 500);
    const other = await merchantWithType(bank, { name: "免费停车券" });
    const mine1 = (await redeem()).body;
    const mine2 = (await redeem()).body;
    const theirs = (await redeem(stranger.token, { voucherTypeId: other.typeId })).body;
    await bank.call("POST", `/v1/vouchers/${mine1.code}/accept`, { token: shop.merchantToken, body: {} });

    const ids = (res: { body: { items: { id: string }[] } }) => res.body.items.map((v) => v.id);
    expect(ids(await bank.call("GET", "/v1/vouchers", { token: member.token }))).toEqual([mine2.id, mine1.id]);
    expect(ids(await bank.call("GET", "/v1/vouchers", { token: stranger.token }))).toEqual([theirs.id]);
    expect(ids(await bank.call("GET", "/v1/vouchers", { token: staff }))).toEqual([mine2.id, mine1.id]);
    expect(ids(await bank.call("GET", "/v1/vouchers", { token: bank.admin }))).toEqual([theirs.id, mine2.id, mine1.id]);
    const merchantView = await bank.call("GET", "/v1/vouchers", { token: shop.merchantToken });
    expect(ids(merchantView)).toEqual([mine2.id, mine1.id]);
    expect(merchantView.body.items[0].code).toBe(`****-****-****-${mine2.code.slice(-4)}`);
    expect(merchantView.body.items[1].code).toBe(mine1.code);
    expect(ids(await bank.call("GET", "/v1/vouchers", { token: (await merchantWithType(bank)).merchantToken }))).toEqual([]);

    expect(ids(await bank.call("GET", "/v1/vouchers?status=used", { token: bank.admin }))).toEqual([mine1.id]);
    expect(ids(await bank.call("GET", "/v1/vouchers?status=issued", { token: bank.admin }))).toEqual([theirs.id, mine2.id]);
    expect(ids(await bank.call("GET", `/v1/vouchers?memberId=${stranger.id}`, { token: bank.admin }))).toEqual([theirs.id]);
    expect(ids(await bank.call("GET", `/v1/vouchers?voucherTypeId=${other.typeId}`, { token: bank.admin }))).toEqual([theirs.id]);
    bank.clock.advance(31 * DAY_MS);
    const admin = (await fresh()).admin;
    expect(ids(await bank.call("GET", "/v1/vouchers?status=expired", { token: admin }))).toEqual([theirs.id, mine2.id]);
    expect(ids(await bank.call("GET", "/v1/vouchers?status=issued", { token: admin }))).toEqual([]);

    const page = await bank.call("GET", "/v1/vouchers?limit=2", { token: admin });
    expect(page.body.items).toHaveLength(2);
    const rest = await bank.call("GET", `/v1/vouchers?limit=2&cursor=${page.body.nextCursor}`, { token: admin });
    expect(ids(rest)).toEqual([mine1.id]);
    expect(rest.body.nextCursor).toBeNull();

    expect((await bank.call("GET", "/v1/vouchers")).status).toBe(401);
    expect((await bank.call("GET", "/v1/vouchers?status=lost", { token: admin })).status).toBe(400);
    expect((await bank.call("GET", "/v1/vouchers?cursor=garbage", { token: admin })).status).toBe(400);
    expect(c.id).not.toBe(elsewhere);
  });

  it("after all of it the ledger balances per asset, every balance equals its postings, and the chain verifies", async () => {
    const { bank, member, shop, redeem } = await scene({ points: 300, validDays: 1 });
    const a = (await redeem()).body;
    const b = (await redeem()).body;
    await redeem();
    await bank.call("POST", `/v1/vouchers/${a.code}/accept`, { token: shop.merchantToken, body: {} });
    await bank.call("POST", `/v1/vouchers/${b.code}/cancel`, { token: member.token, body: {} });
    bank.clock.advance(DAY_MS);
    await runScheduledJobs({ db: bank.db, clock: bank.clock });
    await bank.settle();
    const inv = await ledgerInvariants(bank);
    expect(inv.sums.PTS).toBe(0);
    expect(inv.drifted).toEqual([]);
    expect(await verifyStoredChain(bank.db)).toBeNull();
    expect(await passbookBalance(bank, member.id)).toBe(250);
    expect(await balanceOf(bank, RETIRED)).toBe(50);
    expect(await balanceOf(bank, OUTSTANDING)).toBe(0);
  });
});
