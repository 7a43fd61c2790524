import { describe, expect, it } from "vitest";
import { earningScene, ok, refused, wishBody } from "../helpers/earning";
import { grantPoints, merchantWithType } from "../helpers/spending";

// The reads the staff console needs: members found by name, phone or passbook number; lists that
// name people; the worklist of what the office has to do next.

describe("GET /v1/members?q=", () => {
  it("finds members by part of the name, part of the phone, or the passbook number, only in the staff's community", async () => {
    const s = await earningScene();
    const { bank } = s;
    await ok(bank, 200, "PATCH", `/v1/members/${s.bob.id}`, { token: s.staffA, body: { phone: "13912345678" } });
    const names = async (q: string, token = s.staffA) =>
      ((await ok(bank, 200, "GET", `/v1/members?q=${encodeURIComponent(q)}`, { token })).items as { name: string }[]).map((m) => m.name);
    expect(await names("建国")).toEqual(["王建国"]);
    expect(await names("2345")).toEqual(["李秀英"]);
    expect(await names(s.alice.passbookNo)).toEqual(["王建国"]);
    expect(await names(s.alice.passbookNo.toLowerCase())).toEqual(["王建国"]);
    expect(await names(String(Number(s.bob.passbookNo.slice(3))))).toEqual(["李秀英"]);
    // Community B's member is not found by community A's staff, even by her exact name.
    expect(await names("刘芳")).toEqual([]);
    expect(await names("刘芳", s.staffB)).toEqual(["刘芳"]);
    expect(await names("刘芳", bank.admin)).toEqual(["刘芳"]);
    // Wildcards are taken literally.
    expect(await names("%")).toEqual([]);
    expect(await names("_")).toEqual([]);
  });

  it("pages a search and refuses a query that is too long", async () => {
    const s = await earningScene();
    const first = await ok(s.bank, 200, "GET", "/v1/members?q=%E6%9D%8E&limit=1", { token: s.bank.admin });
    expect(first.items).toHaveLength(1);
    await refused(s.bank, 400, "validation_failed", "GET", `/v1/members?q=${"x".repeat(51)}`, { token: s.staffA });
    await refused(s.bank, 403, "forbidden", "GET", "/v1/members?q=x", { token: s.alice.token });
  });
});

describe("lists name people", () => {
  it("wishes carry the claimer's name and passbook number; service records their member's", async () => {
    const s = await earningScene();
    const { bank } = s;
    const wish = await ok(bank, 201, "POST", "/v1/wishes", { token: s.staffA, body: wishBody() });
    await ok(bank, 200, "POST", `/v1/wishes/${wish.id}/claim`, { token: s.staffA, body: { memberId: s.alice.id } });
    const wishes = await ok(bank, 200, "GET", "/v1/wishes", { token: s.staffA });
    expect(wishes.items[0]).toMatchObject({ id: wish.id, claimedByName: "王建国", claimedByPassbookNo: s.alice.passbookNo });
    const activity = await ok(bank, 201, "POST", "/v1/activities", { token: s.staffA, body: { title: "敬老院探访", date: "2026-03-01", place: "敬老院" } });
    await ok(bank, 201, "POST", "/v1/service-records", {
      token: s.staffA,
      body: { memberId: s.bob.id, activityId: activity.id, date: "2026-03-01", minutes: 120, description: "陪老人聊天" },
    });
    await ok(bank, 201, "POST", "/v1/service-records", { token: s.staffA, body: { memberId: s.alice.id, date: "2026-03-01", minutes: 60, description: "打扫" } });
    const records = await ok(bank, 200, "GET", `/v1/service-records?activityId=${activity.id}`, { token: s.staffA });
    expect(records.items).toEqual([expect.objectContaining({ memberName: "李秀英", passbookNo: s.bob.passbookNo, activityId: activity.id })]);
  });
});

