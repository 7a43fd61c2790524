import { describe, expect, it } from "vitest";
import { counter, earningScene, ok, passbook, refused, type EarningScene } from "../helpers/earning";

// Outings as a county office runs them: a timed activity with a category and capacity, its whole
// attendance in one request, one approval for all of it, sign-in and sign-out with a code, the
// provenance of every record, four-eyes approval, back-filled hours and the daily cap.
// The clock stands at 2026-03-01T08:00Z: 16:00 in Beijing.

const rules = (extra: Record<string, unknown> = {}) => ({
  pointsPerServiceHour: 10,
  pointsPerYuanDonated: 1,
  pointsPerWishFulfilled: 20,
  starThresholds: [10, 100, 300, 600, 1000],
  titleMinStars: 3,
  effectiveFrom: "2026-03-01T08:00:00.000Z",
  ...extra,
});

const outing = (s: EarningScene, extra: Record<string, unknown> = {}, token = s.staffA) =>
  ok(s.bank, 201, "POST", "/v1/activities", {
    token,
    // 09:00–12:00 on 1 March in Beijing
    body: { title: "助老探访", startAt: "2026-03-01T01:00:00.000Z", endAt: "2026-03-01T04:00:00.000Z", place: "东门活动室", ...extra },
  });

const attend = (s: EarningScene, id: string, entries: { memberId: string; minutes: number }[], token = s.staffA, extra = {}) =>
  s.bank.call("POST", `/v1/activities/${id}/attendance`, { token, body: { entries, ...extra } });

const records = async (s: EarningScene, activityId: string) =>
  (await s.bank.db.client.execute({ sql: "SELECT * FROM service_records WHERE activity_id = ? ORDER BY id", args: [activityId] })).rows;

describe("a timed outing with a category and capacity", () => {
  it("has its bank date from its start; date and times must agree", async () => {
    const s = await earningScene();
    const cat = await ok(s.bank, 201, "POST", "/v1/service-categories", { token: s.bank.admin, body: { code: "elder_care", name: "助老服务" } });
    // 23:30 UTC on 28 February is 07:30 on 1 March in Beijing
    const a = await outing(s, { startAt: "2026-02-28T23:30:00.000Z", endAt: "2026-03-01T02:00:00.000Z", categoryId: cat.id, capacity: 12 });
    expect(a).toMatchObject({ date: "2026-03-01", startAt: "2026-02-28T23:30:00.000Z", endAt: "2026-03-01T02:00:00.000Z", categoryId: cat.id, capacity: 12 });
    expect(a.checkinCode).toBeUndefined();
    const body = { title: "t", place: "p" };
    for (const extra of [
      { startAt: "2026-03-01T01:00:00.000Z" },
      { startAt: "2026-03-01T04:00:00.000Z", endAt: "2026-03-01T01:00:00.000Z" },
      { startAt: "2026-03-01T01:00:00.000Z", endAt: "2026-03-02T02:00:00.000Z" },
      { date: "2026-02-28", startAt: "2026-03-01T01:00:00.000Z", endAt: "2026-03-01T02:00:00.000Z" },
      {},
      { date: "2026-03-01", capacity: 0 },
    ]) {
      await refused(s.bank, 400, "validation_failed", "POST", "/v1/activities", { token: s.staffA, body: { ...body, ...extra } });
    }
    await refused(s.bank, 404, "not_found", "POST", "/v1/activities", { token: s.staffA, body: { ...body, date: "2026-03-01", categoryId: "NOPE" } });
  });
});

