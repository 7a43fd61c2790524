import { describe, expect, it } from "vitest";
import { verifyStoredChain } from "../../src/ledger/chain";
import { makeBank, type TestBank } from "../helpers/setup";
import { balanceOf, giveToFund, grantPoints, ledgerInvariants, merchantWithType, ownRoundTrips, passbookBalance } from "../helpers/spending";

const reverse = (bank: TestBank, id: string, opts: { token?: string; reason?: string; headers?: Record<string, string> } = {}) =>
  bank.call("POST", `/v1/transactions/${id}/reverse`, {
    token: opts.token ?? bank.admin,
    body: { reason: opts.reason ?? "录入错误" },
    headers: opts.headers,
  });

async function memberRow(bank: TestBank, id: string) {
  const r = await bank.db.client.execute({ sql: "SELECT earned_total, stars FROM members WHERE id = ?", args: [id] });
  return { earnedTotal: Number(r.rows[0]!.earned_total), stars: Number(r.rows[0]!.stars) };
}

async function yearPoints(bank: TestBank, id: string, year: number) {
  const r = await bank.db.client.execute({ sql: "SELECT points_earned FROM member_year_stats WHERE member_id = ? AND year = ?", args: [id, year] });
  return Number(r.rows[0]!.points_earned);
}

async function voucherScene(points = 100) {
  const bank = await makeBank();
  const c = await bank.community();
  const member = await bank.member(c.id);
  await grantPoints(bank, member.id, points);
  const shop = await merchantWithType(bank, { pointsCost: 50, stock: 5 });
  const v = (await bank.call("POST", "/v1/vouchers", { token: member.token, body: { voucherTypeId: shop.typeId } })).body;
  return { bank, c, member, shop, v };
}

const stock = async (bank: TestBank, typeId: string) =>
  Number((await bank.db.client.execute({ sql: "SELECT stock FROM voucher_types WHERE id = ?", args: [typeId] })).rows[0]!.stock);

