import { renderSVG } from "uqr";
import { beforeAll, describe, expect, it } from "vitest";
import { grantPoints, passbookBalance } from "../helpers/spending";
import { PASSWORDS, webScene, type WebScene } from "../helpers/web";
import { field, visible, webClient } from "./client";

// The member's own desk on /passbook over HTTP: claiming a wish of the community, fulfilling or
// giving up the claim, reporting hours (a pending member_claim), cancelling a voucher, signing in
// and out at an outing with its code, the voucher's QR code of the merchant desk's address, and
// who may not: another community's wish, another member's voucher, a forged CSRF token, a
// double submit.

let scene: WebScene;
const bank = () => scene.bank;

beforeAll(async () => {
  scene = await webScene();
});

async function member() {
  const client = webClient(bank());
  await client.login(scene.alice.username, PASSWORDS.member);
  return client;
}

type Client = Awaited<ReturnType<typeof member>>;

/** Sends a form of the passbook page with the page's CSRF token and a fresh one-time key. */
async function send(client: Client, path: string, fields: Record<string, string> = {}) {
  const page = await client.get("/passbook");
  const keys = { csrf: field(page.text, "csrf"), key: field(page.text, "key") };
  return { res: await client.post(path, { ...keys, ...fields }), keys };
}

async function wish(token: string, title: string) {
  const res = await bank().call("POST", "/v1/wishes", {
    token,
    body: { title, description: "需要帮助", kind: "service", beneficiaryGroup: "elderly", beneficiary: { name: "受助人" } },
  });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

const wishOf = async (id: string) => (await bank().call("GET", `/v1/wishes/${id}`, { token: scene.staffA })).body;

describe("wishes on the passbook page", () => {
  it("lists the community's open wishes; a member claims one once though the form is sent twice, fulfils it", async () => {
    const id = await wish(scene.staffA, "帮独居老人买菜");
    const client = await member();
    const page = await client.get("/passbook");
    expect(visible(page.text)).toContain("本社区待认领的微心愿");
    expect(visible(page.text)).toContain("帮独居老人买菜");
    expect(visible(page.text)).not.toContain("陪老人去医院复诊"); // the other community's wish

    const { res, keys } = await send(client, `/passbook/wishes/${id}/claim`);
    expect(res.status).toBe(303);
    expect(res.location).toBe("/passbook?done=claimed");
    const again = await client.post(`/passbook/wishes/${id}/claim`, keys);
    expect(again.status).toBe(303);
    expect(again.location).toBe("/passbook?done=repeat");
    const claimed = await wishOf(id);
    expect(claimed).toMatchObject({ status: "claimed", claimedBy: scene.alice.id });
    expect(claimed.events.filter((e: { toStatus: string }) => e.toStatus === "claimed")).toHaveLength(1);

    const after = await client.get(res.location!);
    expect(visible(after.text)).toContain("已认领，请按时完成。");
    expect(after.text).toContain(`action="/passbook/wishes/${id}/fulfil"`);
    const done = await send(client, `/passbook/wishes/${id}/fulfil`, { note: "菜已送到" });
    expect(done.res.location).toBe("/passbook?done=fulfilled");
    expect(await wishOf(id)).toMatchObject({ status: "fulfilled", fulfilNote: "菜已送到" });
  });

  it("gives up a claim: the wish is open again", async () => {
    const id = await wish(scene.staffA, "修理轮椅");
    const client = await member();
    await send(client, `/passbook/wishes/${id}/claim`);
    const { res } = await send(client, `/passbook/wishes/${id}/release`);
    expect(res.location).toBe("/passbook?done=released");
    expect(await wishOf(id)).toMatchObject({ status: "open", claimedBy: null });
  });

  it("a wish of another community cannot be claimed; a wish already claimed says so in the page's words", async () => {
    const other = await wish(scene.staffB, "别的社区的心愿");
    const client = await member();
    const { res } = await send(client, `/passbook/wishes/${other}/claim`);
    expect(res.status).toBeGreaterThanOrEqual(403);
    expect(res.status).toBeLessThan(500);
    expect((await bank().call("GET", `/v1/wishes/${other}`, { token: scene.staffB })).body.status).toBe("open");

    const taken = await wish(scene.staffA, "已被认领的心愿");
    const someone = await bank().member(scene.communities.a.id);
    expect((await bank().call("POST", `/v1/wishes/${taken}/claim`, { token: someone.token, body: {} })).status).toBe(200);
    const refused = await send(client, `/passbook/wishes/${taken}/claim`);
    expect(refused.res.status).toBe(409);
    expect(visible(refused.res.text)).toContain("这个心愿已经被认领或不再待认领。");
  });
});

describe("reporting hours", () => {
  it("a report is one pending member_claim record, though sent twice", async () => {
    const client = await member();
    const { res, keys } = await send(client, "/passbook/hours", { date: "2026-02-27", minutes: "120", description: "陪老人聊天" });
    expect(res.status).toBe(303);
    expect(res.location).toBe("/passbook?done=reported");
    expect((await client.post("/passbook/hours", { ...keys, date: "2026-02-27", minutes: "120", description: "陪老人聊天" })).location).toBe("/passbook?done=repeat");
    const records = await bank().call("GET", `/v1/service-records?memberId=${scene.alice.id}&status=pending`, { token: scene.staffA });
    const mine = records.body.items.filter((r: { description: string }) => r.description === "陪老人聊天");
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ minutes: 120, method: "member_claim", status: "pending", date: "2026-02-27" });
    const page = await client.get(res.location!);
    expect(visible(page.text)).toContain("已提交申报，等待社区审核。");
    expect(visible(page.text)).toContain("2026-02-27 · 120 分钟 · 陪老人聊天 · 待审核");
  });

  it("a refused report keeps what was typed and says why; a future date is refused", async () => {
    const client = await member();
    const bad = await send(client, "/passbook/hours", { date: "2026-02-27", minutes: "两小时", description: "打扫楼道" });
    expect(bad.res.status).toBe(400);
    expect(visible(bad.res.text)).toContain("请检查填写的内容：服务时长（分钟）");
    expect(bad.res.text).toContain('value="打扫楼道"');
    expect(bad.res.text).toContain('value="两小时"');
    const future = await send(client, "/passbook/hours", { date: "2026-04-01", minutes: "60", description: "未来的服务" });
    expect(future.res.status).toBe(400);
    expect(future.res.text).toContain('value="未来的服务"');
  });

  it("a forged CSRF token is refused and nothing is recorded", async () => {
    const client = await member();
    const page = await client.get("/passbook");
    const res = await client.post("/passbook/hours", { csrf: "forged", key: field(page.text, "key"), date: "2026-02-27", minutes: "30", description: "伪造的申报" });
    expect(res.status).toBe(403);
    expect(visible(res.text)).toContain("页面已过期，请刷新后重试。");
    const cross = await client.post("/passbook/hours", { csrf: field(page.text, "csrf"), key: field(page.text, "key"), date: "2026-02-27", minutes: "30", description: "伪造的申报" }, { origin: "https://evil.example" });
    expect(cross.status).toBe(403);
    const records = await bank().call("GET", `/v1/service-records?memberId=${scene.alice.id}`, { token: scene.staffA });
    expect(records.body.items.some((r: { description: string }) => r.description === "伪造的申报")).toBe(false);
  });
});

