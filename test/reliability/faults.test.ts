import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from "vitest";
import { runScheduledJobs } from "../../src/jobs";
import { DAY_MS } from "../../src/clock";
import { makeBank, type TestBank } from "../helpers/setup";
import {
  buildScene,
  dumpDatabase,
  expectHealthyLedger,
  FaultInjector,
  must,
  pendingRecord,
  voucherOf,
  wishIn,
  type Scene,
} from "./helpers";

// Faults. Every value-moving write is one atomic batch, so a failure at any statement of it, or a
// database that cannot be reached at any call of the request, must leave the database exactly as
// it was; and a write whose answer is lost after it committed must not post twice when the client
// retries with its Idempotency-Key.

interface Request {
  method: "POST";
  path: string;
  token: string;
  body: unknown;
}

/** Each value-moving write, and how to make a fresh target for it (so every case can succeed once). */
const writes: { name: string; prepare: (s: Scene) => Promise<Request> }[] = [
  {
    name: "service record approval (earns points and minutes)",
    prepare: async (s) => ({ method: "POST", path: `/v1/service-records/${await pendingRecord(s)}/approve`, token: s.staffA, body: {} }),
  },
  {
    name: "wish confirmation (earns points)",
    prepare: async (s) => ({ method: "POST", path: `/v1/wishes/${await wishIn(s, "fulfilled")}/confirm`, token: s.staffA, body: { satisfaction: 5 } }),
  },
  {
    name: "member's money donation (fund income and points in one transaction)",
    prepare: async (s) => ({
      method: "POST",
      path: "/v1/donations",
      token: s.staffA,
      body: { donor: { type: "member", memberId: s.alice.id }, kind: "money", amountFen: 12_345 },
    }),
  },
  {
    name: "company's goods donation",
    prepare: async (s) => ({
      method: "POST",
      path: "/v1/donations",
      token: s.staffA,
      body: { donor: { type: "company", name: "超市" }, kind: "goods", goods: { description: "大米", quantity: 10, valueFen: 50_000 } },
    }),
  },
  {
    name: "goods usage",
    prepare: async (s) => {
      const d = await must(s.bank, "POST", "/v1/donations", s.staffA, {
        donor: { type: "anonymous" },
        kind: "goods",
        goods: { description: "冬衣", quantity: 3, valueFen: 10_000 },
      });
      return { method: "POST", path: `/v1/donations/${d.id}/usages`, token: s.staffA, body: { quantity: 2, beneficiaryGroup: "elderly" } };
    },
  },
  {
    name: "voucher redemption",
    prepare: async (s) => ({ method: "POST", path: "/v1/vouchers", token: s.alice.token, body: { voucherTypeId: s.merchant.typeId } }),
  },
  {
    name: "voucher acceptance",
    prepare: async (s) => ({ method: "POST", path: `/v1/vouchers/${(await voucherOf(s)).code}/accept`, token: s.merchant.token, body: {} }),
  },
  {
    name: "voucher cancellation",
    prepare: async (s) => ({ method: "POST", path: `/v1/vouchers/${(await voucherOf(s)).code}/cancel`, token: s.alice.token, body: {} }),
  },
  {
    name: "fund expense",
    prepare: async (s) => ({
      method: "POST",
      path: "/v1/fund/expenses",
      token: s.staffA,
      body: { amountFen: 5_000, purpose: "hardship_aid", description: "困难家庭慰问", receiptRef: "FP-1", payee: "爱心商店" },
    }),
  },
  {
    name: "reversal of an earning (service approval: points, earned total, minutes)",
    prepare: async (s) => {
      const rec = await must(s.bank, "POST", `/v1/service-records/${await pendingRecord(s)}/approve`, s.staffA, {});
      return { method: "POST", path: `/v1/transactions/${rec.transactionId}/reverse`, token: s.bank.admin, body: { reason: "录入错误" } };
    },
  },
  {
    name: "reversal of a voucher redemption (cancels the voucher, stock back)",
    prepare: async (s) => {
      const v = await voucherOf(s);
      return { method: "POST", path: `/v1/transactions/${v.transactionId}/reverse`, token: s.bank.admin, body: { reason: "误兑换" } };
    },
  },
  {
    name: "member creation (passbook, account, login)",
    prepare: async (s) => ({
      method: "POST",
      path: "/v1/members",
      token: s.staffA,
      body: { name: "新会员", kind: "volunteer", communityId: s.a, login: { username: `new${Math.random().toString(36).slice(2)}`, password: "member-password" } },
    }),
  },
  {
    name: "voucher type restock",
    prepare: async (s) => ({ method: "POST", path: `/v1/voucher-types/${s.merchant.typeId}/restock`, token: s.bank.admin, body: { quantity: 5 } }),
  },
];

let bank: TestBank;
let scene: Scene;
const faults = new FaultInjector();
const tally = { statementFaults: 0, callFaults: 0, lostAnswers: 0 };

beforeAll(async () => {
  bank = await makeBank({ wrapClient: faults.wrap });
  scene = await buildScene(bank, { points: 10_000, fundFen: 1_000_000 });
});

afterAll(() => {
  console.info(`faults: ${tally.statementFaults} statement faults, ${tally.callFaults} call faults, ${tally.lostAnswers} lost answers`);
});

const send = (r: Request, key: string) => bank.call(r.method, r.path, { token: r.token, body: r.body, headers: { "idempotency-key": key } });

