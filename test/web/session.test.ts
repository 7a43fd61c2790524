import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { FAST_ITERATIONS, TEST_JWT_SECRET } from "../helpers/setup";
import { grantPoints, passbookBalance } from "../helpers/spending";
import { PASSWORDS, webScene, type WebScene } from "../helpers/web";
import { field, ORIGIN, visible, webClient } from "./client";

// The logged-in pages over HTTP: login and the session cookie, CSRF (origin check and the
// per-session token), the passbook and redeeming, the merchant desk and accepting, logout.

let scene: WebScene;

beforeAll(async () => {
  scene = await webScene();
});

const bank = () => scene.bank;

async function memberClient() {
  const client = webClient(bank());
  await client.login(scene.alice.username, PASSWORDS.member);
  return client;
}

async function merchantClient() {
  const client = webClient(bank());
  await client.login(scene.merchant.username, PASSWORDS.merchant, "merchant");
  return client;
}

/** Redeems through the page; returns the voucher code shown afterwards. */
async function redeemOnPage(client: ReturnType<typeof webClient>): Promise<string> {
  const page = await client.get("/passbook");
  const res = await client.post("/passbook/redeem", { csrf: field(page.text, "csrf"), key: field(page.text, "key"), voucherTypeId: scene.voucherType.id });
  expect(res.status).toBe(303);
  expect(res.location).toBe("/passbook?done=redeemed");
  const after = await client.get(res.location!);
  return /兑换成功，券码：([0-9A-Z-]{19})/.exec(visible(after.text))![1]!;
}

describe("login and the session cookie", () => {
  it("the passbook asks a visitor to log in, and is never stored by a cache", async () => {
    const res = await webClient(bank()).get("/passbook");
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.text).toContain('<form method="post" action="/login">');
    expect(res.text).toContain('<label for="username">用户名</label>');
  });

  it("logging in sets an HttpOnly, SameSite=Strict session cookie and goes to the passbook", async () => {
    const client = webClient(bank());
    const res = await client.post("/login", { username: scene.alice.username, password: PASSWORDS.member, next: "passbook" });
    expect(res.status).toBe(303);
    expect(res.location).toBe("/passbook");
    expect(res.headers.get("cache-control")).toBe("no-store");
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith("lsb_session="))!;
    expect(cookie).toMatch(/; Max-Age=28800; Path=\/; HttpOnly; SameSite=Strict$/);
    expect(cookie).not.toContain("Secure");
    const page = await client.get("/passbook");
    expect(visible(page.text)).toContain("存折号 " + scene.alice.passbookNo);
  });

  it("the cookie is Secure when the deployment says so (https)", async () => {
    const app = createApp({ db: bank().db, clock: bank().clock, jwtSecret: TEST_JWT_SECRET, passwordIterations: FAST_ITERATIONS, secureCookies: true });
    const res = await app.request("/login", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: ORIGIN },
      body: new URLSearchParams({ username: scene.alice.username, password: PASSWORDS.member }).toString(),
    });
    expect(res.status).toBe(303);
    expect(res.headers.getSetCookie().find((c) => c.startsWith("lsb_session="))).toMatch(/; Secure; SameSite=Strict$/);
  });

  it("a wrong password shows the form again with a message (401), and sets no cookie", async () => {
    const client = webClient(bank());
    const res = await client.post("/login", { username: scene.alice.username, password: "wrong-password", next: "merchant" });
    expect(res.status).toBe(401);
    expect(visible(res.text)).toContain("用户名或密码不正确。");
    expect(res.text).toContain('name="next" value="merchant"');
    expect(client.jar.has("lsb_session")).toBe(false);
  });

  it("an incomplete or padded form is a 400, and too many failures a 429", async () => {
    const client = webClient(bank());
    expect((await client.post("/login", { username: scene.alice.username })).status).toBe(400);
    expect((await client.post("/login", { username: "u", password: "p", extra: "x" })).status).toBe(400);
    expect((await client.post("/login", { username: "u", password: "p", next: "admin" })).status).toBe(400);
    const victim = `nobody${Date.now()}`;
    for (let i = 0; i < 5; i++) expect((await client.post("/login", { username: victim, password: "x" }, { origin: ORIGIN, "x-test-address": "10.9.9.9" })).status).toBe(401);
    const limited = await client.post("/login", { username: victim, password: "x" }, { origin: ORIGIN, "x-test-address": "10.9.9.9" });
    expect(limited.status).toBe(429);
    expect(visible(limited.text)).toContain("登录失败次数过多");
  });

  it("an oversized form is refused before it is read (413); GET /login goes to the passbook", async () => {
    const client = webClient(bank());
    const res = await client.post("/login", { username: "u", password: "x".repeat(5000) });
    expect(res.status).toBe(413);
    const get = await client.get("/login");
    expect([get.status, get.location]).toEqual([303, "/passbook"]);
  });

  it("a login form posted from another site is refused (hono/csrf origin check)", async () => {
    const client = webClient(bank());
    const cross = await client.post("/login", { username: scene.alice.username, password: PASSWORDS.member }, { origin: "https://evil.example" });
    expect(cross.status).toBe(403);
    const noOrigin = await client.post("/login", { username: scene.alice.username, password: PASSWORDS.member }, {});
    expect(noOrigin.status).toBe(403);
    expect(client.jar.has("lsb_session")).toBe(false);
    // A browser's same-origin signal is accepted even without Origin.
    const sameSite = await client.post("/login", { username: scene.alice.username, password: PASSWORDS.member }, { "sec-fetch-site": "same-origin" });
    expect(sameSite.status).toBe(303);
  });

  it("an expired session is simply logged out: public pages load, the passbook asks to log in", async () => {
    const client = await memberClient();
    bank().clock.advance(9 * 60 * 60 * 1000);
    try {
      expect((await client.get("/")).status).toBe(200);
      const page = await client.get("/passbook");
      expect(page.status).toBe(200);
      expect(page.text).toContain('action="/login"');
      // The API still answers a bad bearer token with 401.
      expect((await bank().call("GET", "/v1/me", { token: "not-a-token" })).status).toBe(401);
    } finally {
      bank().clock.advance(-9 * 60 * 60 * 1000);
    }
  });

  it("logout needs the session's CSRF token, then clears the cookie", async () => {
    const client = await memberClient();
    const page = await client.get("/passbook");
    const refused = await client.post("/logout", { csrf: "forged" });
    expect(refused.status).toBe(403);
    expect(client.jar.has("lsb_session")).toBe(true);
    const res = await client.post("/logout", { csrf: field(page.text, "csrf") });
    expect(res.status).toBe(303);
    expect(res.location).toBe("/");
    expect(client.jar.has("lsb_session")).toBe(false);
    expect((await client.get("/passbook")).text).toContain('action="/login"');
  });
});