describe("vouchers on the passbook page", () => {
  async function redeem(token: string) {
    const res = await bank().call("POST", "/v1/vouchers", { token, body: { voucherTypeId: scene.voucherType.id } });
    expect(res.status).toBe(201);
    return res.body as { code: string; memberId: string };
  }

  it("shows each voucher large with its code and a QR code of the merchant desk's address with the code", async () => {
    const v = await redeem(scene.alice.token);
    const client = await member();
    const page = await client.get("/passbook");
    expect(page.text).toContain(`<code data-testid="held-code">${v.code}</code>`);
    // The QR code is exactly the one of /merchant?code=<code> on this origin.
    expect(page.text).toContain(renderSVG(`http://localhost/merchant?code=${v.code}`, { border: 2 }));
    expect(page.text).toContain(`aria-label="服务券二维码，券码 ${v.code}"`);
  });

  it("cancels an unused voucher once: the points come back; another member's voucher cannot be cancelled", async () => {
    const v = await redeem(scene.alice.token);
    const before = await passbookBalance(bank(), scene.alice.id);
    const client = await member();
    const { res, keys } = await send(client, "/passbook/vouchers/cancel", { code: v.code });
    expect(res.location).toBe("/passbook?done=cancelled");
    expect((await client.post("/passbook/vouchers/cancel", { ...keys, code: v.code })).location).toBe("/passbook?done=repeat");
    expect(await passbookBalance(bank(), scene.alice.id)).toBe(before + scene.voucherType.pointsCost);
    expect((await bank().call("GET", `/v1/vouchers/${v.code}`, { token: scene.alice.token })).body.status).toBe("cancelled");

    const neighbour = await bank().member(scene.communities.a.id);
    await grantPoints(bank(), neighbour.id, 100);
    const theirs = await redeem(neighbour.token);
    const refused = await send(client, "/passbook/vouchers/cancel", { code: theirs.code });
    expect(refused.res.status).toBeGreaterThanOrEqual(403);
    expect(refused.res.status).toBeLessThan(500);
    expect((await bank().call("GET", `/v1/vouchers/${theirs.code}`, { token: neighbour.token })).body.status).toBe("issued");
  });
});