describe("GET /v1/worklist", () => {
  it("lists what the office has to do next, with names, counted, for the staff's own community", async () => {
    const s = await earningScene({ clockStart: "2026-03-01T08:00:00.000Z" });
    const { bank } = s;
    const make = (extra: Record<string, unknown> = {}, token = s.staffA) => ok(bank, 201, "POST", "/v1/wishes", { token, body: wishBody(extra) });
    const toConfirm = await make({ title: "轮椅" });
    await ok(bank, 200, "POST", `/v1/wishes/${toConfirm.id}/claim`, { token: s.staffA, body: { memberId: s.alice.id } });
    await ok(bank, 200, "POST", `/v1/wishes/${toConfirm.id}/fulfil`, { token: s.staffA, body: {} });
    const due = await make({ title: "台灯", deadline: "2026-03-02" });
    await ok(bank, 200, "POST", `/v1/wishes/${due.id}/claim`, { token: s.staffA, body: { memberId: s.bob.id } });
    const overdue = await make({ title: "冬衣", deadline: "2026-03-01T12:00:00.000Z" });
    await make({ title: "别的社区的心愿", deadline: "2026-03-01T12:00:00.000Z" }, s.staffB);
    await ok(bank, 201, "POST", "/v1/service-records", { token: s.staffA, body: { memberId: s.bob.id, date: "2026-02-28", minutes: 90, description: "社区巡逻" } });
    await ok(bank, 201, "POST", "/v1/service-records", { token: s.staffB, body: { memberId: s.carol.id, date: "2026-02-28", minutes: 30, description: "B 的记录" } });
    const type = await merchantWithType(bank, { pointsCost: 10, stock: 3, validDays: 5 });
    await grantPoints(bank, s.alice.id, 50);
    await ok(bank, 201, "POST", "/v1/vouchers", { token: s.staffA, body: { voucherTypeId: type.typeId, memberId: s.alice.id } });
    bank.clock.set("2026-03-01T13:00:00.000Z"); // past the overdue wish's deadline

    const w = await ok(bank, 200, "GET", "/v1/worklist", { token: s.staffA });
    expect(w.wishesToConfirm).toEqual({ count: 1, items: [expect.objectContaining({ id: toConfirm.id, title: "轮椅", claimedByName: "王建国" })] });
    expect(w.claimsDue).toEqual({ count: 1, items: [expect.objectContaining({ id: due.id, claimedByName: "李秀英" })] });
    expect(w.openWishesOverdue).toEqual({ count: 1, items: [expect.objectContaining({ id: overdue.id, title: "冬衣" })] });
    expect(w.pendingServiceRecords).toEqual({ count: 1, items: [expect.objectContaining({ memberName: "李秀英", minutes: 90 })] });
    expect(w.vouchersExpiring).toEqual({ count: 1, items: [expect.objectContaining({ memberName: "王建国", passbookNo: s.alice.passbookNo })] });
    expect(w.lowVoucherStock.items).toEqual([expect.objectContaining({ id: type.typeId, stock: 2 })]);
    expect(JSON.stringify(w)).not.toContain("B 的记录");
    expect(JSON.stringify(w)).not.toContain("别的社区");

    const all = await ok(bank, 200, "GET", "/v1/worklist", { token: bank.admin });
    expect(all.pendingServiceRecords.count).toBe(2);
    const onlyA = await ok(bank, 200, "GET", `/v1/worklist?communityId=${s.a.id}`, { token: bank.admin });
    expect(onlyA.pendingServiceRecords.count).toBe(1);
    // Staff cannot widen their scope with ?communityId=.
    expect((await ok(bank, 200, "GET", `/v1/worklist?communityId=${s.b.id}`, { token: s.staffA })).pendingServiceRecords.count).toBe(1);
  });

  it("is for staff and admin only, and takes no unknown parameters", async () => {
    const s = await earningScene();
    await refused(s.bank, 403, "forbidden", "GET", "/v1/worklist", { token: s.alice.token });
    await refused(s.bank, 401, "unauthorized", "GET", "/v1/worklist");
    await refused(s.bank, 400, "validation_failed", "GET", "/v1/worklist?limit=5", { token: s.staffA });
  });
});
