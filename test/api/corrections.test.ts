import { beforeAll, describe, expect, it } from "vitest";
import { earningScene, ok, passbook, refused, wishBody, type EarningScene } from "../helpers/earning";
import { grantPoints } from "../helpers/spending";

// Corrections with a path (issue 18 §3): a wish corrected or redacted, a reversal asked and
// decided by another person, a member moved, a duplicate passbook merged.

let s: EarningScene;
beforeAll(async () => {
  s = await earningScene();
});

const newWish = (extra: Record<string, unknown> = {}) => ok(s.bank, 201, "POST", "/v1/wishes", { token: s.staffA, body: wishBody(extra) });

describe("PATCH /v1/wishes/:id", () => {
  it("staff correct title, description and beneficiary until it is confirmed; admin reads the originals", async () => {
    const w = await newWish();
    const res = await ok(s.bank, 200, "PATCH", `/v1/wishes/${w.id}`, {
      token: s.staffA,
      body: { title: "新书包（三年级）", beneficiary: { name: "张晓明", contact: "13900002222" } },
    });
    expect(res).toMatchObject({ title: "新书包（三年级）", description: w.description, beneficiary: { name: "张晓明", contact: "13900002222" } });
    expect((await ok(s.bank, 200, "GET", `/v1/wishes/${w.id}`, { token: s.staffA })).title).toBe("新书包（三年级）");
    const history = await ok(s.bank, 200, "GET", `/v1/wishes/${w.id}/corrections`, { token: s.bank.admin });
    expect(history.items.map((c: { field: string; original: string; replacement: string }) => [c.field, c.original, c.replacement])).toEqual([
      ["title", "新书包", "新书包（三年级）"],
      ["beneficiaryName", "张小明", "张晓明"],
      ["beneficiaryContact", "13900001111", "13900002222"],
    ]);
  });

  it("a confirmed wish is not corrected (409), but a name typed into its public title is redacted with a reason", async () => {
    const w = await newWish({ title: "给王小红买书包" });
    await ok(s.bank, 200, "POST", `/v1/wishes/${w.id}/claim`, { token: s.alice.token, body: {} });
    await ok(s.bank, 200, "POST", `/v1/wishes/${w.id}/fulfil`, { token: s.alice.token, body: { note: "已送到王小红家" } });
    await ok(s.bank, 200, "POST", `/v1/wishes/${w.id}/confirm`, { token: s.staffA, body: { satisfaction: 5 } });
    await refused(s.bank, 409, "conflict", "PATCH", `/v1/wishes/${w.id}`, { token: s.staffA, body: { title: "书包" } });
    const redacted = await ok(s.bank, 200, "PATCH", `/v1/wishes/${w.id}`, { token: s.staffA, body: { redact: { field: "title", reason: "标题含受助儿童姓名", replacement: "给一名三年级学生买书包" } } });
    expect(redacted.title).toBe("给一名三年级学生买书包");
    const note = await ok(s.bank, 200, "PATCH", `/v1/wishes/${w.id}`, { token: s.staffA, body: { redact: { field: "fulfilNote", reason: "含姓名" } } });
    expect(note.fulfilNote).toBe("（已隐去）");
    // public pages no longer show the name; the original stays for administrators only
    const home = await (await s.bank.app.request("/wishes")).text();
    expect(home).not.toContain("王小红");
    const history = await ok(s.bank, 200, "GET", `/v1/wishes/${w.id}/corrections`, { token: s.bank.admin });
    expect(history.items.map((c: { kind: string; original: string; reason: string }) => [c.kind, c.original, c.reason])).toEqual([
      ["redaction", "给王小红买书包", "标题含受助儿童姓名"],
      ["redaction", "已送到王小红家", "含姓名"],
    ]);
    await refused(s.bank, 403, "forbidden", "GET", `/v1/wishes/${w.id}/corrections`, { token: s.staffA });
    await refused(s.bank, 409, "conflict", "PATCH", `/v1/wishes/${w.id}`, { token: s.staffA, body: { redact: { field: "feedback", reason: "无" } } });
  });

  it("who may not: a member redacting, staff of another community; bad bodies are 400; unknown is 404", async () => {
    const w = await newWish();
    await refused(s.bank, 403, "forbidden", "PATCH", `/v1/wishes/${w.id}`, { token: s.alice.token, body: { redact: { field: "title", reason: "x" } } });
    await refused(s.bank, 403, "forbidden", "PATCH", `/v1/wishes/${w.id}`, { token: s.staffB, body: { title: "别的" } });
    for (const body of [{}, { status: "confirmed" }, { title: "a", redact: { field: "title", reason: "x" } }, { redact: { field: "beneficiaryName", reason: "x" } }]) {
      await refused(s.bank, 400, "validation_failed", "PATCH", `/v1/wishes/${w.id}`, { token: s.staffA, body });
    }
    await refused(s.bank, 404, "not_found", "PATCH", "/v1/wishes/nobody", { token: s.staffA, body: { title: "x" } });
    expect((await ok(s.bank, 200, "GET", `/v1/wishes/${w.id}`, { token: s.staffA })).title).toBe("新书包");
  });
});