describe("service categories", () => {
  it("the administrator keeps the catalogue; anyone reads it; a code is used once", async () => {
    const s = await earningScene();
    const a = await ok(s.bank, 201, "POST", "/v1/service-categories", { token: s.bank.admin, body: { code: "tutoring", name: "课业辅导" } });
    expect(a).toMatchObject({ code: "tutoring", name: "课业辅导" });
    await refused(s.bank, 409, "already_exists", "POST", "/v1/service-categories", { token: s.bank.admin, body: { code: "tutoring", name: "又一个" } });
    await refused(s.bank, 403, "forbidden", "POST", "/v1/service-categories", { token: s.staffA, body: { code: "other", name: "其他" } });
    await refused(s.bank, 400, "validation_failed", "POST", "/v1/service-categories", { token: s.bank.admin, body: { code: "Bad Code", name: "x" } });
    expect((await ok(s.bank, 200, "GET", "/v1/service-categories")).items.map((c: { code: string }) => c.code)).toEqual(["tutoring"]);
  });

  it("a rule version gives a category its own hourly rate; a rate for an unknown category is refused", async () => {
    const s = await earningScene();
    const cat = await ok(s.bank, 201, "POST", "/v1/service-categories", { token: s.bank.admin, body: { code: "elder_care", name: "助老服务" } });
    const v2 = await ok(s.bank, 201, "POST", "/v1/rules", { token: s.bank.admin, body: rules({ categoryRates: [{ categoryId: cat.id, pointsPerServiceHour: 30 }] }) });
    expect(v2).toMatchObject({ version: 2, categoryRates: [{ categoryId: cat.id, pointsPerServiceHour: 30 }], requireSecondApprover: false, backfillEarnsPoints: true, maxMinutesPerDay: null });
    await refused(s.bank, 404, "not_found", "POST", "/v1/rules", { token: s.bank.admin, body: rules({ categoryRates: [{ categoryId: "NOPE", pointsPerServiceHour: 30 }] }) });
    await refused(s.bank, 400, "validation_failed", "POST", "/v1/rules", {
      token: s.bank.admin,
      body: rules({ categoryRates: [{ categoryId: cat.id, pointsPerServiceHour: 30 }, { categoryId: cat.id, pointsPerServiceHour: 5 }] }),
    });
    s.bank.clock.advance(60_000);
    const caring = await outing(s, { categoryId: cat.id });
    const plain = await outing(s);
    await ok(s.bank, 201, "POST", `/v1/activities/${caring.id}/attendance`, { token: s.staffA, body: { entries: [{ memberId: s.alice.id, minutes: 120 }] } });
    await ok(s.bank, 201, "POST", `/v1/activities/${plain.id}/attendance`, { token: s.staffA, body: { entries: [{ memberId: s.bob.id, minutes: 120 }] } });
    // The service day (1 March) began before version 2 took effect at 16:00: version 1 applies.
    expect((await ok(s.bank, 200, "POST", `/v1/activities/${caring.id}/approve`, { token: s.staffA })).records[0].points).toBe(20);
    const later = await outing(s, { categoryId: cat.id, startAt: "2026-03-02T01:00:00.000Z", endAt: "2026-03-02T04:00:00.000Z" });
    s.bank.clock.set("2026-03-02T06:00:00.000Z");
    const staff = await s.bank.token({ role: "staff", communityId: s.a.id });
    await ok(s.bank, 201, "POST", `/v1/activities/${later.id}/attendance`, { token: staff, body: { entries: [{ memberId: s.alice.id, minutes: 120 }] } });
    const approved = await ok(s.bank, 200, "POST", `/v1/activities/${later.id}/approve`, { token: staff });
    expect(approved.records[0].points).toBe(60);
  });
});