describe("the merchant desk opened from a voucher's QR code", () => {
  it("looks the code up at once and accepts it; a merchant not logged in comes back to the code after logging in", async () => {
    const v = (await bank().call("POST", "/v1/vouchers", { token: scene.alice.token, body: { voucherTypeId: scene.voucherType.id } })).body;
    const desk = webClient(bank());
    const login = await desk.get(`/merchant?code=${v.code}&from=singlemessage`);
    expect(login.text).toContain(`name="then" value="?code=${v.code}&amp;from=singlemessage"`);
    const res = await desk.post("/login", { username: scene.merchant.username, password: PASSWORDS.merchant, next: "merchant", then: `?code=${v.code}` });
    expect(res.location).toBe(`/merchant?code=${v.code}`);
    const page = await desk.get(res.location!);
    expect(page.status).toBe(200);
    expect(page.text).toContain(`value="${v.code}"`);
    expect(visible(page.text)).toContain("状态 未使用");
    const accepted = await desk.post("/merchant/accept", { csrf: field(page.text, "csrf"), key: field(page.text, "key"), code: v.code });
    expect(visible(accepted.text)).toContain(`核销成功：${scene.voucherType.name} · ${v.code}`);
    expect((await bank().call("GET", `/v1/vouchers/${v.code}`, { token: scene.alice.token })).body.status).toBe("used");
  });

  it("the login's return query is only plain parameters", async () => {
    const desk = webClient(bank());
    const res = await desk.post("/login", { username: scene.merchant.username, password: PASSWORDS.merchant, next: "merchant", then: "//evil.example/" });
    expect(res.status).toBe(400);
  });
});

describe("signing in and out at an outing", () => {
  it("by the outing's code: signed in, then out an hour later, a pending record with method checkin", async () => {
    const outing = await bank().call("POST", "/v1/activities", { token: scene.staffA, body: { title: "周末义诊", date: "2026-03-01", place: "社区卫生站" } });
    const opened = await bank().call("POST", `/v1/activities/${outing.body.id}/checkin-code`, { token: scene.staffA, body: {} });
    expect(opened.status).toBe(201);
    const code = opened.body.code as string;
    const client = await member();
    const page = await client.get(`/passbook?activity=${outing.body.id}&code=${code}`);
    expect(visible(page.text)).toContain("活动现场签到、签退");
    const keys = { csrf: field(page.text, "csrf"), key: field(page.text, "key"), activityId: outing.body.id, code };
    const wrong = await client.post("/passbook/checkin", { ...keys, code: "ZZZZZZ", step: "in" });
    expect(wrong.status).toBe(400);
    expect(wrong.text).toContain('value="ZZZZZZ"');
    const signedIn = await client.post("/passbook/checkin", { ...keys, step: "in" });
    expect(signedIn.location).toBe(`/passbook?activity=${outing.body.id}&code=${code}&done=checkedIn`);
    expect((await client.post("/passbook/checkin", { ...keys, step: "in" })).location).toBe("/passbook?done=repeat");
    bank().clock.advance(60 * 60 * 1000);
    const again = await client.get(signedIn.location!);
    const out = await client.post("/passbook/checkin", { csrf: field(again.text, "csrf"), key: field(again.text, "key"), activityId: outing.body.id, code, step: "out" });
    expect(out.location).toBe("/passbook?done=checkedOut");
    const records = await bank().call("GET", `/v1/service-records?activityId=${outing.body.id}`, { token: scene.staffA });
    expect(records.body.items).toHaveLength(1);
    expect(records.body.items[0]).toMatchObject({ memberId: scene.alice.id, minutes: 60, method: "checkin", status: "pending" });
  });
});

describe("the page's cost", () => {
  it("the passbook with its self-service parts is one database round-trip", async () => {
    const client = await member();
    bank().roundTrips.reset();
    const page = await client.get("/passbook");
    expect(page.status).toBe(200);
    expect(bank().roundTrips.count()).toBe(1);
  });
});
