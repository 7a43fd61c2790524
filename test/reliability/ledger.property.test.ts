import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DAY_MS } from "../../src/clock";
import { runScheduledJobs } from "../../src/jobs";
import { accounts } from "../../src/ledger/accounts";
import { makeBank, type TestBank } from "../helpers/setup";
import { expectHealthyLedger } from "./helpers";
import type { VoucherStatus } from "../../src/vocabulary";

// Property: whatever sequence of operations people send (earning by service approval, wish
// confirmation and member donation, money donations, redemptions, acceptances, cancellations,
// expiry by the scheduled job as the clock moves, fund spending, reversals), including invalid ones
// (overdraws, a second acceptance, a second reversal, unknown ids), the bank answers what a small
// model of it predicts, and after every step the ledger's invariants hold and its chain verifies.
//
// FUZZ_RUNS=200 npx vitest run test/reliability/ledger.property.test.ts   (longer run; default 20)

const RUNS = Number(process.env.FUZZ_RUNS ?? 20);
const MAX_COMMANDS = Number(process.env.FUZZ_COMMANDS ?? 30);

const MEMBERS = ["alice", "bob", "carol"] as const;
type MemberName = (typeof MEMBERS)[number];
const TYPES = [
  { name: "理发券", pointsCost: 30, stock: 2, validDays: 3 },
  { name: "停车券", pointsCost: 7, stock: 4, validDays: 10 },
] as const;

interface ModelVoucher {
  code: string;
  member: MemberName;
  type: number;
  status: VoucherStatus;
  expiresAt: string;
  closeTx: string | null;
}
type TxKind = "earning" | "donation" | "expense" | "voucher_issued" | "voucher_used" | "voucher_closed" | "reversal";
interface ModelTx {
  id: string;
  kind: TxKind;
  member?: MemberName;
  points: number;
  fen: number;
  voucher?: number;
  reversed: boolean;
}

interface Model {
  points: Record<MemberName, number>;
  cash: number;
  retired: number;
  stock: number[];
  vouchers: ModelVoucher[];
  txs: ModelTx[];
  approvedRecords: string[];
}

interface Real {
  bank: TestBank;
  community: string;
  memberIds: Record<MemberName, string>;
  merchantId: string;
  typeIds: string[];
}

type Cmd = fc.AsyncCommand<Model, Real, false>;

// ---- talking to the bank ----

/** How often each outcome happened over all runs, printed at the end: proof the interesting cases were reached. */
const seen = new Map<string, number>();
const saw = (outcome: string) => seen.set(outcome, (seen.get(outcome) ?? 0) + 1);

const now = (r: Real) => r.bank.clock.now().toISOString();
/** Tokens are minted at the clock's time for each step: the clock moves days, a token lives 8 hours. */
const staff = (r: Real) => r.bank.token({ role: "staff", communityId: r.community });
const memberToken = (r: Real, m: MemberName) => r.bank.token({ role: "member", communityId: r.community, memberId: r.memberIds[m] });
const merchantToken = (r: Real) => r.bank.token({ role: "merchant", merchantId: r.merchantId });

async function post(r: Real, path: string, token: string, body: unknown, key?: string) {
  const res = await r.bank.call("POST", path, { token, body, headers: key ? { "idempotency-key": key } : {} });
  saw(`${path.replace(/\/[0-9A-Z]{26}|\/[0-9A-Z]{4}(-[0-9A-Z]{4}){3}/g, "/:id")} ${res.status} ${res.body?.error?.code ?? ""}`.trim());
  return res;
}

/** Sends a request; with `retry`, sends it again with the same Idempotency-Key and expects the same answer. */
async function postMaybeTwice(r: Real, path: string, token: string, body: unknown, retry: boolean) {
  const key = retry ? `k-${Math.random()}` : undefined;
  const first = await post(r, path, token, body, key);
  if (retry) {
    const second = await post(r, path, token, body, key);
    expect({ status: second.status, body: second.body.error ? second.body.error.code : second.body }).toEqual({
      status: first.status,
      body: first.body.error ? first.body.error.code : first.body,
    });
    if (first.status < 300) expect(second.headers.get("idempotent-replayed")).toBe("true");
  }
  return first;
}

function expectRefused(res: { status: number; body: any }, status: number, code: string) {
  expect({ status: res.status, code: res.body?.error?.code }, JSON.stringify(res.body)).toEqual({ status, code });
}

