import { beforeAll, describe, expect, it } from "vitest";
import { counter, earningScene, ok, passbook, refused, wishBody, type EarningScene } from "../helpers/earning";
import { balanceOf } from "../helpers/spending";
import { visible } from "../web/client";

let s: EarningScene;
beforeAll(async () => {
  s = await earningScene();
});

const donate = (body: Record<string, unknown>, token = s.staffA, headers?: Record<string, string>) =>
  s.bank.call("POST", "/v1/donations", { token, body, headers });
const money = (donor: Record<string, unknown>, amountFen = 10_000) => ({ donor, kind: "money", amountFen });
const goods = (donor: Record<string, unknown>, quantity = 10, valueFen = 10_001) => ({
  donor,
  kind: "goods",
  goods: { description: "冬季棉被", quantity, valueFen },
});
const postingsOf = async (transactionId: string) =>
  (
    await s.bank.db.client.execute({
      sql: "SELECT a.code, p.asset, p.amount FROM postings p JOIN accounts a ON a.id = p.account_id WHERE p.transaction_id = ? ORDER BY a.code",
      args: [transactionId],
    })
  ).rows.map((r): [string, string, number] => [String(r.code), String(r.asset), Number(r.amount)]);

describe("recording donations", () => {
  it("money from a company is fund income by source and earns no points", async () => {
    const [cash, income, count] = [await balanceOf(s.bank, "fund:cash"), await balanceOf(s.bank, "fund:income:company"), await counter(s.bank, "donations")];
    const res = await donate(money({ type: "company", name: "县供电公司" }, 500_000));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ kind: "money", amountFen: 500_000, pointsAwarded: 0, goods: null, communityId: s.a.id, donor: { type: "company", name: "县供电公司", memberId: null } });
    expect(res.body.id).toEqual(expect.any(String));
    expect(await postingsOf(res.body.transactionId)).toEqual([
      ["fund:cash", "CNY", 500_000],
      ["fund:income:company", "CNY", -500_000],
    ]);
    expect(await balanceOf(s.bank, "fund:cash")).toBe(cash + 500_000);
    expect(await balanceOf(s.bank, "fund:income:company")).toBe(income - 500_000);
    expect(await counter(s.bank, "donations")).toBe(count + 1);
  });

  it("money from a member earns points per whole yuan in the same transaction", async () => {
    const before = await passbook(s.bank, s.alice.id);
    const res = await donate(money({ type: "member", memberId: s.alice.id }, 12_399));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ pointsAwarded: 123, donor: { type: "member", memberId: s.alice.id, name: "王建国" } });
    const pointsAccount = `member:${s.alice.passbookNo}`;
    expect(await postingsOf(res.body.transactionId)).toEqual([
      ["fund:cash", "CNY", 12_399],
      ["fund:income:member", "CNY", -12_399],
      [pointsAccount, "PTS", 123],
      ["points:issuer", "PTS", -123],
    ]);
    const after = await passbook(s.bank, s.alice.id);
    expect(after.balance).toBe(before.balance + 123);
    expect(after.earnedTotal).toBe(before.earnedTotal + 123);
    expect(after.entries[0]).toMatchObject({ transactionId: res.body.transactionId, kind: "donation", amount: 123 });
    const tx = await s.bank.db.client.execute({ sql: "SELECT rule_version FROM ledger_transactions WHERE id = ?", args: [res.body.transactionId] });
    expect(tx.rows[0]!.rule_version).toBe(1);
  });

  it("goods from a member go into stock at their valuation and earn points; a gift under one yuan earns none", async () => {
    const stock = await balanceOf(s.bank, "goods:stock");
    const res = await donate(goods({ type: "member", memberId: s.bob.id }, 20, 50_000));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ kind: "goods", amountFen: 50_000, pointsAwarded: 500, goods: { description: "冬季棉被", quantity: 20, remaining: 20, valueFen: 50_000 } });
    expect(await balanceOf(s.bank, "goods:stock")).toBe(stock + 50_000);
    expect((await postingsOf(res.body.transactionId)).filter(([code]) => code.startsWith("goods:"))).toEqual([
      ["goods:donated", "CNY", -50_000],
      ["goods:stock", "CNY", 50_000],
    ]);
    const small = await donate(money({ type: "member", memberId: s.bob.id }, 99));
    expect(small.body.pointsAwarded).toBe(0);
    expect((await postingsOf(small.body.transactionId)).map(([code]) => code)).toEqual(["fund:cash", "fund:income:member"]);
  });

  it("anonymous and individual donors, and an administrator recording for the county or a community", async () => {
    const anon = await donate(money({ type: "anonymous" }, 2_000));
    expect(anon.body).toMatchObject({ donor: { type: "anonymous", name: "anonymous" }, pointsAwarded: 0 });
    expect((await postingsOf(anon.body.transactionId)).map(([code]) => code)).toEqual(["fund:cash", "fund:income:anonymous"]);
    const person = await donate(goods({ type: "individual", name: "赵大爷" }, 3, 900), s.bank.admin);
    expect(person.body).toMatchObject({ communityId: null, donor: { type: "individual", name: "赵大爷" } });
    const forB = await donate({ ...money({ type: "company", name: "超市" }), communityId: s.b.id }, s.bank.admin);
    expect(forB.body.communityId).toBe(s.b.id);
    const carol = await donate(money({ type: "member", memberId: s.carol.id }), s.bank.admin);
    expect(carol.body).toMatchObject({ communityId: s.b.id, pointsAwarded: 100 });
  });

  it("an Idempotency-Key replays the first donation and moves nothing more; reused with another body it is refused", async () => {
    const headers = { "idempotency-key": "donation-0001" };
    const cash = await balanceOf(s.bank, "fund:cash");
    const first = await donate(money({ type: "company", name: "农商银行" }, 30_000), s.staffA, headers);
    const again = await donate(money({ type: "company", name: "农商银行" }, 30_000), s.staffA, headers);
    expect([first.status, again.status]).toEqual([201, 201]);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await balanceOf(s.bank, "fund:cash")).toBe(cash + 30_000);
    const other = await donate(money({ type: "company", name: "农商银行" }, 40_000), s.staffA, headers);
    expect({ status: other.status, code: other.body.error.code }).toEqual({ status: 409, code: "idempotency_key_reused" });
    expect(await balanceOf(s.bank, "fund:cash")).toBe(cash + 30_000);
  });

  it.each([
    ["money without amountFen", { donor: { type: "anonymous" }, kind: "money" }],
    ["money with goods", { ...goods({ type: "anonymous" }), kind: "money", amountFen: 100 }],
    ["goods without goods", { donor: { type: "anonymous" }, kind: "goods" }],
    ["goods with amountFen", { ...goods({ type: "anonymous" }), amountFen: 100 }],
    ["a member donor without memberId", money({ type: "member" })],
    ["a member donor with a name", money({ type: "member", memberId: "x", name: "x" })],
    ["a company without a name", money({ type: "company" })],
    ["an anonymous donor with a name", money({ type: "anonymous", name: "someone" })],
    ["an unknown donor type", money({ type: "government", name: "x" })],
    ["a zero amount", money({ type: "anonymous" }, 0)],
    ["a negative amount", money({ type: "anonymous" }, -100)],
    ["a fractional amount", money({ type: "anonymous" }, 10.5)],
    ["an absurd amount", money({ type: "anonymous" }, 1e15)],
    ["zero goods", goods({ type: "anonymous" }, 0)],
    ["an unknown field", { ...money({ type: "anonymous" }), receipt: "r1" }],
    ["an unknown donor field", money({ type: "anonymous", phone: "138" })],
  ])("%s is 400 and moves nothing", async (_what, body) => {
    const cash = await balanceOf(s.bank, "fund:cash");
    const res = await donate(body);
    expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 400, code: "validation_failed" });
    expect(await balanceOf(s.bank, "fund:cash")).toBe(cash);
  });

  it("an unknown member or community is 404", async () => {
    await refused(s.bank, 404, "not_found", "POST", "/v1/donations", { token: s.staffA, body: money({ type: "member", memberId: "NOPE" }) });
    await refused(s.bank, 404, "not_found", "POST", "/v1/donations", { token: s.bank.admin, body: { ...money({ type: "anonymous" }), communityId: "NOPE" } });
  });

  it("only staff and administrators record; staff only in their community and for its members", async () => {
    const body = money({ type: "anonymous" });
    await refused(s.bank, 401, "unauthorized", "POST", "/v1/donations", { body });
    await refused(s.bank, 403, "forbidden", "POST", "/v1/donations", { token: s.alice.token, body });
    await refused(s.bank, 403, "forbidden", "POST", "/v1/donations", { token: s.merchant, body });
    await refused(s.bank, 403, "forbidden", "POST", "/v1/donations", { token: s.staffB, body: { ...body, communityId: s.a.id } });
    await refused(s.bank, 403, "forbidden", "POST", "/v1/donations", { token: s.staffB, body: money({ type: "member", memberId: s.alice.id }) });
  });
});

