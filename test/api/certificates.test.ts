import { describe, expect, it } from "vitest";
import { earningScene, ok, refused, type EarningScene } from "../helpers/earning";

// 志愿服务记录证明: issued by staff of the member's community for a period, numbered, its facts
// fixed at issue, verified by anyone by number (exactly what the paper shows), revoked by an
// administrator. The clock stands at 2026-03-01T08:00Z: 16:00 in Beijing.

/** alice served two outings (3 h on 1 March, 2 h on 28 February) and has 1.5 h back-filled for 20 February. */
async function served(s: EarningScene) {
  const cat = await ok(s.bank, 201, "POST", "/v1/service-categories", { token: s.bank.admin, body: { code: "elder_care", name: "助老服务" } });
  const first = await ok(s.bank, 201, "POST", "/v1/activities", {
    token: s.staffA,
    body: { title: "助老探访", startAt: "2026-03-01T01:00:00.000Z", endAt: "2026-03-01T04:00:00.000Z", place: "东门活动室", categoryId: cat.id },
  });
  const second = await ok(s.bank, 201, "POST", "/v1/activities", {
    token: s.staffA,
    body: { title: "清扫广场", startAt: "2026-02-28T01:00:00.000Z", endAt: "2026-02-28T03:00:00.000Z", place: "东门广场" },
  });
  for (const [a, minutes] of [
    [first, 180],
    [second, 120],
  ] as const) {
    await ok(s.bank, 201, "POST", `/v1/activities/${a.id}/attendance`, { token: s.staffA, body: { entries: [{ memberId: s.alice.id, minutes }] } });
    await ok(s.bank, 200, "POST", `/v1/activities/${a.id}/approve`, { token: s.staffA });
  }
  const late = await ok(s.bank, 201, "POST", "/v1/service-records", {
    token: s.staffA,
    body: { memberId: s.alice.id, date: "2026-02-20", minutes: 90, description: "陪老人就医" },
  });
  expect(late.method).toBe("backfill");
  const approved = await ok(s.bank, 200, "POST", `/v1/service-records/${late.id}/approve`, { token: s.staffA, body: {} });
  // a record outside the period, and one still pending, are not certified
  const early = await ok(s.bank, 201, "POST", "/v1/service-records", { token: s.staffA, body: { memberId: s.alice.id, date: "2026-01-10", minutes: 60, description: "早前服务" } });
  await ok(s.bank, 200, "POST", `/v1/service-records/${early.id}/approve`, { token: s.staffA, body: {} });
  await ok(s.bank, 201, "POST", "/v1/service-records", { token: s.staffA, body: { memberId: s.alice.id, date: "2026-02-25", minutes: 45, description: "待审核" } });
  return { first, second, late: approved };
}

const issue = (s: EarningScene, body: Record<string, unknown> = {}, token = s.staffA, memberId = s.alice.id) =>
  s.bank.call("POST", `/v1/members/${memberId}/certificates`, { token, body: { from: "2026-02-01", to: "2026-03-01", ...body } });