function expectOk(res: { status: number; body: any }, status: number) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
}

// ---- the commands ----

abstract class Step implements Cmd {
  check() {
    return true;
  }
  async run(m: Model, r: Real) {
    await this.act(m, r);
    await compare(m, r);
  }
  abstract act(m: Model, r: Real): Promise<void>;
  abstract toString(): string;
}

class Serve extends Step {
  constructor(
    readonly member: MemberName,
    readonly minutes: number,
  ) {
    super();
  }
  async act(m: Model, r: Real) {
    const token = await staff(r);
    const rec = await post(r, "/v1/service-records", token, {
      memberId: r.memberIds[this.member],
      date: now(r).slice(0, 10),
      minutes: this.minutes,
      description: "志愿服务",
    });
    expectOk(rec, 201);
    const res = await post(r, `/v1/service-records/${rec.body.id}/approve`, token, {});
    expectOk(res, 200);
    const points = Math.floor((this.minutes * 10) / 60);
    expect(res.body.pointsAwarded).toBe(points);
    m.approvedRecords.push(rec.body.id);
    if (points > 0) {
      m.points[this.member] += points;
      m.txs.push({ id: res.body.transactionId, kind: "earning", member: this.member, points, fen: 0, reversed: false });
    }
  }
  toString() {
    return `serve(${this.member}, ${this.minutes} min)`;
  }
}

class ApproveAgain extends Step {
  constructor(readonly index: number) {
    super();
  }
  async act(m: Model, r: Real) {
    if (!m.approvedRecords.length) return;
    const id = m.approvedRecords[this.index % m.approvedRecords.length];
    expectRefused(await post(r, `/v1/service-records/${id}/approve`, await staff(r), {}), 409, "record_not_pending");
  }
  toString() {
    return `approveAgain(record #${this.index})`;
  }
}

class ConfirmWish extends Step {
  constructor(
    readonly member: MemberName,
    readonly twice: boolean,
  ) {
    super();
  }
  async act(m: Model, r: Real) {
    const token = await staff(r);
    const wish = await post(r, "/v1/wishes", token, {
      title: "微心愿",
      description: "一个书包",
      kind: "goods",
      beneficiaryGroup: "left_behind_child",
      beneficiary: { name: "受助人" },
    });
    expectOk(wish, 201);
    expectOk(await post(r, `/v1/wishes/${wish.body.id}/claim`, token, { memberId: r.memberIds[this.member] }), 200);
    expectOk(await post(r, `/v1/wishes/${wish.body.id}/fulfil`, token, {}), 200);
    const res = await post(r, `/v1/wishes/${wish.body.id}/confirm`, token, { satisfaction: 5 });
    expectOk(res, 200);
    m.points[this.member] += 20;
    m.txs.push({ id: res.body.transactionId, kind: "earning", member: this.member, points: 20, fen: 0, reversed: false });
    if (this.twice) expectRefused(await post(r, `/v1/wishes/${wish.body.id}/confirm`, token, { satisfaction: 4 }), 409, "wish_not_fulfilled");
  }
  toString() {
    return `confirmWish(${this.member}${this.twice ? ", then again" : ""})`;
  }
}

class Donate extends Step {
  constructor(
    readonly donor: MemberName | "company",
    readonly fen: number,
    readonly retry: boolean,
  ) {
    super();
  }
  async act(m: Model, r: Real) {
    const donor = this.donor === "company" ? { type: "company", name: "爱心企业" } : { type: "member", memberId: r.memberIds[this.donor] };
    const res = await postMaybeTwice(r, "/v1/donations", await staff(r), { donor, kind: "money", amountFen: this.fen }, this.retry);
    expectOk(res, 201);
    const points = this.donor === "company" ? 0 : Math.floor(this.fen / 100);
    expect(res.body.pointsAwarded).toBe(points);
    m.cash += this.fen;
    if (this.donor !== "company") m.points[this.donor] += points;
    m.txs.push({
      id: res.body.transactionId,
      kind: "donation",
      member: this.donor === "company" ? undefined : this.donor,
      points,
      fen: this.fen,
      reversed: false,
    });
  }
  toString() {
    return `donate(${this.donor}, ${this.fen} fen${this.retry ? ", retried" : ""})`;
  }
}

