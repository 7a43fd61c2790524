import { beforeAll, describe, expect, it } from "vitest";
import { caller } from "../../src/http/caller";
import { createApp } from "../../src/app";
import { DAY_MS } from "../../src/clock";
import { runScheduledJobs } from "../../src/jobs";
import { sealPending } from "../../src/ledger/chain";
import { counter, earningScene, ok, passbook, refused, wishBody, type EarningScene } from "../helpers/earning";
import { TEST_JWT_SECRET } from "../helpers/setup";
import { grantPoints } from "../helpers/spending";

let s: EarningScene;
beforeAll(async () => {
  s = await earningScene();
});

const newWish = async (extra: Record<string, unknown> = {}, token = s.staffA) => ok(s.bank, 201, "POST", "/v1/wishes", { token, body: wishBody(extra) });
const act = (id: string, action: string, token: string, body: unknown = {}) => s.bank.call("POST", `/v1/wishes/${id}/${action}`, { token, body });
const claimed = async () => {
  const w = await newWish();
  await ok(s.bank, 200, "POST", `/v1/wishes/${w.id}/claim`, { token: s.alice.token, body: {} });
  return w;
};
const fulfilled = async () => {
  const w = await claimed();
  await ok(s.bank, 200, "POST", `/v1/wishes/${w.id}/fulfil`, { token: s.alice.token, body: {} });
  return w;
};

