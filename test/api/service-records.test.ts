import { beforeAll, describe, expect, it } from "vitest";
import { counter, earningScene, ok, passbook, refused, type EarningScene } from "../helpers/earning";

let s: EarningScene;
beforeAll(async () => {
  s = await earningScene(); // the clock stands at 2026-03-01T08:00Z
});

const activity = (token = s.staffA, extra: Record<string, unknown> = {}) =>
  ok(s.bank, 201, "POST", "/v1/activities", { token, body: { title: "敬老院义务理发", date: "2026-02-20", place: "东门敬老院", ...extra } });
const record = (token: string, body: Record<string, unknown>) =>
  s.bank.call("POST", "/v1/service-records", { token, body: { date: "2026-02-20", minutes: 90, description: "陪老人聊天", ...body } });
const pending = async (memberId = s.alice.id, extra: Record<string, unknown> = {}) => {
  const res = await record(s.staffA, { memberId, ...extra });
  expect(res.status).toBe(201);
  return res.body;
};
const decide = (id: string, what: "approve" | "reject", token = s.staffA, body: unknown = what === "reject" ? { reason: "时长与签到不符" } : {}) =>
  s.bank.call("POST", `/v1/service-records/${id}/${what}`, { token, body });
const minutesOf = (memberId: string, year: number) => minutesIn(s.bank, memberId, year);
const minutesIn = async (bank: EarningScene["bank"], memberId: string, year: number) => {
  const r = await bank.db.client.execute({ sql: "SELECT minutes_served, points_earned FROM member_year_stats WHERE member_id = ? AND year = ?", args: [memberId, year] });
  return r.rows[0] ? { minutes: Number(r.rows[0].minutes_served), points: Number(r.rows[0].points_earned) } : { minutes: 0, points: 0 };
};