describe("the passbook page", () => {
  it("shows balance, stars and title, level history and entries", async () => {
    const client = await memberClient();
    const page = await client.get("/passbook");
    expect(page.status).toBe(200);
    expect(page.headers.get("cache-control")).toBe("no-store");
    const text = visible(page.text);
    expect(text).toContain("户名 王建国");
    expect(text).toMatch(/积分余额 \d+ 累计获得积分 120/);
    expect(page.text).toContain('aria-label="2 星"');
    expect(text).toContain("1 星 2026-03-01 2 星 2026-03-01");
    expect(text).toContain("微心愿：给留守儿童的新书包 +20");
    expect(text).toContain("公益理发券（阳光理发店）— 30 积分");
    // The entries download as CSV through the API's export, authenticated by the session cookie.
    const link = `/v1/members/${scene.alice.id}/passbook.csv`;
    expect(page.text).toContain(`href="${link}"`);
    const csv = await client.get(link);
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toContain("text/csv");
    expect(csv.text).toContain("给留守儿童的新书包");
  });

  it("is for members: staff and merchants see a polite refusal (403)", async () => {
    const merchant = await merchantClient();
    const res = await merchant.get("/passbook");
    expect(res.status).toBe(403);
    expect(visible(res.text)).toContain("此页面供会员使用");
    const staffPage = await webClient(bank()).get("/passbook", { cookie: `lsb_session=${scene.staffA}` });
    expect(staffPage.status).toBe(403);
  });

  it("redeems a voucher: points leave the passbook once, even if the form is sent twice", async () => {
    const client = await memberClient();
    const before = await passbookBalance(bank(), scene.alice.id);
    const page = await client.get("/passbook");
    const fields = { csrf: field(page.text, "csrf"), key: field(page.text, "key"), voucherTypeId: scene.voucherType.id };
    const first = await client.post("/passbook/redeem", fields);
    const again = await client.post("/passbook/redeem", fields);
    expect([first.status, first.location, again.status, again.location]).toEqual([303, "/passbook?done=redeemed", 303, "/passbook?done=redeemed"]);
    expect(await passbookBalance(bank(), scene.alice.id)).toBe(before - scene.voucherType.pointsCost);
    const after = visible((await client.get("/passbook?done=redeemed")).text);
    const code = /兑换成功，券码：([0-9A-Z-]{19})/.exec(after)![1]!;
    expect(after).toContain(`${code} 未使用`);
  });

  it("not enough points: the page says so and nothing moves", async () => {
    const client = webClient(bank());
    await client.login((await poorMember()).username, PASSWORDS.member);
    const page = await client.get("/passbook");
    const res = await client.post("/passbook/redeem", { csrf: field(page.text, "csrf"), key: field(page.text, "key"), voucherTypeId: scene.voucherType.id });
    expect(res.location).toBe("/passbook?error=insufficient_points");
    const shown = await client.get(res.location!);
    expect(visible(shown.text)).toContain("积分不足，无法兑换。");
  });

  it("refuses a forged CSRF token, another session's token, a cross-site post and a padded form", async () => {
    const client = await memberClient();
    const other = webClient(bank());
    await other.login((await poorMember()).username, PASSWORDS.member);
    const before = await passbookBalance(bank(), scene.alice.id);
    const page = await client.get("/passbook");
    const otherPage = await other.get("/passbook");
    const key = field(page.text, "key");
    const base = { key, voucherTypeId: scene.voucherType.id };
    expect((await client.post("/passbook/redeem", { ...base, csrf: "forged" })).status).toBe(403);
    const otherToken = field(otherPage.text, "csrf");
    expect(otherToken).not.toBe(field(page.text, "csrf"));
    expect((await client.post("/passbook/redeem", { ...base, csrf: otherToken })).status).toBe(403);
    expect((await client.post("/passbook/redeem", { ...base, csrf: field(page.text, "csrf") }, { origin: "https://evil.example" })).status).toBe(403);
    expect((await client.post("/passbook/redeem", { ...base, csrf: field(page.text, "csrf"), memberId: scene.optedOut.id })).status).toBe(400);
    expect((await client.post("/passbook/redeem", { ...base, csrf: field(page.text, "csrf"), voucherTypeId: "bad id!" })).status).toBe(400);
    expect(await passbookBalance(bank(), scene.alice.id)).toBe(before);
  });

  it("a visitor or a merchant posting the redeem form is sent to the passbook page, nothing redeemed", async () => {
    const anonymous = await webClient(bank()).post("/passbook/redeem", { csrf: "x", key: crypto.randomUUID(), voucherTypeId: scene.voucherType.id });
    expect([anonymous.status, anonymous.location]).toEqual([303, "/passbook"]);
    const merchant = await merchantClient();
    const res = await merchant.post("/passbook/redeem", { csrf: "x", key: crypto.randomUUID(), voucherTypeId: scene.voucherType.id });
    expect([res.status, res.location]).toEqual([303, "/passbook"]);
  });

  it("pages through the entries", async () => {
    const { username } = await poorMember();
    const member = (await bank().db.client.execute({ sql: "SELECT member_id FROM users WHERE username = ?", args: [username] })).rows[0]!;
    for (let i = 1; i <= 21; i++) await grantPoints(bank(), String(member.member_id), i);
    const client = webClient(bank());
    await client.login(username, PASSWORDS.member);
    const first = await client.get("/passbook");
    const next = /href="(\/passbook\?cursor=[^"]+)" rel="next"/.exec(first.text)![1]!;
    expect(visible(first.text)).toContain("+21 ");
    expect(visible(first.text)).not.toMatch(/ \+1 1 /);
    const second = await client.get(next);
    expect(visible(second.text)).toMatch(/ \+1 1 /);
    expect(second.text).not.toContain('rel="next"');
    expect((await client.get("/passbook?cursor=nonsense")).status).toBe(400);
    expect((await client.get("/passbook?from=singlemessage&isappinstalled=0")).status, "a shared link's extra parameters are ignored").toBe(200);
  });
});