describe("the public list of donations", () => {
  it("shows donors by name, members who opted out and anonymous donors as anonymous, never a phone", async () => {
    const scene = await earningScene();
    const { bank } = scene;
    const shy = await bank.member(scene.a.id, { name: "不愿具名", phone: "13812345678", publicOptOut: true });
    const open = await bank.member(scene.a.id, { name: "陈志强", phone: "13800009999" });
    const give = (body: Record<string, unknown>, token = scene.staffA) => ok(bank, 201, "POST", "/v1/donations", { token, body });
    const d1 = await give(money({ type: "company", name: "县供电公司" }));
    const d2 = await give(money({ type: "member", memberId: shy.id }));
    const d3 = await give(goods({ type: "member", memberId: open.id }));
    const d4 = await give(money({ type: "anonymous" }), scene.staffB);

    const list = await ok(bank, 200, "GET", "/v1/donations");
    expect(list.items.map((d: { id: string }) => d.id)).toEqual([d4.id, d3.id, d2.id, d1.id]);
    expect(list.items.map((d: { donor: unknown }) => d.donor)).toEqual([
      { type: "anonymous", name: "anonymous" },
      { type: "member", name: "陈志强" },
      { type: "member", name: "anonymous" },
      { type: "company", name: "县供电公司" },
    ]);
    const text = JSON.stringify(list);
    expect(text).not.toMatch(/13812345678|13800009999|不愿具名/);
    expect(text).not.toContain(shy.id);
    expect(list.items[1]).toMatchObject({ kind: "goods", goods: { description: "冬季棉被", quantity: 10, remaining: 10 }, pointsAwarded: 100 });

    expect((await ok(bank, 200, "GET", "/v1/donations?kind=goods")).items.map((d: { id: string }) => d.id)).toEqual([d3.id]);
    expect((await ok(bank, 200, "GET", `/v1/donations?communityId=${scene.b.id}`)).items.map((d: { id: string }) => d.id)).toEqual([d4.id]);
    const p1 = await ok(bank, 200, "GET", "/v1/donations?limit=3");
    expect((await ok(bank, 200, "GET", `/v1/donations?limit=3&cursor=${p1.nextCursor}`)).items.map((d: { id: string }) => d.id)).toEqual([d1.id]);
    await refused(bank, 400, "validation_failed", "GET", "/v1/donations?kind=gold");
    const one = await ok(bank, 200, "GET", `/v1/donations/${d2.id}`);
    expect(one.donor).toEqual({ type: "member", name: "anonymous" });
    await refused(bank, 404, "not_found", "GET", "/v1/donations/NOPE");
  });
});

