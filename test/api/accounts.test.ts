import { beforeAll, describe, expect, it } from "vitest";
import { ok, refused, wishBody } from "../helpers/earning";
import { makeBank, type TestBank } from "../helpers/setup";

// Accounts for their whole life: change own password, resets, disable/enable, a member given a
// login, logout; and every token checked against its login as it is now.

let bank: TestBank;
let a: { id: string };
let b: { id: string };
let staffA: string;
let staffB: string;

const login = (username: string, password: string, address = "10.1.0.1") =>
  bank.call("POST", "/v1/auth/login", { body: { username, password }, headers: { "x-test-address": address } });
const me = (token: string) => bank.call("GET", "/v1/me", { token });

/** A member with a login; returns their user id and username too. */
async function memberWithLogin(communityId: string, name = "测试会员") {
  const username = `m${Math.random().toString(36).slice(2, 10)}`;
  const m = await ok(bank, 201, "POST", "/v1/members", {
    token: bank.admin,
    body: { name, kind: "volunteer", communityId, login: { username, password: "member-password" } },
  });
  const res = await login(username, "member-password");
  expect(res.status).toBe(200);
  return { id: m.id as string, userId: res.body.user.id as string, username, token: res.body.token as string };
}

beforeAll(async () => {
  bank = await makeBank();
  a = await bank.community("东门社区");
  b = await bank.community("金川社区");
  staffA = await bank.staff(a.id);
  staffB = await bank.staff(b.id);
});

describe("POST /v1/me/password", () => {
  it("changes one's own password: the old token and password stop, a fresh token comes back", async () => {
    const m = await memberWithLogin(a.id);
    const res = await ok(bank, 200, "POST", "/v1/me/password", { token: m.token, body: { currentPassword: "member-password", newPassword: "new-password-1" } });
    expect(res.user).toMatchObject({ id: m.userId, username: m.username, role: "member", disabled: false });
    expect((await me(res.token)).status).toBe(200);
    await refused(bank, 401, "unauthorized", "GET", "/v1/me", { token: m.token });
    expect((await login(m.username, "member-password")).status).toBe(401);
    expect((await login(m.username, "new-password-1")).status).toBe(200);
  });

  it("refuses a wrong current password (400), a same new password, and counts wrong guesses (429 after 5)", async () => {
    const m = await memberWithLogin(a.id);
    const change = (currentPassword: string, newPassword = "another-password") =>
      bank.call("POST", "/v1/me/password", { token: m.token, body: { currentPassword, newPassword } });
    const wrong = await change("not-my-password");
    expect([wrong.status, wrong.body.error.code, wrong.body.error.details]).toEqual([400, "validation_failed", { field: "currentPassword" }]);
    expect((await change("member-password", "member-password")).status).toBe(400);
    expect((await change("short", "x")).status).toBe(400);
    for (let i = 0; i < 3; i++) expect((await change(`guess-${i}`)).status).toBe(400);
    expect((await change("guess-5")).status).toBe(429);
    expect((await change("member-password")).status).toBe(429);
    bank.clock.advance(15 * 60 * 1000 + 1);
    const fresh = (await login(m.username, "member-password")).body.token;
    expect((await bank.call("POST", "/v1/me/password", { token: fresh, body: { currentPassword: "member-password", newPassword: "another-password" } })).status).toBe(200);
  });

  it("needs a login", async () => {
    await refused(bank, 401, "unauthorized", "POST", "/v1/me/password", { body: { currentPassword: "x", newPassword: "yyyyyyyy" } });
  });
});