describe("issuing a certificate", () => {
  it("certifies the approved service of the period, numbered, with the issuer, and back-filled hours as what they are", async () => {
    const s = await earningScene();
    await served(s);
    const res = await issue(s, { personInCharge: "张主任", contact: "0571-88880000" });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const c = res.body;
    expect(c.number).toMatch(/^CS-ZM-2026-00001-[0-9A-HJKMNP-TV-Z]{4}$/);
    expect(c).toMatchObject({
      memberId: s.alice.id,
      memberName: "王建国",
      from: "2026-02-01",
      to: "2026-03-01",
      minutes: 390,
      backfillMinutes: 90,
      issuer: { community: "东门社区", personInCharge: "张主任", contact: "0571-88880000" },
      issuedAt: "2026-03-01T08:00:00.000Z",
      revoked: false,
      changedAfterIssue: false,
    });
    expect(c.issuer.handler).toMatch(/^staff/);
    expect(c.activities).toEqual([
      { title: "陪老人就医", date: "2026-02-20", minutes: 90, category: null, method: "backfill", changedAfterIssue: false },
      { title: "清扫广场", date: "2026-02-28", minutes: 120, category: null, method: "staff_entry", changedAfterIssue: false },
      { title: "助老探访", date: "2026-03-01", minutes: 180, category: "助老服务", method: "staff_entry", changedAfterIssue: false },
    ]);
    expect(c.verifyUrl).toMatch(new RegExp(`/certificates/${c.number}$`));
    // the next one of the year takes the next number; the register lists both, newest first
    const again = await ok(s.bank, 201, "POST", `/v1/members/${s.alice.id}/certificates`, { token: s.bank.admin, body: { from: "2026-01-01", to: "2026-01-31" } });
    expect(again.number).toMatch(/^CS-ZM-2026-00002-/);
    // entered seven weeks late: back-filled too
    expect(again).toMatchObject({ minutes: 60, backfillMinutes: 60 });
    const register = await ok(s.bank, 200, "GET", `/v1/members/${s.alice.id}/certificates`, { token: s.staffA });
    expect(register.items.map((x: { number: string }) => x.number)).toEqual([again.number, c.number]);
    expect(register.items[1].issuedBy).toBeTruthy();
    expect(await ok(s.bank, 200, "GET", `/v1/certificates/${c.id}`, { token: s.alice.token })).toEqual(c);
  });

  it("refuses a period that is backwards, in the future or before 2000, and a period with nothing to certify", async () => {
    const s = await earningScene();
    await served(s);
    for (const body of [{ from: "2026-03-01", to: "2026-02-01" }, { to: "2026-03-02" }, { from: "1999-12-31" }, { from: "2026-02-30" }, { extra: 1 }]) {
      const res = await issue(s, body);
      expect({ status: res.status, code: res.body.error?.code }, JSON.stringify(body)).toEqual({ status: 400, code: "validation_failed" });
    }
    await refused(s.bank, 409, "conflict", "POST", `/v1/members/${s.bob.id}/certificates`, { token: s.staffA, body: { from: "2026-02-01", to: "2026-03-01" } });
    await refused(s.bank, 404, "not_found", "POST", "/v1/members/NOPE/certificates", { token: s.staffA, body: { from: "2026-02-01", to: "2026-03-01" } });
    expect((await s.bank.db.client.execute("SELECT COUNT(*) AS n FROM certificates")).rows[0]!.n).toBe(0);
  });

  it("today is the bank's: at 16:30 UTC on 1 March it is 2 March in Beijing, so a period to 2 March is allowed", async () => {
    const s = await earningScene();
    await served(s);
    s.bank.clock.set("2026-03-01T16:30:00.000Z");
    const staff = await s.bank.token({ role: "staff", communityId: s.a.id });
    const c = await ok(s.bank, 201, "POST", `/v1/members/${s.alice.id}/certificates`, { token: staff, body: { from: "2026-02-01", to: "2026-03-02" } });
    expect(c.minutes).toBe(390);
    await refused(s.bank, 400, "validation_failed", "POST", `/v1/members/${s.alice.id}/certificates`, { token: staff, body: { from: "2026-02-01", to: "2026-03-03" } });
  });

  it("who may not issue or read: another community's staff, a member, nobody", async () => {
    const s = await earningScene();
    await served(s);
    await refused(s.bank, 403, "forbidden", "POST", `/v1/members/${s.alice.id}/certificates`, { token: s.staffB, body: { from: "2026-02-01", to: "2026-03-01" } });
    await refused(s.bank, 403, "forbidden", "POST", `/v1/members/${s.alice.id}/certificates`, { token: s.alice.token, body: { from: "2026-02-01", to: "2026-03-01" } });
    await refused(s.bank, 401, "unauthorized", "POST", `/v1/members/${s.alice.id}/certificates`, { body: { from: "2026-02-01", to: "2026-03-01" } });
    const c = (await issue(s)).body;
    await refused(s.bank, 403, "forbidden", "GET", `/v1/certificates/${c.id}`, { token: s.staffB });
    await refused(s.bank, 403, "forbidden", "GET", `/v1/certificates/${c.id}`, { token: s.bob.token });
    await refused(s.bank, 403, "forbidden", "GET", `/v1/members/${s.alice.id}/certificates`, { token: s.staffB });
    await refused(s.bank, 401, "unauthorized", "GET", `/v1/certificates/${c.id}`);
  });
});