describe("attendance in one request", () => {
  it("records everyone pending, with provenance, in one write", async () => {
    const s = await earningScene();
    const a = await outing(s);
    s.bank.roundTrips.reset();
    const res = await attend(s, a.id, [
      { memberId: s.alice.id, minutes: 180 },
      { memberId: s.bob.id, minutes: 90 },
    ]);
    expect(res.status).toBe(201);
    expect(s.bank.roundTrips.count()).toBe(2); // one read, one write
    expect(res.body.items).toHaveLength(2);
    expect(res.body.items[0]).toMatchObject({
      memberId: s.alice.id,
      activityId: a.id,
      date: "2026-03-01",
      minutes: 180,
      description: "助老探访",
      status: "pending",
      method: "staff_entry",
      approvedBy: null,
    });
    expect(res.body.items[0].recordedBy).toBeTruthy();
  });

  it("all or nothing: a member already on the activity is 409 already_recorded and nobody is written", async () => {
    const s = await earningScene();
    const a = await outing(s);
    expect((await attend(s, a.id, [{ memberId: s.alice.id, minutes: 60 }])).status).toBe(201);
    const again = await attend(s, a.id, [
      { memberId: s.bob.id, minutes: 60 },
      { memberId: s.alice.id, minutes: 60 },
    ]);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("already_recorded");
    expect(await records(s, a.id)).toHaveLength(1);
  });

  it("every entry is checked: unknown member 404, another community's member, a member twice or longer than the outing 400", async () => {
    const s = await earningScene();
    const a = await outing(s);
    const cases: [number, string, { memberId: string; minutes: number }[]][] = [
      [404, "not_found", [{ memberId: s.alice.id, minutes: 60 }, { memberId: "NOPE", minutes: 60 }]],
      [400, "validation_failed", [{ memberId: s.carol.id, minutes: 60 }]],
      [400, "validation_failed", [{ memberId: s.alice.id, minutes: 60 }, { memberId: s.alice.id, minutes: 30 }]],
      [400, "validation_failed", [{ memberId: s.alice.id, minutes: 181 }]],
      [400, "validation_failed", []],
      [400, "validation_failed", [{ memberId: s.alice.id, minutes: 0 }]],
    ];
    for (const [status, code, entries] of cases) {
      const res = await attend(s, a.id, entries);
      expect([res.status, res.body.error?.code], JSON.stringify(entries)).toEqual([status, code]);
    }
    const future = await outing(s, { startAt: "2026-03-02T01:00:00.000Z", endAt: "2026-03-02T02:00:00.000Z" });
    expect((await attend(s, future.id, [{ memberId: s.alice.id, minutes: 60 }])).status).toBe(400);
    expect((await attend(s, "NOPE", [{ memberId: s.alice.id, minutes: 60 }])).status).toBe(404);
    expect(await records(s, a.id)).toHaveLength(0);
  });

  it("the capacity holds: 409 limit_reached", async () => {
    const s = await earningScene();
    const a = await outing(s, { capacity: 1 });
    const res = await attend(s, a.id, [
      { memberId: s.alice.id, minutes: 60 },
      { memberId: s.bob.id, minutes: 60 },
    ]);
    expect([res.status, res.body.error.code]).toEqual([409, "limit_reached"]);
    expect((await attend(s, a.id, [{ memberId: s.alice.id, minutes: 60 }])).status).toBe(201);
  });

  it("who may: staff of the activity's community and the administrator; not staff of another community, members or merchants", async () => {
    const s = await earningScene();
    const a = await outing(s);
    const entries = [{ memberId: s.alice.id, minutes: 60 }];
    expect((await attend(s, a.id, entries, s.staffB)).status).toBe(403);
    expect((await attend(s, a.id, entries, s.alice.token)).status).toBe(403);
    expect((await attend(s, a.id, entries, s.merchant)).status).toBe(403);
    expect((await s.bank.call("POST", `/v1/activities/${a.id}/attendance`, { body: { entries } })).status).toBe(401);
    expect((await attend(s, a.id, entries, s.bank.admin)).status).toBe(201);
  });

  it("hours entered more than a day after the service date are back-filled; staff may also say so", async () => {
    const s = await earningScene();
    const old = await outing(s, { startAt: "2026-02-20T01:00:00.000Z", endAt: "2026-02-20T04:00:00.000Z" });
    const yesterday = await outing(s, { startAt: "2026-02-28T01:00:00.000Z", endAt: "2026-02-28T04:00:00.000Z" });
    const today = await outing(s);
    expect((await attend(s, old.id, [{ memberId: s.alice.id, minutes: 60 }])).body.items[0].method).toBe("backfill");
    expect((await attend(s, yesterday.id, [{ memberId: s.alice.id, minutes: 60 }])).body.items[0].method).toBe("staff_entry");
    expect((await attend(s, today.id, [{ memberId: s.alice.id, minutes: 60 }], s.staffA, { method: "backfill", evidenceRef: "签到表 3-1" })).body.items[0]).toMatchObject({
      method: "backfill",
      evidenceRef: "签到表 3-1",
    });
    const own = await ok(s.bank, 201, "POST", "/v1/service-records", { token: s.bob.token, body: { memberId: s.bob.id, date: "2026-03-01", minutes: 30, description: "自报" } });
    expect(own.method).toBe("member_claim");
    await refused(s.bank, 403, "forbidden", "POST", "/v1/service-records", {
      token: s.bob.token,
      body: { memberId: s.bob.id, date: "2026-03-01", minutes: 30, description: "自报", method: "staff_entry" },
    });
  });
});

