import { beforeAll, describe, expect, it } from "vitest";
import { runScheduledJobs } from "../../src/jobs";
import { earningScene, ok, refused, wishBody, type EarningScene } from "../helpers/earning";

let s: EarningScene;
let shy: { id: string; token: string };

/** Approves `minutes` of service on `date` for a member (10 points an hour under the default rules). */
async function serve(scene: EarningScene, memberId: string, minutes: number, date = "2026-02-10", token = scene.staffA) {
  const r = await ok(scene.bank, 201, "POST", "/v1/service-records", { token, body: { memberId, date, minutes, description: "志愿服务" } });
  await ok(scene.bank, 200, "POST", `/v1/service-records/${r.id}/approve`, { token, body: {} });
}

beforeAll(async () => {
  s = await earningScene();
  shy = await s.bank.member(s.a.id, { name: "低调的人", phone: "13811112222", publicOptOut: true });
  await serve(s, s.alice.id, 600); // 100 points, 600 minutes
  await serve(s, s.bob.id, 120); // 20 points
  await ok(s.bank, 201, "POST", "/v1/donations", { token: s.staffA, body: { donor: { type: "member", memberId: s.bob.id }, kind: "money", amountFen: 50_000 } });
  await serve(s, s.carol.id, 300, "2026-02-10", s.staffB); // 50 points
  await serve(s, shy.id, 900); // 150 points
  await serve(s, s.alice.id, 60, "2025-12-31"); // last year
});

const names = (body: { items: { name: string }[] }) => body.items.map((i) => i.name);

describe("rankings", () => {
  it("ranks a year by points earned, overall, without a login; an opted-out member is anonymous and no phone appears", async () => {
    const r = await ok(s.bank, 200, "GET", "/v1/rankings?year=2026&by=points");
    expect(names(r)).toEqual(["李秀英", "匿名志愿者", "王建国", "刘芳"]);
    expect(r.items.map((i: { rank: number; pointsEarned: number }) => [i.rank, i.pointsEarned])).toEqual([
      [1, 520],
      [2, 150],
      [3, 100],
      [4, 50],
    ]);
    expect(r.items[1]).toMatchObject({ memberId: null, anonymous: true, communityId: s.a.id, communityName: "东门社区", minutesServed: 900 });
    expect(r.items[0]).toMatchObject({ memberId: s.bob.id, anonymous: false, stars: 3 });
    expect(JSON.stringify(r)).not.toMatch(/13811112222|低调的人/);
    expect(JSON.stringify(r)).not.toContain(shy.id);
  });

  it("ranks by minutes served, per community, for another year, and defaults to this year by points", async () => {
    expect(names(await ok(s.bank, 200, "GET", "/v1/rankings?year=2026&by=minutes"))).toEqual(["匿名志愿者", "王建国", "刘芳", "李秀英"]);
    expect(names(await ok(s.bank, 200, "GET", `/v1/rankings?year=2026&communityId=${s.b.id}`))).toEqual(["刘芳"]);
    const last = await ok(s.bank, 200, "GET", "/v1/rankings?year=2025&by=minutes");
    expect(last.items).toEqual([expect.objectContaining({ name: "王建国", minutesServed: 60, pointsEarned: 10, rank: 1 })]);
    expect(await ok(s.bank, 200, "GET", "/v1/rankings")).toMatchObject({ year: 2026, by: "points", items: expect.any(Array) });
    expect((await ok(s.bank, 200, "GET", "/v1/rankings?year=2024")).items).toEqual([]);
  });

  it("members with equal figures share a rank; pages continue where they stopped", async () => {
    const scene = await earningScene();
    const dan = await scene.bank.member(scene.a.id, { name: "丁" });
    await serve(scene, scene.alice.id, 120);
    await serve(scene, scene.bob.id, 120);
    await serve(scene, dan.id, 60);
    const r = await ok(scene.bank, 200, "GET", "/v1/rankings?year=2026");
    expect(r.items.map((i: { rank: number }) => i.rank)).toEqual([1, 1, 3]);
    const p1 = await ok(scene.bank, 200, "GET", "/v1/rankings?year=2026&limit=2");
    expect(p1.items).toHaveLength(2);
    const p2 = await ok(scene.bank, 200, "GET", `/v1/rankings?year=2026&limit=2&cursor=${p1.nextCursor}`);
    expect(p2.items.map((i: { name: string; rank: number }) => [i.name, i.rank])).toEqual([["丁", 3]]);
    expect(p2.nextCursor).toBeNull();
  });

  it("refuses bad queries", async () => {
    for (const q of ["by=stars", "year=abc", "year=1999", "limit=0", "sort=asc", "communityId=a%20b"]) {
      await refused(s.bank, 400, "validation_failed", "GET", `/v1/rankings?${q}`);
    }
  });
});