describe("POST /v1/users/:id/password (reset)", () => {
  it("an administrator resets a staff login: the staff's tokens end, the new password works", async () => {
    const created = await ok(bank, 201, "POST", "/v1/users", {
      token: bank.admin,
      body: { username: "reset-staff", password: "staff-password", role: "staff", communityId: a.id },
    });
    const old = (await login("reset-staff", "staff-password")).body.token;
    const res = await ok(bank, 200, "POST", `/v1/users/${created.id}/password`, { token: bank.admin, body: { password: "given-password" } });
    expect(res).toMatchObject({ id: created.id, username: "reset-staff", role: "staff", disabled: false });
    await refused(bank, 401, "unauthorized", "GET", "/v1/me", { token: old });
    expect((await login("reset-staff", "given-password")).status).toBe(200);
  });

  it("staff reset the passwords of their own community's members only", async () => {
    const mine = await memberWithLogin(a.id);
    const theirs = await memberWithLogin(b.id);
    await ok(bank, 200, "POST", `/v1/users/${mine.userId}/password`, { token: staffA, body: { password: "given-password" } });
    expect((await login(mine.username, "given-password")).status).toBe(200);
    await refused(bank, 403, "forbidden", "POST", `/v1/users/${theirs.userId}/password`, { token: staffA, body: { password: "given-password" } });
    const staffBId = (await me(staffB)).body.id;
    const adminId = (await me(bank.admin)).body.id;
    for (const target of [staffBId, adminId]) {
      await refused(bank, 403, "forbidden", "POST", `/v1/users/${target}/password`, { token: staffA, body: { password: "given-password" } });
    }
    expect((await login(theirs.username, "member-password")).status).toBe(200);
  });

  it("members and merchants may not reset; an unknown login is 404; a short password is 400", async () => {
    const m = await memberWithLogin(a.id);
    const other = await memberWithLogin(a.id);
    await refused(bank, 403, "forbidden", "POST", `/v1/users/${other.userId}/password`, { token: m.token, body: { password: "given-password" } });
    const merchant = await bank.token({ role: "merchant", merchantId: "shop-reset" });
    await refused(bank, 403, "forbidden", "POST", `/v1/users/${other.userId}/password`, { token: merchant, body: { password: "given-password" } });
    await refused(bank, 404, "not_found", "POST", "/v1/users/nobody/password", { token: bank.admin, body: { password: "given-password" } });
    await refused(bank, 400, "validation_failed", "POST", `/v1/users/${other.userId}/password`, { token: bank.admin, body: { password: "short" } });
  });
});

describe("POST /v1/users/:id/disable and /enable", () => {
  it("a disabled login's tokens stop at once (403 user_disabled), reads and writes alike, and nothing is written", async () => {
    const m = await memberWithLogin(a.id);
    const wish = await ok(bank, 201, "POST", "/v1/wishes", { token: staffA, body: wishBody() });
    const res = await ok(bank, 200, "POST", `/v1/users/${m.userId}/disable`, { token: staffA });
    expect(res).toMatchObject({ id: m.userId, disabled: true });
    await refused(bank, 403, "user_disabled", "GET", "/v1/me", { token: m.token });
    await refused(bank, 403, "user_disabled", "GET", `/v1/members/${m.id}/passbook`, { token: m.token });
    await refused(bank, 403, "user_disabled", "POST", `/v1/wishes/${wish.id}/claim`, { token: m.token, body: {} });
    expect((await bank.call("GET", `/v1/wishes/${wish.id}`, { token: staffA })).body.status).toBe("open");
    // the right password learns it is disabled; a wrong one learns nothing
    await refused(bank, 403, "user_disabled", "POST", "/v1/auth/login", { body: { username: m.username, password: "member-password" } });
    await refused(bank, 401, "invalid_credentials", "POST", "/v1/auth/login", { body: { username: m.username, password: "wrong-password" } });
    // staff see it in their list of logins
    const list = await ok(bank, 200, "GET", `/v1/users?disabled=true`, { token: staffA });
    expect(list.items.map((u: { id: string }) => u.id)).toContain(m.userId);

    await ok(bank, 200, "POST", `/v1/users/${m.userId}/enable`, { token: staffA });
    expect((await me(m.token)).status).toBe(200);
    await ok(bank, 200, "POST", `/v1/wishes/${wish.id}/claim`, { token: m.token, body: {} });
  });

  it("who may not: staff for another community or for staff, a member, anyone for themselves", async () => {
    const theirs = await memberWithLogin(b.id);
    const m = await memberWithLogin(a.id);
    await refused(bank, 403, "forbidden", "POST", `/v1/users/${theirs.userId}/disable`, { token: staffA });
    await refused(bank, 403, "forbidden", "POST", `/v1/users/${(await me(staffB)).body.id}/disable`, { token: staffA });
    await refused(bank, 403, "forbidden", "POST", `/v1/users/${theirs.userId}/disable`, { token: m.token });
    await refused(bank, 403, "forbidden", "POST", `/v1/users/${(await me(bank.admin)).body.id}/disable`, { token: bank.admin });
    await refused(bank, 404, "not_found", "POST", "/v1/users/nobody/disable", { token: bank.admin });
    expect((await me(theirs.token)).status).toBe(200);
  });

  it("an administrator disables a staff login; the staff's page session ends too", async () => {
    const created = await ok(bank, 201, "POST", "/v1/users", {
      token: bank.admin,
      body: { username: "disable-staff", password: "staff-password", role: "staff", communityId: a.id },
    });
    const token = (await login("disable-staff", "staff-password")).body.token;
    await ok(bank, 200, "POST", `/v1/users/${created.id}/disable`, { token: bank.admin });
    await refused(bank, 403, "user_disabled", "GET", "/v1/members", { token });
    const page = await bank.app.request("/passbook", { headers: { cookie: `lsb_session=${token}` } });
    expect(page.status).toBe(303);
    expect(page.headers.get("location")).toBe("/passbook");
    expect(page.headers.get("set-cookie")).toMatch(/lsb_session=;/);
  });
});

