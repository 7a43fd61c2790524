import { describe, expect, it } from "vitest";
import { earningScene, ok, passbook, refused, wishBody } from "../helpers/earning";

// Versioned rules: every credit uses the version in force when the credited event happened and
// records it; a new version never recomputes history. Stars follow earned points, not the balance.

const newRules = (extra: Record<string, unknown> = {}) => ({
  pointsPerServiceHour: 20,
  pointsPerYuanDonated: 2,
  pointsPerWishFulfilled: 50,
  starThresholds: [10, 100, 300, 600, 1000],
  titleMinStars: 3,
  effectiveFrom: "2026-07-01T00:00:00+08:00", // 1 July as the bank's day begins, in Beijing
  ...extra,
});

const ruleVersionOf = async (bank: Awaited<ReturnType<typeof earningScene>>["bank"], transactionId: string) =>
  Number((await bank.db.client.execute({ sql: "SELECT rule_version FROM ledger_transactions WHERE id = ?", args: [transactionId] })).rows[0]!.rule_version);

describe("a rule change in the middle of the year", () => {
  it("credits old events at the old rate and new events at the new rate, and never recomputes history", async () => {
    const scene = await earningScene({ clockStart: "2026-03-01T08:00:00.000Z" });
    const { bank, a } = scene;
    const record = (token: string, date: string, minutes = 60) =>
      ok(bank, 201, "POST", "/v1/service-records", { token, body: { memberId: scene.alice.id, date, minutes, description: "社区巡逻" } });

    // March, under version 1: approved and credited at 10 points an hour.
    const march = await record(scene.staffA, "2026-02-28");
    const marchApproval = await ok(bank, 200, "POST", `/v1/service-records/${march.id}/approve`, { token: scene.staffA, body: {} });
    expect(marchApproval).toMatchObject({ pointsAwarded: 10, ruleVersion: 1 });

    const v2 = await ok(bank, 201, "POST", "/v1/rules", { token: bank.admin, body: newRules() });
    expect(v2.version).toBe(2);
    expect((await ok(bank, 200, "GET", "/v1/rules")).version).toBe(1); // not in force before July

    // July: new tokens, since the clock moved months on.
    bank.clock.set("2026-07-15T08:00:00.000Z");
    const staff = await bank.token({ role: "staff", communityId: a.id });
    const admin = await bank.token({ role: "admin" });
    expect((await ok(bank, 200, "GET", "/v1/rules")).version).toBe(2);

    const june = await record(staff, "2026-06-30");
    const july = await record(staff, "2026-07-01");
    const juneApproval = await ok(bank, 200, "POST", `/v1/service-records/${june.id}/approve`, { token: staff, body: {} });
    const julyApproval = await ok(bank, 200, "POST", `/v1/service-records/${july.id}/approve`, { token: staff, body: {} });
    expect(juneApproval).toMatchObject({ pointsAwarded: 10, ruleVersion: 1 });
    expect(julyApproval).toMatchObject({ pointsAwarded: 20, ruleVersion: 2 });
    expect(await ruleVersionOf(bank, juneApproval.transactionId)).toBe(1);
    expect(await ruleVersionOf(bank, julyApproval.transactionId)).toBe(2);

    // Wishes and donations are credited at the moment they happen: now, under version 2.
    const wish = await ok(bank, 201, "POST", "/v1/wishes", { token: staff, body: wishBody() });
    await ok(bank, 200, "POST", `/v1/wishes/${wish.id}/claim`, { token: staff, body: { memberId: scene.alice.id } });
    await ok(bank, 200, "POST", `/v1/wishes/${wish.id}/fulfil`, { token: staff, body: {} });
    const confirmed = await ok(bank, 200, "POST", `/v1/wishes/${wish.id}/confirm`, { token: staff, body: { satisfaction: 5 } });
    expect(confirmed).toMatchObject({ pointsAwarded: 50, ruleVersion: 2 });
    const gift = await ok(bank, 201, "POST", "/v1/donations", { token: staff, body: { donor: { type: "member", memberId: scene.alice.id }, kind: "money", amountFen: 10_050 } });
    expect(gift.pointsAwarded).toBe(200);
    expect(await ruleVersionOf(bank, gift.transactionId)).toBe(2);

    // History stands as it was credited.
    const pb = await ok(bank, 200, "GET", `/v1/members/${scene.alice.id}/passbook`, { token: admin });
    expect(pb.balance).toBe(10 + 10 + 20 + 50 + 200);
    const march_ = pb.entries.find((e: { transactionId: string }) => e.transactionId === marchApproval.transactionId);
    expect(march_).toMatchObject({ amount: 10, at: "2026-03-01T08:00:00.000Z" }); // booked when approved, at the service date's rate
    expect(await ruleVersionOf(bank, marchApproval.transactionId)).toBe(1);
  });

  it("only an administrator adds a version", async () => {
    const scene = await earningScene();
    await refused(scene.bank, 401, "unauthorized", "POST", "/v1/rules", { body: newRules() });
    await refused(scene.bank, 403, "forbidden", "POST", "/v1/rules", { token: scene.staffA, body: newRules() });
    await refused(scene.bank, 403, "forbidden", "POST", "/v1/rules", { token: scene.alice.token, body: newRules() });
    await refused(scene.bank, 400, "validation_failed", "POST", "/v1/rules", { token: scene.bank.admin, body: newRules({ starThresholds: [10, 5, 300, 600, 1000] }) });
    expect((await ok(scene.bank, 200, "GET", "/v1/rules")).versions).toHaveLength(1);
  });

  it("a version cannot take effect in the past, so history is never rewritten", async () => {
    const scene = await earningScene({ clockStart: "2026-03-01T08:00:00.000Z" });
    const past = await refused(scene.bank, 400, "validation_failed", "POST", "/v1/rules", {
      token: scene.bank.admin,
      body: newRules({ effectiveFrom: "2026-02-28T00:00:00.000Z" }),
    });
    expect(past.error.details).toMatchObject({ field: "effectiveFrom" });
    expect((await ok(scene.bank, 200, "GET", "/v1/rules")).versions).toHaveLength(1);
    // "now" by a client's clock a moment behind the server's is taken as the server's now
    const now = await ok(scene.bank, 201, "POST", "/v1/rules", {
      token: scene.bank.admin,
      body: newRules({ effectiveFrom: "2026-03-01T07:59:58.000Z" }),
    });
    expect(now.effectiveFrom).toBe("2026-03-01T08:00:00.000Z");
  });

  it("GET /v1/rules answers the version in force in the contract's shape, with every version", async () => {
    const scene = await earningScene();
    const rules = await ok(scene.bank, 200, "GET", "/v1/rules");
    expect(rules).toMatchObject({
      version: 1,
      pointsPerServiceHour: 10,
      pointsPerYuanDonated: 1,
      pointsPerWishFulfilled: 20,
      starThresholds: [10, 100, 300, 600, 1000],
      titleMinStars: 3,
    });
    expect(rules.versions).toHaveLength(1);
  });
});

