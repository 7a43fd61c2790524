import { beforeAll, describe, expect, it } from "vitest";
import { makeBank, type TestBank } from "../helpers/setup";
import { giveToFund } from "../helpers/spending";
import { field, visible, webClient } from "./client";

// The console's decisions on what others recorded: a pending fund expense approved (paid) or
// rejected by a colleague on the worklist, never by its recorder or another community's staff;
// a member's login given, its password reset, disabled and enabled. Double submits do it once.

let bank: TestBank;
let a: { id: string };
let b: { id: string };
const PASSWORD = "staff-password";

async function staffClient(communityId: string, username: string) {
  const made = await bank.call("POST", "/v1/users", { token: bank.admin, body: { username, password: PASSWORD, role: "staff", communityId } });
  expect(made.status).toBe(201);
  const client = webClient(bank);
  expect((await client.post("/login", { username, password: PASSWORD, next: "staff" })).status).toBe(303);
  const login = await bank.call("POST", "/v1/auth/login", { body: { username, password: PASSWORD } });
  return { client, token: login.body.token as string };
}

const keys = (html: string) => ({ csrf: field(html, "csrf"), key: field(html, "key") });

beforeAll(async () => {
  bank = await makeBank({ clockStart: "2026-03-01T02:00:00.000Z" });
  a = await bank.community("东门社区");
  b = await bank.community("金川社区");
  await giveToFund(bank, 10_000_000);
  const rules = (await bank.call("GET", "/v1/rules")).body;
  const { version: _v, versions: _all, effectiveFrom: _f, ...values } = rules;
  const set = await bank.call("POST", "/v1/rules", { token: bank.admin, body: { ...values, expenseApprovalAboveFen: 100_000, effectiveFrom: bank.clock.now().toISOString() } });
  expect(set.status).toBe(201);
});

describe("pending expenses on the worklist", () => {
  it("the recorder sees no buttons; a colleague approves once; another rejects with a reason; another community cannot", async () => {
    const recorder = await staffClient(a.id, "exp-recorder");
    const colleague = await staffClient(a.id, "exp-colleague");
    const outsider = await staffClient(b.id, "exp-outsider");
    const spend = async (description: string) => {
      const res = await bank.call("POST", "/v1/fund/expenses", { token: recorder.token, body: { amountFen: 500_000, purpose: "hardship_aid", description, payee: "县民政局", receiptRef: "FP-1" } });
      expect(res.status).toBe(201);
      expect(res.body.status).toBe("pending");
      return res.body.id as string;
    };
    const toPay = await spend("冬季大额救助");
    const toReject = await spend("重复登记的救助");

    const own = await recorder.client.get("/staff");
    expect(visible(own.text)).toContain("待审批的基金支出 2");
    expect(own.text).not.toContain(`/staff/expenses/${toPay}/approve`);
    expect(visible(own.text)).toContain("本人登记，须由同事审批");
    const money = await recorder.client.get("/staff/money");
    const byRecorder = await recorder.client.post(`/staff/expenses/${toPay}/approve`, keys(money.text));
    expect(byRecorder.status).toBe(409);
    expect(visible(byRecorder.text)).toContain("登记人不能审核自己的记录。");

    const page = await colleague.client.get("/staff");
    expect(page.text).toContain(`action="/staff/expenses/${toPay}/approve"`);
    const sent = keys(page.text);
    const approved = await colleague.client.post(`/staff/expenses/${toPay}/approve`, sent);
    expect(approved.location).toBe("/staff?done=expenseApproved");
    expect((await colleague.client.post(`/staff/expenses/${toPay}/approve`, sent)).location).toBe("/staff?done=repeat");

    const noReason = await colleague.client.post(`/staff/expenses/${toReject}/reject`, { ...keys(page.text), reason: "" });
    expect(noReason.status).toBe(400);
    expect(visible(noReason.text)).toContain("请检查填写的内容：驳回理由");
    expect((await outsider.client.get("/staff")).text).not.toContain(toReject);
    const foreign = await outsider.client.get("/staff/money");
    const byOutsider = await outsider.client.post(`/staff/expenses/${toReject}/reject`, { ...keys(foreign.text), reason: "不是本社区" });
    expect(byOutsider.status).toBe(403);
    const rejected = await colleague.client.post(`/staff/expenses/${toReject}/reject`, { ...keys(page.text), reason: "重复登记" });
    expect(rejected.location).toBe("/staff?done=expenseRejected");

    const list = (await bank.call("GET", "/v1/fund/expenses", { token: recorder.token })).body.items as { id: string; status: string }[];
    expect(list.find((e) => e.id === toPay)!.status).toBe("paid");
    expect(list.find((e) => e.id === toReject)!.status).toBe("rejected");
    expect(visible((await colleague.client.get("/staff?done=expenseRejected")).text)).toContain("待审批的基金支出 0");
  });
});