describe("a reversed donation", () => {
  it("stays listed as recorded and names its reversal (reversedBy) in the API, the public page and its CSV", async () => {
    const scene = await earningScene();
    const { bank } = scene;
    const give = (body: Record<string, unknown>) => ok(bank, 201, "POST", "/v1/donations", { token: scene.staffA, body });
    const kept = await give(money({ type: "company", name: "县供电公司" }, 20_000));
    const mistaken = await give(money({ type: "company", name: "重复录入公司" }, 30_000));
    expect(kept.reversedBy).toBeNull();
    const reversal = await ok(bank, 201, "POST", `/v1/transactions/${mistaken.transactionId}/reverse`, { token: bank.admin, body: { reason: "重复录入" } });

    const list = await ok(bank, 200, "GET", "/v1/donations");
    expect(list.items.map((d: { id: string; reversedBy: string | null }) => [d.id, d.reversedBy])).toEqual([
      [mistaken.id, reversal.id],
      [kept.id, null],
    ]);
    expect((await ok(bank, 200, "GET", `/v1/donations/${mistaken.id}`)).reversedBy).toBe(reversal.id);
    expect((await ok(bank, 200, "GET", `/v1/donations/${kept.id}`)).reversedBy).toBeNull();

    const page = visible(await (await bank.app.request("/donations")).text());
    expect(page).toContain("重复录入公司 企业 善款 300.00 东门社区 已冲正");
    expect(page).toMatch(/县供电公司 企业 善款 200.00 东门社区(?! 已冲正)/);
    const english = visible(await (await bank.app.request("/donations?lang=en")).text());
    expect(english).toContain("300.00 东门社区 Reversed");
    const csv = (await (await bank.app.request("/csv/donations.csv")).text()).split("\r\n");
    expect(csv[0]).toMatch(/,状态$/);
    expect(csv).toContain("2026-03-01,重复录入公司,企业,善款,300.00,东门社区,已冲正");
    expect(csv).toContain("2026-03-01,县供电公司,企业,善款,200.00,东门社区,");
  });
});

