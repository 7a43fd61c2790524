import { beforeAll, describe, expect, it } from "vitest";
import { PASSWORDS, webScene, type WebScene } from "../helpers/web";
import { field, visible, webClient } from "./client";

// The page session follows the login: logging out ends the token itself, a disabled login is
// told so at the login form, and an open session of a login disabled meanwhile ends.

let scene: WebScene;
beforeAll(async () => {
  scene = await webScene();
});

describe("page sessions and accounts", () => {
  it("logging out ends the session's token, not only the cookie", async () => {
    const client = webClient(scene.bank);
    await client.login(scene.alice.username, PASSWORDS.member);
    const token = client.jar.get("lsb_session")!;
    const page = await client.get("/passbook");
    expect((await client.post("/logout", { csrf: field(page.text, "csrf") })).status).toBe(303);
    const replayed = await scene.bank.call("GET", "/v1/me", { token });
    expect([replayed.status, replayed.body.error.code]).toEqual([401, "unauthorized"]);
  });

  it("a login disabled meanwhile: its open page session ends, and the login form says it is disabled", async () => {
    const bob = { username: "bob.web.accounts" };
    const m = await scene.bank.call("POST", "/v1/members", {
      token: scene.bank.admin,
      body: { name: "李秀英", kind: "volunteer", communityId: scene.communities.a.id, login: { username: bob.username, password: PASSWORDS.member } },
    });
    const client = webClient(scene.bank);
    await client.login(bob.username, PASSWORDS.member);
    expect((await client.get("/passbook")).status).toBe(200);
    const users = await scene.bank.call("GET", `/v1/users?memberId=${m.body.id}`, { token: scene.bank.admin });
    const bobUser = users.body.items[0].id;
    expect((await scene.bank.call("POST", `/v1/users/${bobUser}/disable`, { token: scene.bank.admin })).status).toBe(200);
    const after = await client.get("/passbook");
    expect(after.status).toBe(303);
    expect(client.jar.has("lsb_session")).toBe(false);
    expect((await client.get("/passbook")).text).toContain('action="/login"');
    const again = webClient(scene.bank);
    const res = await again.post("/login", { username: bob.username, password: PASSWORDS.member, next: "passbook" });
    expect(res.status).toBe(403);
    expect(visible(res.text)).toContain("此账户已停用");
    await scene.bank.call("POST", `/v1/users/${bobUser}/enable`, { token: scene.bank.admin });
  });
});