describe("awards (优秀义工)", () => {
  it("the administrator publishes a year's outstanding volunteers; the honour roll is public", async () => {
    const scene = await earningScene();
    const hidden = await scene.bank.member(scene.a.id, { name: "隐名者", publicOptOut: true });
    const award = { year: 2025, memberId: scene.alice.id, title: "优秀义工", citation: "常年照顾独居老人" };
    const created = await ok(scene.bank, 201, "POST", "/v1/awards", { token: scene.bank.admin, body: award });
    expect(created).toMatchObject(award);
    await ok(scene.bank, 201, "POST", "/v1/awards", { token: scene.bank.admin, body: { ...award, year: 2026 } });
    await ok(scene.bank, 201, "POST", "/v1/awards", { token: scene.bank.admin, body: { ...award, memberId: hidden.id } });
    await refused(scene.bank, 409, "already_exists", "POST", "/v1/awards", { token: scene.bank.admin, body: award });

    const roll = await ok(scene.bank, 200, "GET", "/v1/awards?year=2025");
    expect(roll.items.map((i: { name: string; memberId: string | null; title: string; citation: string }) => [i.name, i.memberId, i.title, i.citation])).toEqual([
      ["王建国", scene.alice.id, "优秀义工", "常年照顾独居老人"],
      ["匿名志愿者", null, "优秀义工", "常年照顾独居老人"],
    ]);
    expect(JSON.stringify(roll)).not.toContain("隐名者");
    expect((await ok(scene.bank, 200, "GET", "/v1/awards")).items).toHaveLength(3);
    const p1 = await ok(scene.bank, 200, "GET", "/v1/awards?limit=2");
    expect((await ok(scene.bank, 200, "GET", `/v1/awards?limit=2&cursor=${p1.nextCursor}`)).items).toHaveLength(1);
  });

  it("only the administrator awards, with valid input, to a member who exists", async () => {
    const award = { year: 2026, memberId: s.alice.id, title: "优秀义工", citation: "热心服务" };
    await refused(s.bank, 401, "unauthorized", "POST", "/v1/awards", { body: award });
    await refused(s.bank, 403, "forbidden", "POST", "/v1/awards", { token: s.staffA, body: award });
    await refused(s.bank, 403, "forbidden", "POST", "/v1/awards", { token: s.alice.token, body: award });
    await refused(s.bank, 403, "forbidden", "POST", "/v1/awards", { token: s.merchant, body: award });
    await refused(s.bank, 404, "not_found", "POST", "/v1/awards", { token: s.bank.admin, body: { ...award, memberId: "NOPE" } });
    for (const bad of [{ year: 1990 }, { year: "2026" }, { citation: "" }, { title: "x".repeat(51) }, { medal: "gold" }]) {
      await refused(s.bank, 400, "validation_failed", "POST", "/v1/awards", { token: s.bank.admin, body: { ...award, ...bad } });
    }
    expect((await ok(s.bank, 200, "GET", "/v1/awards?year=2026")).items).toEqual([]);
  });
});