describe("privacy of a member's donation", () => {
  it("as published, carries no id of a public-ledger transaction posting to the member's passbook; staff still see it", async () => {
    const scene = await earningScene();
    const { bank } = scene;
    const give = (body: Record<string, unknown>) => ok(bank, 201, "POST", "/v1/donations", { token: scene.staffA, body });
    const gift = await give(money({ type: "member", memberId: scene.alice.id }, 5_000));
    const kept = await give(goods({ type: "member", memberId: scene.alice.id }, 4, 2_000));
    const company = await give(money({ type: "company", name: "县供电公司" }, 9_000));
    const reversal = await ok(bank, 201, "POST", `/v1/transactions/${gift.transactionId}/reverse`, { token: bank.admin, body: { reason: "录错会员" } });
    await bank.settle();

    // The public ledger never names a passbook: a member's account is published as plain "member".
    const linked = new Set<string>();
    const ledgerText: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await ok(bank, 200, "GET", `/v1/public/ledger?limit=100${cursor ? `&cursor=${cursor}` : ""}`);
      ledgerText.push(JSON.stringify(page));
      for (const t of page.items as { id: string; postings: { account: string }[] }[]) {
        if (t.postings.some((p) => p.account === "member")) linked.add(t.id);
      }
      cursor = page.nextCursor;
    } while (cursor);
    expect(ledgerText.join("")).not.toContain(scene.alice.passbookNo);
    for (const id of [gift.transactionId, kept.transactionId, reversal.id]) expect(linked.has(id)).toBe(true);

    const published = [
      JSON.stringify(await ok(bank, 200, "GET", "/v1/donations")),
      JSON.stringify(await ok(bank, 200, "GET", `/v1/donations/${gift.id}`)),
      JSON.stringify(await ok(bank, 200, "GET", `/v1/donations/${kept.id}`)),
      await (await bank.app.request("/donations")).text(),
      await (await bank.app.request("/csv/donations.csv")).text(),
    ];
    for (const text of published) for (const id of linked) expect(text).not.toContain(id);
    // The public still sees that the gift was reversed, and a company's donation keeps its transaction.
    expect(await ok(bank, 200, "GET", `/v1/donations/${gift.id}`)).toMatchObject({ transactionId: null, reversedBy: null, reversed: true });
    expect(await ok(bank, 200, "GET", `/v1/donations/${kept.id}`)).toMatchObject({ transactionId: null, reversed: false });
    expect(await ok(bank, 200, "GET", `/v1/donations/${company.id}`)).toMatchObject({ transactionId: company.transactionId, reversed: false });

    // Staff of the community and the administrator see the links, in the list and one by one.
    for (const token of [scene.staffA, bank.admin]) {
      expect(await ok(bank, 200, "GET", `/v1/donations/${gift.id}`, { token })).toMatchObject({ transactionId: gift.transactionId, reversedBy: reversal.id, reversed: true });
      const res = await bank.call("GET", "/v1/donations", { token });
      expect(res.body.items.find((d: { id: string }) => d.id === kept.id).transactionId).toBe(kept.transactionId);
      expect(res.headers.get("cache-control")).toBe("private, no-store");
    }
    // Staff of another community are the public here.
    expect((await ok(bank, 200, "GET", `/v1/donations/${kept.id}`, { token: scene.staffB })).transactionId).toBeNull();
  });
});