describe("micro-wish life cycle", () => {
  it("open → claimed → fulfilled → confirmed credits the claimer, keeps counters and the history", async () => {
    const { bank } = s;
    const [collected, fulfilledCount, confirmed] = [await counter(bank, "wishes_collected"), await counter(bank, "wishes_fulfilled"), await counter(bank, "wishes_confirmed")];
    const before = (await passbook(bank, s.alice.id)).balance;
    bank.clock.set("2026-03-01T08:30:00.000Z");
    const w = await newWish({ deadline: "2026-04-30" });
    expect(w).toMatchObject({
      status: "open",
      communityId: s.a.id,
      beneficiaryGroup: "left_behind_child",
      beneficiary: { name: "张小明", contact: "13900001111" },
      deadline: "2026-04-30T15:59:59.999Z", // the end of 30 April in Beijing
      estimatedValueFen: 8000,
    });
    expect(await counter(bank, "wishes_collected")).toBe(collected + 1);

    bank.clock.set("2026-03-01T09:00:00.000Z");
    const c = (await act(w.id, "claim", s.alice.token)).body;
    expect(c).toMatchObject({ status: "claimed", claimedBy: s.alice.id, claimedAt: "2026-03-01T09:00:00.000Z", claimDeadline: "2026-03-08T09:00:00.000Z" });
    expect(c.beneficiary).toBeNull();

    bank.clock.set("2026-03-01T10:00:00.000Z");
    const f = (await act(w.id, "fulfil", s.alice.token, { note: "已送到家里", goodsValueFen: 7500 })).body;
    expect(f).toMatchObject({ status: "fulfilled", fulfilledAt: "2026-03-01T10:00:00.000Z", fulfilNote: "已送到家里", goodsValueFen: 7500 });
    expect(await counter(bank, "wishes_fulfilled")).toBe(fulfilledCount + 1);

    bank.clock.set("2026-03-01T11:00:00.000Z");
    const res = await act(w.id, "confirm", s.staffA, { satisfaction: 5, feedback: "孩子很喜欢" });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "confirmed", satisfaction: 5, feedback: "孩子很喜欢", pointsAwarded: 20, ruleVersion: 1 });
    expect(res.body.transactionId).toEqual(expect.any(String));
    expect(await counter(bank, "wishes_confirmed")).toBe(confirmed + 1);

    const pb = await passbook(bank, s.alice.id);
    expect(pb.balance).toBe(before + 20);
    expect(pb.entries[0]).toMatchObject({ transactionId: res.body.transactionId, kind: "wish_confirmed", amount: 20, at: "2026-03-01T11:00:00.000Z" });

    const detail = await ok(bank, 200, "GET", `/v1/wishes/${w.id}`, { token: s.staffA });
    expect(detail.events.map((e: { fromStatus: string | null; toStatus: string; at: string }) => [e.fromStatus, e.toStatus, e.at])).toEqual([
      [null, "open", "2026-03-01T08:30:00.000Z"],
      ["open", "claimed", "2026-03-01T09:00:00.000Z"],
      ["claimed", "fulfilled", "2026-03-01T10:00:00.000Z"],
      ["fulfilled", "confirmed", "2026-03-01T11:00:00.000Z"],
    ]);
    expect(detail.events[1].actor).toMatch(/^m/); // the member's username
    expect(detail.events[3].actor).toMatch(/^staff/);
    expect(detail.events[1].actorUserId).not.toBe(detail.events[3].actorUserId);
    const tx = await bank.db.client.execute({ sql: "SELECT rule_version, ref_type, ref_id FROM ledger_transactions WHERE id = ?", args: [res.body.transactionId] });
    expect(tx.rows[0]).toMatchObject({ rule_version: 1, ref_type: "wish", ref_id: w.id });
  });

  it("staff claim on behalf of a member of the community, fulfil and confirm", async () => {
    const w = await newWish({ kind: "service", beneficiaryGroup: "elderly" });
    const c = (await act(w.id, "claim", s.staffA, { memberId: s.bob.id })).body;
    expect(c).toMatchObject({ status: "claimed", claimedBy: s.bob.id, beneficiary: { name: "张小明" } });
    expect((await act(w.id, "fulfil", s.staffA)).body.status).toBe("fulfilled");
    const before = (await passbook(s.bank, s.bob.id)).balance;
    expect((await act(w.id, "confirm", s.staffA, { satisfaction: 3 })).body.status).toBe("confirmed");
    expect((await passbook(s.bank, s.bob.id)).balance).toBe(before + 20);
  });

  it("a claim is released by the claimer or by staff, and the wish can be claimed again", async () => {
    const w = await claimed();
    const r = (await act(w.id, "release", s.alice.token)).body;
    expect(r).toMatchObject({ status: "open", claimedBy: null, claimDeadline: null });
    expect((await act(w.id, "claim", s.bob.token)).body.claimedBy).toBe(s.bob.id);
    expect((await act(w.id, "release", s.staffA)).body.status).toBe("open");
    const events = (await ok(s.bank, 200, "GET", `/v1/wishes/${w.id}`, { token: s.staffA })).events;
    expect(events.map((e: { toStatus: string }) => e.toStatus)).toEqual(["open", "claimed", "open", "claimed", "open"]);
  });

  it("an open wish can be cancelled by staff, with a reason in its history", async () => {
    const w = await newWish();
    const c = (await act(w.id, "cancel", s.staffA, { reason: "家属已自行解决" })).body;
    expect(c.status).toBe("cancelled");
    const events = (await ok(s.bank, 200, "GET", `/v1/wishes/${w.id}`, { token: s.bank.admin })).events;
    expect(events[1]).toMatchObject({ fromStatus: "open", toStatus: "cancelled", note: "家属已自行解决" });
  });

  it("an administrator registers a wish in a named community", async () => {
    const w = await newWish({ communityId: s.b.id }, s.bank.admin);
    expect(w.communityId).toBe(s.b.id);
    await refused(s.bank, 404, "not_found", "POST", "/v1/wishes", { token: s.bank.admin, body: wishBody({ communityId: "nope" }) });
  });
});