describe("stars and the honorary title", () => {
  it("a member who earned 320 points and redeemed 300 still shows 3 stars, with the date each level was reached", async () => {
    const scene = await earningScene({ clockStart: "2026-03-01T08:00:00.000Z" });
    const { bank } = scene;
    // Each record is approved an hour after the one before: a level is dated when the credit reaching it was booked.
    const earn = async (date: string, minutes: number) => {
      const r = await ok(bank, 201, "POST", "/v1/service-records", {
        token: scene.staffA,
        body: { memberId: scene.alice.id, date, minutes, description: "志愿服务" },
      });
      bank.clock.advance(60 * 60 * 1000);
      return ok(bank, 200, "POST", `/v1/service-records/${r.id}/approve`, { token: scene.staffA, body: {} });
    };
    const one = await earn("2026-01-10", 60); // 10 points: 1 star
    const two = await earn("2026-02-05", 600); // 110: 2 stars
    const three = await earn("2026-02-25", 1260); // 320: 3 stars

    // Redeem 300 points through the voucher counter.
    const shop = await ok(bank, 201, "POST", "/v1/merchants", { token: bank.admin, body: { name: "张师傅理发店" } });
    const type = await ok(bank, 201, "POST", "/v1/voucher-types", {
      token: bank.admin,
      body: { merchantId: shop.id, name: "家政服务两小时", pointsCost: 300, stock: 5, validDays: 30 },
    });
    const voucher = await ok(bank, 201, "POST", "/v1/vouchers", { token: scene.alice.token, body: { voucherTypeId: type.id } });
    expect(voucher.transactionId).toEqual(expect.any(String));

    const pb = await ok(bank, 200, "GET", `/v1/members/${scene.alice.id}/passbook`, { token: scene.alice.token });
    expect(pb).toMatchObject({ balance: 20, earnedTotal: 320, stars: 3, title: "社区爱心荣誉会员" });
    expect(pb.levels).toEqual([
      { stars: 1, at: "2026-03-01T09:00:00.000Z", transactionId: one.transactionId },
      { stars: 2, at: "2026-03-01T10:00:00.000Z", transactionId: two.transactionId },
      { stars: 3, at: "2026-03-01T11:00:00.000Z", transactionId: three.transactionId },
    ]);
    expect(pb.entries.map((e: { amount: number }) => e.amount)).toEqual([-300, 210, 100, 10]);
  });

  it("the title follows titleMinStars of the rules in force; the stars themselves never go down", async () => {
    const scene = await earningScene({ clockStart: "2026-03-01T08:00:00.000Z" });
    const { bank } = scene;
    const gift = { donor: { type: "member", memberId: scene.alice.id }, kind: "money", amountFen: 30_000 };
    await ok(bank, 201, "POST", "/v1/donations", { token: scene.staffA, body: gift });
    expect(await passbook(bank, scene.alice.id)).toMatchObject({ stars: 3, title: "社区爱心荣誉会员" });
    await ok(bank, 201, "POST", "/v1/rules", {
      token: bank.admin,
      body: newRules({ starThresholds: [50, 500, 1000, 2000, 5000], titleMinStars: 4, effectiveFrom: "2026-03-01T09:00:00.000Z" }),
    });
    bank.clock.set("2026-03-01T09:30:00.000Z");
    expect(await passbook(bank, scene.alice.id)).toMatchObject({ stars: 3, title: null, earnedTotal: 300 });
  });

  it("a version another isolate added is used at once: the approval's guard sees the cached rules are stale and it runs again on fresh ones", async () => {
    const scene = await earningScene({ clockStart: "2026-03-01T08:00:00.000Z" });
    const { bank } = scene;
    const record = () =>
      ok(bank, 201, "POST", "/v1/service-records", { token: scene.staffA, body: { memberId: scene.alice.id, date: "2026-02-28", minutes: 60, description: "社区巡逻" } });
    const approve = async (id: string) => {
      await bank.settle();
      bank.roundTrips.reset();
      const body = await ok(bank, 200, "POST", `/v1/service-records/${id}/approve`, { token: scene.staffA, body: {} });
      return { body, roundTrips: bank.roundTrips.count() };
    };
    const [first, second, third] = [await record(), await record(), await record()];
    expect((await approve(first.id)).body).toMatchObject({ pointsAwarded: 10, ruleVersion: 1 }); // the cache is now warm

    // Another isolate adds version 2, in force since before the service date: this isolate's cache does not know.
    await bank.db.client.execute(`INSERT INTO rule_versions (version, points_per_service_hour, points_per_yuan_donated, points_per_wish_fulfilled,
        star_thresholds, title_min_stars, effective_from, created_at, category_rates, require_second_approver, backfill_earns_points)
      SELECT 2, 30, points_per_yuan_donated, points_per_wish_fulfilled, star_thresholds, title_min_stars, '2026-01-01T00:00:00.000Z',
        created_at, '[]', 0, 1 FROM rule_versions WHERE version = 1`);
    const stale = await approve(second.id);
    expect(stale.body).toMatchObject({ pointsAwarded: 30, ruleVersion: 2 });
    expect(stale.roundTrips).toBe(3); // the refused write, the fresh read, the write again
    const warm = await approve(third.id);
    expect(warm.body).toMatchObject({ pointsAwarded: 30, ruleVersion: 2 });
    expect(warm.roundTrips).toBe(1);
    expect((await passbook(bank, scene.alice.id)).balance).toBe(70);
  });
});