describe("POST /v1/members/:id/login", () => {
  it("gives a member without a login one; a second is 409; the member logs in as themselves", async () => {
    const m = await ok(bank, 201, "POST", "/v1/members", { token: staffA, body: { name: "赵大爷", kind: "resident", communityId: a.id } });
    const user = await ok(bank, 201, "POST", `/v1/members/${m.id}/login`, { token: staffA, body: { username: "zhao.daye", password: "member-password" } });
    expect(user).toMatchObject({ username: "zhao.daye", role: "member", memberId: m.id, communityId: a.id, disabled: false });
    const res = await login("zhao.daye", "member-password");
    expect(res.body.user).toMatchObject({ memberId: m.id });
    await refused(bank, 409, "already_exists", "POST", `/v1/members/${m.id}/login`, { token: staffA, body: { username: "zhao.daye2", password: "member-password" } });
  });

  it("who may not: staff of another community, a member; an unknown member is 404", async () => {
    const m = await ok(bank, 201, "POST", "/v1/members", { token: staffA, body: { name: "钱大妈", kind: "resident", communityId: a.id } });
    await refused(bank, 403, "forbidden", "POST", `/v1/members/${m.id}/login`, { token: staffB, body: { username: "qian.dama", password: "member-password" } });
    const member = await memberWithLogin(a.id);
    await refused(bank, 403, "forbidden", "POST", `/v1/members/${m.id}/login`, { token: member.token, body: { username: "qian.dama", password: "member-password" } });
    await refused(bank, 404, "not_found", "POST", "/v1/members/nobody/login", { token: bank.admin, body: { username: "qian.dama", password: "member-password" } });
  });
});

