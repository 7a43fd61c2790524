import { renderSVG } from "uqr";
import { beforeAll, describe, expect, it } from "vitest";
import { earningScene, ok, type EarningScene } from "../helpers/earning";
import { grantPoints, merchantWithType } from "../helpers/spending";
import { field, visible, webClient } from "./client";

// The staff console (/staff) without a browser: who may enter, the forms of a wish's life and an
// outing's roster, refusals that keep what was typed, CSRF, double submits, community scope, and
// the database round-trips of a page.

let s: EarningScene;
const PASSWORD = "staff-password";

async function staffLogin(communityId: string, username: string) {
  await ok(s.bank, 201, "POST", "/v1/users", { token: s.bank.admin, body: { username, password: PASSWORD, role: "staff", communityId } });
  const client = webClient(s.bank);
  const res = await client.post("/login", { username, password: PASSWORD, next: "staff" });
  expect(res.status).toBe(303);
  expect(res.location).toBe("/staff");
  return client;
}

const csrfOf = (html: string) => field(html, "csrf");
const keyOf = (html: string) => field(html, "key");

beforeAll(async () => {
  s = await earningScene({ clockStart: "2026-03-01T02:00:00.000Z" });
});

describe("/staff", () => {
  it("asks for a login, and refuses members and merchants (403)", async () => {
    const anon = await webClient(s.bank).get("/staff");
    expect(anon.status).toBe(200);
    expect(visible(anon.text)).toContain("社区工作人员和管理员登录");
    expect(anon.text).toContain('name="next" value="staff"');
    const alice = (await ok(s.bank, 201, "POST", "/v1/members", {
      token: s.staffA,
      body: { name: "会员甲", communityId: s.a.id, kind: "volunteer", login: { username: "member-a", password: "member-password" } },
    })) as { id: string };
    expect(alice.id).toBeTruthy();
    const member = webClient(s.bank);
    expect((await member.post("/login", { username: "member-a", password: "member-password", next: "staff" })).status).toBe(303);
    const refused = await member.get("/staff");
    expect(refused.status).toBe(403);
    expect(visible(refused.text)).toContain("这个工作台只供社区工作人员和管理员使用");
    expect((await member.get("/staff/members")).status).toBe(403);
  });

  it("the worklist page costs the one read of GET /v1/worklist", async () => {
    const client = await staffLogin(s.a.id, "office-rt");
    s.bank.roundTrips.reset();
    const page = await client.get("/staff");
    expect(page.status).toBe(200);
    // One for the session's user check? No: the JWT is verified without the database.
    expect(s.bank.roundTrips.count()).toBe(1);
    expect(visible(page.text)).toContain("待回访确认的微心愿");
  });

  it("a wish from registration to confirmation, by passbook number; a refused form keeps what was typed", async () => {
    const client = await staffLogin(s.a.id, "office-a");
    let page = await client.get("/staff/wishes");
    const bad = await client.post("/staff/wishes", {
      csrf: csrfOf(page.text),
      key: keyOf(page.text),
      title: "助听器",
      description: "王奶奶需要助听器",
      kind: "goods",
      beneficiaryGroup: "elderly",
      beneficiaryName: "王奶奶",
      beneficiaryContact: "",
      estimatedYuan: "三百",
      deadline: "",
    });
    expect(bad.status).toBe(400);
    expect(visible(bad.text)).toContain("请检查填写的内容：估计价值（元，选填）");
    expect(bad.text).toContain('value="助听器"');
    expect(bad.text).toContain('value="三百"');

    const sent = await client.post("/staff/wishes", {
      csrf: csrfOf(page.text),
      key: keyOf(page.text),
      title: "助听器",
      description: "王奶奶需要助听器",
      kind: "goods",
      beneficiaryGroup: "elderly",
      beneficiaryName: "王奶奶",
      beneficiaryContact: "",
      estimatedYuan: "300.50",
      deadline: "",
    });
    expect(sent.status).toBe(303);
    const wishes = await ok(s.bank, 200, "GET", "/v1/wishes", { token: s.staffA });
    const wish = wishes.items.find((w: { title: string }) => w.title === "助听器");
    expect(wish.estimatedValueFen).toBe(30050);

    page = await client.get("/staff/wishes?status=open");
    const claimed = await client.post(`/staff/wishes/${wish.id}/claim`, { csrf: csrfOf(page.text), key: keyOf(page.text), member: s.alice.passbookNo });
    expect(claimed.status).toBe(303);
    page = await client.get(claimed.location!);
    expect(visible(page.text)).toContain("已认领");
    expect(visible(page.text)).toContain(`认领人：王建国（${s.alice.passbookNo}）`);
    page = await client.get("/staff/wishes?status=claimed");
    expect((await client.post(`/staff/wishes/${wish.id}/fulfil`, { csrf: csrfOf(page.text), key: keyOf(page.text) })).status).toBe(303);

    page = await client.get("/staff/wishes?status=fulfilled");
    const confirm = { csrf: csrfOf(page.text), key: keyOf(page.text), satisfaction: "5", feedback: "很满意" };
    const before = (await ok(s.bank, 200, "GET", `/v1/members/${s.alice.id}/passbook`, { token: s.staffA })).balance;
    expect((await client.post(`/staff/wishes/${wish.id}/confirm`, confirm)).status).toBe(303);
    // The same form sent again (a double click): done once, and the page says so.
    const again = await client.post(`/staff/wishes/${wish.id}/confirm`, confirm);
    expect(again.status).toBe(303);
    expect(again.location).toContain("done=repeat");
    const after = await ok(s.bank, 200, "GET", `/v1/members/${s.alice.id}/passbook`, { token: s.staffA });
    expect(after.balance - before).toBe(20);
    expect((await ok(s.bank, 200, "GET", `/v1/wishes/${wish.id}`, { token: s.staffA })).satisfaction).toBe(5);
  });

  it("refuses a forged CSRF token (403) and changes nothing", async () => {
    const client = await staffLogin(s.a.id, "office-csrf");
    const page = await client.get("/staff/wishes");
    const count = (await ok(s.bank, 200, "GET", "/v1/wishes?limit=100", { token: s.staffA })).items.length;
    const res = await client.post("/staff/wishes", {
      csrf: "forged",
      key: keyOf(page.text),
      title: "伪造",
      description: "x",
      kind: "goods",
      beneficiaryGroup: "elderly",
      beneficiaryName: "某",
    });
    expect(res.status).toBe(403);
    expect(visible(res.text)).toContain("页面已过期");
    const cross = await client.post("/staff/wishes", { csrf: csrfOf(page.text), key: keyOf(page.text) }, { origin: "https://evil.example" });
    expect(cross.status).toBe(403);
    expect((await ok(s.bank, 200, "GET", "/v1/wishes?limit=100", { token: s.staffA })).items.length).toBe(count);
  });

  it("corrects a wish's text and beneficiary (PATCH /v1/wishes/:id's correctWish); another community's staff cannot", async () => {
    const client = await staffLogin(s.a.id, "office-correct");
    const other = await staffLogin(s.b.id, "office-correct-b");
    const wish = (await ok(s.bank, 201, "POST", "/v1/wishes", {
      token: s.staffA,
      body: { title: "助听气", description: "错字", kind: "goods", beneficiaryGroup: "elderly", beneficiary: { name: "王奶奶" } },
    })) as { id: string };
    let page = await client.get("/staff/wishes");
    expect(page.text).toContain(`href="/staff/wishes?correct=${wish.id}"`);
    page = await client.get(`/staff/wishes?correct=${wish.id}`);
    expect(page.text).toContain(`action="/staff/wishes/${wish.id}/correct"`);
    const fields = { csrf: csrfOf(page.text), key: keyOf(page.text), title: "助听器", description: "独居老人需要助听器", beneficiaryName: "王奶奶", beneficiaryContact: "" };
    const empty = await client.post(`/staff/wishes/${wish.id}/correct`, { ...fields, title: "" });
    expect(empty.status).toBe(400);
    expect(empty.text).toContain('value="独居老人需要助听器"');
    const foreign = await other.get("/staff/wishes");
    expect((await other.post(`/staff/wishes/${wish.id}/correct`, { ...fields, csrf: csrfOf(foreign.text) })).status).toBe(403);
    const done = await client.post(`/staff/wishes/${wish.id}/correct`, fields);
    expect(done.location).toBe("/staff/wishes?done=corrected");
    expect(await ok(s.bank, 200, "GET", `/v1/wishes/${wish.id}`, { token: s.staffA })).toMatchObject({ title: "助听器", description: "独居老人需要助听器" });
  });

  it("staff of another community can neither see nor act on community A's members and wishes", async () => {
    const other = await staffLogin(s.b.id, "office-b");
    const wish = await ok(s.bank, 201, "POST", "/v1/wishes", {
      token: s.staffA,
      body: { title: "A 的心愿", description: "x", kind: "goods", beneficiaryGroup: "elderly", beneficiary: { name: "A 的受助人" } },
    });
    const list = await other.get("/staff/wishes");
    expect(list.text).not.toContain("A 的心愿");
    expect(list.text).not.toContain("A 的受助人");
    const members = await other.get(`/staff/members?q=${encodeURIComponent("王建国")}`);
    expect(visible(members.text)).toContain("没有找到会员");
    expect((await other.get(`/staff/members/${s.alice.id}`)).status).toBe(403);
    const cancel = await other.post(`/staff/wishes/${wish.id}/cancel`, { csrf: csrfOf(list.text), key: keyOf(list.text) });
    expect(cancel.status).toBe(403);
    expect(visible(cancel.text)).toContain("只能办理本社区的事项");
    const claim = await other.post(`/staff/wishes/${wish.id}/claim`, { csrf: csrfOf(list.text), key: keyOf(list.text), member: s.carol.passbookNo });
    expect(claim.status).toBe(403);
    expect((await ok(s.bank, 200, "GET", `/v1/wishes/${wish.id}`, { token: s.staffA })).status).toBe("open");
    // A's member named at B's counter is not found (the search is B's).
    const counter = await other.get("/staff/counter");
    const redeem = await other.post("/staff/counter/redeem", { csrf: csrfOf(counter.text), key: keyOf(counter.text), member: s.alice.passbookNo, voucherTypeId: "x".repeat(26) });
    expect(visible(redeem.text)).toContain("没有找到这位会员");
  });

  it("an outing's roster: ten members on one screen, approved at once, points on each passbook", async () => {
    const client = await staffLogin(s.a.id, "office-roster");
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push((await s.bank.member(s.a.id, { name: `队员${i}` })).id);
    let page = await client.get("/staff/activities");
    const made = await client.post("/staff/activities", { csrf: csrfOf(page.text), key: keyOf(page.text), title: "敬老院探访", date: "2026-03-01", place: "城东敬老院" });
    expect(made.status).toBe(303);
    page = await client.get(made.location!);
    expect(visible(page.text)).toContain("活动已创建");
    const roster: Record<string, string> = { csrf: csrfOf(page.text), key: keyOf(page.text), description: "陪老人聊天" };
    for (const id of ids) roster[`m_${id}`] = "120";
    const path = made.location!.replace(/\?.*$/, "");
    expect((await client.post(`${path}/attendance`, roster)).status).toBe(303);
    expect((await client.post(`${path}/attendance`, roster)).status, "a second send records nothing more").toBe(303);
    page = await client.get(path);
    expect(page.text.match(/data-testid="record"/g)).toHaveLength(10);
    const approve = await client.post(`${path}/approve`, { csrf: csrfOf(page.text), key: keyOf(page.text) });
    expect(approve.status).toBe(303);
    for (const id of ids) expect((await ok(s.bank, 200, "GET", `/v1/members/${id}/passbook`, { token: s.staffA })).balance).toBe(20);
  });

  it("a roster with a member already recorded records no one and keeps what was typed; the sign-in code opens with its QR code", async () => {
    const client = await staffLogin(s.a.id, "office-checkin");
    const first = (await s.bank.member(s.a.id, { name: "签到甲" })).id;
    const second = (await s.bank.member(s.a.id, { name: "签到乙" })).id;
    let page = await client.get("/staff/activities");
    const made = await client.post("/staff/activities", { csrf: csrfOf(page.text), key: keyOf(page.text), title: "河道清理", date: "2026-03-01", place: "东河" });
    const path = made.location!.replace(/\?.*$/, "");
    page = await client.get(path);
    expect((await client.post(`${path}/attendance`, { csrf: csrfOf(page.text), key: keyOf(page.text), description: "清理", [`m_${first}`]: "60" })).status).toBe(303);
    // Another roster (another browser's page) naming the recorded member again: refused whole, in the page's words.
    const stale = await client.post(`${path}/attendance`, { csrf: csrfOf(page.text), key: crypto.randomUUID(), description: "清理", [`m_${first}`]: "60", [`m_${second}`]: "45" });
    expect(stale.status).toBe(409);
    expect(visible(stale.text)).toContain("有会员已经登记过这个活动的出勤，本次没有登记。");
    expect(stale.text).toContain('value="45"');
    const records = await ok(s.bank, 200, "GET", `/v1/service-records?activityId=${path.split("/").pop()}`, { token: s.staffA });
    expect((records as { items: { memberId: string }[] }).items.map((r) => r.memberId)).toEqual([first]);

    const opened = await client.post(`${path}/checkin-code`, { csrf: csrfOf(page.text), key: keyOf(page.text) });
    expect(opened.status).toBe(303);
    const code = /code=([0-9A-Z]+)/.exec(opened.location!)![1]!;
    page = await client.get(opened.location!);
    expect(visible(page.text)).toContain("现场签到已开启");
    expect(page.text).toContain(`<code>${code}</code>`);
    expect(page.text).toContain(renderSVG(`http://localhost/passbook?activity=${path.split("/").pop()}&code=${code}`, { border: 2 }));
  });

  it("the counter redeems for a member and shows a code; the fund takes a donation and an expense", async () => {
    const client = await staffLogin(s.a.id, "office-counter");
    const type = await merchantWithType(s.bank, { name: "公益理发券", pointsCost: 10, stock: 5, validDays: 30 });
    await grantPoints(s.bank, s.bob.id, 30);
    let page = await client.get("/staff/counter");
    const redeemed = await client.post("/staff/counter/redeem", { csrf: csrfOf(page.text), key: keyOf(page.text), member: "李秀英", voucherTypeId: type.typeId });
    expect(redeemed.status).toBe(303);
    page = await client.get(redeemed.location!);
    expect(visible(page.text)).toContain("已兑换服务券");
    expect(page.text).toContain("data-testid=\"voucher\"");
    page = await client.get("/staff/money");
    const gift = { csrf: csrfOf(page.text), key: keyOf(page.text), donorType: "company", donorName: "常山村镇银行", member: "", kind: "money", amountYuan: "5000", goodsDescription: "", quantity: "", goodsValueYuan: "" };
    expect((await client.post("/staff/donations", gift)).status).toBe(303);
    expect((await client.post("/staff/donations", gift)).status).toBe(303);
    page = await client.get("/staff/money");
    const tooMuch = await client.post("/staff/expenses", { csrf: csrfOf(page.text), key: keyOf(page.text), amountYuan: "9000", purpose: "hardship_aid", description: "困难户慰问", receiptRef: "R-1", payee: "爱心超市" });
    expect(tooMuch.status).toBe(409);
    expect(visible(tooMuch.text)).toContain("基金余额不足");
    expect(tooMuch.text).toContain('value="困难户慰问"');
    expect((await client.post("/staff/expenses", { csrf: csrfOf(page.text), key: keyOf(page.text), amountYuan: "300", purpose: "hardship_aid", description: "困难户慰问", receiptRef: "R-1", payee: "爱心超市" })).status).toBe(303);
    expect((await ok(s.bank, 200, "GET", "/v1/fund/statement")).balanceFen).toBe(500_000 - 30_000);
  });
});