/** The app logs every internal error once, with its request id; the injected ones are counted here instead of printed. */
function quietLog() {
  const spy = vi.spyOn(console, "error").mockImplementation(() => {});
  return { calls: () => spy.mock.calls.length, restore: () => spy.mockRestore() };
}

describe("a failure at any statement of a write leaves the database as it was", () => {
  it.each(writes.map((w) => [w.name, w] as const))("%s", async (_name, w) => {
    const log = quietLog();
    onTestFinished(log.restore);
    const request = await w.prepare(scene);
    await bank.settle();
    const before = await dumpDatabase(bank.db);
    const key = `fault-${Math.random()}`;
    const faultsBefore = tally.statementFaults + tally.callFaults;

    // Statement k of the write batch (the idempotency record included) raises an error.
    let size = 0;
    for (let k = 0; size === 0 || k < size; k++) {
      faults.failStatement(k);
      const res = await send(request, key);
      size = faults.lastWriteSize;
      expect(size, "the request reached its write").toBeGreaterThan(0);
      expect({ k, status: res.status, code: res.body?.error?.code }).toEqual({ k, status: 500, code: "internal" });
      expect(JSON.stringify(res.body)).not.toContain("injected");
      expect(await dumpDatabase(bank.db), `statement ${k} of ${size}`).toEqual(before);
      tally.statementFaults++;
      expect(log.calls(), "each internal error is logged once").toBe(tally.statementFaults + tally.callFaults - faultsBefore);
    }
    expect(size).toBeGreaterThan(2);

    // Call k of the request (reads and the write) cannot reach the database. The loop ends with
    // the first k past the request's last call: that attempt runs whole and succeeds.
    for (let k = 0; ; k++) {
      const fired = faults.fired;
      faults.failCall(k);
      const res = await send(request, key);
      if (faults.fired === fired) {
        faults.disarm();
        expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
        break;
      }
      expect({ k, status: res.status }).toEqual({ k, status: 500 });
      expect(await dumpDatabase(bank.db), `call ${k}`).toEqual(before);
      tally.callFaults++;
    }
    expect(await dumpDatabase(bank.db), "the same request, unhindered, does change the database").not.toEqual(before);
    await expectHealthyLedger(bank);
  });
});

describe("an answer lost after the commit: the retry with the same Idempotency-Key moves nothing", () => {
  const valueMoving = writes.filter((w) => !/member creation/.test(w.name));

  it.each(valueMoving.map((w) => [w.name, w] as const))("%s", async (_name, w) => {
    const request = await w.prepare(scene);
    await bank.settle();
    const before = await dumpDatabase(bank.db);
    const key = `lost-${Math.random()}`;

    faults.loseNextCommitAnswer();
    const log = quietLog();
    const lost = await send(request, key);
    const lostLogged = log.calls();
    log.restore();
    expect(lost.status).toBe(500);
    expect(lostLogged, "the lost answer was logged as an internal error").toBe(1);
    tally.lostAnswers++;
    const committed = await dumpDatabase(bank.db);
    expect(committed, "the first attempt committed").not.toEqual(before);
    const stored = await bank.db.client.execute({ sql: "SELECT status, body FROM idempotency_keys WHERE key = ?", args: [key] });
    expect(stored.rows).toHaveLength(1);

    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const retry = await send(request, key);
    expect(logged, "a replay is not an internal error").not.toHaveBeenCalled();
    logged.mockRestore();
    expect(retry.status).toBe(Number(stored.rows[0]!.status));
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(retry.body).toEqual(JSON.parse(String(stored.rows[0]!.body)));
    if ("transactionId" in retry.body && retry.body.transactionId) {
      const tx = await bank.db.client.execute({ sql: "SELECT COUNT(*) AS n FROM ledger_transactions WHERE id = ?", args: [retry.body.transactionId] });
      expect(Number(tx.rows[0]!.n)).toBe(1);
    }
    expect(await dumpDatabase(bank.db), "the retry moved nothing").toEqual(committed);
    const again = await send(request, key);
    expect(again.body).toEqual(retry.body);
    expect(await dumpDatabase(bank.db)).toEqual(committed);
    await expectHealthyLedger(bank);
  });
});

describe("the scheduled expiry job (runs last: it moves the clock past every token)", () => {
  it("the scheduled expiry: a fault at any statement refunds nothing, the next run refunds each voucher once", async () => {
    const { code } = await voucherOf(scene);
    bank.clock.advance(31 * DAY_MS);
    await bank.settle();
    const before = await dumpDatabase(bank.db);
    let size = 0;
    for (let k = 0; size === 0 || k < size; k++) {
      faults.failStatement(k);
      await expect(runScheduledJobs({ db: bank.db, clock: bank.clock })).rejects.toThrow();
      size = faults.lastWriteSize;
      expect(await dumpDatabase(bank.db), `statement ${k} of ${size}`).toEqual(before);
      tally.statementFaults++;
    }
    const issued = await bank.db.client.execute("SELECT COUNT(*) AS n FROM vouchers WHERE status = 'issued'");
    expect((await runScheduledJobs({ db: bank.db, clock: bank.clock })).vouchersExpired).toBe(Number(issued.rows[0]!.n));
    expect((await runScheduledJobs({ db: bank.db, clock: bank.clock })).vouchersExpired).toBe(0);
    const v = await bank.call("GET", `/v1/vouchers/${code}`, { token: await bank.token({ role: "admin" }) });
    expect(v.body.status).toBe("expired");
    await expectHealthyLedger(bank);
  });
});