describe("transitions the life cycle does not allow are 409 with a code that names them", () => {
  it("open wish: no release, fulfil or confirm", async () => {
    const w = await newWish();
    await refused(s.bank, 409, "wish_not_claimed", "POST", `/v1/wishes/${w.id}/release`, { token: s.staffA, body: {} });
    await refused(s.bank, 409, "wish_not_claimed", "POST", `/v1/wishes/${w.id}/fulfil`, { token: s.staffA, body: {} });
    await refused(s.bank, 409, "wish_not_fulfilled", "POST", `/v1/wishes/${w.id}/confirm`, { token: s.staffA, body: { satisfaction: 5 } });
  });

  it("claimed wish: no second claim, no cancel, no confirm; another member may not fulfil or release it", async () => {
    const w = await claimed();
    await refused(s.bank, 409, "wish_not_open", "POST", `/v1/wishes/${w.id}/claim`, { token: s.bob.token, body: {} });
    await refused(s.bank, 409, "wish_not_open", "POST", `/v1/wishes/${w.id}/cancel`, { token: s.staffA, body: {} });
    await refused(s.bank, 409, "wish_not_fulfilled", "POST", `/v1/wishes/${w.id}/confirm`, { token: s.staffA, body: { satisfaction: 4 } });
    await refused(s.bank, 409, "claim_not_yours", "POST", `/v1/wishes/${w.id}/fulfil`, { token: s.bob.token, body: {} });
    await refused(s.bank, 409, "claim_not_yours", "POST", `/v1/wishes/${w.id}/release`, { token: s.bob.token, body: {} });
  });

  it("fulfilled wish: no claim, release, fulfil or cancel", async () => {
    const w = await fulfilled();
    await refused(s.bank, 409, "wish_not_open", "POST", `/v1/wishes/${w.id}/claim`, { token: s.bob.token, body: {} });
    await refused(s.bank, 409, "wish_not_claimed", "POST", `/v1/wishes/${w.id}/release`, { token: s.alice.token, body: {} });
    await refused(s.bank, 409, "wish_not_claimed", "POST", `/v1/wishes/${w.id}/fulfil`, { token: s.alice.token, body: {} });
    await refused(s.bank, 409, "wish_not_open", "POST", `/v1/wishes/${w.id}/cancel`, { token: s.staffA, body: {} });
  });

  it("confirmed and cancelled wishes accept nothing more", async () => {
    const done = await fulfilled();
    await ok(s.bank, 200, "POST", `/v1/wishes/${done.id}/confirm`, { token: s.staffA, body: { satisfaction: 4 } });
    await refused(s.bank, 409, "wish_not_fulfilled", "POST", `/v1/wishes/${done.id}/confirm`, { token: s.staffA, body: { satisfaction: 4 } });
    await refused(s.bank, 409, "wish_not_claimed", "POST", `/v1/wishes/${done.id}/fulfil`, { token: s.staffA, body: {} });
    await refused(s.bank, 409, "wish_not_open", "POST", `/v1/wishes/${done.id}/claim`, { token: s.alice.token, body: {} });
    const gone = await newWish();
    await ok(s.bank, 200, "POST", `/v1/wishes/${gone.id}/cancel`, { token: s.staffA, body: {} });
    await refused(s.bank, 409, "wish_not_open", "POST", `/v1/wishes/${gone.id}/cancel`, { token: s.staffA, body: {} });
    await refused(s.bank, 409, "wish_not_open", "POST", `/v1/wishes/${gone.id}/claim`, { token: s.alice.token, body: {} });
    await refused(s.bank, 409, "wish_not_claimed", "POST", `/v1/wishes/${gone.id}/release`, { token: s.staffA, body: {} });
  });

  it("two confirms at once credit once; two claims at once give the wish to one member", async () => {
    const w = await fulfilled();
    const before = (await passbook(s.bank, s.alice.id)).balance;
    const confirms = await Promise.all([1, 2, 3].map(() => act(w.id, "confirm", s.staffA, { satisfaction: 5 })));
    expect(confirms.map((r) => r.status).sort()).toEqual([200, 409, 409]);
    expect(confirms.filter((r) => r.status === 409).every((r) => r.body.error.code === "wish_not_fulfilled")).toBe(true);
    expect((await passbook(s.bank, s.alice.id)).balance).toBe(before + 20);
    const txs = await s.bank.db.client.execute({ sql: "SELECT COUNT(*) AS n FROM ledger_transactions WHERE ref_type = 'wish' AND ref_id = ?", args: [w.id] });
    expect(Number(txs.rows[0]!.n)).toBe(1);

    const open = await newWish();
    const claims = await Promise.all([s.alice, s.bob].map((m) => act(open.id, "claim", m.token)));
    expect(claims.map((r) => r.status).sort()).toEqual([200, 409]);
    const winner = claims.find((r) => r.status === 200)!.body.claimedBy;
    expect((await ok(s.bank, 200, "GET", `/v1/wishes/${open.id}`, { token: s.staffA })).claimedBy).toBe(winner);
  });

  it("a confirm with an Idempotency-Key is replayed, not repeated; the key with another request is refused", async () => {
    const w = await fulfilled();
    const before = (await passbook(s.bank, s.alice.id)).balance;
    const headers = { "idempotency-key": `confirm-${w.id}` };
    const first = await s.bank.call("POST", `/v1/wishes/${w.id}/confirm`, { token: s.staffA, body: { satisfaction: 5 }, headers });
    const again = await s.bank.call("POST", `/v1/wishes/${w.id}/confirm`, { token: s.staffA, body: { satisfaction: 5 }, headers });
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body).toEqual(first.body);
    expect((await passbook(s.bank, s.alice.id)).balance).toBe(before + 20);
    await refused(s.bank, 409, "wish_not_fulfilled", "POST", `/v1/wishes/${w.id}/confirm`, { token: s.staffA, body: { satisfaction: 5 } });
    const other = await s.bank.call("POST", `/v1/wishes/${w.id}/confirm`, { token: s.staffA, body: { satisfaction: 1 }, headers });
    expect(other.body.error.code).toBe("idempotency_key_reused");
  });

  it("a confirm costs one round-trip once the isolate holds the rule versions", async () => {
    const w = await fulfilled();
    // The first credit of an isolate reads the rule versions (src/domain/rule-cache.ts); later ones do not.
    expect((await act((await fulfilled()).id, "confirm", s.staffA, { satisfaction: 5 })).status).toBe(200);
    await s.bank.settle();
    // What sealing one transaction costs, measured rather than assumed, so only the request is counted.
    await grantPoints(s.bank, s.bob.id, 1);
    s.bank.roundTrips.reset();
    await sealPending(s.bank.db);
    const sealingOne = s.bank.roundTrips.count();
    s.bank.roundTrips.reset();
    expect((await act(w.id, "confirm", s.staffA, { satisfaction: 4 })).status).toBe(200);
    await s.bank.settle();
    expect(s.bank.roundTrips.count() - sealingOne).toBe(1);
  });
});