class Redeem extends Step {
  constructor(
    readonly member: MemberName,
    readonly type: number,
    readonly retry: boolean,
  ) {
    super();
  }
  async act(m: Model, r: Real) {
    const t = TYPES[this.type]!;
    const res = await postMaybeTwice(r, "/v1/vouchers", await memberToken(r, this.member), { voucherTypeId: r.typeIds[this.type] }, this.retry);
    // The stock is taken first in the write, so an empty stock is the reason given before the points.
    if (m.stock[this.type] === 0) return expectRefused(res, 409, "out_of_stock");
    if (m.points[this.member] < t.pointsCost) return expectRefused(res, 409, "insufficient_points");
    expectOk(res, 201);
    m.points[this.member] -= t.pointsCost;
    m.stock[this.type]!--;
    m.vouchers.push({ code: res.body.code, member: this.member, type: this.type, status: "issued", expiresAt: res.body.expiresAt, closeTx: null });
    m.txs.push({ id: res.body.transactionId, kind: "voucher_issued", member: this.member, points: t.pointsCost, fen: 0, voucher: m.vouchers.length - 1, reversed: false });
  }
  toString() {
    return `redeem(${this.member}, ${TYPES[this.type]!.name} ${TYPES[this.type]!.pointsCost} pts${this.retry ? ", retried" : ""})`;
  }
}

const usable = (v: ModelVoucher, at: string) => v.status === "issued" && at < v.expiresAt;

class Close extends Step {
  constructor(
    readonly how: "accept" | "cancel",
    readonly index: number,
    readonly byStaff = false,
  ) {
    super();
  }
  async act(m: Model, r: Real) {
    if (!m.vouchers.length) return;
    const i = this.index % m.vouchers.length;
    const v = m.vouchers[i]!;
    const token = this.how === "accept" ? await merchantToken(r) : this.byStaff ? await staff(r) : await memberToken(r, v.member);
    const res = await post(r, `/v1/vouchers/${v.code}/${this.how}`, token, {});
    if (!usable(v, now(r))) return expectRefused(res, 409, "voucher_not_issued");
    expectOk(res, 200);
    const cost = TYPES[v.type]!.pointsCost;
    if (this.how === "accept") {
      m.retired += cost;
      v.status = "used";
    } else {
      m.points[v.member] += cost;
      m.stock[v.type]!++;
      v.status = "cancelled";
    }
    v.closeTx = res.body.transactionId;
    m.txs.push({ id: res.body.transactionId, kind: this.how === "accept" ? "voucher_used" : "voucher_closed", points: cost, fen: 0, voucher: i, reversed: false });
  }
  toString() {
    return `${this.how}(voucher #${this.index}${this.byStaff ? " by staff" : ""})`;
  }
}

class Advance extends Step {
  constructor(readonly days: number) {
    super();
  }
  async act(_m: Model, r: Real) {
    r.bank.clock.advance(this.days * DAY_MS);
  }
  toString() {
    return `advance(${this.days} days)`;
  }
}

class RunJobs extends Step {
  async act(m: Model, r: Real) {
    const at = now(r);
    const due = m.vouchers.filter((v) => v.status === "issued" && v.expiresAt <= at);
    const done = await runScheduledJobs({ db: r.bank.db, clock: r.bank.clock });
    expect(done.vouchersExpired).toBe(due.length);
    saw(`scheduled expiry of ${due.length ? "some" : "no"} vouchers`);
    for (const v of due) {
      m.points[v.member] += TYPES[v.type]!.pointsCost;
      m.stock[v.type]!++;
      v.status = "expired";
      const row = await r.bank.db.client.execute({ sql: "SELECT close_transaction_id FROM vouchers WHERE code = ?", args: [v.code] });
      v.closeTx = String(row.rows[0]!.close_transaction_id);
      m.txs.push({ id: v.closeTx, kind: "voucher_closed", points: 0, fen: 0, voucher: m.vouchers.indexOf(v), reversed: false });
    }
  }
  toString() {
    return "runScheduledJobs()";
  }
}