describe("reversal requests (four-eyes)", () => {
  async function earning() {
    return (await grantPoints(s.bank, s.alice.id, 30)) as string;
  }

  it("staff ask with a reason, it shows on the worklist, another administrator approves: the reversal posts", async () => {
    const tx = await earning();
    const before = (await passbook(s.bank, s.alice.id)).balance;
    const req = await ok(s.bank, 201, "POST", `/v1/transactions/${tx}/reversal-request`, { token: s.staffA, body: { reason: "重复录入" } });
    expect(req).toMatchObject({ transactionId: tx, status: "pending", reason: "重复录入", communityId: s.a.id });
    await refused(s.bank, 409, "conflict", "POST", `/v1/transactions/${tx}/reversal-request`, { token: s.staffA, body: { reason: "again" } });
    const list = await ok(s.bank, 200, "GET", "/v1/reversal-requests", { token: s.staffA });
    expect(list.items.map((r: { id: string }) => r.id)).toContain(req.id);
    expect((await ok(s.bank, 200, "GET", "/v1/reversal-requests", { token: s.staffB })).items.map((r: { id: string }) => r.id)).not.toContain(req.id);
    expect((await passbook(s.bank, s.alice.id)).balance).toBe(before);
    const reversal = await ok(s.bank, 201, "POST", `/v1/transactions/${tx}/reversal-request/approve`, { token: s.bank.admin, body: {} });
    expect(reversal).toMatchObject({ kind: "reversal", reversesId: tx, memo: "冲正：重复录入" });
    expect((await passbook(s.bank, s.alice.id)).balance).toBe(before - 30);
    const approved = await ok(s.bank, 200, "GET", "/v1/reversal-requests?status=approved", { token: s.bank.admin });
    expect(approved.items.find((r: { id: string }) => r.id === req.id)).toMatchObject({ status: "approved", reversalId: reversal.id });
  });

  it("an administrator may not approve their own request (409 same_person), and nothing moves", async () => {
    const tx = await earning();
    const before = (await passbook(s.bank, s.alice.id)).balance;
    await ok(s.bank, 201, "POST", `/v1/transactions/${tx}/reversal-request`, { token: s.bank.admin, body: { reason: "录错了" } });
    await refused(s.bank, 409, "same_person", "POST", `/v1/transactions/${tx}/reversal-request/approve`, { token: s.bank.admin, body: {} });
    expect((await passbook(s.bank, s.alice.id)).balance).toBe(before);
    const other = await s.bank.token({ role: "admin" });
    await ok(s.bank, 201, "POST", `/v1/transactions/${tx}/reversal-request/approve`, { token: other, body: { note: "核实" } });
    expect((await passbook(s.bank, s.alice.id)).balance).toBe(before - 30);
  });

  it("rejection closes the request and moves nothing; who may not ask or decide", async () => {
    const tx = await earning();
    await refused(s.bank, 403, "forbidden", "POST", `/v1/transactions/${tx}/reversal-request`, { token: s.staffB, body: { reason: "x" } });
    await refused(s.bank, 403, "forbidden", "POST", `/v1/transactions/${tx}/reversal-request`, { token: s.alice.token, body: { reason: "x" } });
    await refused(s.bank, 404, "not_found", "POST", "/v1/transactions/nope/reversal-request", { token: s.staffA, body: { reason: "x" } });
    await refused(s.bank, 404, "not_found", "POST", `/v1/transactions/${tx}/reversal-request/approve`, { token: s.bank.admin, body: {} });
    await ok(s.bank, 201, "POST", `/v1/transactions/${tx}/reversal-request`, { token: s.staffA, body: { reason: "也许错了" } });
    await refused(s.bank, 403, "forbidden", "POST", `/v1/transactions/${tx}/reversal-request/approve`, { token: s.staffA, body: {} });
    await refused(s.bank, 403, "forbidden", "POST", `/v1/transactions/${tx}/reversal-request/reject`, { token: s.staffA, body: { reason: "x" } });
    const rejected = await ok(s.bank, 200, "POST", `/v1/transactions/${tx}/reversal-request/reject`, { token: s.bank.admin, body: { reason: "核实无误" } });
    expect(rejected).toMatchObject({ status: "rejected", decisionNote: "核实无误" });
    await refused(s.bank, 404, "not_found", "POST", `/v1/transactions/${tx}/reversal-request/approve`, { token: s.bank.admin, body: {} });
    await refused(s.bank, 403, "forbidden", "GET", "/v1/reversal-requests", { token: s.alice.token });
  });
});