describe("usernames are unique without regard to case", () => {
  it("'Alice' after 'alice' is 409, for staff, members and given logins; login works in any case", async () => {
    await ok(bank, 201, "POST", "/v1/users", { token: bank.admin, body: { username: "alice.case", password: "staff-password", role: "staff", communityId: a.id } });
    await refused(bank, 409, "already_exists", "POST", "/v1/users", { token: bank.admin, body: { username: "Alice.Case", password: "staff-password", role: "staff", communityId: a.id } });
    await refused(bank, 409, "already_exists", "POST", "/v1/members", {
      token: staffA,
      body: { name: "重名", kind: "resident", communityId: a.id, login: { username: "ALICE.CASE", password: "member-password" } },
    });
    const m = await ok(bank, 201, "POST", "/v1/members", { token: staffA, body: { name: "重名", kind: "resident", communityId: a.id } });
    await refused(bank, 409, "already_exists", "POST", `/v1/members/${m.id}/login`, { token: staffA, body: { username: "aLiCe.cAsE", password: "member-password" } });
    expect((await login("ALICE.case", "staff-password")).body.user.username).toBe("alice.case");
  });

  it("the database itself refuses two usernames differing only by case", async () => {
    const insert = (id: string, username: string) =>
      bank.db.client.execute({ sql: "INSERT INTO users (id, username, password_hash, role, created_at) VALUES (?, ?, '', 'admin', '2026-01-01')", args: [id, username] });
    await insert("ci-1", "bob.case");
    await expect(insert("ci-2", "BOB.case")).rejects.toThrow(/UNIQUE/);
  });
});

describe("POST /v1/auth/logout", () => {
  it("ends this session only: its token is refused, another session of the same login goes on", async () => {
    const m = await memberWithLogin(a.id);
    const second = (await login(m.username, "member-password")).body.token;
    expect(await ok(bank, 200, "POST", "/v1/auth/logout", { token: m.token })).toEqual({ loggedOut: true });
    await refused(bank, 401, "unauthorized", "GET", "/v1/me", { token: m.token });
    await refused(bank, 401, "unauthorized", "POST", "/v1/auth/logout", { token: m.token });
    expect((await me(second)).status).toBe(200);
  });
});

describe("a token is checked against its login as it is now", () => {
  it("a login whose role or community changed, or that was deleted, stops working", async () => {
    const m = await memberWithLogin(a.id);
    const s = await ok(bank, 201, "POST", "/v1/users", { token: bank.admin, body: { username: "demoted", password: "staff-password", role: "staff", communityId: a.id } });
    const staffToken = (await login("demoted", "staff-password")).body.token;
    expect((await bank.call("GET", "/v1/members", { token: staffToken })).status).toBe(200);
    await bank.db.client.execute({ sql: "UPDATE users SET role = 'merchant', community_id = NULL WHERE id = ?", args: [s.id] });
    await refused(bank, 401, "unauthorized", "GET", "/v1/members", { token: staffToken });
    await refused(bank, 401, "unauthorized", "POST", "/v1/wishes", { token: staffToken, body: wishBody() });
    await bank.db.client.execute({ sql: "UPDATE users SET community_id = ? WHERE id = ?", args: [b.id, m.userId] });
    await refused(bank, 401, "unauthorized", "GET", `/v1/members/${m.id}/passbook`, { token: m.token });
    await bank.db.client.execute({ sql: "UPDATE users SET community_id = ? WHERE id = ?", args: [a.id, m.userId] });
    expect((await bank.call("GET", `/v1/members/${m.id}/passbook`, { token: m.token })).status).toBe(200);
    await bank.db.client.execute({ sql: "DELETE FROM users WHERE id = ?", args: [m.userId] });
    await refused(bank, 401, "unauthorized", "GET", `/v1/members/${m.id}/passbook`, { token: m.token });
  });

  it("costs no round-trip of its own: a passbook read is one, a wish claim one (its guards ride in its write), /v1/me one", async () => {
    const m = await memberWithLogin(a.id);
    const wish = await ok(bank, 201, "POST", "/v1/wishes", { token: staffA, body: wishBody() });
    await bank.settle();
    const count = async (method: string, path: string, body?: unknown) => {
      bank.roundTrips.reset();
      const res = await bank.call(method, path, { token: m.token, body });
      expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
      return bank.roundTrips.count();
    };
    expect(await count("GET", `/v1/members/${m.id}/passbook`)).toBe(1);
    expect(await count("POST", `/v1/wishes/${wish.id}/claim`, {})).toBe(1);
    expect(await count("GET", "/v1/me")).toBe(1);
  });
});