class Spend extends Step {
  constructor(
    readonly fen: number,
    readonly retry: boolean,
  ) {
    super();
  }
  async act(m: Model, r: Real) {
    const body = { amountFen: this.fen, purpose: "hardship_aid", description: "困难家庭救助", receiptRef: "FP-1", payee: "爱心商店" };
    const res = await postMaybeTwice(r, "/v1/fund/expenses", await staff(r), body, this.retry);
    if (m.cash < this.fen) return expectRefused(res, 409, "insufficient_funds");
    expectOk(res, 201);
    m.cash -= this.fen;
    m.txs.push({ id: res.body.transactionId, kind: "expense", points: 0, fen: this.fen, reversed: false });
  }
  toString() {
    return `spend(${this.fen} fen${this.retry ? ", retried" : ""})`;
  }
}

class Reverse extends Step {
  constructor(readonly index: number | "unknown") {
    super();
  }
  async act(m: Model, r: Real) {
    const admin = await r.bank.token({ role: "admin" });
    if (this.index === "unknown" || !m.txs.length) {
      return expectRefused(await post(r, "/v1/transactions/01ARZ3NDEKTSV4RRFFQ69G5FAV/reverse", admin, { reason: "无此交易" }), 404, "not_found");
    }
    const tx = m.txs[this.index % m.txs.length]!;
    const res = await post(r, `/v1/transactions/${tx.id}/reverse`, admin, { reason: "更正" });
    if (tx.reversed) return expectRefused(res, 409, "already_reversed");
    if (tx.kind === "reversal" || tx.kind === "voucher_closed") return expectRefused(res, 409, "conflict");
    const v = tx.voucher === undefined ? undefined : m.vouchers[tx.voucher]!;
    switch (tx.kind) {
      case "voucher_issued":
        if (v!.status !== "issued") return expectRefused(res, 409, "voucher_not_issued");
        expectOk(res, 201);
        m.points[v!.member] += tx.points;
        m.stock[v!.type]!++;
        v!.status = "cancelled";
        v!.closeTx = res.body.id;
        break;
      case "voucher_used":
        if (v!.status !== "used" || v!.closeTx !== tx.id) return expectRefused(res, 409, "conflict");
        expectOk(res, 201);
        m.retired -= tx.points;
        v!.status = "issued";
        v!.closeTx = null;
        break;
      case "earning":
      case "donation":
        if ((tx.member && m.points[tx.member] < tx.points) || m.cash < tx.fen) return expectRefused(res, 409, "reversal_would_overdraw");
        expectOk(res, 201);
        if (tx.member) m.points[tx.member] -= tx.points;
        m.cash -= tx.fen;
        break;
      case "expense":
        expectOk(res, 201);
        m.cash += tx.fen;
        break;
    }
    expect(res.body.reversesId).toBe(tx.id);
    tx.reversed = true;
    m.txs.push({ id: res.body.id, kind: "reversal", points: 0, fen: 0, reversed: false });
  }
  toString() {
    return this.index === "unknown" ? "reverse(an unknown transaction)" : `reverse(transaction #${this.index})`;
  }
}

class AcceptUnknown extends Step {
  async act(_m: Model, r: Real) {
    expectRefused(await post(r, "/v1/vouchers/ZZZZ-ZZZZ-ZZZZ-ZZZZ/accept", await merchantToken(r), {}), 404, "not_found");
  }
  toString() {
    return "accept(an unknown code)";
  }
}

// ---- the model against the bank, after every step ----

async function compare(m: Model, r: Real) {
  const db = r.bank.db;
  const [balances, vouchers, types] = await db.client.batch(
    [
      "SELECT m.id, a.balance FROM members m JOIN accounts a ON a.id = m.account_id",
      "SELECT code, status, close_transaction_id FROM vouchers",
      "SELECT id, stock FROM voucher_types",
    ],
    "read",
  );
  const byMember = new Map(balances!.rows.map((row) => [String(row.id), Number(row.balance)]));
  expect(Object.fromEntries(MEMBERS.map((n) => [n, byMember.get(r.memberIds[n])]))).toEqual(m.points);
  const account = async (id: string) => Number((await db.client.execute({ sql: "SELECT balance FROM accounts WHERE id = ?", args: [id] })).rows[0]!.balance);
  expect({ cash: await account(accounts.fundCash), retired: await account(accounts.pointsRetired) }).toEqual({ cash: m.cash, retired: m.retired });
  const stock = new Map(types!.rows.map((row) => [String(row.id), Number(row.stock)]));
  expect(r.typeIds.map((id) => stock.get(id))).toEqual(m.stock);
  const status = new Map(vouchers!.rows.map((row) => [String(row.code), [String(row.status), row.close_transaction_id]]));
  expect(m.vouchers.map((v) => status.get(v.code))).toEqual(m.vouchers.map((v) => [v.status, v.closeTx]));
  await expectHealthyLedger(r.bank);
}