describe("using donated goods", () => {
  const use = (donationId: string, body: Record<string, unknown>, token = s.staffA) =>
    s.bank.call("POST", `/v1/donations/${donationId}/usages`, { token, body });

  it("moves the used share of the valuation out of stock until the last unit takes the rest", async () => {
    const d = (await donate(goods({ type: "company", name: "爱心超市" }, 10, 10_001))).body;
    const [stock, distributed] = [await balanceOf(s.bank, "goods:stock"), await balanceOf(s.bank, "goods:distributed")];
    const first = await use(d.id, { quantity: 3, beneficiaryGroup: "elderly", note: "送给独居老人" });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ donationId: d.id, quantity: 3, beneficiaryGroup: "elderly", valueFen: 3_001, remaining: 7 });
    expect(await postingsOf(first.body.transactionId)).toEqual([
      ["goods:distributed", "CNY", 3_001],
      ["goods:stock", "CNY", -3_001],
    ]);
    const wish = await ok(s.bank, 201, "POST", "/v1/wishes", { token: s.staffA, body: wishBody({ beneficiaryGroup: "disabled" }) });
    const second = await use(d.id, { quantity: 7, wishId: wish.id });
    expect(second.body).toMatchObject({ wishId: wish.id, beneficiaryGroup: "disabled", valueFen: 7_000, remaining: 0 });
    expect(await balanceOf(s.bank, "goods:stock")).toBe(stock - 10_001);
    expect(await balanceOf(s.bank, "goods:distributed")).toBe(distributed + 10_001);
    await refused(s.bank, 409, "insufficient_goods", "POST", `/v1/donations/${d.id}/usages`, { token: s.staffA, body: { quantity: 1, beneficiaryGroup: "other" } });

    const publicView = await ok(s.bank, 200, "GET", `/v1/donations/${d.id}`);
    expect(publicView.goods.remaining).toBe(0);
    expect(publicView.usages.map((u: { quantity: number; note: string | null }) => [u.quantity, u.note])).toEqual([
      [3, null],
      [7, null],
    ]);
    const staffView = await ok(s.bank, 200, "GET", `/v1/donations/${d.id}`, { token: s.staffA });
    expect(staffView.usages[0].note).toBe("送给独居老人");
  });

  it("two usages at once never use the same units", async () => {
    const d = (await donate(goods({ type: "anonymous" }, 10, 1_000))).body;
    const results = await Promise.all([use(d.id, { quantity: 6, beneficiaryGroup: "other" }), use(d.id, { quantity: 6, beneficiaryGroup: "other" })]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
    expect(["insufficient_goods", "conflict"]).toContain(results.find((r) => r.status === 409)!.body.error.code);
    expect((await ok(s.bank, 200, "GET", `/v1/donations/${d.id}`)).goods.remaining).toBe(4);
  });

  it("refuses bad usages", async () => {
    const d = (await donate(goods({ type: "anonymous" }, 5, 500))).body;
    const m = (await donate(money({ type: "anonymous" }))).body;
    for (const body of [{ quantity: 1 }, { quantity: 1, beneficiaryGroup: "other", wishId: "x" }, { quantity: 0, beneficiaryGroup: "other" }, { quantity: 1, beneficiaryGroup: "rich" }, { quantity: 1, beneficiaryGroup: "other", valueFen: 1 }]) {
      expect((await use(d.id, body)).status).toBe(400);
    }
    await refused(s.bank, 409, "insufficient_goods", "POST", `/v1/donations/${d.id}/usages`, { token: s.staffA, body: { quantity: 6, beneficiaryGroup: "other" } });
    await refused(s.bank, 409, "conflict", "POST", `/v1/donations/${m.id}/usages`, { token: s.staffA, body: { quantity: 1, beneficiaryGroup: "other" } });
    await refused(s.bank, 404, "not_found", "POST", "/v1/donations/NOPE/usages", { token: s.staffA, body: { quantity: 1, beneficiaryGroup: "other" } });
    await refused(s.bank, 404, "not_found", "POST", `/v1/donations/${d.id}/usages`, { token: s.staffA, body: { quantity: 1, wishId: "NOPE" } });
    const wishB = await ok(s.bank, 201, "POST", "/v1/wishes", { token: s.staffB, body: wishBody() });
    await refused(s.bank, 403, "forbidden", "POST", `/v1/donations/${d.id}/usages`, { token: s.staffA, body: { quantity: 1, wishId: wishB.id } });
    await refused(s.bank, 403, "forbidden", "POST", `/v1/donations/${d.id}/usages`, { token: s.staffB, body: { quantity: 1, beneficiaryGroup: "other" } });
    await refused(s.bank, 403, "forbidden", "POST", `/v1/donations/${d.id}/usages`, { token: s.alice.token, body: { quantity: 1, beneficiaryGroup: "other" } });
    await refused(s.bank, 403, "forbidden", "POST", `/v1/donations/${d.id}/usages`, { token: s.merchant, body: { quantity: 1, beneficiaryGroup: "other" } });
    await refused(s.bank, 401, "unauthorized", "POST", `/v1/donations/${d.id}/usages`, { body: { quantity: 1, beneficiaryGroup: "other" } });
    expect((await ok(s.bank, 200, "GET", `/v1/donations/${d.id}`)).goods.remaining).toBe(5);
  });
});