describe("service records", () => {
  it("a member reports their own service; staff approve it and the points, minutes and participants are counted", async () => {
    const a = await activity();
    const [minutes, participants] = [await counter(s.bank, "service_minutes"), await counter(s.bank, "participants")];
    const stats = await minutesOf(s.bob.id, 2026);
    const balance = (await passbook(s.bank, s.bob.id)).balance;
    const res = await record(s.bob.token, { memberId: s.bob.id, activityId: a.id });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: "pending", memberId: s.bob.id, communityId: s.a.id, activityId: a.id, minutes: 90, pointsAwarded: null });

    const approved = await decide(res.body.id, "approve");
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: "approved", pointsAwarded: 15, ruleVersion: 1, decidedAt: "2026-03-01T08:00:00.000Z" });
    const pb = await passbook(s.bank, s.bob.id);
    expect(pb.balance).toBe(balance + 15);
    expect(pb.entries[0]).toMatchObject({ transactionId: approved.body.transactionId, kind: "service_approved", amount: 15, at: "2026-03-01T08:00:00.000Z" });
    expect(await counter(s.bank, "service_minutes")).toBe(minutes + 90);
    expect(await counter(s.bank, "participants")).toBe(participants + 1);
    expect(await minutesOf(s.bob.id, 2026)).toEqual({ minutes: stats.minutes + 90, points: stats.points + 15 });

    // A second record of the same member on the same outing adds minutes, not a participant.
    const again = await pending(s.bob.id, { activityId: a.id, minutes: 30 });
    await decide(again.id, "approve");
    expect(await counter(s.bank, "participants")).toBe(participants + 1);
    expect(await counter(s.bank, "service_minutes")).toBe(minutes + 120);
    const other = await pending(s.alice.id, { activityId: a.id, minutes: 30 });
    await decide(other.id, "approve");
    expect(await counter(s.bank, "participants")).toBe(participants + 2);
  });

  it("service without an activity counts minutes but no participant; the year is the service date's", async () => {
    const participants = await counter(s.bank, "participants");
    const before = await minutesOf(s.alice.id, 2025);
    const r = await pending(s.alice.id, { date: "2025-12-31", minutes: 60 });
    expect((await decide(r.id, "approve")).body.pointsAwarded).toBe(10);
    expect(await counter(s.bank, "participants")).toBe(participants);
    expect(await minutesOf(s.alice.id, 2025)).toEqual({ minutes: before.minutes + 60, points: before.points + 10 });
  });

  it("a credit is booked when it is approved: the ledger and the level dates follow approvals; the service date's rules and year still apply", async () => {
    const scene = await earningScene({ clockStart: "2026-01-05T09:00:00.000Z" });
    const { bank } = scene;
    const member = scene.alice;
    const approveAt = async (date: string, minutes: number, at: string) => {
      bank.clock.set(at);
      const r = await ok(bank, 201, "POST", "/v1/service-records", { token: scene.staffA, body: { memberId: member.id, date, minutes, description: "巡逻" } });
      return ok(bank, 200, "POST", `/v1/service-records/${r.id}/approve`, { token: scene.staffA, body: {} });
    };
    // New Year's Eve service approved in January, then later service approved first and earlier service after it.
    const eve = await approveAt("2025-12-31", 60, "2026-01-05T09:00:00.000Z");
    const late = await approveAt("2026-01-04", 600, "2026-01-05T10:00:00.000Z");
    const early = await approveAt("2026-01-02", 60, "2026-01-05T11:00:00.000Z");
    expect([eve.pointsAwarded, late.pointsAwarded, early.pointsAwarded]).toEqual([10, 100, 10]);

    await bank.settle();
    const ledger = (await ok(bank, 200, "GET", "/v1/public/ledger?limit=100")).items as { id: string; at: string }[];
    const ats = ledger.map((t) => t.at);
    expect(ats).toEqual([...ats].sort());
    const atOf = (id: string) => ledger.find((t) => t.id === id)!.at;
    expect([atOf(eve.transactionId), atOf(late.transactionId), atOf(early.transactionId)]).toEqual([
      "2026-01-05T09:00:00.000Z",
      "2026-01-05T10:00:00.000Z",
      "2026-01-05T11:00:00.000Z",
    ]);
    const pb = await passbook(bank, member.id);
    expect(pb.levels).toEqual([
      { stars: 1, at: "2026-01-05T09:00:00.000Z", transactionId: eve.transactionId },
      { stars: 2, at: "2026-01-05T10:00:00.000Z", transactionId: late.transactionId },
    ]);
    // The year is the service's: New Year's Eve counts in 2025, in the rankings and in a reversal.
    const y = (year: number) => minutesIn(bank, member.id, year);
    expect(await y(2025)).toEqual({ minutes: 60, points: 10 });
    expect(await y(2026)).toEqual({ minutes: 660, points: 110 });
    await ok(bank, 201, "POST", `/v1/transactions/${eve.transactionId}/reverse`, { token: bank.admin, body: { reason: "重复录入" } });
    expect(await y(2025)).toEqual({ minutes: 0, points: 0 });
    expect(await y(2026)).toEqual({ minutes: 660, points: 110 });
  });

  it("a record too short to earn a point is approved with no transaction; its minutes still count", async () => {
    const before = await minutesOf(s.alice.id, 2026);
    const r = await pending(s.alice.id, { minutes: 5 });
    const res = await decide(r.id, "approve");
    expect(res.body).toMatchObject({ status: "approved", pointsAwarded: 0, transactionId: null });
    expect(await minutesOf(s.alice.id, 2026)).toEqual({ minutes: before.minutes + 5, points: before.points });
  });

  it("rejection needs a reason and credits nothing", async () => {
    const balance = (await passbook(s.bank, s.alice.id)).balance;
    const r = await pending();
    await refused(s.bank, 400, "validation_failed", "POST", `/v1/service-records/${r.id}/reject`, { token: s.staffA, body: {} });
    const res = await decide(r.id, "reject");
    expect(res.body).toMatchObject({ status: "rejected", reason: "时长与签到不符", transactionId: null });
    expect((await passbook(s.bank, s.alice.id)).balance).toBe(balance);
  });

  it("a record is decided once: 409 record_not_pending for a second decision, and two approvals at once credit once", async () => {
    const approved = await pending();
    await decide(approved.id, "approve");
    await refused(s.bank, 409, "record_not_pending", "POST", `/v1/service-records/${approved.id}/approve`, { token: s.staffA, body: {} });
    await refused(s.bank, 409, "record_not_pending", "POST", `/v1/service-records/${approved.id}/reject`, { token: s.staffA, body: { reason: "x" } });
    const rejected = await pending();
    await decide(rejected.id, "reject");
    await refused(s.bank, 409, "record_not_pending", "POST", `/v1/service-records/${rejected.id}/approve`, { token: s.staffA, body: {} });

    const balance = (await passbook(s.bank, s.alice.id)).balance;
    const minutes = await counter(s.bank, "service_minutes");
    const raced = await pending();
    const results = await Promise.all([decide(raced.id, "approve"), decide(raced.id, "approve"), decide(raced.id, "reject")]);
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409 && r.body.error.code === "record_not_pending")).toHaveLength(2);
    const won = results.find((r) => r.status === 200)!.body;
    expect((await passbook(s.bank, s.alice.id)).balance).toBe(balance + (won.status === "approved" ? 15 : 0));
    expect(await counter(s.bank, "service_minutes")).toBe(minutes + (won.status === "approved" ? 90 : 0));
  });

  it("an approval with an Idempotency-Key is replayed, not repeated", async () => {
    const r = await pending();
    const balance = (await passbook(s.bank, s.alice.id)).balance;
    const headers = { "idempotency-key": `approve-${r.id}` };
    const first = await s.bank.call("POST", `/v1/service-records/${r.id}/approve`, { token: s.staffA, body: {}, headers });
    const again = await s.bank.call("POST", `/v1/service-records/${r.id}/approve`, { token: s.staffA, body: {}, headers });
    expect([first.status, again.status]).toEqual([200, 200]);
    expect(again.body).toEqual(first.body);
    expect((await passbook(s.bank, s.alice.id)).balance).toBe(balance + 15);
  });

  it.each([
    ["zero minutes", { minutes: 0 }],
    ["more than a day", { minutes: 24 * 60 + 1 }],
    ["fractional minutes", { minutes: 1.5 }],
    ["minutes as text", { minutes: "90" }],
    ["a date in the future", { date: "2026-03-02" }],
    ["a date before 2000 (no ranking shows its year)", { date: "1999-12-31" }],
    ["a date before 1970 (before any rule version)", { date: "1969-07-20" }],
    ["a date that is not a date", { date: "2026/02/20" }],
    ["no description", { description: "" }],
    ["an unknown field", { points: 100 }],
  ])("a record with %s is 400", async (_what, extra) => {
    const res = await record(s.staffA, { memberId: s.alice.id, ...extra });
    expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 400, code: "validation_failed" });
  });

  it("a pending record dated before 2000 (entered before dates were checked) is not approved: 400, and it stays pending", async () => {
    for (const date of ["1969-07-20", "1999-12-31"]) {
      const r = await pending();
      await s.bank.db.client.execute({ sql: "UPDATE service_records SET date = ? WHERE id = ?", args: [date, r.id] });
      const balance = (await passbook(s.bank, s.alice.id)).balance;
      const res = await refused(s.bank, 400, "validation_failed", "POST", `/v1/service-records/${r.id}/approve`, { token: s.staffA, body: {} });
      expect(res.error.details).toMatchObject({ field: "date" });
      expect((await passbook(s.bank, s.alice.id)).balance).toBe(balance);
      const list = await ok(s.bank, 200, "GET", "/v1/service-records?status=pending&limit=100", { token: s.staffA });
      expect(list.items.map((x: { id: string }) => x.id)).toContain(r.id);
      expect((await decide(r.id, "reject")).status).toBe(200);
    }
  });

  it("unknown member or activity is 404; an activity of another community is 400", async () => {
    expect((await record(s.staffA, { memberId: "NOPE" })).status).toBe(404);
    expect((await record(s.staffA, { memberId: s.alice.id, activityId: "NOPE" })).status).toBe(404);
    const elsewhere = await activity(s.staffB);
    const res = await record(s.staffA, { memberId: s.alice.id, activityId: elsewhere.id });
    expect({ status: res.status, code: res.body.error.code }).toEqual({ status: 400, code: "validation_failed" });
    await refused(s.bank, 404, "not_found", "POST", "/v1/service-records/NOPE/approve", { token: s.staffA, body: {} });
  });

  it("who may: members only for themselves, staff only in their community, never merchants or the public", async () => {
    const r = await pending();
    expect((await record(s.alice.token, { memberId: s.bob.id })).status).toBe(403);
    expect((await record(s.carol.token, { memberId: s.alice.id })).status).toBe(403);
    expect((await record(s.staffB, { memberId: s.alice.id })).status).toBe(403);
    expect((await record(s.merchant, { memberId: s.alice.id })).status).toBe(403);
    expect((await record("", { memberId: s.alice.id })).status).toBe(401);
    await refused(s.bank, 403, "forbidden", "POST", `/v1/service-records/${r.id}/approve`, { token: s.alice.token, body: {} });
    await refused(s.bank, 403, "forbidden", "POST", `/v1/service-records/${r.id}/approve`, { token: s.staffB, body: {} });
    await refused(s.bank, 403, "forbidden", "POST", `/v1/service-records/${r.id}/reject`, { token: s.staffB, body: { reason: "x" } });
    await refused(s.bank, 403, "forbidden", "POST", `/v1/service-records/${r.id}/approve`, { token: s.merchant, body: {} });
    await refused(s.bank, 401, "unauthorized", "POST", `/v1/service-records/${r.id}/approve`, { body: {} });
    await refused(s.bank, 401, "unauthorized", "POST", `/v1/service-records/${r.id}/reject`, { body: { reason: "x" } });
    await refused(s.bank, 401, "unauthorized", "GET", "/v1/service-records");
    await refused(s.bank, 403, "forbidden", "GET", "/v1/service-records", { token: s.merchant });
    expect((await decide(r.id, "approve", s.bank.admin)).status).toBe(200);
  });

  it("lists: staff their community (?status=), members their own, the administrator all", async () => {
    const scene = await earningScene();
    const mk = async (token: string, memberId: string) =>
      ok(scene.bank, 201, "POST", "/v1/service-records", { token, body: { memberId, date: "2026-02-01", minutes: 60, description: "巡逻" } });
    const r1 = await mk(scene.staffA, scene.alice.id);
    const r2 = await mk(scene.bob.token, scene.bob.id);
    const r3 = await mk(scene.staffB, scene.carol.id);
    await ok(scene.bank, 200, "POST", `/v1/service-records/${r1.id}/approve`, { token: scene.staffA, body: {} });
    const ids = (b: { items: { id: string }[] }) => b.items.map((x) => x.id);
    expect(ids(await ok(scene.bank, 200, "GET", "/v1/service-records", { token: scene.staffA }))).toEqual([r2.id, r1.id]);
    expect(ids(await ok(scene.bank, 200, "GET", "/v1/service-records?status=pending", { token: scene.staffA }))).toEqual([r2.id]);
    expect(ids(await ok(scene.bank, 200, "GET", `/v1/service-records?memberId=${scene.alice.id}`, { token: scene.staffA }))).toEqual([r1.id]);
    expect(ids(await ok(scene.bank, 200, "GET", "/v1/service-records", { token: scene.staffB }))).toEqual([r3.id]);
    expect(ids(await ok(scene.bank, 200, "GET", "/v1/service-records", { token: scene.bob.token }))).toEqual([r2.id]);
    expect(ids(await ok(scene.bank, 200, "GET", `/v1/service-records?memberId=${scene.alice.id}`, { token: scene.bob.token }))).toEqual([]);
    expect(ids(await ok(scene.bank, 200, "GET", "/v1/service-records", { token: scene.bank.admin }))).toEqual([r3.id, r2.id, r1.id]);
    await refused(scene.bank, 400, "validation_failed", "GET", "/v1/service-records?status=done", { token: scene.staffA });
  });
});