describe("verifying and revoking", () => {
  it("anyone verifies by number and sees exactly the paper: no phone, passbook or login", async () => {
    const s = await earningScene();
    await served(s);
    await ok(s.bank, 200, "PATCH", `/v1/members/${s.alice.id}`, { token: s.staffA, body: { phone: "13812345678" } });
    const c = (await issue(s)).body;
    const res = await s.bank.call("GET", `/v1/public/certificates/${c.number}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-cache");
    expect(res.body).toEqual({
      number: c.number,
      valid: true,
      revoked: false,
      revokedAt: null,
      changedAfterIssue: false,
      memberName: "王建国",
      minutes: 390,
      backfillMinutes: 90,
      serviceStars: 0,
      from: "2026-02-01",
      to: "2026-03-01",
      activities: c.activities,
      issuer: c.issuer,
      issuedAt: c.issuedAt,
    });
    const text = JSON.stringify(res.body);
    for (const secret of ["13812345678", s.alice.passbookNo, s.alice.id, c.issuedBy]) expect(text).not.toContain(secret);
    // a number with the right sequence but the wrong check code is not found, nor is a made-up one
    const forged = c.number.replace(/-[0-9A-Z]{4}$/, c.number.endsWith("-0000") ? "-1111" : "-0000");
    await refused(s.bank, 404, "not_found", "GET", `/v1/public/certificates/${forged}`);
    await refused(s.bank, 404, "not_found", "GET", "/v1/public/certificates/CS-ZM-2026-00001");
  });

  it("the facts stay as issued; a record reversed after issue makes the verification say so", async () => {
    const s = await earningScene();
    const { first } = await served(s);
    const c = (await issue(s)).body;
    await ok(s.bank, 200, "PATCH", `/v1/members/${s.alice.id}`, { token: s.staffA, body: { name: "王建军" } });
    const record = (await ok(s.bank, 200, "GET", `/v1/service-records?activityId=${first.id}`, { token: s.staffA })).items[0];
    await ok(s.bank, 201, "POST", `/v1/transactions/${record.transactionId}/reverse`, { token: s.bank.admin, body: { reason: "未到场" } });
    const v = await ok(s.bank, 200, "GET", `/v1/public/certificates/${c.number}`);
    expect(v).toMatchObject({ valid: false, revoked: false, changedAfterIssue: true, memberName: "王建国", minutes: 390 });
    expect(v.activities.map((a: { changedAfterIssue: boolean }) => a.changedAfterIssue)).toEqual([false, false, true]);
    // a new certificate of the same period no longer counts the reversed hours
    expect((await issue(s)).body).toMatchObject({ memberName: "王建军", minutes: 210, changedAfterIssue: false });
  });

  it("an administrator revokes with a reason, once; staff and members may not", async () => {
    const s = await earningScene();
    await served(s);
    const c = (await issue(s)).body;
    await refused(s.bank, 403, "forbidden", "POST", `/v1/certificates/${c.id}/revoke`, { token: s.staffA, body: { reason: "录入错误" } });
    await refused(s.bank, 403, "forbidden", "POST", `/v1/certificates/${c.id}/revoke`, { token: s.alice.token, body: { reason: "录入错误" } });
    await refused(s.bank, 401, "unauthorized", "POST", `/v1/certificates/${c.id}/revoke`, { body: { reason: "录入错误" } });
    await refused(s.bank, 400, "validation_failed", "POST", `/v1/certificates/${c.id}/revoke`, { token: s.bank.admin, body: {} });
    await refused(s.bank, 404, "not_found", "POST", "/v1/certificates/NOPE/revoke", { token: s.bank.admin, body: { reason: "x" } });
    expect((await ok(s.bank, 200, "GET", `/v1/public/certificates/${c.number}`)).valid).toBe(true);
    s.bank.clock.advance(60_000);
    const revoked = await ok(s.bank, 200, "POST", `/v1/certificates/${c.id}/revoke`, { token: s.bank.admin, body: { reason: "时长登记有误" } });
    expect(revoked).toMatchObject({ revoked: true, revokedAt: "2026-03-01T08:01:00.000Z", revokeReason: "时长登记有误" });
    await refused(s.bank, 409, "certificate_revoked", "POST", `/v1/certificates/${c.id}/revoke`, { token: s.bank.admin, body: { reason: "再撤一次" } });
    const v = await ok(s.bank, 200, "GET", `/v1/public/certificates/${c.number}`);
    expect(v).toMatchObject({ valid: false, revoked: true, revokedAt: "2026-03-01T08:01:00.000Z" });
    // the reason is for the register, not the public
    expect(JSON.stringify(v)).not.toContain("时长登记有误");
    expect((await ok(s.bank, 200, "GET", `/v1/certificates/${c.id}`, { token: s.staffA })).revokeReason).toBe("时长登记有误");
  });
});
