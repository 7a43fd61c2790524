import { beforeAll, describe, expect, it } from "vitest";
import { counter, earningScene, ok, refused, type EarningScene } from "../helpers/earning";

let s: EarningScene;
beforeAll(async () => {
  s = await earningScene(); // the clock stands at 2026-03-01T08:00Z
});

const activity = (token = s.staffA, extra: Record<string, unknown> = {}) =>
  ok(s.bank, 201, "POST", "/v1/activities", { token, body: { title: "敬老院义务理发", date: "2026-02-20", place: "东门敬老院", ...extra } });

describe("activities", () => {
  it("staff record an outing in their community; the activities counter goes up", async () => {
    const before = await counter(s.bank, "activities");
    const a = await activity();
    expect(a).toMatchObject({ communityId: s.a.id, title: "敬老院义务理发", date: "2026-02-20", place: "东门敬老院" });
    expect(await counter(s.bank, "activities")).toBe(before + 1);
    const byAdmin = await activity(s.bank.admin, { communityId: s.b.id });
    expect(byAdmin.communityId).toBe(s.b.id);
  });

  it("lists: staff see their community, the administrator all or one", async () => {
    const scene = await earningScene();
    const mk = (token: string, extra = {}) => ok(scene.bank, 201, "POST", "/v1/activities", { token, body: { title: "清扫", date: "2026-02-01", place: "小区", ...extra } });
    const a1 = await mk(scene.staffA);
    const a2 = await mk(scene.staffA);
    const b1 = await mk(scene.staffB);
    const ids = (b: { items: { id: string }[] }) => b.items.map((x) => x.id);
    expect(ids(await ok(scene.bank, 200, "GET", "/v1/activities", { token: scene.staffA }))).toEqual([a2.id, a1.id]);
    expect(ids(await ok(scene.bank, 200, "GET", "/v1/activities", { token: scene.staffB }))).toEqual([b1.id]);
    expect(ids(await ok(scene.bank, 200, "GET", "/v1/activities", { token: scene.bank.admin }))).toEqual([b1.id, a2.id, a1.id]);
    expect(ids(await ok(scene.bank, 200, "GET", `/v1/activities?communityId=${scene.a.id}`, { token: scene.bank.admin }))).toEqual([a2.id, a1.id]);
    const p1 = await ok(scene.bank, 200, "GET", "/v1/activities?limit=1", { token: scene.staffA });
    expect(ids(await ok(scene.bank, 200, "GET", `/v1/activities?limit=1&cursor=${p1.nextCursor}`, { token: scene.staffA }))).toEqual([a1.id]);
  });

  it("bad input is 400 and records nothing", async () => {
    const before = await counter(s.bank, "activities");
    for (const extra of [{ date: "2026-02-30" }, { date: "yesterday" }, { place: "" }, { title: "x".repeat(101) }, { budget: 5 }]) {
      await refused(s.bank, 400, "validation_failed", "POST", "/v1/activities", { token: s.staffA, body: { title: "t", date: "2026-02-20", place: "p", ...extra } });
    }
    await refused(s.bank, 400, "validation_failed", "POST", "/v1/activities", { token: s.bank.admin, body: { title: "t", date: "2026-02-20", place: "p" } });
    await refused(s.bank, 404, "not_found", "POST", "/v1/activities", { token: s.bank.admin, body: { communityId: "NOPE", title: "t", date: "2026-02-20", place: "p" } });
    expect(await counter(s.bank, "activities")).toBe(before);
  });

  it("only staff and administrators: 401 without a token, 403 for members, merchants and other communities", async () => {
    const body = { title: "t", date: "2026-02-20", place: "p" };
    await refused(s.bank, 401, "unauthorized", "POST", "/v1/activities", { body });
    await refused(s.bank, 401, "unauthorized", "GET", "/v1/activities");
    await refused(s.bank, 403, "forbidden", "POST", "/v1/activities", { token: s.alice.token, body });
    await refused(s.bank, 403, "forbidden", "GET", "/v1/activities", { token: s.alice.token });
    await refused(s.bank, 403, "forbidden", "POST", "/v1/activities", { token: s.merchant, body });
    await refused(s.bank, 403, "forbidden", "GET", "/v1/activities", { token: s.merchant });
    await refused(s.bank, 403, "forbidden", "POST", "/v1/activities", { token: s.staffB, body: { ...body, communityId: s.a.id } });
  });
});
