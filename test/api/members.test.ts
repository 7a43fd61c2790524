import { describe, expect, it } from "vitest";
import { grantPoints as give } from "../helpers/spending";
import { makeBank } from "../helpers/setup";

describe("POST /v1/members", () => {
  it("staff open a passbook in their own community, numbered in order", async () => {
    const bank = await makeBank();
    const c = await bank.community();
    const staff = await bank.staff(c.id);
    const a = await bank.call("POST", "/v1/members", { token: staff, body: { name: "王建国", communityId: c.id, kind: "party_member", phone: "13800001111" } });
    const b = await bank.call("POST", "/v1/members", { token: staff, body: { name: "李秀英", communityId: c.id, kind: "volunteer" } });
    expect(a.status).toBe(201);
    expect(a.body).toMatchObject({ name: "王建国", communityId: c.id, kind: "party_member", phone: "13800001111", stars: 0, earnedTotal: 0 });
    expect(a.body.passbookNo).toBe("CS-000001");
    expect(b.body.passbookNo).toBe("CS-000002");
    const summary = await bank.call("GET", "/v1/public/summary");
    expect(summary.body.passbooks).toBe(2);
  });

  it("can create the member's login with the passbook, and refuses a taken username without opening the passbook", async () => {
    const bank = await makeBank();
    const c = await bank.community();
    const body = { name: "张伟", communityId: c.id, kind: "cadre", login: { username: "zhangwei", password: "long-enough" } };
    expect((await bank.call("POST", "/v1/members", { token: bank.admin, body })).status).toBe(201);
    const again = await bank.call("POST", "/v1/members", { token: bank.admin, body: { ...body, name: "另一个" } });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("already_exists");
    const list = await bank.call("GET", "/v1/members", { token: bank.admin });
    expect(list.body.items).toHaveLength(1);
  });

  it("a retried request with the same Idempotency-Key answers the first passbook instead of opening a second", async () => {
    const bank = await makeBank();
    const c = await bank.community();
    const staff = await bank.staff(c.id);
    const body = { name: "赵敏", communityId: c.id, kind: "volunteer", phone: "13700001111" };
    const headers = { "idempotency-key": "open-zhao-min" };
    const first = await bank.call("POST", "/v1/members", { token: staff, body, headers });
    const again = await bank.call("POST", "/v1/members", { token: staff, body, headers });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body).toEqual(first.body);
    expect(first.body.passbookNo).toBe("CS-000001");
    expect((await bank.call("GET", "/v1/public/summary")).body.passbooks).toBe(1);
    const other = await bank.call("POST", "/v1/members", { token: staff, body: { ...body, name: "别人" }, headers });
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe("idempotency_key_reused");
    expect((await bank.call("GET", "/v1/members", { token: staff })).body.items).toHaveLength(1);
  });

  it("refuses bad input with validation_failed and changes nothing", async () => {
    const bank = await makeBank();
    const c = await bank.community();
    const bad = [
      { name: "", communityId: c.id, kind: "volunteer" },
      { name: "x".repeat(51), communityId: c.id, kind: "volunteer" },
      { name: "王", communityId: c.id, kind: "king" },
      { name: "王", communityId: c.id, kind: "volunteer", balance: 1000 },
      { name: "王", communityId: c.id, kind: "volunteer", phone: "<script>" },
      { name: "王", communityId: c.id, kind: "volunteer", login: { username: "ok-name", password: "short" } },
      { name: "王", kind: "volunteer" },
    ];
    for (const body of bad) {
      const res = await bank.call("POST", "/v1/members", { token: bank.admin, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe("validation_failed");
    }
    expect((await bank.call("GET", "/v1/public/summary")).body.passbooks).toBe(0);
  });

  it("an unknown community is 404", async () => {
    const bank = await makeBank();
    const res = await bank.call("POST", "/v1/members", { token: bank.admin, body: { name: "王", communityId: "01UNKNOWN", kind: "volunteer" } });
    expect(res.status).toBe(404);
  });

  it("who may not: no token, staff of another community, a member, a merchant", async () => {
    const bank = await makeBank();
    const c = await bank.community();
    const other = await bank.community("另一个社区");
    const body = { name: "王", communityId: c.id, kind: "volunteer" };
    expect((await bank.call("POST", "/v1/members", { body })).status).toBe(401);
    expect((await bank.call("POST", "/v1/members", { token: await bank.staff(other.id), body })).status).toBe(403);
    const m = await bank.member(c.id);
    expect((await bank.call("POST", "/v1/members", { token: m.token, body })).status).toBe(403);
    const merchant = await bank.token({ role: "merchant", merchantId: "x" });
    expect((await bank.call("POST", "/v1/members", { token: merchant, body })).status).toBe(403);
  });
});

describe("GET /v1/members and /v1/members/:id", () => {
  it("staff list only their community; admin lists all or filters; pages follow the cursor", async () => {
    const bank = await makeBank();
    const c1 = await bank.community();
    const c2 = await bank.community();
    for (let i = 0; i < 3; i++) await bank.member(c1.id);
    await bank.member(c2.id);
    const staff = await bank.staff(c1.id);
    const mine = await bank.call("GET", "/v1/members?limit=2", { token: staff });
    expect(mine.body.items).toHaveLength(2);
    const rest = await bank.call("GET", `/v1/members?limit=2&cursor=${mine.body.nextCursor}`, { token: staff });
    expect(rest.body.items).toHaveLength(1);
    expect(rest.body.nextCursor).toBeNull();
    expect([...mine.body.items, ...rest.body.items].every((m: { communityId: string }) => m.communityId === c1.id)).toBe(true);
    // a staff member cannot widen the scope with ?communityId
    const widened = await bank.call("GET", `/v1/members?communityId=${c2.id}`, { token: staff });
    expect(widened.body.items.every((m: { communityId: string }) => m.communityId === c1.id)).toBe(true);
    expect((await bank.call("GET", "/v1/members", { token: bank.admin })).body.items).toHaveLength(4);
    expect((await bank.call("GET", `/v1/members?communityId=${c2.id}`, { token: bank.admin })).body.items).toHaveLength(1);
  });

  it("refuses bad paging and members listing", async () => {
    const bank = await makeBank();
    expect((await bank.call("GET", "/v1/members?limit=1000", { token: bank.admin })).status).toBe(400);
    expect((await bank.call("GET", "/v1/members?cursor=garbage", { token: bank.admin })).status).toBe(400);
    const c = await bank.community();
    const m = await bank.member(c.id);
    expect((await bank.call("GET", "/v1/members", { token: m.token })).status).toBe(403);
    expect((await bank.call("GET", "/v1/members")).status).toBe(401);
  });

  it("a member reads themselves but not another; staff of another community may not", async () => {
    const bank = await makeBank();
    const c = await bank.community();
    const a = await bank.member(c.id);
    const b = await bank.member(c.id);
    expect((await bank.call("GET", `/v1/members/${a.id}`, { token: a.token })).status).toBe(200);
    expect((await bank.call("GET", `/v1/members/${b.id}`, { token: a.token })).status).toBe(403);
    const other = await bank.staff((await bank.community()).id);
    expect((await bank.call("GET", `/v1/members/${a.id}`, { token: other })).status).toBe(403);
    expect((await bank.call("GET", `/v1/members/${a.id}`, { token: await bank.staff(c.id) })).status).toBe(200);
    expect((await bank.call("GET", "/v1/members/01NOTHERE", { token: bank.admin })).status).toBe(404);
    expect((await bank.call("GET", "/v1/members/bad%20id", { token: bank.admin })).status).toBe(400);
  });
});

describe("GET /v1/members/:id/passbook", () => {
  it("shows balance, earned total, stars, title, level dates and entries with the balance after each", async () => {
    const bank = await makeBank();
    const c = await bank.community();
    const m = await bank.member(c.id);
    await give(bank, m.id, 50, "2026-03-01T08:00:00.000Z");
    await give(bank, m.id, 270, "2026-04-01T08:00:00.000Z");
    const res = await bank.call("GET", `/v1/members/${m.id}/passbook`, { token: m.token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ balance: 320, earnedTotal: 320, stars: 3, title: "社区爱心荣誉会员" });
    expect(res.body.levels.map((l: { stars: number; at: string }) => [l.stars, l.at])).toEqual([
      [1, "2026-03-01T08:00:00.000Z"],
      [2, "2026-04-01T08:00:00.000Z"],
      [3, "2026-04-01T08:00:00.000Z"],
    ]);
    expect(res.body.entries.map((e: { amount: number; balanceAfter: number }) => [e.amount, e.balanceAfter])).toEqual([
      [270, 320],
      [50, 50],
    ]);
    expect(res.body.entries[0]).toMatchObject({ kind: "service_approved", memo: "test credit" });
  });

  it("pages entries newest first", async () => {
    const bank = await makeBank();
    const c = await bank.community();
    const m = await bank.member(c.id);
    for (let i = 1; i <= 5; i++) await give(bank, m.id, i);
    const first = await bank.call("GET", `/v1/members/${m.id}/passbook?limit=2`, { token: m.token });
    expect(first.body.entries.map((e: { amount: number }) => e.amount)).toEqual([5, 4]);
    const second = await bank.call("GET", `/v1/members/${m.id}/passbook?limit=2&cursor=${first.body.nextCursor}`, { token: m.token });
    expect(second.body.entries.map((e: { amount: number }) => e.amount)).toEqual([3, 2]);
    const third = await bank.call("GET", `/v1/members/${m.id}/passbook?limit=2&cursor=${second.body.nextCursor}`, { token: m.token });
    expect(third.body.entries.map((e: { amount: number }) => e.amount)).toEqual([1]);
    expect(third.body.nextCursor).toBeNull();
  });

  it("costs one database round-trip", async () => {
    const bank = await makeBank();
    const c = await bank.community();
    const m = await bank.member(c.id);
    await give(bank, m.id, 5);
    bank.roundTrips.reset();
    expect((await bank.call("GET", `/v1/members/${m.id}/passbook`, { token: m.token })).status).toBe(200);
    expect(bank.roundTrips.count()).toBe(1);
  });

  it("only the member, staff of the community and the admin may read it", async () => {
    const bank = await makeBank();
    const c = await bank.community();
    const a = await bank.member(c.id);
    const b = await bank.member(c.id);
    const path = `/v1/members/${a.id}/passbook`;
    expect((await bank.call("GET", path)).status).toBe(401);
    expect((await bank.call("GET", path, { token: b.token })).status).toBe(403);
    expect((await bank.call("GET", path, { token: await bank.staff((await bank.community()).id) })).status).toBe(403);
    expect((await bank.call("GET", path, { token: await bank.token({ role: "merchant", merchantId: "m" }) })).status).toBe(403);
    expect((await bank.call("GET", path, { token: await bank.staff(c.id) })).status).toBe(200);
    expect((await bank.call("GET", path, { token: bank.admin })).status).toBe(200);
  });
});

describe("PATCH /v1/members/:id", () => {
  const path = (id: string) => `/v1/members/${id}`;

  it("the member switches their own publicOptOut; staff of the community and the admin change name and phone too", async () => {
    const bank = await makeBank();
    const c = await bank.community();
    const m = await bank.member(c.id, { name: "王建国", phone: "13800001111" });
    bank.roundTrips.reset();
    const self = await bank.call("PATCH", path(m.id), { token: m.token, body: { publicOptOut: true } });
    expect(bank.roundTrips.count()).toBe(2);
    expect(self.status).toBe(200);
    expect(self.body).toMatchObject({ id: m.id, name: "王建国", phone: "13800001111", publicOptOut: true, passbookNo: m.passbookNo });
    const staff = await bank.call("PATCH", path(m.id), { token: await bank.staff(c.id), body: { name: "  王建华 ", phone: "+86 139-0000-2222" } });
    expect(staff.status).toBe(200);
    expect(staff.body).toMatchObject({ name: "王建华", phone: "+86 139-0000-2222", publicOptOut: true });
    const admin = await bank.call("PATCH", path(m.id), { token: bank.admin, body: { phone: null, publicOptOut: false } });
    expect(admin.status).toBe(200);
    expect(admin.body).toMatchObject({ name: "王建华", phone: null, publicOptOut: false });
    const stored = await bank.call("GET", path(m.id), { token: m.token });
    expect(stored.body).toEqual(admin.body);
  });

  it("after opting out, the member's name leaves the rankings, the donations and the /service page; opting in brings it back", async () => {
    const bank = await makeBank({ clockStart: "2026-03-01T08:00:00.000Z" });
    const c = await bank.community();
    const staff = await bank.staff(c.id);
    const name = "公开与否测试会员";
    const m = await bank.member(c.id, { name });
    const record = await bank.call("POST", "/v1/service-records", {
      token: staff,
      body: { memberId: m.id, date: "2026-02-28", minutes: 120, description: "陪老人散步" },
    });
    expect((await bank.call("POST", `/v1/service-records/${record.body.id}/approve`, { token: staff, body: {} })).status).toBe(200);
    const gift = await bank.call("POST", "/v1/donations", { token: staff, body: { donor: { type: "member", memberId: m.id }, kind: "money", amountFen: 5_000 } });
    expect(gift.status).toBe(201);
    const publicText = async () =>
      [
        JSON.stringify((await bank.call("GET", "/v1/rankings?year=2026&by=points")).body),
        JSON.stringify((await bank.call("GET", "/v1/rankings?year=2026&by=minutes")).body),
        JSON.stringify((await bank.call("GET", "/v1/donations")).body),
        JSON.stringify((await bank.call("GET", `/v1/donations/${gift.body.id}`)).body),
        String((await bank.call("GET", "/service")).body),
      ] as const;
    const shown = await publicText();
    for (const text of shown) expect(text).toContain(name);
    expect(shown[4]).not.toContain("匿名");

    expect((await bank.call("PATCH", path(m.id), { token: m.token, body: { publicOptOut: true } })).status).toBe(200);
    const hidden = await publicText();
    for (const text of hidden) expect(text).not.toContain(name);
    const ranking = (await bank.call("GET", "/v1/rankings?year=2026&by=points")).body;
    expect(ranking.items).toEqual([expect.objectContaining({ rank: 1, memberId: null, name: "匿名志愿者", anonymous: true, pointsEarned: 70 })]);
    expect(hidden[4]).toContain("匿名");

    expect((await bank.call("PATCH", path(m.id), { token: m.token, body: { publicOptOut: false } })).status).toBe(200);
    for (const text of await publicText()) expect(text).toContain(name);
  });

  it("who may not: no token, a member changing their name or phone, another member, staff of another community, a merchant; an unknown member is 404", async () => {
    const bank = await makeBank();
    const c = await bank.community();
    const a = await bank.member(c.id, { name: "王建国", phone: "13800001111" });
    const b = await bank.member(c.id);
    const before = (await bank.call("GET", path(a.id), { token: bank.admin })).body;
    const refused: [string | undefined, unknown, number, string][] = [
      [undefined, { publicOptOut: true }, 401, "unauthorized"],
      [a.token, { name: "改名" }, 403, "forbidden"],
      [a.token, { phone: null }, 403, "forbidden"],
      [a.token, { publicOptOut: true, phone: "13900000000" }, 403, "forbidden"],
      [b.token, { publicOptOut: true }, 403, "forbidden"],
      [await bank.staff((await bank.community("另一个社区")).id), { publicOptOut: true }, 403, "forbidden"],
      [await bank.token({ role: "merchant", merchantId: "m" }), { publicOptOut: true }, 403, "forbidden"],
    ];
    for (const [token, body, status, code] of refused) {
      const res = await bank.call("PATCH", path(a.id), { token, body });
      expect({ status: res.status, code: res.body.error?.code }, JSON.stringify(body)).toEqual({ status, code });
    }
    expect((await bank.call("GET", path(a.id), { token: bank.admin })).body).toEqual(before);
    const unknown = await bank.call("PATCH", path("01NOTHERE"), { token: bank.admin, body: { publicOptOut: true } });
    expect({ status: unknown.status, code: unknown.body.error.code }).toEqual({ status: 404, code: "not_found" });
    expect((await bank.call("PATCH", path("01NOTHERE"), { token: a.token, body: { publicOptOut: true } })).status).toBe(404);
  });

  it("refuses bad input with validation_failed and changes nothing", async () => {
    const bank = await makeBank();
    const c = await bank.community();
    const m = await bank.member(c.id, { name: "王建国", phone: "13800001111" });
    const before = (await bank.call("GET", path(m.id), { token: bank.admin })).body;
    const bad = [
      {},
      { publicOptOut: "yes" },
      { publicOptOut: null },
      { name: "" },
      { name: "   " },
      { name: null },
      { name: "x".repeat(51) },
      { name: "王\u202E国" },
      { phone: "<script>" },
      { phone: "" },
      { publicOptOut: true, stars: 5 },
      { publicOptOut: true, communityId: "01OTHER" },
      { publicOptOut: true, kind: "cadre" },
    ];
    for (const body of bad) {
      const res = await bank.call("PATCH", path(m.id), { token: bank.admin, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe("validation_failed");
    }
    const notJson = await bank.call("PATCH", path(m.id), { token: bank.admin, body: '{"publicOptOut":true}', headers: { "content-type": "text/plain" } });
    expect(notJson.status).toBe(415);
    const broken = await bank.call("PATCH", path(m.id), { token: bank.admin, body: '{"publicOptOut":tr' });
    expect({ status: broken.status, code: broken.body.error.code }).toEqual({ status: 400, code: "validation_failed" });
    expect((await bank.call("PATCH", "/v1/members/bad%20id", { token: bank.admin, body: { publicOptOut: true } })).status).toBe(400);
    expect((await bank.call("GET", path(m.id), { token: bank.admin })).body).toEqual(before);
  });
});