describe("bad input is refused and changes nothing", () => {
  it.each([
    ["an unknown field", { extra: 1 }],
    ["an unknown beneficiary group", { beneficiaryGroup: "rich" }],
    ["a negative estimated value", { estimatedValueFen: -1 }],
    ["a fractional estimated value", { estimatedValueFen: 1.5 }],
    ["an over-long title", { title: "愿".repeat(101) }],
    ["an empty title", { title: "  " }],
    ["a beneficiary without a name", { beneficiary: { contact: "139" } }],
    ["an unknown field in the beneficiary", { beneficiary: { name: "x", address: "secret" } }],
    ["a deadline that is not a date", { deadline: "next week" }],
    ["a deadline in the past", { deadline: "2020-01-01" }],
    ["an unknown kind", { kind: "money" }],
  ])("creating with %s → 400", async (_what, extra) => {
    const before = await counter(s.bank, "wishes_collected");
    await refused(s.bank, 400, "validation_failed", "POST", "/v1/wishes", { token: s.staffA, body: wishBody(extra) });
    expect(await counter(s.bank, "wishes_collected")).toBe(before);
  });

  it("confirm needs a satisfaction of 1 to 5; actions reject unknown fields; admin names a community", async () => {
    const w = await fulfilled();
    for (const satisfaction of [0, 6, 3.5, "5"]) {
      await refused(s.bank, 400, "validation_failed", "POST", `/v1/wishes/${w.id}/confirm`, { token: s.staffA, body: { satisfaction } });
    }
    await refused(s.bank, 400, "validation_failed", "POST", `/v1/wishes/${w.id}/confirm`, { token: s.staffA, body: {} });
    await refused(s.bank, 400, "validation_failed", "POST", `/v1/wishes/${w.id}/release`, { token: s.staffA, body: { force: true } });
    await refused(s.bank, 400, "validation_failed", "POST", `/v1/wishes/${w.id}/fulfil`, { token: s.staffA, body: { goodsValueFen: 0 } });
    await refused(s.bank, 400, "validation_failed", "POST", "/v1/wishes", { token: s.bank.admin, body: wishBody() });
    const open = await newWish();
    await refused(s.bank, 400, "validation_failed", "POST", `/v1/wishes/${open.id}/claim`, { token: s.staffA, body: {} });
    await refused(s.bank, 400, "validation_failed", "GET", "/v1/wishes?status=lost", { token: s.staffA });
    expect((await ok(s.bank, 200, "GET", `/v1/wishes/${w.id}`, { token: s.staffA })).status).toBe("fulfilled");
  });

  it("unknown wishes and members are 404", async () => {
    await refused(s.bank, 404, "not_found", "GET", "/v1/wishes/NOPE", { token: s.staffA });
    await refused(s.bank, 404, "not_found", "POST", "/v1/wishes/NOPE/claim", { token: s.alice.token, body: {} });
    await refused(s.bank, 404, "not_found", "POST", "/v1/wishes/NOPE/confirm", { token: s.staffA, body: { satisfaction: 5 } });
    const w = await newWish();
    await refused(s.bank, 404, "not_found", "POST", `/v1/wishes/${w.id}/claim`, { token: s.staffA, body: { memberId: "NOPE" } });
  });
});