describe("reversing a transaction", () => {
  it("posts the exact opposite postings, naming the reversed transaction, with the reason as memo", async () => {
    const bank = await makeBank();
    await giveToFund(bank, 100_000);
    const c = await bank.community();
    const spent = (await bank.call("POST", "/v1/fund/expenses", {
      token: await bank.staff(c.id),
      body: { amountFen: 30_000, purpose: "hardship_aid", description: "重复录入", receiptRef: "R-9", payee: "爱心商店" },
    })).body;
    const res = await reverse(bank, spent.transactionId, { reason: "同一张发票录了两次" });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      kind: "reversal",
      reversesId: spent.transactionId,
      reversedBy: null,
      memo: "冲正：同一张发票录了两次",
      refType: "fund_expense",
      refId: spent.id,
      communityId: c.id,
      at: "2026-03-01T08:00:00.000Z",
    });
    expect(res.body.postings).toEqual([
      { account: "fund:cash", asset: "CNY", amount: 30_000, balanceAfter: 100_000 },
      { account: "fund:spending:hardship_aid", asset: "CNY", amount: -30_000, balanceAfter: 0 },
    ]);
    const original = await bank.call("GET", `/v1/transactions/${spent.transactionId}`, { token: bank.admin });
    expect(original.body.reversedBy).toBe(res.body.id);
    // the expense stays listed as what happened, marked reversed; the statement nets it out
    const listed = (await bank.call("GET", "/v1/fund/expenses")).body.items[0];
    expect(listed).toMatchObject({ id: spent.id, reversedBy: res.body.id });
    const statement = (await bank.call("GET", "/v1/fund/statement")).body;
    expect(statement.balanceFen).toBe(100_000);
    expect(statement.spending.find((s: { purpose: string }) => s.purpose === "hardship_aid").amountFen).toBe(0);
    await bank.settle();
    const sealed = await bank.call("GET", `/v1/transactions/${res.body.id}`, { token: bank.admin });
    expect(sealed.body.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(await verifyStoredChain(bank.db)).toBeNull();
  });

  it("a second reversal is 409 already_reversed; a reversal is not itself reversed", async () => {
    const bank = await makeBank();
    const tx = await giveToFund(bank, 5_000);
    const first = await reverse(bank, tx);
    expect(first.status).toBe(201);
    const second = await reverse(bank, tx);
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe("already_reversed");
    const ofReversal = await reverse(bank, first.body.id);
    expect(ofReversal.status).toBe(409);
    expect(ofReversal.body.error.code).toBe("conflict");
    expect(await balanceOf(bank, "fund:cash")).toBe(0);
  });

  it("two reversals at once: exactly one is posted", async () => {
    const bank = await makeBank();
    const tx = await giveToFund(bank, 5_000);
    const results = await Promise.all(Array.from({ length: 6 }, () => reverse(bank, tx)));
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409 && r.body.error.code === "already_reversed")).toHaveLength(5);
    expect(await balanceOf(bank, "fund:cash")).toBe(0);
    expect(await balanceOf(bank, "fund:income:company")).toBe(0);
  });

  it("refuses a reversal that would make a balance negative: reversal_would_overdraw, nothing changes", async () => {
    const bank = await makeBank();
    const donation = await giveToFund(bank, 10_000);
    const c = await bank.community();
    await bank.call("POST", "/v1/fund/expenses", {
      token: bank.admin,
      body: { amountFen: 8_000, purpose: "poverty_relief", description: "慰问", receiptRef: "R-1", payee: "爱心商店" },
    });
    const res = await reverse(bank, donation);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("reversal_would_overdraw");
    expect(await balanceOf(bank, "fund:cash")).toBe(2_000);

    const member = await bank.member(c.id);
    const earning = await grantPoints(bank, member.id, 60);
    const shop = await merchantWithType(bank, { pointsCost: 50 });
    await bank.call("POST", "/v1/vouchers", { token: member.token, body: { voucherTypeId: shop.typeId } });
    const spentPoints = await reverse(bank, earning);
    expect(spentPoints.status).toBe(409);
    expect(spentPoints.body.error.code).toBe("reversal_would_overdraw");
    expect(await passbookBalance(bank, member.id)).toBe(10);
    expect((await memberRow(bank, member.id)).earnedTotal).toBe(60);
  });

  it("a reversed earning lowers the earned total and the year's ranking points, and withdraws the stars it no longer supports", async () => {
    const bank = await makeBank();
    const c = await bank.community();
    const member = await bank.member(c.id);
    await grantPoints(bank, member.id, 30);
    const mistaken = await grantPoints(bank, member.id, 100);
    expect(await memberRow(bank, member.id)).toEqual({ earnedTotal: 130, stars: 2 });
    const res = await reverse(bank, mistaken);
    expect(res.status).toBe(201);
    expect(await passbookBalance(bank, member.id)).toBe(30);
    expect(await memberRow(bank, member.id)).toEqual({ earnedTotal: 30, stars: 1 });
    expect(await yearPoints(bank, member.id, 2026)).toBe(30);
    const passbook = await bank.call("GET", `/v1/members/${member.id}/passbook`, { token: member.token });
    expect(passbook.body).toMatchObject({ balance: 30, earnedTotal: 30, stars: 1 });
    expect(passbook.body.levels.map((l: { stars: number }) => l.stars)).toEqual([1]);
    expect(passbook.body.levelWithdrawals).toMatchObject([{ stars: 2, transactionId: res.body.id, reason: "录入错误" }]);
    expect(passbook.body.entries[0]).toMatchObject({ transactionId: res.body.id, kind: "reversal", amount: -100, balanceAfter: 30 });
  });

  it("a reversed earning of an earlier year corrects that year's ranking", async () => {
    const bank = await makeBank();
    const c = await bank.community();
    const member = await bank.member(c.id);
    const last = await grantPoints(bank, member.id, 40, "2025-11-20T10:00:00.000Z");
    await grantPoints(bank, member.id, 15);
    expect((await reverse(bank, last)).status).toBe(201);
    expect(await yearPoints(bank, member.id, 2025)).toBe(0);
    expect(await yearPoints(bank, member.id, 2026)).toBe(15);
  });

  it("through the real endpoints: a reversed service approval takes back points and minutes, a member's money donation both sides", async () => {
    const bank = await makeBank();
    const c = await bank.community();
    const staff = await bank.staff(c.id);
    const member = await bank.member(c.id);
    const record = (await bank.call("POST", "/v1/service-records", {
      token: staff,
      body: { memberId: member.id, date: "2026-02-20", minutes: 120, description: "敬老院打扫" },
    })).body;
    const approved = await bank.call("POST", `/v1/service-records/${record.id}/approve`, { token: staff, body: {} });
    expect(approved.status).toBe(200);
    const donated = await bank.call("POST", "/v1/donations", {
      token: staff,
      body: { donor: { type: "member", memberId: member.id }, kind: "money", amountFen: 5_000 },
    });
    expect(donated.status).toBe(201);
    const before = (await bank.call("GET", "/v1/public/summary")).body;
    expect(before.serviceMinutes).toBe(120);
    expect(await passbookBalance(bank, member.id)).toBe(20 + 50);

    expect((await reverse(bank, approved.body.transactionId)).status).toBe(201);
    expect(await passbookBalance(bank, member.id)).toBe(50);
    expect((await memberRow(bank, member.id)).earnedTotal).toBe(50);
    const stats = await bank.db.client.execute({ sql: "SELECT points_earned, minutes_served FROM member_year_stats WHERE member_id = ?", args: [member.id] });
    expect(stats.rows.map((r) => [Number(r.points_earned), Number(r.minutes_served)])).toEqual([[50, 0]]);
    expect((await bank.call("GET", "/v1/public/summary")).body.serviceMinutes).toBe(0);

    expect((await reverse(bank, donated.body.transactionId)).status).toBe(201);
    expect(await passbookBalance(bank, member.id)).toBe(0);
    expect(await balanceOf(bank, "fund:cash")).toBe(0);
    expect((await memberRow(bank, member.id)).earnedTotal).toBe(0);
    expect((await memberRow(bank, member.id)).stars).toBe(0);
    const statement = (await bank.call("GET", "/v1/fund/statement")).body;
    expect(statement.income.find((i: { source: string }) => i.source === "member").amountFen).toBe(0);
  });

  it("a reversed redemption cancels the voucher: points and the unit come back, and it can no longer be accepted", async () => {
    const { bank, member, shop, v } = await voucherScene();
    const res = await reverse(bank, v.transactionId);
    expect(res.status).toBe(201);
    expect(await passbookBalance(bank, member.id)).toBe(100);
    expect(await balanceOf(bank, "points:vouchers_outstanding")).toBe(0);
    expect(await stock(bank, shop.typeId)).toBe(5);
    const shown = (await bank.call("GET", `/v1/vouchers/${v.code}`, { token: member.token })).body;
    expect(shown).toMatchObject({ status: "cancelled", closeTransactionId: res.body.id });
    const accept = await bank.call("POST", `/v1/vouchers/${v.code}/accept`, { token: shop.merchantToken, body: {} });
    expect(accept.body.error.code).toBe("voucher_not_issued");
  });

  it("a used voucher's redemption is not reversed (voucher_not_issued); its acceptance is, and the voucher is issued again", async () => {
    const { bank, member, shop, v } = await voucherScene();
    const used = (await bank.call("POST", `/v1/vouchers/${v.code}/accept`, { token: shop.merchantToken, body: {} })).body;
    const refused = await reverse(bank, v.transactionId);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("voucher_not_issued");
    const res = await reverse(bank, used.transactionId, { reason: "商户误核销" });
    expect(res.status).toBe(201);
    expect(await balanceOf(bank, "points:retired")).toBe(0);
    expect(await balanceOf(bank, "points:vouchers_outstanding")).toBe(50);
    const shown = (await bank.call("GET", `/v1/vouchers/${v.code}`, { token: member.token })).body;
    expect(shown).toMatchObject({ status: "issued", closedAt: null, closeTransactionId: null });
    const again = await bank.call("POST", `/v1/vouchers/${v.code}/accept`, { token: shop.merchantToken, body: {} });
    expect(again.status).toBe(200);
    expect(await balanceOf(bank, "points:retired")).toBe(50);
  });

  it("a cancellation is not reversed (409 conflict): the member redeems again instead", async () => {
    const { bank, member, v } = await voucherScene();
    const cancelled = (await bank.call("POST", `/v1/vouchers/${v.code}/cancel`, { token: member.token, body: {} })).body;
    const res = await reverse(bank, cancelled.transactionId);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("conflict");
    expect(await passbookBalance(bank, member.id)).toBe(100);
  });

  it("uses of goods are reversed latest first, so every unit can still be used at its value afterwards", async () => {
    const bank = await makeBank();
    const c = await bank.community();
    const staff = await bank.staff(c.id);
    const d = (await bank.call("POST", "/v1/donations", {
      token: staff,
      body: { donor: { type: "company", name: "爱心超市" }, kind: "goods", goods: { description: "铅笔", quantity: 5, valueFen: 7 } },
    })).body;
    const use = () => bank.call("POST", `/v1/donations/${d.id}/usages`, { token: staff, body: { quantity: 1, beneficiaryGroup: "other" } });
    const uses = [(await use()).body, (await use()).body, (await use()).body];
    // the middle use is not the latest: reversing it would leave the remaining units priced wrong
    const middle = await reverse(bank, uses[1].transactionId);
    expect(middle.status).toBe(409);
    expect(middle.body.error.message).toMatch(/latest first/);
    expect((await reverse(bank, uses[2].transactionId)).status).toBe(201);
    expect((await reverse(bank, uses[1].transactionId)).status).toBe(201);
    // four units left, worth what the stock account holds; all of them can be used
    for (let i = 0; i < 4; i++) expect((await use()).status).toBe(201);
    expect(await balanceOf(bank, "goods:stock")).toBe(0);
    expect((await use()).body.error.code).toBe("insufficient_goods");
  });

  it("a goods donation is reversed only while none of it was used; reversing a usage puts its units back", async () => {
    const bank = await makeBank();
    const c = await bank.community();
    const staff = await bank.staff(c.id);
    const donate = async (quantity: number, valueFen: number) =>
      (await bank.call("POST", "/v1/donations", {
        token: staff,
        body: { donor: { type: "company", name: "爱心超市" }, kind: "goods", goods: { description: "大米", quantity, valueFen } },
      })).body;
    const use = (id: string, quantity: number) =>
      bank.call("POST", `/v1/donations/${id}/usages`, { token: staff, body: { quantity, beneficiaryGroup: "elderly" } });
    const remaining = async (id: string) => (await bank.call("GET", `/v1/donations/${id}`)).body.goods.remaining;
    const d = await donate(10, 10_000);
    const used = (await use(d.id, 4)).body;
    expect(await balanceOf(bank, "goods:stock")).toBe(6_000);

    const refused = await reverse(bank, d.transactionId);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: "conflict", message: expect.stringContaining("reverse its usages first") });
    expect(await balanceOf(bank, "goods:stock")).toBe(6_000);
    expect(await remaining(d.id)).toBe(6);

    // The usage was a mistake: its value and its units go back to the donation.
    expect((await reverse(bank, used.transactionId)).status).toBe(201);
    expect(await remaining(d.id)).toBe(10);
    expect(await balanceOf(bank, "goods:stock")).toBe(10_000);
    expect(await balanceOf(bank, "goods:distributed")).toBe(0);

    // Now nothing of it is used: the donation is reversed and none of its goods can be used any more.
    expect((await reverse(bank, d.transactionId)).status).toBe(201);
    expect(await remaining(d.id)).toBe(0);
    expect(await balanceOf(bank, "goods:stock")).toBe(0);
    expect((await use(d.id, 1)).body.error.code).toBe("insufficient_goods");

    // Another donation's stock is its own: it is used in full, to the last fen of its valuation.
    const other = await donate(5, 5_001);
    expect((await use(other.id, 5)).status).toBe(201);
    expect(await balanceOf(bank, "goods:stock")).toBe(0);
    expect(await balanceOf(bank, "goods:distributed")).toBe(5_001);
    const inv = await ledgerInvariants(bank);
    expect(inv.sums).toEqual({ PTS: 0, CNY: 0 });
    expect(inv.drifted).toEqual([]);
  });

  it("a goods stock out of step with its donations refuses a usage as insufficient_goods", async () => {
    const bank = await makeBank();
    const c = await bank.community();
    const staff = await bank.staff(c.id);
    const d = (await bank.call("POST", "/v1/donations", {
      token: staff,
      body: { donor: { type: "anonymous" }, kind: "goods", goods: { description: "棉衣", quantity: 2, valueFen: 400 } },
    })).body;
    // As a goods donation reversed before its units were taken out of use left it.
    await bank.db.client.execute("UPDATE accounts SET balance = 0 WHERE id = 'goods:stock'");
    const res = await bank.call("POST", `/v1/donations/${d.id}/usages`, { token: staff, body: { quantity: 1, beneficiaryGroup: "other" } });
    expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 409, code: "insufficient_goods" });
    expect((await bank.call("GET", `/v1/donations/${d.id}`)).body.goods.remaining).toBe(2);
  });

  it("an Idempotency-Key replays the reversing transaction", async () => {
    const bank = await makeBank();
    const tx = await giveToFund(bank, 5_000);
    const headers = { "idempotency-key": "rev-1" };
    const first = await reverse(bank, tx, { headers });
    const again = await reverse(bank, tx, { headers });
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body).toEqual(first.body);
    const other = await reverse(bank, tx, { headers, reason: "另一个理由" });
    expect(other.body.error.code).toBe("idempotency_key_reused");
  });

  it("costs one read (the original's postings) and one write", async () => {
    const bank = await makeBank();
    const tx = await giveToFund(bank, 5_000);
    expect(await ownRoundTrips(bank, () => reverse(bank, tx))).toMatchObject({ res: { status: 201 }, count: 2 });
  });

  it("only the admin reverses, with a reason; unknown transactions are 404", async () => {
    const bank = await makeBank();
    const c = await bank.community();
    const tx = await giveToFund(bank, 5_000);
    expect((await bank.call("POST", `/v1/transactions/${tx}/reverse`, { body: { reason: "x" } })).status).toBe(401);
    for (const token of [await bank.staff(c.id), (await bank.member(c.id)).token, await bank.token({ role: "merchant", merchantId: "m" })]) {
      const res = await reverse(bank, tx, { token });
      expect(res.status).toBe(403);
    }
    for (const body of [{}, { reason: "" }, { reason: "x".repeat(501) }, { reason: "ok", amount: 5 }]) {
      const res = await bank.call("POST", `/v1/transactions/${tx}/reverse`, { token: bank.admin, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    expect((await reverse(bank, "01NOTATRANSACTION")).status).toBe(404);
    expect(await balanceOf(bank, "fund:cash")).toBe(5_000);
  });
});

describe("reading a transaction", () => {
  it("the admin and staff of its community read it; others may not", async () => {
    const { bank, c, member, shop, v } = await voucherScene();
    const path = `/v1/transactions/${v.transactionId}`;
    const res = await bank.call("GET", path, { token: bank.admin });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: v.transactionId, kind: "voucher_issued", refType: "voucher", refId: v.id, communityId: c.id, reversedBy: null });
    expect(res.body.postings).toEqual([
      { account: `member:${member.passbookNo}`, asset: "PTS", amount: -50, balanceAfter: 50 },
      { account: "points:vouchers_outstanding", asset: "PTS", amount: 50, balanceAfter: 50 },
    ]);
    expect((await bank.call("GET", path, { token: await bank.staff(c.id) })).status).toBe(200);
    expect((await bank.call("GET", path)).status).toBe(401);
    for (const token of [await bank.staff((await bank.community()).id), member.token, shop.merchantToken]) {
      expect((await bank.call("GET", path, { token })).status).toBe(403);
    }
    expect((await bank.call("GET", "/v1/transactions/nope", { token: bank.admin })).status).toBe(404);
  });

  it("after reversals of every kind the ledger still balances and verifies", async () => {
    const { bank, member, shop, v } = await voucherScene(300);
    const second = (await bank.call("POST", "/v1/vouchers", { token: member.token, body: { voucherTypeId: shop.typeId } })).body;
    const used = (await bank.call("POST", `/v1/vouchers/${second.code}/accept`, { token: shop.merchantToken, body: {} })).body;
    const gift = await giveToFund(bank, 9_000);
    await reverse(bank, v.transactionId);
    await reverse(bank, used.transactionId);
    await reverse(bank, gift);
    await bank.settle();
    const inv = await ledgerInvariants(bank);
    expect(inv.sums).toEqual({ PTS: 0, CNY: 0 });
    expect(inv.drifted).toEqual([]);
    expect(await verifyStoredChain(bank.db)).toBeNull();
  });
});
