import { describe, expect, it } from "vitest";
import { runScheduledJobs } from "../../src/jobs";
import { makeBank, type TestBank } from "../helpers/setup";

// Logins that cannot be turned against their owners (issue 18 §2).

const login = (bank: TestBank, username: string, password: string, address: string) =>
  bank.call("POST", "/v1/auth/login", { body: { username, password }, headers: { "x-test-address": address } });
const attemptRows = async (bank: TestBank) => Number((await bank.db.client.execute("SELECT COUNT(*) AS n FROM login_attempts")).rows[0]!.n);

async function withStaff(bank: TestBank, username: string) {
  const c = await bank.community();
  await bank.call("POST", "/v1/users", { token: bank.admin, body: { username, password: "staff-password", role: "staff", communityId: c.id } });
}

describe("login limits", () => {
  it("five wrong passwords from an attacker's address do not lock the owner out", async () => {
    const bank = await makeBank();
    for (let i = 0; i < 10; i++) await login(bank, "admin", `guess-${i}`, "203.0.113.9");
    expect((await login(bank, "admin", "admin-password", "203.0.113.9")).status).toBe(429);
    expect((await login(bank, "admin", "admin-password", "198.51.100.1")).status).toBe(200);
  });

  it("another account's success does not reset the failures counted against a username", async () => {
    const bank = await makeBank();
    await withStaff(bank, "mallory");
    // the guesser alternates: a wrong guess at admin, then a right login to their own account
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      statuses.push((await login(bank, "admin", `guess-${i}`, "203.0.113.7")).status);
      expect((await login(bank, "mallory", "staff-password", "203.0.113.7")).status).toBe(200);
      // the same username in another case is the same count
      statuses.push((await login(bank, "ADMIN", `guess-${i}b`, "203.0.113.7")).status);
    }
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(11);
  });

  it("an address over its limit creates no more rows; the scheduled job forgets old windows", async () => {
    const bank = await makeBank();
    const before = await attemptRows(bank); // the administrator's own login in makeBank
    for (let i = 0; i < 30; i++) await login(bank, `nobody${i}`, "bad-password", "203.0.113.5");
    const afterLimit = await attemptRows(bank);
    expect(afterLimit - before).toBe(31); // the address and one row per username it tried
    for (let i = 30; i < 100; i++) expect((await login(bank, `nobody${i}`, "bad-password", "203.0.113.5")).status).toBe(429);
    expect(await attemptRows(bank)).toBe(afterLimit);

    bank.clock.advance(15 * 60 * 1000 + 1);
    const done = await runScheduledJobs({ db: bank.db, clock: bank.clock });
    expect(done.loginAttemptsForgotten).toBe(afterLimit);
    expect(await attemptRows(bank)).toBe(0);
  });

  it("nothing public names a login username", async () => {
    const bank = await makeBank();
    await withStaff(bank, "secret.staff.name");
    const c = (await bank.call("GET", "/v1/communities")).body.items[0];
    const staff = (await bank.call("POST", "/v1/auth/login", { body: { username: "secret.staff.name", password: "staff-password" } })).body.token;
    const m = await bank.call("POST", "/v1/members", {
      token: staff,
      body: { name: "公开会员", kind: "volunteer", communityId: c.id, login: { username: "secret.member.name", password: "member-password" } },
    });
    expect(m.status).toBe(201);
    await bank.call("POST", "/v1/donations", { token: staff, body: { donor: { type: "member", memberId: m.body.id }, kind: "money", amountFen: 10_000 } });
    await bank.settle();
    const doc = (await bank.call("GET", "/openapi.json")).body as { paths: Record<string, Record<string, unknown>> };
    const publicGets = Object.entries(doc.paths).filter(([path, ops]) => ops.get && !path.includes("{")).map(([path]) => path);
    const pages = ["/", "/wishes", "/donations", "/fund", "/rankings", "/honours", "/ledger", "/verify"];
    for (const path of [...publicGets, ...pages]) {
      const res = await bank.app.request(`${path}${path.includes("rankings") || path.includes("awards") ? "?year=2026" : ""}`);
      const text = await res.text();
      expect(text, path).not.toContain("secret.staff.name");
      expect(text, path).not.toContain("secret.member.name");
    }
  });
});
