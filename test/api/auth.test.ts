import { SignJWT, UnsecuredJWT } from "jose";
import { describe, expect, it } from "vitest";
import { hashPassword, MAX_ITERATIONS, verifyPassword } from "../../src/auth/password";
import { JWT_AUDIENCE, JWT_ISSUER } from "../../src/auth/tokens";
import { serve } from "@hono/node-server";
import { createApp } from "../../src/app";
import { socketAddress } from "../../src/http/socket-address";
import { makeBank, TEST_JWT_SECRET } from "../helpers/setup";

const login = (bank: Awaited<ReturnType<typeof makeBank>>, username: string, password: string, address = "10.0.0.1") =>
  bank.call("POST", "/v1/auth/login", { body: { username, password }, headers: { "x-test-address": address } });

describe("POST /v1/auth/login", () => {
  it("returns a token and the user for the right password", async () => {
    const bank = await makeBank();
    const res = await login(bank, "admin", "admin-password");
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ username: "admin", role: "admin", communityId: null, memberId: null, merchantId: null });
    const me = await bank.call("GET", "/v1/me", { token: res.body.token });
    expect(me.status).toBe(200);
    expect(me.body).toEqual(res.body.user);
  });

  it("a member's login carries their member and community", async () => {
    const bank = await makeBank();
    const c = await bank.community();
    const m = await bank.member(c.id);
    const me = await bank.call("GET", "/v1/me", { token: m.token });
    expect(me.body).toMatchObject({ role: "member", memberId: m.id, communityId: c.id });
  });

  it("refuses a wrong password and an unknown user alike with 401 invalid_credentials", async () => {
    const bank = await makeBank();
    for (const [u, p] of [
      ["admin", "wrong-password"],
      ["nobody", "admin-password"],
    ]) {
      const res = await login(bank, u!, p!);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe("invalid_credentials");
      expect(res.body.error.message).not.toMatch(/nobody|exist/i);
    }
  });

  // Issue 18: five wrong passwords must not lock the real owner out, so the username limit is per
  // (username, address); the owner at another address still logs in.
  it("rate-limits a username from one address after 5 failures in 15 minutes, even with the right password, then lets it in again", async () => {
    const bank = await makeBank();
    for (let i = 0; i < 5; i++) expect((await login(bank, "admin", "bad-password", "10.0.1.1")).status).toBe(401);
    const blocked = await login(bank, "admin", "admin-password", "10.0.1.1");
    expect(blocked.status).toBe(429);
    expect(blocked.body.error.code).toBe("rate_limited");
    expect((await login(bank, "ADMIN", "admin-password", "10.0.1.1")).status).toBe(429);
    expect((await login(bank, "admin", "admin-password", "10.0.2.1")).status).toBe(200);
    bank.clock.advance(15 * 60 * 1000 + 1);
    expect((await login(bank, "admin", "admin-password", "10.0.1.1")).status).toBe(200);
  });

  it("rate-limits an address trying many usernames", async () => {
    const bank = await makeBank();
    for (let i = 0; i < 30; i++) await login(bank, `user${i}`, "bad-password", "10.9.9.9");
    expect((await login(bank, "admin", "admin-password", "10.9.9.9")).status).toBe(429);
    expect((await login(bank, "admin", "admin-password", "10.9.9.10")).status).toBe(200);
  });

  it("parallel guesses cannot slip under the limit: at most 5 reach the password check", async () => {
    const bank = await makeBank();
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => login(bank, "admin", `guess-${i}`, "10.0.3.1")));
    expect(results.filter((r) => r.status === 401)).toHaveLength(5);
    expect(results.filter((r) => r.status === 429)).toHaveLength(35);
    expect((await login(bank, "admin", "admin-password", "10.0.3.1")).status).toBe(429);
    // spread over 40 addresses, each address gets its 5 for this username: the owner is not locked out
    const spread = await Promise.all(Array.from({ length: 40 }, (_, i) => login(bank, "admin", `guess-${i}`, `10.0.4.${i}`)));
    expect(spread.filter((r) => r.status === 401)).toHaveLength(40);
    expect((await login(bank, "admin", "admin-password", "10.0.5.1")).status).toBe(200);
  });

  it("a successful login clears the username's count and does not count against the address", async () => {
    const bank = await makeBank();
    for (let i = 0; i < 4; i++) expect((await login(bank, "admin", "bad-password", "10.0.5.1")).status).toBe(401);
    expect((await login(bank, "admin", "admin-password", "10.0.5.1")).status).toBe(200);
    for (let i = 0; i < 4; i++) expect((await login(bank, "admin", "bad-password", "10.0.5.1")).status).toBe(401);
    expect((await login(bank, "admin", "admin-password", "10.0.5.1")).status).toBe(200);
  });

  it("the Node server counts by socket address, not by a CF-Connecting-IP header the client wrote", async () => {
    const bank = await makeBank();
    const app = createApp({ db: bank.db, clock: bank.clock, jwtSecret: TEST_JWT_SECRET, clientAddress: socketAddress, defer: () => undefined });
    const server = await new Promise<{ url: string; close: () => void }>((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) => resolve({ url: `http://127.0.0.1:${info.port}`, close: () => s.close() }));
    });
    try {
      const attempt = (username: string, password: string, spoofed: string) =>
        fetch(`${server.url}/v1/auth/login`, {
          method: "POST",
          headers: { "content-type": "application/json", "cf-connecting-ip": spoofed },
          body: JSON.stringify({ username, password }),
        }).then((r) => r.status);
      for (let i = 0; i < 30; i++) expect(await attempt(`nobody${i}`, "bad-password", `192.0.2.${i}`)).toBe(401);
      expect(await attempt("admin", "admin-password", "198.51.100.7")).toBe(429);
    } finally {
      server.close();
    }
  });

  it("validates the body: missing fields, unknown fields, wrong types", async () => {
    const bank = await makeBank();
    for (const body of [{}, { username: "admin" }, { username: "admin", password: "x", role: "admin" }, { username: 1, password: 2 }]) {
      const res = await bank.call("POST", "/v1/auth/login", { body });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("validation_failed");
      expect(Array.isArray(res.body.error.details)).toBe(true);
    }
  });
});