describe("who may do what", () => {
  it("no token is 401 everywhere", async () => {
    const w = await newWish();
    await refused(s.bank, 401, "unauthorized", "POST", "/v1/wishes", { body: wishBody() });
    await refused(s.bank, 401, "unauthorized", "GET", "/v1/wishes");
    await refused(s.bank, 401, "unauthorized", "GET", `/v1/wishes/${w.id}`);
    for (const action of ["claim", "release", "cancel", "fulfil"]) {
      await refused(s.bank, 401, "unauthorized", "POST", `/v1/wishes/${w.id}/${action}`, { body: {} });
    }
    await refused(s.bank, 401, "unauthorized", "POST", `/v1/wishes/${w.id}/confirm`, { body: { satisfaction: 5 } });
  });

  it("merchants may do nothing with wishes", async () => {
    const w = await newWish();
    await refused(s.bank, 403, "forbidden", "POST", "/v1/wishes", { token: s.merchant, body: wishBody({ communityId: s.a.id }) });
    await refused(s.bank, 403, "forbidden", "GET", "/v1/wishes", { token: s.merchant });
    await refused(s.bank, 403, "forbidden", "GET", `/v1/wishes/${w.id}`, { token: s.merchant });
    await refused(s.bank, 403, "forbidden", "POST", `/v1/wishes/${w.id}/claim`, { token: s.merchant, body: { memberId: s.alice.id } });
    await refused(s.bank, 403, "forbidden", "POST", `/v1/wishes/${w.id}/cancel`, { token: s.merchant, body: {} });
  });

  it("staff of another community may not see or act on the wish, nor register in another community", async () => {
    const w = await claimed();
    await refused(s.bank, 403, "forbidden", "POST", "/v1/wishes", { token: s.staffB, body: wishBody({ communityId: s.a.id }) });
    await refused(s.bank, 403, "forbidden", "GET", `/v1/wishes/${w.id}`, { token: s.staffB });
    await refused(s.bank, 403, "forbidden", "POST", `/v1/wishes/${w.id}/release`, { token: s.staffB, body: {} });
    await refused(s.bank, 403, "forbidden", "POST", `/v1/wishes/${w.id}/fulfil`, { token: s.staffB, body: {} });
    const open = await newWish();
    await refused(s.bank, 403, "forbidden", "POST", `/v1/wishes/${open.id}/claim`, { token: s.staffB, body: { memberId: s.carol.id } });
    await refused(s.bank, 403, "forbidden", "POST", `/v1/wishes/${open.id}/cancel`, { token: s.staffB, body: {} });
    const done = await fulfilled();
    await refused(s.bank, 403, "forbidden", "POST", `/v1/wishes/${done.id}/confirm`, { token: s.staffB, body: { satisfaction: 5 } });
    expect((await ok(s.bank, 200, "GET", `/v1/wishes/${done.id}`, { token: s.staffA })).status).toBe("fulfilled");
  });

  it("staff claim only for members of the wish's community", async () => {
    const open = await newWish();
    await refused(s.bank, 403, "forbidden", "POST", `/v1/wishes/${open.id}/claim`, { token: s.staffA, body: { memberId: s.carol.id } });
    await refused(s.bank, 403, "forbidden", "POST", `/v1/wishes/${open.id}/claim`, { token: s.bank.admin, body: { memberId: s.carol.id } });
  });

  it("a member claims only for themselves and only in their community, and may not register, cancel or confirm", async () => {
    const open = await newWish();
    await refused(s.bank, 403, "forbidden", "POST", `/v1/wishes/${open.id}/claim`, { token: s.alice.token, body: { memberId: s.bob.id } });
    await refused(s.bank, 403, "forbidden", "POST", `/v1/wishes/${open.id}/claim`, { token: s.carol.token, body: {} });
    await refused(s.bank, 403, "forbidden", "GET", `/v1/wishes/${open.id}`, { token: s.carol.token });
    await refused(s.bank, 403, "forbidden", "POST", "/v1/wishes", { token: s.alice.token, body: wishBody() });
    await refused(s.bank, 403, "forbidden", "POST", `/v1/wishes/${open.id}/cancel`, { token: s.alice.token, body: {} });
    const done = await fulfilled();
    await refused(s.bank, 403, "forbidden", "POST", `/v1/wishes/${done.id}/confirm`, { token: s.alice.token, body: { satisfaction: 5 } });
    const mine = await claimed();
    await refused(s.bank, 403, "forbidden", "POST", `/v1/wishes/${mine.id}/release`, { token: s.carol.token, body: {} });
    await refused(s.bank, 403, "forbidden", "GET", `/v1/wishes/${mine.id}`, { token: s.bob.token });
    expect((await ok(s.bank, 200, "GET", `/v1/wishes/${mine.id}`, { token: s.alice.token })).beneficiary).toBeNull();
  });
});