describe("service quality report", () => {
  it("gives 办结率, 满意率 and overdue claims per community and overall, publicly and without private details", async () => {
    const scene = await earningScene({ clockStart: "2026-03-01T08:00:00.000Z" });
    const { bank } = scene;
    const wish = (token: string, deadline?: string) => ok(bank, 201, "POST", "/v1/wishes", { token, body: wishBody(deadline ? { deadline } : {}) });
    const post = (path: string, token: string, body: unknown = {}) => ok(bank, 200, "POST", path, { token, body });
    const complete = async (id: string, member: { token: string }, staff: string, satisfaction?: number) => {
      await post(`/v1/wishes/${id}/claim`, member.token);
      await post(`/v1/wishes/${id}/fulfil`, member.token);
      if (satisfaction) await post(`/v1/wishes/${id}/confirm`, staff, { satisfaction });
    };

    const onTime = await wish(scene.staffA, "2026-03-01T20:00:00.000Z");
    await wish(scene.staffA, "2026-03-01T10:00:00.000Z"); // passes its deadline still open
    await wish(scene.staffA, "2026-12-31"); // not yet due
    const noDeadline = await wish(scene.staffA);
    const late = await wish(scene.staffA, "2026-03-01T09:00:00.000Z");
    const cancelled = await wish(scene.staffA, "2026-03-01T10:00:00.000Z");
    const overdue = await wish(scene.staffA);
    const inB = await wish(scene.staffB, "2026-03-01T20:00:00.000Z");
    await complete(onTime.id, scene.alice, scene.staffA, 5);
    await complete(noDeadline.id, scene.alice, scene.staffA, 3);
    await complete(late.id, scene.alice, scene.staffA);
    await complete(inB.id, scene.carol, scene.staffB, 2);
    await post(`/v1/wishes/${cancelled.id}/cancel`, scene.staffA);
    await post(`/v1/wishes/${overdue.id}/claim`, scene.bob.token);
    bank.clock.set("2026-03-01T12:00:00.000Z");
    await post(`/v1/wishes/${late.id}/confirm`, scene.staffA, { satisfaction: 4 });

    const report = await ok(bank, 200, "GET", "/v1/reports/quality");
    expect(report.overall).toEqual({
      wishes: 8,
      confirmed: 4,
      due: 4,
      confirmedOnTime: 2,
      completionRate: 0.5,
      rated: 4,
      averageSatisfaction: 3.5,
      satisfiedShare: 0.5,
      overdueClaims: 0,
      claimsReleasedOverdue: 0,
    });
    const a = report.communities.find((c: { communityId: string }) => c.communityId === scene.a.id);
    expect(a).toMatchObject({ name: "东门社区", wishes: 7, due: 3, confirmedOnTime: 1, completionRate: 0.3333, rated: 3, averageSatisfaction: 4, satisfiedShare: 0.6667 });
    const b = report.communities.find((c: { communityId: string }) => c.communityId === scene.b.id);
    expect(b).toMatchObject({ due: 1, confirmedOnTime: 1, completionRate: 1, averageSatisfaction: 2, satisfiedShare: 0 });
    expect(JSON.stringify(report)).not.toMatch(/张小明|13900001111/);

    // A week later the open claim is overdue until the job releases it.
    bank.clock.set("2026-03-09T08:00:00.000Z");
    expect((await ok(bank, 200, "GET", "/v1/reports/quality")).overall.overdueClaims).toBe(1);
    await runScheduledJobs({ db: bank.db, clock: bank.clock });
    const after = await ok(bank, 200, "GET", `/v1/reports/quality?communityId=${scene.a.id}`);
    expect(after.overall).toMatchObject({ overdueClaims: 0, claimsReleasedOverdue: 1 });
    expect(after.communities.map((c: { communityId: string }) => c.communityId)).toEqual([scene.a.id]);
    expect(after.communities[0]).toMatchObject({ overdueClaims: 0, claimsReleasedOverdue: 1 });
  });

  it("with no wishes the rates are null, and a bad query is 400", async () => {
    const scene = await earningScene();
    const r = await ok(scene.bank, 200, "GET", "/v1/reports/quality");
    expect(r.overall).toMatchObject({ due: 0, completionRate: null, averageSatisfaction: null, satisfiedShare: null });
    expect(r.communities).toHaveLength(2);
    await refused(scene.bank, 400, "validation_failed", "GET", "/v1/reports/quality?year=2026");
  });
});
