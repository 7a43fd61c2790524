import { commit, Write } from "../../src/db/write";
import { listRules, ruleInForce } from "../../src/domain/rules";
import { earnPoints } from "../../src/domain/points";
import { newId } from "../../src/ids";
import { accounts, fundIncomeAccount } from "../../src/ledger/accounts";
import type { DonorType } from "../../src/vocabulary";
import { sealPending } from "../../src/ledger/chain";
import { appendTransaction } from "../../src/ledger/ledger";
import type { TestBank } from "./setup";

// Value coming in, posted straight through the ledger so the spending tests do not depend on
// the earning endpoints: points credited as an earning, and money given to the fund.

/** Credits `points` to a member as an earning (issuer → passbook), with earned total and year stats. */
export async function grantPoints(bank: TestBank, memberId: string, points: number, at = bank.clock.now().toISOString()) {
  const m = (await bank.db.client.execute({ sql: "SELECT id, account_id, community_id FROM members WHERE id = ?", args: [memberId] })).rows[0]!;
  const rules = ruleInForce(await listRules(bank.db), at);
  const write = new Write();
  const transactionId = earnPoints(write, {
    member: { id: String(m.id), accountId: String(m.account_id), communityId: String(m.community_id) },
    points,
    at,
    kind: "service_approved",
    memo: "test credit",
    rules,
    refType: "test",
    refId: newId(),
    createdBy: "test",
  });
  await commit(bank.db, write);
  return transactionId;
}

/** Money given to the fund: fund:income:<source> → fund:cash. */
export async function giveToFund(bank: TestBank, amountFen: number, source: DonorType = "company", at = bank.clock.now().toISOString()) {
  const write = new Write();
  const transactionId = appendTransaction(write, {
    kind: "donation",
    at,
    memo: "test donation",
    refType: "test",
    refId: newId(),
    createdBy: "test",
    postings: [
      { accountId: fundIncomeAccount(source), asset: "CNY", amount: -amountFen },
      { accountId: accounts.fundCash, asset: "CNY", amount: amountFen },
    ],
  });
  await commit(bank.db, write);
  return transactionId;
}

export async function balanceOf(bank: TestBank, accountId: string): Promise<number> {
  const r = await bank.db.client.execute({ sql: "SELECT balance FROM accounts WHERE id = ?", args: [accountId] });
  return Number(r.rows[0]!.balance);
}

export async function passbookBalance(bank: TestBank, memberId: string): Promise<number> {
  const r = await bank.db.client.execute({
    sql: "SELECT a.balance FROM accounts a JOIN members m ON m.account_id = a.id WHERE m.id = ?",
    args: [memberId],
  });
  return Number(r.rows[0]!.balance);
}

/** Sum of every stored balance per asset, and whether each balance equals the sum of its postings. */
export async function ledgerInvariants(bank: TestBank) {
  const sums = await bank.db.client.execute("SELECT asset, SUM(balance) AS total FROM accounts GROUP BY asset");
  const drift = await bank.db.client.execute(
    `SELECT a.id FROM accounts a WHERE a.balance != (SELECT IFNULL(SUM(p.amount), 0) FROM postings p WHERE p.account_id = a.id)`,
  );
  return {
    sums: Object.fromEntries(sums.rows.map((r) => [String(r.asset), Number(r.total)])),
    drifted: drift.rows.map((r) => String(r.id)),
  };
}

/** A merchant with a login and one voucher type, made through the API. */
/** The units of a voucher type still in stock. */
export async function stockOf(bank: TestBank, typeId: string): Promise<number> {
  const r = await bank.db.client.execute({ sql: "SELECT stock FROM voucher_types WHERE id = ?", args: [typeId] });
  return Number(r.rows[0]!.stock);
}

export async function merchantWithType(
  bank: TestBank,
  type: { name?: string; pointsCost?: number; stock?: number; validDays?: number } = {},
) {
  const m = await bank.call("POST", "/v1/merchants", { token: bank.admin, body: { name: "理发店" } });
  if (m.status !== 201) throw new Error(JSON.stringify(m.body));
  const merchantToken = await bank.token({ role: "merchant", merchantId: m.body.id });
  const t = await bank.call("POST", "/v1/voucher-types", {
    token: bank.admin,
    body: { merchantId: m.body.id, name: type.name ?? "公益理发券", pointsCost: type.pointsCost ?? 50, stock: type.stock ?? 10, validDays: type.validDays ?? 30 },
  });
  if (t.status !== 201) throw new Error(JSON.stringify(t.body));
  return { merchantId: m.body.id as string, merchantToken, typeId: t.body.id as string };
}

/**
 * Database round-trips of one request alone. Every successful write is followed by hash sealing
 * on the same client; what sealing one transaction costs is measured here (on a throwaway
 * member's credit) and taken off, so the figure is the request's own.
 */
export async function ownRoundTrips<T extends { status: number }>(bank: TestBank, request: () => Promise<T>) {
  const c = await bank.call("POST", "/v1/communities", { token: bank.admin, body: { name: "计数", code: `rt${Date.now()}${Math.random().toString(36).slice(2, 6)}` } });
  const m = await bank.call("POST", "/v1/members", { token: bank.admin, body: { name: "计数", kind: "resident", communityId: c.body.id } });
  await bank.settle();
  await grantPoints(bank, m.body.id, 1);
  bank.roundTrips.reset();
  await sealPending(bank.db);
  const sealingOne = bank.roundTrips.count();
  bank.roundTrips.reset();
  const res = await request();
  await bank.settle();
  const sealing = res.status < 300 ? sealingOne : 0;
  return { res, count: bank.roundTrips.count() - sealing };
}