describe("tokens", () => {
  const claims = { username: "admin", role: "admin", communityId: null, memberId: null, merchantId: null };

  it("no token, a malformed header, an expired token, another secret, alg none, wrong audience: all 401", async () => {
    const bank = await makeBank();
    // the administrator's real id: a token is checked against its login as it is now
    const adminId = (await bank.call("GET", "/v1/me", { token: bank.admin })).body.id as string;
    const now = Math.floor(bank.clock.now().getTime() / 1000);
    const sign = (secret: string, mutate: (j: SignJWT) => SignJWT = (j) => j) =>
      mutate(
        new SignJWT(claims)
          .setProtectedHeader({ alg: "HS256" })
          .setSubject(adminId)
          .setIssuer(JWT_ISSUER)
          .setAudience(JWT_AUDIENCE)
          .setIssuedAt(now)
          .setExpirationTime(now + 3600),
      ).sign(new TextEncoder().encode(secret));
    const expired = await new SignJWT(claims)
      .setProtectedHeader({ alg: "HS256" })
      .setSubject(adminId)
      .setIssuer(JWT_ISSUER)
      .setAudience(JWT_AUDIENCE)
      .setIssuedAt(now - 7200)
      .setExpirationTime(now - 60)
      .sign(new TextEncoder().encode(TEST_JWT_SECRET));
    const none = new UnsecuredJWT(claims).setSubject(adminId).setIssuer(JWT_ISSUER).setAudience(JWT_AUDIENCE).setExpirationTime(now + 3600).encode();
    const hs512 = await new SignJWT(claims)
      .setProtectedHeader({ alg: "HS512" })
      .setSubject(adminId)
      .setIssuer(JWT_ISSUER)
      .setAudience(JWT_AUDIENCE)
      .setExpirationTime(now + 3600)
      .sign(new TextEncoder().encode(TEST_JWT_SECRET));
    const cases: Record<string, string | undefined> = {
      "no token": undefined,
      expired,
      "another secret": await sign("another-secret-0123456789abcdef-xxxxxxx"),
      "alg none": none,
      "alg HS512": hs512,
      "wrong audience": await sign(TEST_JWT_SECRET, (j) => j.setAudience("someone-else")),
      "wrong issuer": await sign(TEST_JWT_SECRET, (j) => j.setIssuer("someone-else")),
      garbage: "not.a.token",
    };
    // control: the same construction with the right secret is accepted, so the 401s below mean something
    expect((await bank.call("GET", "/v1/me", { token: await sign(TEST_JWT_SECRET) })).status).toBe(200);
    for (const [name, token] of Object.entries(cases)) {
      const res = await bank.call("GET", "/v1/me", { token });
      expect(res.status, name).toBe(401);
      expect(res.body.error.code, name).toBe("unauthorized");
    }
    const basic = await bank.call("GET", "/v1/me", { headers: { authorization: "Basic YWRtaW46YWRtaW4=" } });
    expect(basic.status).toBe(401);
  });

  it("the session cookie reads the API but cannot write to it (no cross-site request forgery through /v1)", async () => {
    const bank = await makeBank();
    const c = await bank.community();
    const m = await bank.member(c.id);
    const cookie = { cookie: `lsb_session=${m.token}` };
    const read = await bank.call("GET", `/v1/members/${m.id}/passbook`, { headers: cookie });
    expect(read.status).toBe(200);
    const wish = await bank.call("POST", "/v1/wishes", {
      token: await bank.staff(c.id),
      body: { title: "一盏台灯", description: "写作业用", kind: "goods", beneficiaryGroup: "left_behind_child", beneficiary: { name: "小红" } },
    });
    const forged = await bank.call("POST", `/v1/wishes/${wish.body.id}/claim`, {
      headers: { ...cookie, origin: "https://evil.example", "sec-fetch-site": "cross-site" },
    });
    expect(forged.status).toBe(401);
    expect((await bank.call("GET", `/v1/wishes/${wish.body.id}`, { token: bank.admin })).body.status).toBe("open");
    // the same request with the bearer header is the member's own act
    expect((await bank.call("POST", `/v1/wishes/${wish.body.id}/claim`, { token: m.token })).status).toBe(200);
  });

  it("a token expires with the clock", async () => {
    const bank = await makeBank();
    const res = await bank.call("GET", "/v1/me", { token: bank.admin });
    expect(res.status).toBe(200);
    bank.clock.advance(8 * 60 * 60 * 1000 + 1000);
    expect((await bank.call("GET", "/v1/me", { token: bank.admin })).status).toBe(401);
  });
});

describe("password hashing", () => {
  it("uses PBKDF2-SHA256 with a per-user salt and never more iterations than Workers allow", async () => {
    expect(MAX_ITERATIONS).toBeLessThanOrEqual(100_000);
    const a = await hashPassword("same password", 1000);
    const b = await hashPassword("same password", 1000);
    expect(a).toMatch(/^pbkdf2-sha256\$1000\$[\w-]{22}\$[\w-]{43}$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword("same password", a)).toBe(true);
    expect(await verifyPassword("same passwore", a)).toBe(false);
    await expect(hashPassword("x", 100_001)).rejects.toThrow(/100000/);
    const stored = await hashPassword("x");
    expect(stored.split("$")[1]).toBe("100000");
  });
});
