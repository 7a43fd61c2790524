import { beforeAll, describe, expect, it } from "vitest";
import { earningScene, ok, refused, wishBody, type EarningScene } from "../helpers/earning";

let s: EarningScene;
beforeAll(async () => {
  s = await earningScene({ clockStart: "2026-03-01T08:00:00.000Z" });
});

describe("a wish's history read by a member", () => {
  it("names no other member's username, user id or passbook number", async () => {
    const { bank } = s;
    const w = await ok(bank, 201, "POST", "/v1/wishes", { token: s.staffA, body: wishBody() });
    await ok(bank, 200, "POST", `/v1/wishes/${w.id}/claim`, { token: s.bob.token, body: {} });
    await ok(bank, 200, "POST", `/v1/wishes/${w.id}/release`, { token: s.bob.token, body: {} });
    // the scheduled release also writes a history row naming the member; another claim and release by staff
    await ok(bank, 200, "POST", `/v1/wishes/${w.id}/claim`, { token: s.staffA, body: { memberId: s.bob.id } });
    await ok(bank, 200, "POST", `/v1/wishes/${w.id}/release`, { token: s.staffA, body: {} });
    await ok(bank, 200, "POST", `/v1/wishes/${w.id}/claim`, { token: s.alice.token, body: {} });

    const bobMe = (await bank.call("GET", "/v1/me", { token: s.bob.token })).body;
    const staffMe = (await bank.call("GET", "/v1/me", { token: s.staffA })).body;
    const seen = await ok(bank, 200, "GET", `/v1/wishes/${w.id}`, { token: s.alice.token });
    const text = JSON.stringify(seen);
    for (const secret of [bobMe.username, bobMe.id, s.bob.passbookNo, s.bob.id, staffMe.username, staffMe.id]) expect(text).not.toContain(secret);
    expect(seen.events.map((e: { actor: string }) => e.actor)).toEqual(["staff", "member", "member", "staff", "staff", expect.any(String)]);
    // their own step keeps its note and their name
    const aliceMe = (await bank.call("GET", "/v1/me", { token: s.alice.token })).body;
    expect(seen.events.at(-1)).toMatchObject({ actor: aliceMe.username, actorUserId: aliceMe.id, note: `claimed by ${s.alice.passbookNo}` });

    // staff still see the whole history
    const staffView = JSON.stringify(await ok(bank, 200, "GET", `/v1/wishes/${w.id}`, { token: s.staffA }));
    expect(staffView).toContain(bobMe.username);
    expect(staffView).toContain(s.bob.passbookNo);
  });
});

describe("a claim's deadline", () => {
  it("never falls after the wish's own deadline", async () => {
    const { bank } = s;
    bank.clock.set("2026-03-01T08:00:00.000Z");
    // the wish ends in 3 days (end of 2026-03-03 as sent); the claim would otherwise get 7
    const w = await ok(bank, 201, "POST", "/v1/wishes", { token: s.staffA, body: wishBody({ deadline: "2026-03-03T12:00:00.000Z" }) });
    const c = await ok(bank, 200, "POST", `/v1/wishes/${w.id}/claim`, { token: s.alice.token, body: {} });
    expect(c.claimDeadline).toBe(w.deadline);
    // a far deadline leaves the claim its usual days
    const far = await ok(bank, 201, "POST", "/v1/wishes", { token: s.staffA, body: wishBody({ deadline: "2026-12-31T00:00:00.000Z" }) });
    expect((await ok(bank, 200, "POST", `/v1/wishes/${far.id}/claim`, { token: s.alice.token, body: {} })).claimDeadline).toBe("2026-03-08T08:00:00.000Z");
  });

  it("a wish whose deadline has passed cannot be claimed", async () => {
    const { bank } = s;
    bank.clock.set("2026-03-01T08:00:00.000Z");
    const w = await ok(bank, 201, "POST", "/v1/wishes", { token: s.staffA, body: wishBody({ deadline: "2026-03-01T10:00:00.000Z" }) });
    bank.clock.set("2026-03-01T10:00:01.000Z");
    await refused(bank, 409, "wish_not_open", "POST", `/v1/wishes/${w.id}/claim`, { token: s.alice.token, body: {} });
  });
});
