import { expect } from "vitest";
import { makeBank, type TestBank } from "./setup";

// A bank with two communities (A and B), staff of each, and members, for the earning tests.

export interface EarningScene {
  bank: TestBank;
  a: { id: string };
  b: { id: string };
  staffA: string;
  staffB: string;
  alice: { id: string; passbookNo: string; token: string };
  bob: { id: string; passbookNo: string; token: string };
  carol: { id: string; passbookNo: string; token: string };
  merchant: string;
}

export async function earningScene(opts: { clockStart?: string } = {}): Promise<EarningScene> {
  const bank = await makeBank(opts);
  const a = await bank.community("东门社区");
  const b = await bank.community("金川社区");
  const merchant = await bank.token({ role: "merchant", merchantId: "m1" });
  return {
    bank,
    a,
    b,
    staffA: await bank.staff(a.id),
    staffB: await bank.staff(b.id),
    alice: await bank.member(a.id, { name: "王建国" }),
    bob: await bank.member(a.id, { name: "李秀英" }),
    carol: await bank.member(b.id, { name: "刘芳" }),
    merchant,
  };
}

export const wishBody = (extra: Record<string, unknown> = {}) => ({
  title: "新书包",
  description: "三年级学生需要一个新书包",
  kind: "goods",
  estimatedValueFen: 8000,
  beneficiaryGroup: "left_behind_child",
  beneficiary: { name: "张小明", contact: "13900001111" },
  ...extra,
});

/** A call that must succeed with `status`; returns the body. */
export async function ok(bank: TestBank, status: number, method: string, path: string, opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const res = await bank.call(method, path, opts);
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  return res.body;
}

/** A call that must be refused with `status` and `code`. */
export async function refused(bank: TestBank, status: number, code: string, method: string, path: string, opts: { token?: string; body?: unknown } = {}) {
  const res = await bank.call(method, path, opts);
  expect({ status: res.status, code: res.body?.error?.code }, JSON.stringify(res.body)).toEqual({ status, code });
  return res.body;
}

export async function counter(bank: TestBank, name: string): Promise<number> {
  const r = await bank.db.client.execute({ sql: "SELECT value FROM counters WHERE name = ?", args: [name] });
  return Number(r.rows[0]!.value);
}

export async function passbook(bank: TestBank, memberId: string) {
  return ok(bank, 200, "GET", `/v1/members/${memberId}/passbook`, { token: bank.admin });
}