describe("approving a whole outing in one write", () => {
  it("credits each record on its own transaction, counts minutes and stars by hours, and each credit reverses alone", async () => {
    const s = await earningScene();
    const a = await outing(s);
    await attend(s, a.id, [
      { memberId: s.alice.id, minutes: 180 },
      { memberId: s.bob.id, minutes: 90 },
    ]);
    const participants = await counter(s.bank, "participants");
    s.bank.roundTrips.reset();
    const res = await ok(s.bank, 200, "POST", `/v1/activities/${a.id}/approve`, { token: s.staffA });
    expect(s.bank.roundTrips.count()).toBe(2); // one read, one write
    expect(res.approved).toBe(2);
    expect(res.records.map((r: { points: number }) => r.points).sort()).toEqual([15, 30]);
    const [ta, tb] = res.records.map((r: { transactionId: string }) => r.transactionId);
    expect(ta).not.toBe(tb);
    expect(await counter(s.bank, "participants")).toBe(participants + 2);
    const alice = await ok(s.bank, 200, "GET", `/v1/members/${s.alice.id}`, { token: s.staffA });
    expect(alice).toMatchObject({ serviceMinutes: 180, serviceStars: 0 });
    expect((await records(s, a.id)).every((r) => r.status === "approved" && r.decided_by)).toBe(true);
    // nothing left to approve
    expect(await ok(s.bank, 200, "POST", `/v1/activities/${a.id}/approve`, { token: s.staffA })).toEqual({ approved: 0, records: [] });

    const aliceRecord = res.records.find((r: { memberId: string }) => r.memberId === s.alice.id);
    await ok(s.bank, 201, "POST", `/v1/transactions/${aliceRecord.transactionId}/reverse`, { token: s.bank.admin, body: { reason: "未到场" } });
    expect(await ok(s.bank, 200, "GET", `/v1/members/${s.alice.id}`, { token: s.staffA })).toMatchObject({ serviceMinutes: 0 });
    expect((await passbook(s.bank, s.bob.id)).balance).toBe(15);
    const list = await ok(s.bank, 200, "GET", `/v1/service-records?memberId=${s.alice.id}`, { token: s.staffA });
    expect(list.items[0].reversalId).toBeTruthy();
  });

  it("a 200-person outing is approved in one write", async () => {
    const s = await earningScene();
    const people = [];
    for (let i = 0; i < 200; i++) {
      const res = await s.bank.call("POST", "/v1/members", { token: s.staffA, body: { name: `队员${i}`, kind: "volunteer", communityId: s.a.id } });
      people.push(res.body.id as string);
    }
    const a = await outing(s);
    expect((await attend(s, a.id, people.map((memberId) => ({ memberId, minutes: 120 })))).status).toBe(201);
    s.bank.roundTrips.reset();
    const res = await ok(s.bank, 200, "POST", `/v1/activities/${a.id}/approve`, { token: s.staffA });
    expect(s.bank.roundTrips.count()).toBe(2);
    expect(res.approved).toBe(200);
    const credited = await s.bank.db.client.execute({ sql: "SELECT COUNT(*) AS n FROM ledger_transactions WHERE kind = 'service_approved'" });
    expect(Number(credited.rows[0]!.n)).toBe(200);
  });

  it("four-eyes: under requireSecondApprover the recorder's approval is 409 same_person, and nothing is approved", async () => {
    const s = await earningScene();
    // a version cannot start in the past: it starts now, and governs tomorrow's service
    await ok(s.bank, 201, "POST", "/v1/rules", { token: s.bank.admin, body: rules({ requireSecondApprover: true }) });
    s.bank.clock.set("2026-03-02T06:00:00.000Z");
    const recorder = await s.bank.token({ role: "staff", communityId: s.a.id });
    const second = await s.bank.token({ role: "staff", communityId: s.a.id });
    const a = await outing(s, { startAt: "2026-03-02T01:00:00.000Z", endAt: "2026-03-02T04:00:00.000Z" }, recorder);
    await attend(s, a.id, [{ memberId: s.alice.id, minutes: 60 }], recorder);
    await refused(s.bank, 409, "same_person", "POST", `/v1/activities/${a.id}/approve`, { token: recorder, body: {} });
    const [one] = await records(s, a.id);
    await refused(s.bank, 409, "same_person", "POST", `/v1/service-records/${one!.id}/approve`, { token: recorder, body: {} });
    expect((await records(s, a.id))[0]!.status).toBe("pending");
    const approved = await ok(s.bank, 200, "POST", `/v1/activities/${a.id}/approve`, { token: second });
    expect(approved.approved).toBe(1);
    const record = (await ok(s.bank, 200, "GET", `/v1/service-records?memberId=${s.alice.id}`, { token: second })).items[0];
    expect(record.recordedBy).not.toBe(record.approvedBy);
  });

  it("maxMinutesPerDay: approval over the cap is 409 limit_reached; backfillEarnsPoints false credits hours without points", async () => {
    const s = await earningScene();
    await ok(s.bank, 201, "POST", "/v1/rules", { token: s.bank.admin, body: rules({ maxMinutesPerDay: 240, backfillEarnsPoints: false }) });
    s.bank.clock.set("2026-03-02T06:00:00.000Z");
    const staff = await s.bank.token({ role: "staff", communityId: s.a.id });
    const morning = await outing(s, { startAt: "2026-03-02T00:00:00.000Z", endAt: "2026-03-02T03:00:00.000Z" }, staff);
    const noon = await outing(s, { startAt: "2026-03-02T03:00:00.000Z", endAt: "2026-03-02T06:00:00.000Z" }, staff);
    await attend(s, morning.id, [{ memberId: s.alice.id, minutes: 180 }], staff);
    await attend(s, noon.id, [{ memberId: s.alice.id, minutes: 90 }, { memberId: s.bob.id, minutes: 90 }], staff);
    await ok(s.bank, 200, "POST", `/v1/activities/${morning.id}/approve`, { token: staff });
    await refused(s.bank, 409, "limit_reached", "POST", `/v1/activities/${noon.id}/approve`, { token: staff, body: {} });
    expect((await records(s, noon.id)).map((r) => r.status)).toEqual(["pending", "pending"]);
    expect(await ok(s.bank, 200, "GET", `/v1/members/${s.alice.id}`, { token: staff })).toMatchObject({ serviceMinutes: 180 });

    s.bank.clock.set("2026-03-10T06:00:00.000Z");
    const later = await s.bank.token({ role: "staff", communityId: s.a.id });
    const back = await outing(s, { startAt: "2026-03-05T01:00:00.000Z", endAt: "2026-03-05T04:00:00.000Z" }, later);
    expect((await attend(s, back.id, [{ memberId: s.bob.id, minutes: 120 }], later)).body.items[0].method).toBe("backfill");
    const res = await ok(s.bank, 200, "POST", `/v1/activities/${back.id}/approve`, { token: later });
    expect(res.records[0]).toMatchObject({ points: 0, transactionId: null });
    expect(await ok(s.bank, 200, "GET", `/v1/members/${s.bob.id}`, { token: later })).toMatchObject({ serviceMinutes: 120 });
  });

  it("who may: not staff of another community, nor members", async () => {
    const s = await earningScene();
    const a = await outing(s);
    await attend(s, a.id, [{ memberId: s.alice.id, minutes: 60 }]);
    await refused(s.bank, 403, "forbidden", "POST", `/v1/activities/${a.id}/approve`, { token: s.staffB, body: {} });
    await refused(s.bank, 403, "forbidden", "POST", `/v1/activities/${a.id}/approve`, { token: s.alice.token, body: {} });
    await refused(s.bank, 404, "not_found", "POST", "/v1/activities/NOPE/approve", { token: s.staffA, body: {} });
    expect((await records(s, a.id))[0]!.status).toBe("pending");
  });
});