// ---- generators ----

const member = fc.constantFrom(...MEMBERS);
const commands = fc.commands<Model, Real, false>(
  [
    fc.tuple(member, fc.integer({ min: 1, max: 600 })).map(([who, minutes]) => new Serve(who, minutes)),
    fc.tuple(member, fc.integer({ min: 1, max: 600 })).map(([who, minutes]) => new Serve(who, minutes)),
    fc.nat().map((i) => new ApproveAgain(i)),
    fc.tuple(member, fc.boolean()).map(([who, twice]) => new ConfirmWish(who, twice)),
    fc.tuple(fc.constantFrom<MemberName | "company">(...MEMBERS, "company"), fc.integer({ min: 1, max: 50_000 }), fc.boolean()).map(
      ([donor, fen, retry]) => new Donate(donor, fen, retry),
    ),
    fc.tuple(member, fc.constantFrom(0, 1), fc.boolean()).map(([who, type, retry]) => new Redeem(who, type, retry)),
    fc.tuple(member, fc.constantFrom(0, 1), fc.boolean()).map(([who, type, retry]) => new Redeem(who, type, retry)),
    fc.nat().map((i) => new Close("accept", i)),
    fc.nat().map((i) => new Close("accept", i)),
    fc.tuple(fc.nat(), fc.boolean()).map(([i, byStaff]) => new Close("cancel", i, byStaff)),
    fc.integer({ min: 1, max: 5 }).map((days) => new Advance(days)),
    fc.integer({ min: 1, max: 5 }).map((days) => new Advance(days)),
    fc.constant(new RunJobs()),
    fc.constant(new RunJobs()),
    fc.tuple(fc.integer({ min: 1, max: 60_000 }), fc.boolean()).map(([fen, retry]) => new Spend(fen, retry)),
    fc.nat().map((i) => new Reverse(i)),
    fc.nat().map((i) => new Reverse(i)),
    fc.constant(new Reverse("unknown")),
    fc.constant(new AcceptUnknown()),
  ],
  { maxCommands: MAX_COMMANDS, size: "max" },
);

async function setup(): Promise<{ model: Model; real: Real }> {
  const bank = await makeBank();
  const community = (await bank.call("POST", "/v1/communities", { token: bank.admin, body: { name: "东门社区", code: "dm" } })).body.id;
  const memberIds = {} as Record<MemberName, string>;
  for (const name of MEMBERS) {
    const res = await bank.call("POST", "/v1/members", { token: bank.admin, body: { name, kind: "volunteer", communityId: community } });
    memberIds[name] = res.body.id;
  }
  const merchantId = (await bank.call("POST", "/v1/merchants", { token: bank.admin, body: { name: "阳光理发店" } })).body.id;
  const typeIds: string[] = [];
  for (const t of TYPES) typeIds.push((await bank.call("POST", "/v1/voucher-types", { token: bank.admin, body: { merchantId, ...t } })).body.id);
  const model: Model = {
    points: { alice: 0, bob: 0, carol: 0 },
    cash: 0,
    retired: 0,
    stock: TYPES.map((t) => t.stock),
    vouchers: [],
    txs: [],
    approvedRecords: [],
  };
  const real: Real = { bank, community, memberIds, merchantId, typeIds };
  // Every run starts with some points and money, so redemptions and spending happen early.
  for (const name of MEMBERS) await new Serve(name, 360).act(model, real);
  await new Donate("company", 50_000, false).act(model, real);
  return { model, real };
}

const stats = { runs: 0, steps: 0 };

describe("the ledger under random sequences of operations", () => {
  it(`answers as the model predicts and keeps every invariant after every step (${RUNS} runs of up to ${MAX_COMMANDS} steps)`, async () => {
    await fc.assert(
      fc.asyncProperty(commands, async (cmds) => {
        stats.runs++;
        stats.steps += [...cmds].length;
        await fc.asyncModelRun(setup, cmds);
      }),
      { numRuns: RUNS },
    );
    console.info(`property: ${stats.runs} runs, ${stats.steps} steps (shrinking included)`, Object.fromEntries([...seen].sort()));
  }, 600_000);
});