describe("POST /v1/members/:id/move", () => {
  it("moves a member with balance, history and stars; their old token ends, a new login sees the new community", async () => {
    const m = await s.bank.member(s.a.id, { name: "搬家会员" });
    await grantPoints(s.bank, m.id, 120);
    const before = await passbook(s.bank, m.id);
    const moved = await ok(s.bank, 200, "POST", `/v1/members/${m.id}/move`, { token: s.staffA, body: { communityId: s.b.id, reason: "搬到金川" } });
    expect(moved).toMatchObject({ id: m.id, communityId: s.b.id, passbookNo: m.passbookNo, earnedTotal: before.earnedTotal, stars: before.stars });
    const after = await passbook(s.bank, m.id);
    expect([after.balance, after.entries.length]).toEqual([before.balance, before.entries.length]);
    await refused(s.bank, 401, "unauthorized", "GET", `/v1/members/${m.id}/passbook`, { token: m.token });
    expect((await s.bank.call("GET", `/v1/members/${m.id}`, { token: s.staffB })).status).toBe(200);
    expect((await s.bank.call("GET", `/v1/members/${m.id}`, { token: s.staffA })).status).toBe(403);
  });

  it("who may not: staff of another community, a member; moving to the same or an unknown community", async () => {
    const m = await s.bank.member(s.a.id);
    await refused(s.bank, 403, "forbidden", "POST", `/v1/members/${m.id}/move`, { token: s.staffB, body: { communityId: s.b.id } });
    await refused(s.bank, 403, "forbidden", "POST", `/v1/members/${m.id}/move`, { token: m.token, body: { communityId: s.b.id } });
    await refused(s.bank, 409, "conflict", "POST", `/v1/members/${m.id}/move`, { token: s.staffA, body: { communityId: s.a.id } });
    await refused(s.bank, 404, "not_found", "POST", `/v1/members/${m.id}/move`, { token: s.staffA, body: { communityId: "nowhere" } });
  });
});

describe("POST /v1/members/:id/merge", () => {
  it("moves the duplicate's points in the ledger, adds its earned total, disables its login, keeps both histories", async () => {
    const right = await s.bank.member(s.a.id, { name: "陈大伯" });
    const dup = await s.bank.member(s.a.id, { name: "陈大伯" });
    await grantPoints(s.bank, right.id, 50);
    await grantPoints(s.bank, dup.id, 70);
    const dupBefore = await passbook(s.bank, dup.id);
    const res = await ok(s.bank, 200, "POST", `/v1/members/${right.id}/merge`, { token: s.staffA, body: { duplicateMemberId: dup.id, reason: "重复开户" } });
    expect(res).toMatchObject({ into: { id: right.id }, duplicate: { id: dup.id, closed: true }, points: 70, earnedTotal: 70 });
    const r = await passbook(s.bank, right.id);
    const d = await passbook(s.bank, dup.id);
    expect([r.balance, r.earnedTotal, d.balance]).toEqual([120, 120, 0]);
    expect(d.entries.length).toBe(dupBefore.entries.length + 1);
    await refused(s.bank, 403, "user_disabled", "GET", "/v1/me", { token: dup.token });
    await refused(s.bank, 409, "conflict", "POST", `/v1/members/${right.id}/merge`, { token: s.staffA, body: { duplicateMemberId: dup.id } });
    const tx = await ok(s.bank, 200, "GET", `/v1/transactions/${res.transactionId}`, { token: s.bank.admin });
    expect(tx).toMatchObject({ kind: "passbook_merge" });
  });

  it("who may not: staff of another community, a member; itself is 400, unknown 404", async () => {
    const right = await s.bank.member(s.a.id);
    const dup = await s.bank.member(s.a.id);
    await refused(s.bank, 403, "forbidden", "POST", `/v1/members/${right.id}/merge`, { token: s.staffB, body: { duplicateMemberId: dup.id } });
    await refused(s.bank, 403, "forbidden", "POST", `/v1/members/${right.id}/merge`, { token: right.token, body: { duplicateMemberId: dup.id } });
    await refused(s.bank, 400, "validation_failed", "POST", `/v1/members/${right.id}/merge`, { token: s.staffA, body: { duplicateMemberId: right.id } });
    await refused(s.bank, 404, "not_found", "POST", `/v1/members/${right.id}/merge`, { token: s.staffA, body: { duplicateMemberId: "nobody" } });
  });
});
