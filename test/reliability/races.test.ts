import type { Client, InStatement } from "@libsql/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accounts } from "../../src/ledger/accounts";
import { makeBank, serveBank, type TestBank } from "../helpers/setup";
import { grantPoints, merchantWithType, passbookBalance, balanceOf } from "../helpers/spending";
import { buildScene, expectHealthyLedger, must, pendingRecord, voucherOf, wishIn, type Scene } from "./helpers";

// Races over real HTTP: the bank served on 127.0.0.1, requests sent in parallel by fetch, so
// they interleave in the server as they would in production. Each contest is decided by the
// database (a conditional UPDATE and its guard, or a CHECK constraint) inside the write: exactly
// one request wins, every loser gets its 409, and the ledger holds exactly one posting.

const ROUNDS = Number(process.env.RACE_ROUNDS ?? 5);
const RACERS = 6;

let bank: TestBank;
let scene: Scene;
let server: { url: string; close: () => Promise<void> };
const tally = { contests: 0, requests: 0, decidedInWrite: 0 };

/** Counts write batches the database refused: proof that a contest was decided inside the write, not by an earlier read. */
const refusedWrites = { n: 0 };
const countRefusals = (client: Client): Client =>
  new Proxy(client, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (prop !== "batch") return typeof value === "function" ? value.bind(target) : value;
      return async (stmts: InStatement[], mode?: "write") => {
        try {
          return await target.batch(stmts, mode);
        } catch (err) {
          if (mode === "write") refusedWrites.n++;
          throw err;
        }
      };
    },
  });

beforeAll(async () => {
  bank = await makeBank({ wrapClient: countRefusals });
  scene = await buildScene(bank, { points: 0 });
  server = await serveBank(bank);
});

afterAll(async () => {
  await server?.close();
  console.info(`races: ${tally.contests} contests, ${tally.requests} parallel requests, ${tally.decidedInWrite} losers refused inside the write`);
});

interface Racer {
  path: string;
  token: string;
  body?: unknown;
  key?: string;
}