describe("signing in and out", () => {
  it("check-out creates the pending record with the minutes between, inside the outing's time", async () => {
    const s = await earningScene({ clockStart: "2026-03-01T00:40:00.000Z" }); // 08:40 in Beijing
    const a = await outing(s); // 09:00–12:00 Beijing
    const { code, expiresAt } = await ok(s.bank, 201, "POST", `/v1/activities/${a.id}/checkin-code`, { token: s.staffA });
    expect(code).toMatch(/^[2-9A-Z]{6}$/);
    expect(expiresAt).toBe("2026-03-01T06:00:00.000Z");
    const inAt = await ok(s.bank, 201, "POST", `/v1/activities/${a.id}/checkin`, { token: s.alice.token, body: { code: code.toLowerCase() } });
    expect(inAt).toMatchObject({ memberId: s.alice.id, checkedInAt: "2026-03-01T00:40:00.000Z" });
    await refused(s.bank, 409, "already_recorded", "POST", `/v1/activities/${a.id}/checkin`, { token: s.alice.token, body: { code } });
    s.bank.clock.set("2026-03-01T04:30:00.000Z"); // 12:30: after the outing ended
    const rec = await ok(s.bank, 201, "POST", `/v1/activities/${a.id}/checkout`, { token: s.alice.token, body: { code } });
    expect(rec).toMatchObject({ memberId: s.alice.id, activityId: a.id, minutes: 180, method: "checkin", status: "pending", date: "2026-03-01" });
    await refused(s.bank, 409, "not_checked_in", "POST", `/v1/activities/${a.id}/checkout`, { token: s.alice.token, body: { code } });
    await refused(s.bank, 409, "not_checked_in", "POST", `/v1/activities/${a.id}/checkout`, { token: s.bob.token, body: { code } });
    // staff cannot then enter her again
    expect((await attend(s, a.id, [{ memberId: s.alice.id, minutes: 60 }])).body.error.code).toBe("already_recorded");
  });

  it("refusals: no code open, a wrong code, an expired code, another community's member, staff", async () => {
    const s = await earningScene({ clockStart: "2026-03-01T00:40:00.000Z" });
    const a = await outing(s, { capacity: 1 });
    await refused(s.bank, 409, "checkin_closed", "POST", `/v1/activities/${a.id}/checkin`, { token: s.alice.token, body: { code: "ABCDEF" } });
    const { code } = await ok(s.bank, 201, "POST", `/v1/activities/${a.id}/checkin-code`, { token: s.staffA });
    await refused(s.bank, 400, "validation_failed", "POST", `/v1/activities/${a.id}/checkin`, { token: s.alice.token, body: { code: code === "222222" ? "333333" : "222222" } });
    await refused(s.bank, 403, "forbidden", "POST", `/v1/activities/${a.id}/checkin`, { token: s.carol.token, body: { code } });
    await refused(s.bank, 403, "forbidden", "POST", `/v1/activities/${a.id}/checkin`, { token: s.staffA, body: { code } });
    await refused(s.bank, 403, "forbidden", "POST", `/v1/activities/${a.id}/checkin-code`, { token: s.staffB, body: {} });
    await refused(s.bank, 403, "forbidden", "POST", `/v1/activities/${a.id}/checkin-code`, { token: s.alice.token, body: {} });
    await ok(s.bank, 201, "POST", `/v1/activities/${a.id}/checkin`, { token: s.alice.token, body: { code } });
    await refused(s.bank, 409, "limit_reached", "POST", `/v1/activities/${a.id}/checkin`, { token: s.bob.token, body: { code } });
    s.bank.clock.set("2026-03-01T06:00:00.000Z");
    const alice = await s.bank.token({ role: "member", memberId: s.alice.id, communityId: s.a.id });
    await refused(s.bank, 409, "checkin_closed", "POST", `/v1/activities/${a.id}/checkout`, { token: alice, body: { code } });
    await refused(s.bank, 409, "checkin_closed", "POST", `/v1/activities/${a.id}/checkin-code`, { token: await s.bank.token({ role: "staff", communityId: s.a.id }), body: {} });
  });
});