describe("lists", () => {
  it("staff see their community with the beneficiary; a member sees open wishes and their own claims, never the beneficiary", async () => {
    const scene = await earningScene();
    const { bank } = scene;
    const mk = (token: string, title: string) => ok(bank, 201, "POST", "/v1/wishes", { token, body: wishBody({ title }) });
    const w1 = await mk(scene.staffA, "一");
    const w2 = await mk(scene.staffA, "二");
    const w3 = await mk(scene.staffA, "三");
    const wb = await mk(scene.staffB, "乙");
    await ok(bank, 200, "POST", `/v1/wishes/${w2.id}/claim`, { token: scene.alice.token, body: {} });
    await ok(bank, 200, "POST", `/v1/wishes/${w3.id}/claim`, { token: scene.bob.token, body: {} });

    const ids = (body: { items: { id: string }[] }) => body.items.map((w) => w.id);
    const staffList = await ok(bank, 200, "GET", "/v1/wishes", { token: scene.staffA });
    expect(ids(staffList)).toEqual([w3.id, w2.id, w1.id]);
    expect(staffList.items[0].beneficiary).toEqual({ name: "张小明", contact: "13900001111" });
    expect(ids(await ok(bank, 200, "GET", "/v1/wishes?status=claimed", { token: scene.staffA }))).toEqual([w3.id, w2.id]);
    expect(ids(await ok(bank, 200, "GET", `/v1/wishes?communityId=${scene.a.id}`, { token: scene.staffB }))).toEqual([wb.id]);
    expect(ids(await ok(bank, 200, "GET", "/v1/wishes", { token: bank.admin }))).toEqual([wb.id, w3.id, w2.id, w1.id]);
    expect(ids(await ok(bank, 200, "GET", `/v1/wishes?communityId=${scene.b.id}`, { token: bank.admin }))).toEqual([wb.id]);

    const aliceList = await ok(bank, 200, "GET", "/v1/wishes", { token: scene.alice.token });
    expect(ids(aliceList)).toEqual([w2.id, w1.id]);
    expect(JSON.stringify(aliceList)).not.toMatch(/张小明|13900001111/);
    expect(ids(await ok(bank, 200, "GET", "/v1/wishes?status=open", { token: scene.alice.token }))).toEqual([w1.id]);
    expect(ids(await ok(bank, 200, "GET", "/v1/wishes", { token: scene.carol.token }))).toEqual([wb.id]);

    const page1 = await ok(bank, 200, "GET", "/v1/wishes?limit=2", { token: scene.staffA });
    expect(ids(page1)).toEqual([w3.id, w2.id]);
    const page2 = await ok(bank, 200, "GET", `/v1/wishes?limit=2&cursor=${page1.nextCursor}`, { token: scene.staffA });
    expect(ids(page2)).toEqual([w1.id]);
    expect(page2.nextCursor).toBeNull();
    await refused(bank, 400, "validation_failed", "GET", "/v1/wishes?cursor=garbage", { token: scene.staffA });
  });
});

