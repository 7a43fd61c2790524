import { describe, expect, it } from "vitest";
import { makeBank } from "../helpers/setup";

describe("the app boots on a migrated database", () => {
  it("serves the public summary and a passbook", async () => {
    const bank = await makeBank();
    const c = await bank.community();
    const m = await bank.member(c.id);
    const res = await bank.call("GET", `/v1/members/${m.id}/passbook`, { token: m.token });
    expect(res.status).toBe(200);
    expect(res.body.member.passbookNo).toMatch(/^CS-\d{6}$/);
    expect(res.body.balance).toBe(0);
    const summary = await bank.call("GET", "/v1/public/summary");
    expect(summary.body.passbooks).toBe(1);
  });
});
