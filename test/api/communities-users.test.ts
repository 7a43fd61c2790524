import { describe, expect, it } from "vitest";
import { makeBank } from "../helpers/setup";

describe("communities", () => {
  it("admin creates; anyone lists, page by page", async () => {
    const bank = await makeBank();
    for (const code of ["a1", "b2", "c3"]) {
      const res = await bank.call("POST", "/v1/communities", { token: bank.admin, body: { name: `社区${code}`, code } });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ name: `社区${code}`, code });
    }
    const page1 = await bank.call("GET", "/v1/communities?limit=2");
    expect(page1.status).toBe(200);
    expect(page1.body.items.map((c: { code: string }) => c.code)).toEqual(["a1", "b2"]);
    const page2 = await bank.call("GET", `/v1/communities?limit=2&cursor=${page1.body.nextCursor}`);
    expect(page2.body).toMatchObject({ items: [{ code: "c3" }], nextCursor: null });
  });

  it("a duplicate code is 409; bad input is 400", async () => {
    const bank = await makeBank();
    expect((await bank.call("POST", "/v1/communities", { token: bank.admin, body: { name: "东门", code: "dm" } })).status).toBe(201);
    const dup = await bank.call("POST", "/v1/communities", { token: bank.admin, body: { name: "东门二", code: "dm" } });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe("already_exists");
    for (const body of [{ name: "x" }, { name: "x", code: "has space" }, { name: "", code: "ok" }, { name: "x", code: "ok", id: "mine" }]) {
      expect((await bank.call("POST", "/v1/communities", { token: bank.admin, body })).status).toBe(400);
    }
  });

  it("only the admin creates", async () => {
    const bank = await makeBank();
    const c = await bank.community();
    const body = { name: "x", code: "xx" };
    expect((await bank.call("POST", "/v1/communities", { body })).status).toBe(401);
    expect((await bank.call("POST", "/v1/communities", { token: await bank.staff(c.id), body })).status).toBe(403);
    expect((await bank.call("POST", "/v1/communities", { token: (await bank.member(c.id)).token, body })).status).toBe(403);
  });
});

describe("POST /v1/users", () => {
  it("admin creates staff who can log in scoped to their community", async () => {
    const bank = await makeBank();
    const c = await bank.community();
    const res = await bank.call("POST", "/v1/users", {
      token: bank.admin,
      body: { username: "staff.one", password: "staff-password", role: "staff", communityId: c.id },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ username: "staff.one", role: "staff", communityId: c.id, merchantId: null });
    expect(res.body).not.toHaveProperty("passwordHash");
    const login = await bank.call("POST", "/v1/auth/login", { body: { username: "staff.one", password: "staff-password" } });
    expect(login.body.user).toMatchObject({ role: "staff", communityId: c.id });
  });

  it("staff need a community, merchants a merchant, both existing; names are unique; members are not made here", async () => {
    const bank = await makeBank();
    const c = await bank.community();
    const post = (body: object) => bank.call("POST", "/v1/users", { token: bank.admin, body });
    expect((await post({ username: "s1", password: "password1", role: "staff" })).status).toBe(400);
    expect((await post({ username: "s1x", password: "password1", role: "merchant" })).status).toBe(400);
    expect((await post({ username: "s1y", password: "password1", role: "staff", communityId: "01NOPE" })).status).toBe(404);
    expect((await post({ username: "s1z", password: "password1", role: "merchant", merchantId: "01NOPE" })).status).toBe(404);
    expect((await post({ username: "mem", password: "password1", role: "member" })).status).toBe(400);
    expect((await post({ username: "dup", password: "password1", role: "staff", communityId: c.id })).status).toBe(201);
    const dup = await post({ username: "dup", password: "password1", role: "staff", communityId: c.id });
    expect(dup.status).toBe(409);
    expect((await post({ username: "ab", password: "password1", role: "admin" })).status).toBe(400);
    expect((await post({ username: "abc", password: "short", role: "admin" })).status).toBe(400);
  });

  it("only the admin creates logins (no privilege escalation by staff or members)", async () => {
    const bank = await makeBank();
    const c = await bank.community();
    const body = { username: "evil", password: "password1", role: "admin" };
    expect((await bank.call("POST", "/v1/users", { body })).status).toBe(401);
    expect((await bank.call("POST", "/v1/users", { token: await bank.staff(c.id), body })).status).toBe(403);
    expect((await bank.call("POST", "/v1/users", { token: (await bank.member(c.id)).token, body })).status).toBe(403);
    const login = await bank.call("POST", "/v1/auth/login", { body: { username: "evil", password: "password1" } });
    expect(login.status).toBe(401);
  });
});