describe("claim deadline and the scheduled release", () => {
  it("a claim past its deadline is released once by the job, by 'system', however often the job runs", async () => {
    const scene = await earningScene({ clockStart: "2026-05-01T08:00:00.000Z" });
    const { bank } = scene;
    const w = await ok(bank, 201, "POST", "/v1/wishes", { token: scene.staffA, body: wishBody() });
    const c = await ok(bank, 200, "POST", `/v1/wishes/${w.id}/claim`, { token: scene.alice.token, body: {} });
    expect(c.claimDeadline).toBe("2026-05-08T08:00:00.000Z");
    const other = await ok(bank, 201, "POST", "/v1/wishes", { token: scene.staffA, body: wishBody() });
    await ok(bank, 200, "POST", `/v1/wishes/${other.id}/claim`, { token: scene.bob.token, body: {} });
    await ok(bank, 200, "POST", `/v1/wishes/${other.id}/fulfil`, { token: scene.bob.token, body: {} });

    const run = () => runScheduledJobs({ db: bank.db, clock: bank.clock });
    bank.clock.set("2026-05-08T08:00:00.000Z");
    expect((await run()).claimsReleased).toBe(0);
    bank.clock.advance(1);
    const both = await Promise.all([run(), run()]);
    expect(both.map((r) => r.claimsReleased).sort()).toEqual([0, 1]);
    expect((await run()).claimsReleased).toBe(0);

    const admin = await bank.token({ role: "admin" }); // the setup's token has expired a week later
    const detail = await ok(bank, 200, "GET", `/v1/wishes/${w.id}`, { token: admin });
    expect(detail).toMatchObject({ status: "open", claimedBy: null, claimDeadline: null });
    const releases = detail.events.filter((e: { actor: string }) => e.actor === "system");
    expect(releases).toHaveLength(1);
    expect(releases[0]).toMatchObject({ fromStatus: "claimed", toStatus: "open", at: "2026-05-08T08:00:00.001Z" });
    expect((await ok(bank, 200, "GET", `/v1/wishes/${other.id}`, { token: admin })).status).toBe("fulfilled");
    const alice = await bank.token({ role: "member", memberId: scene.alice.id, communityId: scene.a.id });
    const bob = await bank.token({ role: "member", memberId: scene.bob.id, communityId: scene.a.id });
    await refused(bank, 409, "wish_not_claimed", "POST", `/v1/wishes/${w.id}/fulfil`, { token: alice, body: {} });
    expect((await ok(bank, 200, "POST", `/v1/wishes/${w.id}/claim`, { token: bob, body: {} })).claimDeadline).toBe("2026-05-15T08:00:00.001Z");
  });

  it("the claim period follows the claimDays setting", async () => {
    const scene = await earningScene();
    const app = createApp({ db: scene.bank.db, clock: scene.bank.clock, jwtSecret: TEST_JWT_SECRET, claimDays: 3, defer: () => {} });
    const call = caller(app);
    const w = (await call("POST", "/v1/wishes", { token: scene.staffA, body: wishBody() })).body;
    const c = await call("POST", `/v1/wishes/${w.id}/claim`, { token: scene.alice.token, body: {} });
    expect(new Date(c.body.claimDeadline).getTime() - scene.bank.clock.now().getTime()).toBe(3 * DAY_MS);
    await sealPending(scene.bank.db);
  });
});