describe("the passbook's privacy form", () => {
  let seq = 0;
  /** A member of community A with a login and some points this year, so they appear in the public rankings. */
  async function freshMember(name: string) {
    const username = `shy${process.pid}x${++seq}`;
    const res = await bank().call("POST", "/v1/members", {
      token: scene.staffA,
      body: { name, kind: "volunteer", communityId: scene.communities.a.id, login: { username, password: PASSWORDS.member } },
    });
    expect(res.status).toBe(201);
    await grantPoints(bank(), res.body.id, 15);
    const client = webClient(bank());
    await client.login(username, PASSWORDS.member);
    return { id: res.body.id as string, client };
  }
  const optedOut = async (id: string) => (await bank().call("GET", `/v1/members/${id}`, { token: bank().admin })).body.publicOptOut;
  const rankingsText = async () => JSON.stringify((await bank().call("GET", "/v1/rankings?year=2026&by=points&limit=100")).body);
  const CHECKED = /<input type="checkbox" name="publicOptOut" value="1" checked=""/;

  it("the member ticks 'show me as anonymous': their name leaves the public rankings; unticking brings it back", async () => {
    const name = "想匿名的会员甲";
    const { id, client } = await freshMember(name);
    const page = await client.get("/passbook");
    expect(page.text).toContain('<form method="post" action="/passbook/privacy" class="no-print">');
    expect(visible(page.text)).toContain("在公开页面以匿名显示");
    expect(page.text).toContain('name="publicOptOut"');
    expect(page.text).not.toMatch(CHECKED);
    expect(await rankingsText()).toContain(name);

    const res = await client.post("/passbook/privacy", { csrf: field(page.text, "csrf"), publicOptOut: "1" });
    expect([res.status, res.location]).toEqual([303, "/passbook?done=privacy"]);
    expect(await optedOut(id)).toBe(true);
    expect(await rankingsText()).not.toContain(name);
    const after = await client.get(res.location!);
    expect(visible(after.text)).toContain("已保存：公开页面上将以匿名显示您。");
    expect(after.text).toMatch(CHECKED);

    // An unticked box is not sent: the form without it means "show my name".
    const back = await client.post("/passbook/privacy", { csrf: field(after.text, "csrf") });
    expect([back.status, back.location]).toEqual([303, "/passbook?done=privacy"]);
    expect(await optedOut(id)).toBe(false);
    expect(await rankingsText()).toContain(name);
    const shown = await client.get(back.location!);
    expect(visible(shown.text)).toContain("已保存：公开页面上将显示您的姓名。");
    expect(shown.text).not.toMatch(CHECKED);
    expect(visible((await client.get("/passbook?lang=en")).text)).toContain("Show me as anonymous on public pages");
  });

  it("refuses a forged CSRF token, another session's token, a cross-site post and a padded form; changes nothing", async () => {
    const { id, client } = await freshMember("谨慎的会员乙");
    const other = await freshMember("另一个会员丙");
    const page = await client.get("/passbook");
    const csrf = field(page.text, "csrf");
    const otherToken = field((await other.client.get("/passbook")).text, "csrf");
    expect(otherToken).not.toBe(csrf);
    expect((await client.post("/passbook/privacy", { csrf: "forged", publicOptOut: "1" })).status).toBe(403);
    expect((await client.post("/passbook/privacy", { csrf: otherToken, publicOptOut: "1" })).status).toBe(403);
    expect((await client.post("/passbook/privacy", { csrf, publicOptOut: "1" }, { origin: "https://evil.example" })).status).toBe(403);
    expect((await client.post("/passbook/privacy", { csrf, publicOptOut: "1" }, {})).status).toBe(403);
    expect((await client.post("/passbook/privacy", { csrf, publicOptOut: "1", memberId: other.id })).status).toBe(400);
    expect((await client.post("/passbook/privacy", { csrf, publicOptOut: "true" })).status).toBe(400);
    expect((await client.post("/passbook/privacy", { publicOptOut: "1" })).status).toBe(400);
    expect([await optedOut(id), await optedOut(other.id)]).toEqual([false, false]);
  });

  it("a visitor, a merchant or staff posting the form is sent to the passbook page; nothing changes", async () => {
    const { id } = await freshMember("会员丁");
    const anonymous = await webClient(bank()).post("/passbook/privacy", { csrf: "x", publicOptOut: "1" });
    expect([anonymous.status, anonymous.location]).toEqual([303, "/passbook"]);
    const merchant = await merchantClient();
    const res = await merchant.post("/passbook/privacy", { csrf: field((await merchant.get("/merchant")).text, "csrf"), publicOptOut: "1" });
    expect([res.status, res.location]).toEqual([303, "/passbook"]);
    const staff = await webClient(bank()).post("/passbook/privacy", { csrf: "x", publicOptOut: "1" }, { origin: ORIGIN, cookie: `lsb_session=${scene.staffA}` });
    expect([staff.status, staff.location]).toEqual([303, "/passbook"]);
    expect(await optedOut(id)).toBe(false);
  });
});