/** Sends all at once over HTTP; returns each answer's status and error code. */
async function race(racers: Racer[]) {
  tally.contests++;
  tally.requests += racers.length;
  const refusedBefore = refusedWrites.n;
  const answers = await Promise.all(
    racers.map(async (r) => {
      const res = await fetch(`${server.url}${r.path}`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${r.token}`,
          "content-type": "application/json",
          ...(r.key ? { "idempotency-key": r.key } : {}),
        },
        body: JSON.stringify(r.body ?? {}),
      });
      const body = (await res.json()) as any;
      return { status: res.status, code: body?.error?.code as string | undefined, body, replayed: res.headers.get("idempotent-replayed") };
    }),
  );
  tally.decidedInWrite += refusedWrites.n - refusedBefore;
  return {
    answers,
    winners: answers.filter((a) => a.status < 300),
    losers: answers.filter((a) => a.status >= 300),
  };
}

/** Empties the fund, then gives it exactly `fen`. */
async function fundHolds(fen: number) {
  const cash = await balanceOf(bank, accounts.fundCash);
  if (cash > 0) await must(bank, "POST", "/v1/fund/expenses", bank.admin, { amountFen: cash, purpose: "operations", description: "清零", receiptRef: "R-0", payee: "爱心商店" });
  await must(bank, "POST", "/v1/donations", scene.staffA, { donor: { type: "anonymous" }, kind: "money", amountFen: fen });
}

const count = async (sql: string, args: (string | number)[] = []) => Number((await bank.db.client.execute({ sql, args })).rows[0]!.n);
const postingsOf = (refId: string) =>
  count("SELECT COUNT(*) AS n FROM ledger_transactions WHERE ref_id = ? AND reverses_id IS NULL", [refId]);

describe.each(Array.from({ length: ROUNDS }, (_, i) => i + 1))("round %i", () => {
  it("double confirm of one wish (staff and admin at once): one credit", async () => {
    const wishId = await wishIn(scene, "fulfilled");
    const before = await passbookBalance(bank, scene.alice.id);
    const racers = Array.from({ length: RACERS }, (_, i) => ({
      path: `/v1/wishes/${wishId}/confirm`,
      token: i % 2 ? scene.staffA : bank.admin,
      body: { satisfaction: 5 },
    }));
    const { winners, losers } = await race(racers);
    expect(winners).toHaveLength(1);
    expect(new Set(losers.map((l) => `${l.status} ${l.code}`))).toEqual(new Set(["409 wish_not_fulfilled"]));
    expect(await passbookBalance(bank, scene.alice.id)).toBe(before + 20);
    expect(await postingsOf(wishId)).toBe(1);
  });

  it("double approval of one service record: one credit, minutes counted once", async () => {
    const id = await pendingRecord(scene, 60);
    const minutes = await count("SELECT value AS n FROM counters WHERE name = 'service_minutes'");
    const { winners, losers } = await race(Array.from({ length: RACERS }, () => ({ path: `/v1/service-records/${id}/approve`, token: scene.staffA })));
    expect(winners).toHaveLength(1);
    expect(new Set(losers.map((l) => `${l.status} ${l.code}`))).toEqual(new Set(["409 record_not_pending"]));
    expect(await count("SELECT value AS n FROM counters WHERE name = 'service_minutes'")).toBe(minutes + 60);
    expect(await postingsOf(id)).toBe(1);
  });

  it("approve and reject of one record at once: one decision", async () => {
    const id = await pendingRecord(scene, 30);
    const { winners, losers } = await race([
      { path: `/v1/service-records/${id}/approve`, token: scene.staffA },
      { path: `/v1/service-records/${id}/reject`, token: bank.admin, body: { reason: "重复登记" } },
      { path: `/v1/service-records/${id}/approve`, token: bank.admin },
      { path: `/v1/service-records/${id}/reject`, token: scene.staffA, body: { reason: "重复登记" } },
    ]);
    expect(winners).toHaveLength(1);
    expect(losers.every((l) => l.status === 409 && l.code === "record_not_pending")).toBe(true);
    expect(await postingsOf(id)).toBe(winners[0]!.body.status === "approved" ? 1 : 0);
  });

  it("double accept of one voucher by its merchant: used once, retired once", async () => {
    await grantPoints(bank, scene.alice.id, 10);
    const v = await voucherOf(scene);
    const retired = await balanceOf(bank, accounts.pointsRetired);
    const { winners, losers } = await race(Array.from({ length: RACERS }, () => ({ path: `/v1/vouchers/${v.code}/accept`, token: scene.merchant.token })));
    expect(winners).toHaveLength(1);
    expect(new Set(losers.map((l) => `${l.status} ${l.code}`))).toEqual(new Set(["409 voucher_not_issued"]));
    expect(await balanceOf(bank, accounts.pointsRetired)).toBe(retired + 10);
  });

  it("accept and cancel of one voucher at once: one of them", async () => {
    await grantPoints(bank, scene.alice.id, 10);
    const v = await voucherOf(scene);
    const before = await passbookBalance(bank, scene.alice.id);
    const { winners, losers } = await race([
      { path: `/v1/vouchers/${v.code}/accept`, token: scene.merchant.token },
      { path: `/v1/vouchers/${v.code}/cancel`, token: scene.alice.token },
      { path: `/v1/vouchers/${v.code}/cancel`, token: scene.staffA },
      { path: `/v1/vouchers/${v.code}/accept`, token: scene.merchant.token },
    ]);
    expect(winners).toHaveLength(1);
    expect(losers.every((l) => l.status === 409 && l.code === "voucher_not_issued")).toBe(true);
    const refunded = winners[0]!.body.status === "cancelled" ? 10 : 0;
    expect(await passbookBalance(bank, scene.alice.id)).toBe(before + refunded);
  });

  it("parallel spends of the fund's last yuan: one expense, the fund at zero", async () => {
    await fundHolds(100);
    const body = { amountFen: 100, purpose: "hardship_aid", description: "最后一元", receiptRef: "R-1", payee: "爱心商店" };
    const { winners, losers } = await race(Array.from({ length: RACERS }, (_, i) => ({ path: "/v1/fund/expenses", token: i % 2 ? scene.staffA : bank.admin, body })));
    expect(winners).toHaveLength(1);
    expect(new Set(losers.map((l) => `${l.status} ${l.code}`))).toEqual(new Set(["409 insufficient_funds"]));
    expect(await balanceOf(bank, accounts.fundCash)).toBe(0);
  });

  it("parallel spends that together overdraw: as many as the fund holds, never below zero", async () => {
    await fundHolds(250);
    const body = { amountFen: 60, purpose: "poverty_relief", description: "分批救助", receiptRef: "R-2", payee: "爱心商店" };
    const { winners, losers } = await race(Array.from({ length: RACERS }, () => ({ path: "/v1/fund/expenses", token: scene.staffA, body })));
    expect(winners).toHaveLength(4);
    expect(new Set(losers.map((l) => `${l.status} ${l.code}`))).toEqual(new Set(["409 insufficient_funds"]));
    expect(await balanceOf(bank, accounts.fundCash)).toBe(10);
  });

  it("parallel redemptions of a member's last points: one voucher", async () => {
    const m = await bank.member(scene.a);
    await grantPoints(bank, m.id, 15);
    const { winners, losers } = await race(
      Array.from({ length: RACERS }, (_, i) => ({ path: "/v1/vouchers", token: i % 2 ? m.token : scene.staffA, body: { voucherTypeId: scene.merchant.typeId, memberId: m.id } })),
    );
    expect(winners).toHaveLength(1);
    expect(new Set(losers.map((l) => `${l.status} ${l.code}`))).toEqual(new Set(["409 insufficient_points"]));
    expect(await passbookBalance(bank, m.id)).toBe(5);
  });

  it("parallel redemptions of the last unit of stock by different members: one voucher", async () => {
    const type = await merchantWithType(bank, { pointsCost: 5, stock: 1 });
    const members = [];
    for (let i = 0; i < RACERS; i++) {
      const m = await bank.member(scene.a);
      await grantPoints(bank, m.id, 5);
      members.push(m);
    }
    const { winners, losers } = await race(members.map((m) => ({ path: "/v1/vouchers", token: m.token, body: { voucherTypeId: type.typeId } })));
    expect(winners).toHaveLength(1);
    expect(new Set(losers.map((l) => `${l.status} ${l.code}`))).toEqual(new Set(["409 out_of_stock"]));
    expect(await count("SELECT stock AS n FROM voucher_types WHERE id = ?", [type.typeId])).toBe(0);
    const balances = await Promise.all(members.map((m) => passbookBalance(bank, m.id)));
    expect(balances.filter((b) => b === 0)).toHaveLength(1);
  });

  it("reversing one transaction twice at once: one reversal", async () => {
    const e = await must(bank, "POST", "/v1/donations", scene.staffA, { donor: { type: "company", name: "企业" }, kind: "money", amountFen: 1_000 });
    const { winners, losers } = await race(
      Array.from({ length: RACERS }, () => ({ path: `/v1/transactions/${e.transactionId}/reverse`, token: bank.admin, body: { reason: "重复录入" } })),
    );
    expect(winners).toHaveLength(1);
    expect(new Set(losers.map((l) => `${l.status} ${l.code}`))).toEqual(new Set(["409 already_reversed"]));
    expect(await count("SELECT COUNT(*) AS n FROM ledger_transactions WHERE reverses_id = ?", [e.transactionId])).toBe(1);
  });

  it("one Idempotency-Key sent six times at once: one donation, every answer the same", async () => {
    const key = `race-${Math.random()}`;
    const body = { donor: { type: "member", memberId: scene.bob.id }, kind: "money", amountFen: 5_000 };
    const before = await passbookBalance(bank, scene.bob.id);
    const { answers, winners } = await race(Array.from({ length: RACERS }, () => ({ path: "/v1/donations", token: scene.staffA, body, key })));
    expect(winners).toHaveLength(RACERS);
    expect(new Set(answers.map((a) => a.body.transactionId)).size).toBe(1);
    expect(answers.filter((a) => a.replayed === "true")).toHaveLength(RACERS - 1);
    expect(await passbookBalance(bank, scene.bob.id)).toBe(before + 50);
  });

  it("after the round: the ledger is whole and its chain verifies; the database decided contests", async () => {
    await expectHealthyLedger(bank);
    expect(tally.decidedInWrite, "requests really overlapped: losers got as far as the write").toBeGreaterThan(0);
  });
});