describe("a member's login on the console", () => {
  it("gives a login, resets its password (old sessions end), disables and enables it; another community's staff cannot", async () => {
    const office = await staffClient(a.id, "acct-office");
    const outsider = await staffClient(b.id, "acct-outsider");
    const m = (await bank.call("POST", "/v1/members", { token: office.token, body: { name: "李阿姨", kind: "volunteer", communityId: a.id } })).body;
    let page = await office.client.get(`/staff/members/${m.id}`);
    expect(visible(page.text)).toContain("这位会员还没有登录账号。");
    const short = await office.client.post(`/staff/members/${m.id}/login`, { ...keys(page.text), username: "auntie-li", password: "short" });
    expect(short.status).toBe(400);
    expect(short.text).toContain('value="auntie-li"');
    const given = await office.client.post(`/staff/members/${m.id}/login`, { ...keys(page.text), username: "auntie-li", password: "first-password" });
    expect(given.location).toBe(`/staff/members/${m.id}?done=loginGiven`);
    const member = webClient(bank);
    await member.login("auntie-li", "first-password");
    expect((await member.get("/passbook")).status).toBe(200);

    page = await office.client.get(given.location!);
    expect(visible(page.text)).toContain("已开通登录账号。");
    const userId = field(page.text, "userId");
    const reset = await office.client.post(`/staff/members/${m.id}/password`, { ...keys(page.text), userId, password: "second-password" });
    expect(reset.location).toBe(`/staff/members/${m.id}?done=passwordReset`);
    expect((await member.get("/passbook")).text, "the old session ended").not.toContain('data-testid="balance"');
    expect((await bank.call("POST", "/v1/auth/login", { body: { username: "auntie-li", password: "first-password" } })).status).toBe(401);
    expect((await bank.call("POST", "/v1/auth/login", { body: { username: "auntie-li", password: "second-password" } })).status).toBe(200);

    const foreign = await outsider.client.get("/staff/members");
    const byOutsider = await outsider.client.post(`/staff/members/${m.id}/disable`, { ...keys(foreign.text), userId });
    expect(byOutsider.status).toBe(403);
    expect((await bank.call("POST", "/v1/auth/login", { body: { username: "auntie-li", password: "second-password" } })).status).toBe(200);

    page = await office.client.get(`/staff/members/${m.id}`);
    const disabled = await office.client.post(`/staff/members/${m.id}/disable`, { ...keys(page.text), userId });
    expect(disabled.location).toBe(`/staff/members/${m.id}?done=loginDisabled`);
    expect((await bank.call("POST", "/v1/auth/login", { body: { username: "auntie-li", password: "second-password" } })).status).toBe(403);
    page = await office.client.get(disabled.location!);
    expect(visible(page.text)).toContain("已停用");
    const enabled = await office.client.post(`/staff/members/${m.id}/enable`, { ...keys(page.text), userId });
    expect(enabled.location).toBe(`/staff/members/${m.id}?done=loginEnabled`);
    expect((await bank.call("POST", "/v1/auth/login", { body: { username: "auntie-li", password: "second-password" } })).status).toBe(200);
  });

  it("the member's page dates its entries in the bank's time zone and costs one round-trip", async () => {
    const office = await staffClient(a.id, "acct-rt");
    const m = (await bank.call("POST", "/v1/members", { token: office.token, body: { name: "赵先生", kind: "volunteer", communityId: a.id } })).body;
    bank.roundTrips.reset();
    const page = await office.client.get(`/staff/members/${m.id}`);
    expect(page.status).toBe(200);
    expect(bank.roundTrips.count()).toBe(1);
    expect(page.text).toContain('data-testid="passbook-no"');
  });
});