let poor: { username: string } | undefined;
/** A member with a login and no points. */
async function poorMember() {
  if (!poor) {
    const username = `poor${process.pid}`;
    const res = await bank().call("POST", "/v1/members", {
      token: scene.staffA,
      body: { name: "新会员", kind: "volunteer", communityId: scene.communities.a.id, login: { username, password: PASSWORDS.member } },
    });
    expect(res.status).toBe(201);
    poor = { username };
  }
  return poor;
}

describe("the merchant desk", () => {
  it("asks a visitor to log in as a merchant", async () => {
    const res = await webClient(bank()).get("/merchant");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.text).toContain('name="next" value="merchant"');
    expect(visible(res.text)).toContain("合作商户请使用商户账号登录");
  });

  it("looks a code up as typed, shows what it is for, accepts it once", async () => {
    const code = await redeemOnPage(await memberClient());
    const desk = await merchantClient();
    const page = await desk.get("/merchant");
    const csrf = field(page.text, "csrf");
    const found = await desk.post("/merchant/lookup", { csrf, code: ` ${code.toLowerCase().replace(/-/g, " ")} ` });
    expect(found.status).toBe(200);
    expect(found.headers.get("cache-control")).toBe("no-store");
    const text = visible(found.text);
    expect(text).toContain("服务内容 公益理发券");
    expect(text).toContain(`存折号 ${scene.alice.passbookNo}`);
    expect(text).toContain("状态 未使用");
    const fields = { csrf, key: field(found.text, "key"), code: field(found.text, "code") };
    const accepted = await desk.post("/merchant/accept", fields);
    expect(accepted.status).toBe(200);
    expect(visible(accepted.text)).toContain(`核销成功：公益理发券 · ${code}`);
    // The same form again (a double tap): still shown as accepted, nothing moves twice.
    const replay = await desk.post("/merchant/accept", fields);
    expect(replay.status).toBe(200);
    expect(visible(replay.text)).toContain("核销成功");
    // A new attempt on the used voucher is refused.
    const again = await desk.post("/merchant/accept", { ...fields, key: crypto.randomUUID() });
    expect(again.status).toBe(409);
    expect(visible(again.text)).toContain("已使用、已取消或已过期");
    const v = await bank().call("GET", `/v1/vouchers/${code}`, { token: bank().admin });
    expect(v.body.status).toBe("used");
  });

  it("another merchant's voucher, an unknown code, a forged token", async () => {
    const code = await redeemOnPage(await memberClient());
    const m2 = await bank().call("POST", "/v1/merchants", { token: bank().admin, body: { name: "好帮手家政" } });
    const username = `maid${process.pid}`;
    await bank().call("POST", "/v1/users", { token: bank().admin, body: { username, password: PASSWORDS.merchant, role: "merchant", merchantId: m2.body.id } });
    const other = webClient(bank());
    await other.login(username, PASSWORDS.merchant, "merchant");
    const page = await other.get("/merchant");
    const csrf = field(page.text, "csrf");
    const notYours = await other.post("/merchant/lookup", { csrf, code });
    expect(notYours.status).toBe(403);
    expect(visible(notYours.text)).toContain("这张服务券不属于本商户。");
    const refused = await other.post("/merchant/accept", { csrf, key: crypto.randomUUID(), code });
    expect(refused.status).toBe(403);
    const unknown = await other.post("/merchant/lookup", { csrf, code: "0000-0000-0000-0000" });
    expect(unknown.status).toBe(404);
    expect(visible(unknown.text)).toContain("没有找到这张服务券。");
    expect((await other.post("/merchant/lookup", { csrf: "forged", code })).status).toBe(403);
    expect((await other.post("/merchant/lookup", { csrf, code, extra: "1" })).status).toBe(400);
    expect((await bank().call("GET", `/v1/vouchers/${code}`, { token: bank().admin })).body.status).toBe("issued");
  });

  it("members cannot use the desk; the page tells them, the form does nothing", async () => {
    const member = await memberClient();
    const page = await member.get("/merchant");
    expect(page.status).toBe(403);
    expect(visible(page.text)).toContain("此页面供合作商户使用");
    const res = await member.post("/merchant/accept", { csrf: field(page.text, "csrf"), key: crypto.randomUUID(), code: "0000-0000-0000-0000" });
    expect([res.status, res.location]).toEqual([303, "/merchant"]);
  });
});
