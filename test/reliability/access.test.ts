import { decodeJwt, UnsecuredJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { signToken, type Principal } from "../../src/auth/tokens";
import { makeBank, TEST_JWT_SECRET, type TestBank } from "../helpers/setup";
import { grantPoints } from "../helpers/spending";
import { buildScene, dumpDatabase, must, pendingRecord, voucherOf, wishBody, wishIn, type Scene } from "./helpers";

// Access control (OWASP API Top 10: broken object level authorization, broken authentication,
// broken function level authorization, mass assignment). One table: every route of the API (the
// test fails when /openapi.json has a route the table lacks) × every kind of caller, with the
// status each must get. The objects belong to community A, its member alice and merchant M.
//
// Columns:
//   admin   the administrator          staff   staff of community A     staffB  staff of community B
//   member  alice (the object's owner) other   bob, another member of A
//   merch   merchant M (alice's voucher is for M)                       merchB  another merchant
//   none    no token                    expired an admin token past its expiry
//   forged  an admin token signed with another secret                  algNone an admin token with alg "none"

const ROLES = ["admin", "staff", "staffB", "member", "other", "merch", "merchB", "none", "expired", "forged", "algNone"] as const;
type Role = (typeof ROLES)[number];

interface Target {
  path: string;
  body?: unknown;
}

interface Row {
  route: string;
  expect: number[];
  /** A fresh object for the route; made again only after a call succeeded (a refused call changes nothing). */
  target: (s: Scene) => Promise<Target> | Target;
  /** Ends the caller's own session (logout): valid tokens are re-signed with a new session id for this row. */
  ownSession?: true;
  /** Something private to community A / alice that only the roles in `sees` may find in a 2xx answer. */
  secret?: { value: (s: Scene) => string; sees: Role[] };
}

/** A fresh member of community A, with a login unless `login` is false. */
async function memberOfA(s: Scene, login = true): Promise<{ memberId: string; userId: string }> {
  const username = `acc${unique()}`;
  const m = await s.bank.call("POST", "/v1/members", {
    token: s.bank.admin,
    body: { name: "账户会员", kind: "resident", communityId: s.a, ...(login ? { login: { username, password: "member-password" } } : {}) },
  });
  if (!login) return { memberId: m.body.id, userId: "" };
  const users = await s.bank.call("GET", `/v1/users?memberId=${m.body.id}`, { token: s.bank.admin });
  return { memberId: m.body.id, userId: users.body.items[0].id };
}

const today = (s: Scene) => s.bank.clock.now().toISOString().slice(0, 10);
const unique = () => Math.random().toString(36).slice(2, 10);
let awardYear = 2000;

/** A fresh outing of community A, today. */
const outing = async (s: Scene) => (await must(s.bank, "POST", "/v1/activities", s.staffA, { title: "清扫", date: today(s), place: "广场" })).id as string;
/** alice signed in a minute ago at a fresh outing: the checkout she may make. */
async function signedIn(s: Scene): Promise<Target> {
  const id = await outing(s);
  const { code } = await must(s.bank, "POST", `/v1/activities/${id}/checkin-code`, s.staffA);
  await must(s.bank, "POST", `/v1/activities/${id}/checkin`, s.alice.token, { code });
  s.bank.clock.advance(60_000);
  return { path: `/v1/activities/${id}/checkout`, body: { code } };
}

// Markers planted in community A's private records (see beforeAll).
const MARK = {
  beneficiary: "受助人ACCESS-MARK",
  activity: "东门活动ACCESS-MARK",
  record: "alice服务ACCESS-MARK",
  usage: "物资去向ACCESS-MARK",
};
let fixtures: { voucherCode: string; claimedWish: string; transactionId: string; goodsDonation: string; certificate: { id: string; number: string } };

// prettier-ignore
const TABLE: Row[] = [
  //                                                          admin staff staffB member other merch merchB none expired forged algNone
  { route: "POST /v1/auth/login",                           expect: [200, 200, 200, 200, 200, 200, 200, 200, 401, 401, 401], target: () => ({ path: "/v1/auth/login", body: { username: "admin", password: "admin-password" } }) },
  { route: "GET /v1/me",                                    expect: [200, 200, 200, 200, 200, 200, 200, 401, 401, 401, 401], target: () => ({ path: "/v1/me" }) },
  { route: "POST /v1/communities",                          expect: [201, 403, 403, 403, 403, 403, 403, 401, 401, 401, 401], target: () => ({ path: "/v1/communities", body: { name: "新社区", code: `c${unique()}` } }) },
  { route: "GET /v1/communities",                           expect: [200, 200, 200, 200, 200, 200, 200, 200, 401, 401, 401], target: () => ({ path: "/v1/communities" }) },
  { route: "POST /v1/users",                                expect: [201, 403, 403, 403, 403, 403, 403, 401, 401, 401, 401], target: (s) => ({ path: "/v1/users", body: { username: `u${unique()}`, password: "a-password", role: "staff", communityId: s.a } }) },
  { route: "GET /v1/users",                                 expect: [200, 200, 200, 403, 403, 403, 403, 401, 401, 401, 401], target: () => ({ path: "/v1/users" }), secret: { value: (s) => String(decodeJwt(s.alice.token).sub), sees: ["admin", "staff"] } },
  { route: "POST /v1/users/{id}/password",                  expect: [200, 200, 403, 403, 403, 403, 403, 401, 401, 401, 401], target: async (s) => ({ path: `/v1/users/${(await memberOfA(s)).userId}/password`, body: { password: "given-password" } }) },
  { route: "POST /v1/users/{id}/disable",                   expect: [200, 200, 403, 403, 403, 403, 403, 401, 401, 401, 401], target: async (s) => ({ path: `/v1/users/${(await memberOfA(s)).userId}/disable`, body: {} }) },
  { route: "POST /v1/users/{id}/enable",                    expect: [200, 200, 403, 403, 403, 403, 403, 401, 401, 401, 401], target: async (s) => ({ path: `/v1/users/${(await memberOfA(s)).userId}/enable`, body: {} }) },
  { route: "POST /v1/me/password",                          expect: [400, 400, 400, 400, 400, 400, 400, 401, 401, 401, 401], target: () => ({ path: "/v1/me/password", body: { currentPassword: "not-the-password", newPassword: "new-password" } }) },
  { route: "POST /v1/auth/logout",                          expect: [200, 200, 200, 200, 200, 200, 200, 401, 401, 401, 401], target: () => ({ path: "/v1/auth/logout", body: {} }), ownSession: true },
  { route: "POST /v1/members/{id}/login",                   expect: [201, 201, 403, 403, 403, 403, 403, 401, 401, 401, 401], target: async (s) => ({ path: `/v1/members/${(await memberOfA(s, false)).memberId}/login`, body: { username: `give${unique()}`, password: "member-password" } }) },
  { route: "PATCH /v1/wishes/{id}",                         expect: [200, 200, 403, 403, 403, 403, 403, 401, 401, 401, 401], target: async (s) => ({ path: `/v1/wishes/${await wishIn(s, "open")}`, body: { title: "更正后的标题" } }) },
  { route: "GET /v1/wishes/{id}/corrections",               expect: [200, 403, 403, 403, 403, 403, 403, 401, 401, 401, 401], target: () => ({ path: `/v1/wishes/${fixtures.claimedWish}/corrections` }) },
  { route: "POST /v1/transactions/{id}/reversal-request",   expect: [201, 201, 403, 403, 403, 403, 403, 401, 401, 401, 401], target: async (s) => ({ path: `/v1/transactions/${(await companyGift(s)).transactionId}/reversal-request`, body: { reason: "录入错误" } }) },
  { route: "GET /v1/reversal-requests",                     expect: [200, 200, 200, 403, 403, 403, 403, 401, 401, 401, 401], target: () => ({ path: "/v1/reversal-requests" }) },
  { route: "POST /v1/transactions/{id}/reversal-request/approve", expect: [201, 403, 403, 403, 403, 403, 403, 401, 401, 401, 401], target: async (s) => ({ path: `/v1/transactions/${await requestedReversal(s)}/reversal-request/approve`, body: {} }) },
  { route: "POST /v1/transactions/{id}/reversal-request/reject",  expect: [200, 403, 403, 403, 403, 403, 403, 401, 401, 401, 401], target: async (s) => ({ path: `/v1/transactions/${await requestedReversal(s)}/reversal-request/reject`, body: { reason: "无误" } }) },
  { route: "POST /v1/members/{id}/move",                    expect: [200, 200, 403, 403, 403, 403, 403, 401, 401, 401, 401], target: async (s) => ({ path: `/v1/members/${(await memberOfA(s, false)).memberId}/move`, body: { communityId: s.b } }) },
  { route: "POST /v1/members/{id}/merge",                   expect: [200, 200, 403, 403, 403, 403, 403, 401, 401, 401, 401], target: async (s) => ({ path: `/v1/members/${(await memberOfA(s, false)).memberId}/merge`, body: { duplicateMemberId: (await memberOfA(s, false)).memberId } }) },
  { route: "POST /v1/members",                              expect: [201, 201, 403, 403, 403, 403, 403, 401, 401, 401, 401], target: (s) => ({ path: "/v1/members", body: { name: "新会员", kind: "resident", communityId: s.a } }) },
  { route: "GET /v1/members",                               expect: [200, 200, 200, 403, 403, 403, 403, 401, 401, 401, 401], target: () => ({ path: "/v1/members" }), secret: { value: (s) => s.alice.id, sees: ["admin", "staff"] } },
  { route: "GET /v1/members/{id}",                          expect: [200, 200, 403, 200, 403, 403, 403, 401, 401, 401, 401], target: (s) => ({ path: `/v1/members/${s.alice.id}` }) },
  { route: "PATCH /v1/members/{id}",                        expect: [200, 200, 403, 200, 403, 403, 403, 401, 401, 401, 401], target: (s) => ({ path: `/v1/members/${s.alice.id}`, body: { publicOptOut: false } }) },
  { route: "GET /v1/members/{id}/passbook",                 expect: [200, 200, 403, 200, 403, 403, 403, 401, 401, 401, 401], target: (s) => ({ path: `/v1/members/${s.alice.id}/passbook` }) },
  { route: "GET /v1/members/{id}/passbook.csv",             expect: [200, 200, 403, 200, 403, 403, 403, 401, 401, 401, 401], target: (s) => ({ path: `/v1/members/${s.alice.id}/passbook.csv` }) },
  { route: "GET /v1/fund/statement.csv",                    expect: [200, 200, 200, 200, 200, 200, 200, 200, 401, 401, 401], target: () => ({ path: "/v1/fund/statement.csv" }) },
  { route: "GET /v1/vouchers.csv",                          expect: [200, 200, 200, 403, 403, 403, 403, 401, 401, 401, 401], target: () => ({ path: "/v1/vouchers.csv" }), secret: { value: (s) => s.alice.passbookNo, sees: ["admin", "staff"] } },
  { route: "POST /v1/merchants",                            expect: [201, 403, 403, 403, 403, 403, 403, 401, 401, 401, 401], target: () => ({ path: "/v1/merchants", body: { name: "新商户" } }) },
  { route: "GET /v1/merchants",                             expect: [200, 200, 200, 200, 200, 200, 200, 200, 401, 401, 401], target: () => ({ path: "/v1/merchants" }) },
  { route: "POST /v1/voucher-types",                        expect: [201, 403, 403, 403, 403, 403, 403, 401, 401, 401, 401], target: (s) => ({ path: "/v1/voucher-types", body: { merchantId: s.merchant.id, name: "洗车券", pointsCost: 5, stock: 5, validDays: 5 } }) },
  { route: "GET /v1/voucher-types",                         expect: [200, 200, 200, 200, 200, 200, 200, 200, 401, 401, 401], target: () => ({ path: "/v1/voucher-types" }) },
  { route: "POST /v1/voucher-types/{id}/restock",           expect: [200, 403, 403, 403, 403, 403, 403, 401, 401, 401, 401], target: (s) => ({ path: `/v1/voucher-types/${s.merchant.typeId}/restock`, body: { quantity: 1 } }) },
  { route: "POST /v1/vouchers",                             expect: [201, 201, 403, 201, 403, 403, 403, 401, 401, 401, 401], target: (s) => ({ path: "/v1/vouchers", body: { voucherTypeId: s.merchant.typeId, memberId: s.alice.id } }) },
  { route: "GET /v1/vouchers",                              expect: [200, 200, 200, 200, 200, 200, 200, 401, 401, 401, 401], target: () => ({ path: "/v1/vouchers" }), secret: { value: () => fixtures.voucherCode, sees: ["admin", "staff", "member"] } },
  { route: "GET /v1/vouchers/{code}",                       expect: [200, 200, 403, 200, 403, 200, 403, 401, 401, 401, 401], target: () => ({ path: `/v1/vouchers/${fixtures.voucherCode}` }) },
  { route: "POST /v1/vouchers/{code}/accept",               expect: [403, 403, 403, 403, 403, 200, 403, 401, 401, 401, 401], target: async (s) => ({ path: `/v1/vouchers/${(await voucherOf(s)).code}/accept`, body: {} }) },
  { route: "POST /v1/vouchers/{code}/cancel",               expect: [200, 200, 403, 200, 403, 403, 403, 401, 401, 401, 401], target: async (s) => ({ path: `/v1/vouchers/${(await voucherOf(s)).code}/cancel`, body: {} }) },
  { route: "POST /v1/fund/expenses",                        expect: [201, 201, 403, 403, 403, 403, 403, 401, 401, 401, 401], target: (s) => ({ path: "/v1/fund/expenses", body: { amountFen: 100, purpose: "operations", description: "打印", receiptRef: "R", payee: "爱心商店", communityId: s.a } }) },
  { route: "GET /v1/fund/expenses",                         expect: [200, 200, 200, 200, 200, 200, 200, 200, 401, 401, 401], target: () => ({ path: "/v1/fund/expenses" }) },
  { route: "POST /v1/fund/expenses/{id}/approve",           expect: [200, 200, 403, 403, 403, 403, 403, 401, 401, 401, 401], target: async (s) => ({ path: `/v1/fund/expenses/${await pendingExpense(s)}/approve`, body: {} }) },
  { route: "POST /v1/fund/expenses/{id}/reject",            expect: [200, 200, 403, 403, 403, 403, 403, 401, 401, 401, 401], target: async (s) => ({ path: `/v1/fund/expenses/${await pendingExpense(s)}/reject`, body: { reason: "重复申请" } }) },
  { route: "POST /v1/fund/expenses/{id}/receipts",           expect: [201, 201, 403, 403, 403, 403, 403, 401, 401, 401, 401], target: async (s) => ({ path: `/v1/fund/expenses/${await pendingExpense(s)}/receipts`, body: receiptForm() }) },
  { route: "GET /v1/fund/expenses/{id}/receipts/{sha256}",  expect: [200, 200, 403, 403, 403, 403, 403, 401, 401, 401, 401], target: async (s) => receiptOfA(s) },
  { route: "POST /v1/fund/budgets",                         expect: [201, 403, 403, 403, 403, 403, 403, 401, 401, 401, 401], target: () => ({ path: "/v1/fund/budgets", body: { year: 2026, purpose: "operations", amountFen: 100_000 } }) },
  { route: "GET /v1/public/annual-report",                  expect: [200, 200, 200, 200, 200, 200, 200, 200, 401, 401, 401], target: () => ({ path: "/v1/public/annual-report?year=2026" }) },
  { route: "GET /v1/fund/budget",                           expect: [200, 200, 200, 200, 200, 200, 200, 200, 401, 401, 401], target: () => ({ path: "/v1/fund/budget?year=2026" }) },
  { route: "GET /v1/fund/statement",                        expect: [200, 200, 200, 200, 200, 200, 200, 200, 401, 401, 401], target: () => ({ path: "/v1/fund/statement" }) },
  { route: "GET /v1/transactions/{id}",                     expect: [200, 200, 403, 403, 403, 403, 403, 401, 401, 401, 401], target: () => ({ path: `/v1/transactions/${fixtures.transactionId}` }) },
  { route: "POST /v1/transactions/{id}/reverse",            expect: [201, 403, 403, 403, 403, 403, 403, 401, 401, 401, 401], target: async (s) => ({ path: `/v1/transactions/${(await companyGift(s)).transactionId}/reverse`, body: { reason: "更正" } }) },
  { route: "GET /v1/rules",                                 expect: [200, 200, 200, 200, 200, 200, 200, 200, 401, 401, 401], target: () => ({ path: "/v1/rules" }) },
  { route: "POST /v1/rules",                                expect: [201, 403, 403, 403, 403, 403, 403, 401, 401, 401, 401], target: () => ({ path: "/v1/rules", body: { pointsPerServiceHour: 10, pointsPerYuanDonated: 1, pointsPerWishFulfilled: 20, starThresholds: [10, 100, 300, 600, 1000], titleMinStars: 3, effectiveFrom: "2099-01-01T00:00:00Z" } }) },
  { route: "GET /v1/public/summary",                        expect: [200, 200, 200, 200, 200, 200, 200, 200, 401, 401, 401], target: () => ({ path: "/v1/public/summary" }) },
  { route: "GET /v1/public/ledger",                         expect: [200, 200, 200, 200, 200, 200, 200, 200, 401, 401, 401], target: () => ({ path: "/v1/public/ledger" }) },
  { route: "GET /v1/public/checkpoint",                     expect: [200, 200, 200, 200, 200, 200, 200, 200, 401, 401, 401], target: () => ({ path: "/v1/public/checkpoint" }) },
  { route: "GET /v1/public/ledger-key",                     expect: [200, 200, 200, 200, 200, 200, 200, 200, 401, 401, 401], target: () => ({ path: "/v1/public/ledger-key" }) },
  { route: "GET /v1/public/proof/inclusion",                expect: [200, 200, 200, 200, 200, 200, 200, 200, 401, 401, 401], target: () => ({ path: "/v1/public/proof/inclusion?seq=1&size=2" }) },
  { route: "GET /v1/public/proof/consistency",              expect: [200, 200, 200, 200, 200, 200, 200, 200, 401, 401, 401], target: () => ({ path: "/v1/public/proof/consistency?from=1&to=2" }) },
  { route: "GET /healthz",                                  expect: [200, 200, 200, 200, 200, 200, 200, 200, 401, 401, 401], target: () => ({ path: "/healthz" }) },
  { route: "POST /v1/wishes",                               expect: [201, 201, 403, 403, 403, 403, 403, 401, 401, 401, 401], target: (s) => ({ path: "/v1/wishes", body: wishBody({ communityId: s.a }) }) },
  { route: "GET /v1/wishes",                                expect: [200, 200, 200, 200, 200, 403, 403, 401, 401, 401, 401], target: () => ({ path: "/v1/wishes" }), secret: { value: () => MARK.beneficiary, sees: ["admin", "staff"] } },
  { route: "GET /v1/wishes/{id}",                           expect: [200, 200, 403, 200, 403, 403, 403, 401, 401, 401, 401], target: () => ({ path: `/v1/wishes/${fixtures.claimedWish}` }) },
  { route: "POST /v1/wishes/{id}/claim",                    expect: [200, 200, 403, 200, 403, 403, 403, 401, 401, 401, 401], target: async (s) => ({ path: `/v1/wishes/${await wishIn(s, "open")}/claim`, body: { memberId: s.alice.id } }) },
  { route: "POST /v1/wishes/{id}/release",                  expect: [200, 200, 403, 200, 409, 403, 403, 401, 401, 401, 401], target: async (s) => ({ path: `/v1/wishes/${await wishIn(s, "claimed")}/release`, body: {} }) },
  { route: "POST /v1/wishes/{id}/cancel",                   expect: [200, 200, 403, 403, 403, 403, 403, 401, 401, 401, 401], target: async (s) => ({ path: `/v1/wishes/${await wishIn(s, "open")}/cancel`, body: {} }) },
  { route: "POST /v1/wishes/{id}/fulfil",                   expect: [200, 200, 403, 200, 409, 403, 403, 401, 401, 401, 401], target: async (s) => ({ path: `/v1/wishes/${await wishIn(s, "claimed")}/fulfil`, body: {} }) },
  { route: "POST /v1/wishes/{id}/confirm",                  expect: [200, 200, 403, 403, 403, 403, 403, 401, 401, 401, 401], target: async (s) => ({ path: `/v1/wishes/${await wishIn(s, "fulfilled")}/confirm`, body: { satisfaction: 5 } }) },
  { route: "POST /v1/activities",                           expect: [201, 201, 403, 403, 403, 403, 403, 401, 401, 401, 401], target: (s) => ({ path: "/v1/activities", body: { communityId: s.a, title: "清扫", date: today(s), place: "广场" } }) },
  { route: "GET /v1/activities",                            expect: [200, 200, 200, 403, 403, 403, 403, 401, 401, 401, 401], target: () => ({ path: "/v1/activities" }), secret: { value: () => MARK.activity, sees: ["admin", "staff"] } },
  { route: "POST /v1/service-records",                      expect: [201, 201, 403, 201, 403, 403, 403, 401, 401, 401, 401], target: (s) => ({ path: "/v1/service-records", body: { memberId: s.alice.id, date: today(s), minutes: 30, description: "陪护" } }) },
  { route: "GET /v1/worklist",                              expect: [200, 200, 200, 403, 403, 403, 403, 401, 401, 401, 401], target: () => ({ path: "/v1/worklist" }), secret: { value: () => MARK.record, sees: ["admin", "staff"] } },
  { route: "GET /v1/service-records",                       expect: [200, 200, 200, 200, 200, 403, 403, 401, 401, 401, 401], target: () => ({ path: "/v1/service-records" }), secret: { value: () => MARK.record, sees: ["admin", "staff", "member"] } },
  { route: "POST /v1/service-records/{id}/approve",         expect: [200, 200, 403, 403, 403, 403, 403, 401, 401, 401, 401], target: async (s) => ({ path: `/v1/service-records/${await pendingRecord(s)}/approve`, body: {} }) },
  { route: "POST /v1/service-records/{id}/reject",          expect: [200, 200, 403, 403, 403, 403, 403, 401, 401, 401, 401], target: async (s) => ({ path: `/v1/service-records/${await pendingRecord(s)}/reject`, body: { reason: "重复" } }) },
  { route: "POST /v1/activities/{id}/attendance",           expect: [201, 201, 403, 403, 403, 403, 403, 401, 401, 401, 401], target: async (s) => ({ path: `/v1/activities/${await outing(s)}/attendance`, body: { entries: [{ memberId: s.alice.id, minutes: 60 }] } }) },
  { route: "POST /v1/activities/{id}/approve",              expect: [200, 200, 403, 403, 403, 403, 403, 401, 401, 401, 401], target: async (s) => ({ path: `/v1/activities/${await outing(s)}/approve`, body: {} }) },
  { route: "POST /v1/activities/{id}/checkin-code",         expect: [201, 201, 403, 403, 403, 403, 403, 401, 401, 401, 401], target: async (s) => ({ path: `/v1/activities/${await outing(s)}/checkin-code`, body: {} }) },
  { route: "POST /v1/activities/{id}/checkin",              expect: [403, 403, 403, 201, 201, 403, 403, 401, 401, 401, 401], target: async (s) => { const id = await outing(s); return { path: `/v1/activities/${id}/checkin`, body: { code: (await must(s.bank, "POST", `/v1/activities/${id}/checkin-code`, s.staffA)).code } }; } },
  { route: "POST /v1/activities/{id}/checkout",             expect: [403, 403, 403, 201, 409, 403, 403, 401, 401, 401, 401], target: async (s) => signedIn(s) },
  { route: "POST /v1/service-categories",                   expect: [201, 403, 403, 403, 403, 403, 403, 401, 401, 401, 401], target: () => ({ path: "/v1/service-categories", body: { code: `c${unique()}`, name: "助老" } }) },
  { route: "GET /v1/service-categories",                    expect: [200, 200, 200, 200, 200, 200, 200, 200, 401, 401, 401], target: () => ({ path: "/v1/service-categories" }) },
  { route: "POST /v1/donations",                            expect: [201, 201, 403, 403, 403, 403, 403, 401, 401, 401, 401], target: (s) => ({ path: "/v1/donations", body: { communityId: s.a, donor: { type: "company", name: "企业" }, kind: "money", amountFen: 1000 } }) },
  { route: "GET /v1/donations",                             expect: [200, 200, 200, 200, 200, 200, 200, 200, 401, 401, 401], target: () => ({ path: "/v1/donations" }) },
  { route: "GET /v1/donations/{id}",                        expect: [200, 200, 200, 200, 200, 200, 200, 200, 401, 401, 401], target: () => ({ path: `/v1/donations/${fixtures.goodsDonation}` }), secret: { value: () => MARK.usage, sees: ["admin", "staff"] } },
  { route: "POST /v1/donations/{id}/usages",                expect: [201, 201, 403, 403, 403, 403, 403, 401, 401, 401, 401], target: () => ({ path: `/v1/donations/${fixtures.goodsDonation}/usages`, body: { quantity: 1, beneficiaryGroup: "elderly" } }) },
  { route: "GET /v1/rankings",                              expect: [200, 200, 200, 200, 200, 200, 200, 200, 401, 401, 401], target: () => ({ path: "/v1/rankings" }) },
  { route: "POST /v1/awards",                               expect: [201, 403, 403, 403, 403, 403, 403, 401, 401, 401, 401], target: (s) => ({ path: "/v1/awards", body: { year: ++awardYear, memberId: s.alice.id, title: "优秀义工", citation: "热心" } }) },
  { route: "GET /v1/awards",                                expect: [200, 200, 200, 200, 200, 200, 200, 200, 401, 401, 401], target: () => ({ path: "/v1/awards" }) },
  { route: "GET /v1/members/{id}/statement",                expect: [200, 200, 403, 200, 403, 403, 403, 401, 401, 401, 401], target: (s) => ({ path: `/v1/members/${s.alice.id}/statement?year=2026` }) },
  { route: "GET /v1/members/{id}/statement.csv",            expect: [200, 200, 403, 200, 403, 403, 403, 401, 401, 401, 401], target: (s) => ({ path: `/v1/members/${s.alice.id}/statement.csv?year=2026` }) },
  { route: "POST /v1/members/{id}/guardians",               expect: [201, 201, 403, 403, 403, 403, 403, 401, 401, 401, 401], target: async (s) => ({ path: `/v1/members/${s.alice.id}/guardians`, body: { guardianMemberId: (await must(s.bank, "POST", "/v1/members", s.staffA, { name: "监护人", kind: "resident", communityId: s.a })).id } }) },
  { route: "GET /v1/members/{id}/guardians",                expect: [200, 200, 403, 200, 403, 403, 403, 401, 401, 401, 401], target: (s) => ({ path: `/v1/members/${s.alice.id}/guardians` }) },
  { route: "POST /v1/transfers",                            expect: [201, 201, 403, 201, 403, 403, 403, 401, 401, 401, 401], target: (s) => ({ path: "/v1/transfers", body: { fromMemberId: s.alice.id, to: { memberId: s.bob.id }, points: 1 } }) },
  { route: "POST /v1/pools/wish/grants",                    expect: [201, 201, 403, 403, 403, 403, 403, 401, 401, 401, 401], target: (s) => ({ path: "/v1/pools/wish/grants", body: { memberId: s.alice.id, points: 1, reason: "帮扶" } }) },
  { route: "GET /v1/public/pools/wish",                     expect: [200, 200, 200, 200, 200, 200, 200, 200, 401, 401, 401], target: () => ({ path: "/v1/public/pools/wish" }), secret: { value: (s) => s.alice.id, sees: [] } },
  { route: "POST /v1/members/{id}/certificates",            expect: [201, 201, 403, 403, 403, 403, 403, 401, 401, 401, 401], target: (s) => ({ path: `/v1/members/${s.alice.id}/certificates`, body: { from: today(s), to: today(s) } }) },
  { route: "GET /v1/members/{id}/certificates",             expect: [200, 200, 403, 200, 403, 403, 403, 401, 401, 401, 401], target: (s) => ({ path: `/v1/members/${s.alice.id}/certificates` }) },
  { route: "GET /v1/certificates/{id}",                     expect: [200, 200, 403, 200, 403, 403, 403, 401, 401, 401, 401], target: () => ({ path: `/v1/certificates/${fixtures.certificate.id}` }) },
  { route: "POST /v1/certificates/{id}/revoke",             expect: [200, 403, 403, 403, 403, 403, 403, 401, 401, 401, 401], target: async (s) => ({ path: `/v1/certificates/${(await certificateOf(s)).id}/revoke`, body: { reason: "撤销" } }) },
  { route: "GET /v1/public/certificates/{number}",          expect: [200, 200, 200, 200, 200, 200, 200, 200, 401, 401, 401], target: () => ({ path: `/v1/public/certificates/${fixtures.certificate.number}` }), secret: { value: (s) => s.alice.id, sees: [] } },
  { route: "GET /v1/reports/quality",                       expect: [200, 200, 200, 200, 200, 200, 200, 200, 401, 401, 401], target: () => ({ path: "/v1/reports/quality" }) },
];

/** An expense of community A above the approval threshold, recorded by an administrator none of the callers is. */
async function pendingExpense(s: Scene) {
  const recorder = await s.bank.token({ role: "admin" });
  const body = { amountFen: 2_000_000, purpose: "hardship_aid", description: "大额救助", receiptRef: "R", payee: "县民政局", communityId: s.a };
  return (await must(s.bank, "POST", "/v1/fund/expenses", recorder, body)).id as string;
}

/** A receipt file as a multipart form (the upload's body). */
function receiptForm() {
  const form = new FormData();
  form.append("file", new File([`%PDF-1.7 access ${unique()}`], "receipt.pdf", { type: "application/pdf" }));
  return form;
}

/** A receipt kept with an expense of community A: the path that downloads it. */
async function receiptOfA(s: Scene): Promise<Target> {
  const id = await pendingExpense(s);
  const res = await s.bank.call("POST", `/v1/fund/expenses/${id}/receipts`, { token: s.staffA, body: receiptForm() });
  if (res.status !== 201) throw new Error(JSON.stringify(res.body));
  return { path: `/v1/fund/expenses/${id}/receipts/${res.body.sha256}` };
}

/** A transaction of community A with a reversal asked by its staff. */
async function requestedReversal(s: Scene): Promise<string> {
  const tx = (await companyGift(s)).transactionId as string;
  await must(s.bank, "POST", `/v1/transactions/${tx}/reversal-request`, s.staffA, { reason: "录入错误" });
  return tx;
}

/** A certificate of alice's service today (she has an approved record of today from the set-up). */
function certificateOf(s: Scene) {
  return must(s.bank, "POST", `/v1/members/${s.alice.id}/certificates`, s.staffA, { from: today(s), to: today(s) });
}

function companyGift(s: Scene) {
  return must(s.bank, "POST", "/v1/donations", s.staffA, { donor: { type: "company", name: "企业" }, kind: "money", amountFen: 500 });
}

let bank: TestBank;
let scene: Scene;
let tokens: Record<Role, string | undefined>;
let adminPrincipal: Principal;

beforeAll(async () => {
  bank = await makeBank();
  scene = await buildScene(bank, { fundFen: 10_000_000 });
  await grantPoints(bank, scene.alice.id, 1_000_000);
  await grantPoints(bank, scene.bob.id, 100);
  await must(bank, "POST", "/v1/rules", bank.admin, {
    pointsPerServiceHour: 10, pointsPerYuanDonated: 1, pointsPerWishFulfilled: 20, starThresholds: [10, 100, 300, 600, 1000], titleMinStars: 3,
    expenseApprovalAboveFen: 1_000_000, effectiveFrom: bank.clock.now().toISOString(),
  });
  const s = scene;
  // Community A's private records, each carrying a marker a test can look for.
  await must(bank, "POST", "/v1/wishes", s.staffA, wishBody({ beneficiary: { name: MARK.beneficiary } }));
  await must(bank, "POST", "/v1/activities", s.staffA, { title: MARK.activity, date: today(s), place: "广场" });
  await must(bank, "POST", "/v1/service-records", s.alice.token, { memberId: s.alice.id, date: today(s), minutes: 30, description: MARK.record });
  await voucherOf(s, s.bob);
  const served = await must(bank, "POST", "/v1/service-records", s.staffA, { memberId: s.alice.id, date: today(s), minutes: 60, description: "助老" });
  await must(bank, "POST", `/v1/service-records/${served.id}/approve`, s.staffA, {});
  await must(bank, "POST", "/v1/transfers", s.alice.token, { fromMemberId: s.alice.id, to: { pool: "wish" }, points: 1000 });
  const goods = await must(bank, "POST", "/v1/donations", s.staffA, {
    donor: { type: "anonymous" },
    kind: "goods",
    goods: { description: "冬衣", quantity: 1000, valueFen: 100_000 },
  });
  await must(bank, "POST", `/v1/donations/${goods.id}/usages`, s.staffA, { quantity: 1, beneficiaryGroup: "elderly", note: MARK.usage });
  fixtures = {
    voucherCode: (await voucherOf(s)).code,
    claimedWish: await wishIn(s, "claimed"),
    transactionId: (await companyGift(s)).transactionId,
    goodsDonation: goods.id,
    certificate: await certificateOf(s),
  };

  const adminClaims = decodeJwt(bank.admin);
  adminPrincipal = {
    userId: String(adminClaims.sub),
    username: String(adminClaims.username),
    role: "admin",
    communityId: null,
    memberId: null,
    merchantId: null,
  };
  const now = bank.clock.now();
  tokens = {
    admin: bank.admin,
    staff: s.staffA,
    staffB: s.staffB,
    member: s.alice.token,
    other: s.bob.token,
    merch: s.merchant.token,
    merchB: s.otherMerchant.token,
    none: undefined,
    expired: await signToken(adminPrincipal, TEST_JWT_SECRET, new Date(now.getTime() - 9 * 60 * 60 * 1000)),
    forged: await signToken(adminPrincipal, "another-secret-0123456789abcdef-0123456789", now),
    algNone: new UnsecuredJWT({ ...adminClaims }).encode(),
  };
  await bank.settle();
});

/** Another session of the same login as `token` (same claims, a new session id). */
function sessionLike(token: string) {
  const c = decodeJwt(token);
  return signToken(
    {
      userId: String(c.sub),
      username: String(c.username),
      role: c.role as Principal["role"],
      communityId: (c.communityId as string | null) ?? null,
      memberId: (c.memberId as string | null) ?? null,
      merchantId: (c.merchantId as string | null) ?? null,
      tokenVersion: Number(c.ver ?? 0),
    },
    TEST_JWT_SECRET,
    bank.clock.now(),
  );
}

describe("access control: every route × every caller", () => {
  it("the table names every route of the API, once", async () => {
    const doc = await bank.call("GET", "/openapi.json");
    const routes = Object.entries<Record<string, unknown>>(doc.body.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    expect(TABLE.map((r) => r.route).sort()).toEqual(routes.sort());
  });

  it("the bad tokens carry the administrator's claims: only the signature or the time is wrong", async () => {
    for (const role of ["expired", "forged", "algNone"] as const) expect(decodeJwt(tokens[role]!), role).toMatchObject({ role: "admin", sub: adminPrincipal.userId });
    expect((await bank.call("GET", "/v1/me", { token: await signToken(adminPrincipal, TEST_JWT_SECRET, bank.clock.now()) })).status).toBe(200);
  });

  it.each(TABLE.map((row) => [row.route, row] as const))("%s", async (route, row) => {
    const [method] = route.split(" ");
    const got: number[] = [];
    const leaks: string[] = [];
    let target: Target | undefined;
    for (const role of ROLES) {
      target ??= await row.target(scene);
      const token = row.ownSession && ["none", "expired", "forged", "algNone"].indexOf(role) < 0 ? await sessionLike(tokens[role]!) : tokens[role];
      const res = await bank.call(method!, target.path, { token, body: method === "GET" ? undefined : target.body });
      got.push(res.status);
      if (res.status < 300) target = undefined;
      else expect(res.body?.error?.code, `${role}: an error body`).toBeTruthy();
      if (row.secret && res.status < 300 && !row.secret.sees.includes(role)) {
        const text = typeof res.body === "string" ? res.body : JSON.stringify(res.body);
        if (text.includes(row.secret.value(scene))) leaks.push(role);
      }
    }
    const table = (statuses: number[]) => Object.fromEntries(ROLES.map((r, i) => [r, statuses[i]]));
    expect(table(got)).toEqual(table(row.expect));
    expect(leaks, "roles that saw what they may not").toEqual([]);
  });
});

describe("mass assignment: fields a caller may not set are refused and change nothing", () => {
  // Each body is valid but for one field the caller has no business sending.
  const attempts: [string, string, (s: Scene) => Promise<Target> | Target, () => string | undefined][] = [
    ["a member's balance", "POST", (s) => ({ path: "/v1/members", body: { name: "甲", kind: "volunteer", communityId: s.a, balance: 100_000 } }), () => tokens.admin],
    ["a member's earned total", "POST", (s) => ({ path: "/v1/members", body: { name: "甲", kind: "volunteer", communityId: s.a, earnedTotal: 1000 } }), () => tokens.staff],
    ["a member's stars", "POST", (s) => ({ path: "/v1/members", body: { name: "甲", kind: "volunteer", communityId: s.a, stars: 5 } }), () => tokens.staff],
    ["a passbook number", "POST", (s) => ({ path: "/v1/members", body: { name: "甲", kind: "volunteer", communityId: s.a, passbookNo: "CS-000001" } }), () => tokens.staff],
    ["a member's stars through PATCH", "PATCH", (s) => ({ path: `/v1/members/${s.alice.id}`, body: { publicOptOut: false, stars: 5 } }), () => tokens.member],
    ["a member's community through PATCH", "PATCH", (s) => ({ path: `/v1/members/${s.alice.id}`, body: { name: "甲", communityId: s.b } }), () => tokens.staff],
    ["a member's passbook number through PATCH", "PATCH", (s) => ({ path: `/v1/members/${s.alice.id}`, body: { passbookNo: "CS-000001" } }), () => tokens.admin],
    ["a member's id", "POST", (s) => ({ path: "/v1/members", body: { id: s.alice.id, name: "甲", kind: "volunteer", communityId: s.a } }), () => tokens.staff],
    ["a role on a member's login", "POST", (s) => ({ path: "/v1/members", body: { name: "甲", kind: "volunteer", communityId: s.a, login: { username: `x${unique()}`, password: "12345678", role: "admin" } } }), () => tokens.staff],
    ["a member role through /v1/users", "POST", (s) => ({ path: "/v1/users", body: { username: `x${unique()}`, password: "12345678", role: "member", communityId: s.a } }), () => tokens.admin],
    ["a member link through /v1/users", "POST", (s) => ({ path: "/v1/users", body: { username: `x${unique()}`, password: "12345678", role: "staff", communityId: s.a, memberId: s.alice.id } }), () => tokens.admin],
    ["a role at login", "POST", () => ({ path: "/v1/auth/login", body: { username: "admin", password: "admin-password", role: "admin" } }), () => undefined],
    ["a wish's status", "POST", () => ({ path: "/v1/wishes", body: wishBody({ status: "confirmed" }) }), () => tokens.staff],
    ["a wish's claimer", "POST", (s) => ({ path: "/v1/wishes", body: wishBody({ claimedBy: s.alice.id }) }), () => tokens.staff],
    ["a wish's points", "POST", () => ({ path: "/v1/wishes", body: wishBody({ pointsAwarded: 1000 }) }), () => tokens.staff],
    ["points on a confirmation", "POST", () => ({ path: `/v1/wishes/${fixtures.claimedWish}/confirm`, body: { satisfaction: 5, points: 1000 } }), () => tokens.staff],
    ["another claimer on fulfilment", "POST", (s) => ({ path: `/v1/wishes/${fixtures.claimedWish}/fulfil`, body: { memberId: s.bob.id } }), () => tokens.staff],
    ["a record's status", "POST", (s) => ({ path: "/v1/service-records", body: { memberId: s.alice.id, date: today(s), minutes: 30, description: "x", status: "approved" } }), () => tokens.member],
    ["a record's points", "POST", (s) => ({ path: "/v1/service-records", body: { memberId: s.alice.id, date: today(s), minutes: 30, description: "x", pointsAwarded: 500 } }), () => tokens.member],
    ["a record's community", "POST", (s) => ({ path: "/v1/service-records", body: { memberId: s.alice.id, date: today(s), minutes: 30, description: "x", communityId: s.b } }), () => tokens.staff],
    ["minutes on an approval", "POST", async (s) => ({ path: `/v1/service-records/${await pendingRecord(s)}/approve`, body: { minutes: 6000 } }), () => tokens.staff],
    ["a voucher's price", "POST", (s) => ({ path: "/v1/vouchers", body: { voucherTypeId: s.merchant.typeId, pointsCost: 0 } }), () => tokens.member],
    ["a voucher's status", "POST", (s) => ({ path: "/v1/vouchers", body: { voucherTypeId: s.merchant.typeId, status: "used" } }), () => tokens.member],
    ["a voucher's code", "POST", (s) => ({ path: "/v1/vouchers", body: { voucherTypeId: s.merchant.typeId, code: "AAAA-AAAA-AAAA-AAAA" } }), () => tokens.member],
    ["a merchant on acceptance", "POST", (s) => ({ path: `/v1/vouchers/${fixtures.voucherCode}/accept`, body: { merchantId: s.merchant.id } }), () => tokens.merchB],
    ["a status on cancellation", "POST", () => ({ path: `/v1/vouchers/${fixtures.voucherCode}/cancel`, body: { status: "issued" } }), () => tokens.member],
    ["a balance on an expense", "POST", () => ({ path: "/v1/fund/expenses", body: { amountFen: 100, purpose: "operations", description: "x", receiptRef: "R", payee: "爱心商店", balance: 0 } }), () => tokens.staff],
    ["a transaction id on an expense", "POST", () => ({ path: "/v1/fund/expenses", body: { amountFen: 100, purpose: "operations", description: "x", receiptRef: "R", payee: "爱心商店", transactionId: fixtures.transactionId } }), () => tokens.staff],
    ["points on a donation", "POST", (s) => ({ path: "/v1/donations", body: { donor: { type: "member", memberId: s.alice.id }, kind: "money", amountFen: 100, pointsAwarded: 100_000 } }), () => tokens.staff],
    ["points inside the donor", "POST", (s) => ({ path: "/v1/donations", body: { donor: { type: "member", memberId: s.alice.id, points: 100_000 }, kind: "money", amountFen: 100 } }), () => tokens.staff],
    ["postings on a reversal", "POST", () => ({ path: `/v1/transactions/${fixtures.transactionId}/reverse`, body: { reason: "x", postings: [{ account: "fund:cash", asset: "CNY", amount: 1 }] } }), () => tokens.admin],
    ["an amount on a reversal", "POST", () => ({ path: `/v1/transactions/${fixtures.transactionId}/reverse`, body: { reason: "x", amount: 1 } }), () => tokens.admin],
    ["a rule version number", "POST", () => ({ path: "/v1/rules", body: { version: 1, pointsPerServiceHour: 99, pointsPerYuanDonated: 1, pointsPerWishFulfilled: 20, starThresholds: [1, 2, 3, 4, 5], titleMinStars: 3, effectiveFrom: "2020-01-01T00:00:00Z" } }), () => tokens.admin],
    ["a stock on restock's type", "POST", (s) => ({ path: `/v1/voucher-types/${s.merchant.typeId}/restock`, body: { quantity: 1, stock: 1_000_000 } }), () => tokens.admin],
    ["an award's author", "POST", (s) => ({ path: "/v1/awards", body: { year: 2026, memberId: s.alice.id, title: "t", citation: "c", createdBy: "someone" } }), () => tokens.admin],
  ];

  it.each(attempts.map(([what, method, target, token]) => [what, method, target, token] as const))("%s → 400, nothing changes", async (_what, method, target, token) => {
    const t = await target(scene);
    await bank.settle();
    const before = await dumpDatabase(bank.db, { except: ["login_attempts"] });
    const res = await bank.call(method, t.path, { token: token(), body: t.body });
    expect({ status: res.status, code: res.body?.error?.code }, JSON.stringify(res.body)).toEqual({ status: 400, code: "validation_failed" });
    await bank.settle();
    expect(await dumpDatabase(bank.db, { except: ["login_attempts"] })).toEqual(before);
  });

  it("a query parameter a route does not take is refused too", async () => {
    for (const path of ["/v1/members?role=admin", "/v1/wishes?beneficiaryName=x", "/v1/vouchers?merchantId=x", "/v1/public/ledger?hash=x"]) {
      const res = await bank.call("GET", path, { token: tokens.admin });
      expect({ path, status: res.status }).toEqual({ path, status: 400 });
    }
  });
});
