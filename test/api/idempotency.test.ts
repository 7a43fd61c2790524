import { afterEach, describe, expect, it, vi } from "vitest";
import { DAY_MS } from "../../src/clock";
import { runScheduledJobs } from "../../src/jobs";
import { makeBank, type TestBank } from "../helpers/setup";

const gift = (amountFen: number) => ({ donor: { type: "company", name: "常山村镇银行" }, kind: "money", amountFen });

async function fundBalance(bank: TestBank) {
  return (await bank.call("GET", "/v1/public/summary")).body.fund.balanceFen as number;
}

async function setUp() {
  const bank = await makeBank();
  const c = await bank.community();
  const staff = await bank.staff(c.id);
  return { bank, staff };
}

describe("Idempotency-Key", () => {
  afterEach(() => vi.restoreAllMocks());

  it("the same key and request replays the first response and moves nothing, without logging an error", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const { bank, staff } = await setUp();
    const headers = { "idempotency-key": "gift-2026-001" };
    const first = await bank.call("POST", "/v1/donations", { token: staff, body: gift(10_000), headers });
    expect(first.status).toBe(201);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    const again = await bank.call("POST", "/v1/donations", { token: staff, body: gift(10_000), headers });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await fundBalance(bank)).toBe(10_000);
    expect(errors).not.toHaveBeenCalled();
  });

  it("the same key with a different request is 409 idempotency_key_reused and moves nothing", async () => {
    const { bank, staff } = await setUp();
    const headers = { "idempotency-key": "gift-2026-002" };
    expect((await bank.call("POST", "/v1/donations", { token: staff, body: gift(10_000), headers })).status).toBe(201);
    const other = await bank.call("POST", "/v1/donations", { token: staff, body: gift(99_999), headers });
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe("idempotency_key_reused");
    expect(await fundBalance(bank)).toBe(10_000);
  });

  it("keys are scoped to the caller: another user's same key is a new request", async () => {
    const { bank, staff } = await setUp();
    const otherStaff = await bank.staff((await bank.community()).id);
    const headers = { "idempotency-key": "shared-key" };
    expect((await bank.call("POST", "/v1/donations", { token: staff, body: gift(100), headers })).status).toBe(201);
    const theirs = await bank.call("POST", "/v1/donations", { token: otherStaff, body: gift(100), headers });
    expect(theirs.status).toBe(201);
    expect(theirs.headers.get("idempotent-replayed")).toBeNull();
    expect(await fundBalance(bank)).toBe(200);
  });

  it("a request refused by validation stores nothing, so the key can be used for the corrected request", async () => {
    const { bank, staff } = await setUp();
    const headers = { "idempotency-key": "fix-me" };
    expect((await bank.call("POST", "/v1/donations", { token: staff, body: gift(-5), headers })).status).toBe(400);
    const fixed = await bank.call("POST", "/v1/donations", { token: staff, body: gift(500), headers });
    expect(fixed.status).toBe(201);
    expect(await fundBalance(bank)).toBe(500);
  });

  it("keys must be 1 to 255 characters", async () => {
    const { bank, staff } = await setUp();
    const long = await bank.call("POST", "/v1/donations", { token: staff, body: gift(500), headers: { "idempotency-key": "k".repeat(256) } });
    expect(long.status).toBe(400);
    expect(long.body.error.code).toBe("validation_failed");
    const max = await bank.call("POST", "/v1/donations", { token: staff, body: gift(500), headers: { "idempotency-key": "k".repeat(255) } });
    expect(max.status).toBe(201);
    expect(await fundBalance(bank)).toBe(500);
  });

  it("answers are kept 7 days; the scheduled job then forgets them, and only them", async () => {
    const { bank, staff } = await setUp();
    const me = (await bank.call("GET", "/v1/me", { token: staff })).body;
    // the same staff member on later days (tokens last 8 hours)
    const today = () => bank.token({ role: "staff", userId: me.id, username: me.username, communityId: me.communityId });
    const keyed = async (key: string) =>
      bank.call("POST", "/v1/donations", { token: await today(), body: gift(100), headers: { "idempotency-key": key } });
    expect((await keyed("old")).status).toBe(201);
    bank.clock.advance(6 * DAY_MS);
    expect((await keyed("newer")).status).toBe(201);
    await runScheduledJobs({ db: bank.db, clock: bank.clock });
    const replay = await keyed("old");
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    bank.clock.advance(1 * DAY_MS + 1);
    const done = await runScheduledJobs({ db: bank.db, clock: bank.clock });
    expect(done.idempotencyKeysForgotten).toBe(1);
    const left = await bank.db.client.execute("SELECT key FROM idempotency_keys");
    expect(left.rows.map((r) => r.key)).toEqual(["newer"]);
  });

  it("two requests at once with the same key move value once", async () => {
    const { bank, staff } = await setUp();
    const headers = { "idempotency-key": "race" };
    const results = await Promise.all(
      Array.from({ length: 6 }, () => bank.call("POST", "/v1/donations", { token: staff, body: gift(700), headers })),
    );
    expect(results.map((r) => r.status)).toEqual(Array(6).fill(201));
    expect(new Set(results.map((r) => r.body.transactionId)).size).toBe(1);
    expect(await fundBalance(bank)).toBe(700);
  });
});
