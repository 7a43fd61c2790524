import { makeBank } from "./setup";

// A tour of every API route with valid requests, counting the database round-trips each one
// takes on its own (deferred hash sealing is queued and run between requests, not counted).
// Used by test/api/round-trips.test.ts (the budget) and by `npm run bench` (the table).

export interface TourStop {
  route: string;
  status: number;
  roundTrips: number;
  budget: number;
}

/** A read is at most two round-trips. */
export const ROUND_TRIP_BUDGET = 2;

/**
 * Writes that are one round-trip: one batch, with what they depend on read inside it as guards and
 * subqueries (see src/db/sql.ts). Their budget is 1; every other route keeps ROUND_TRIP_BUDGET.
 */
export const ONE_ROUND_TRIP_WRITES = new Set([
  "POST /v1/communities",
  "POST /v1/merchants",
  "POST /v1/users",
  "POST /v1/members",
  "POST /v1/rules",
  "POST /v1/activities",
  "POST /v1/wishes",
  "POST /v1/donations",
  "POST /v1/awards",
  "POST /v1/voucher-types",
  "POST /v1/voucher-types/:id/restock",
  "POST /v1/vouchers/:code/accept",
  "POST /v1/vouchers/:code/cancel",
  "POST /v1/service-records/:id/approve",
]);

const budgetOf = (route: string) => (ONE_ROUND_TRIP_WRITES.has(route) ? 1 : ROUND_TRIP_BUDGET);

export async function routeTour(): Promise<TourStop[]> {
  const bank = await makeBank({ clockStart: "2026-03-01T08:00:00.000Z" });
  const stops: TourStop[] = [];

  async function visit(route: string, path: string, opts: { token?: string; body?: unknown; expect?: number } = {}) {
    const [method] = route.split(" ");
    await bank.settle();
    bank.roundTrips.reset();
    const res = await bank.call(method!, path, { token: opts.token, body: opts.body ?? (method === "POST" ? {} : undefined) });
    const roundTrips = bank.roundTrips.count();
    const expected = opts.expect ?? (method === "POST" ? [200, 201] : [200]);
    if (!(Array.isArray(expected) ? expected : [expected]).includes(res.status)) {
      throw new Error(`route tour: ${route} answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
    }
    stops.push({ route, status: res.status, roundTrips, budget: budgetOf(route) });
    return res.body;
  }

  const admin = bank.admin;
  const community = await visit("POST /v1/communities", "/v1/communities", { token: admin, body: { name: "巡检社区", code: "tour" } });
  await visit("GET /v1/communities", "/v1/communities");
  const merchant = await visit("POST /v1/merchants", "/v1/merchants", { token: admin, body: { name: "巡检理发店" } });
  await visit("GET /v1/merchants", "/v1/merchants");
  await visit("POST /v1/users", "/v1/users", {
    token: admin,
    body: { username: "tour-staff", password: "staff-password", role: "staff", communityId: community.id },
  });
  await visit("POST /v1/users", "/v1/users", {
    token: admin,
    body: { username: "tour-merchant", password: "merchant-password", role: "merchant", merchantId: merchant.id },
  });
  const staffLogin = await visit("POST /v1/auth/login", "/v1/auth/login", { body: { username: "tour-staff", password: "staff-password" } });
  const staff = staffLogin.token as string;
  const merchantToken = (await bank.call("POST", "/v1/auth/login", { body: { username: "tour-merchant", password: "merchant-password" } })).body.token;
  await visit("GET /v1/me", "/v1/me", { token: staff });
  await visit("GET /v1/users", "/v1/users", { token: admin });

  const member = await visit("POST /v1/members", "/v1/members", {
    token: staff,
    body: { name: "巡检会员", communityId: community.id, kind: "party_member", login: { username: "tour-member", password: "member-password" } },
  });
  const memberToken = (await bank.call("POST", "/v1/auth/login", { body: { username: "tour-member", password: "member-password" } })).body.token;
  await visit("GET /v1/members", "/v1/members", { token: staff });
  await visit("GET /v1/members/:id", `/v1/members/${member.id}`, { token: staff });
  await visit("PATCH /v1/members/:id", `/v1/members/${member.id}`, { token: staff, body: { phone: "13800001111" } });
  // accounts
  const noLogin = (await bank.call("POST", "/v1/members", { token: staff, body: { name: "无账号", communityId: community.id, kind: "resident" } })).body;
  const givenUser = await visit("POST /v1/members/:id/login", `/v1/members/${noLogin.id}/login`, { token: staff, body: { username: "tour-given", password: "given-password" } });
  await visit("POST /v1/users/:id/password", `/v1/users/${givenUser.id}/password`, { token: staff, body: { password: "reset-password" } });
  await visit("POST /v1/users/:id/disable", `/v1/users/${givenUser.id}/disable`, { token: staff });
  await visit("POST /v1/users/:id/enable", `/v1/users/${givenUser.id}/enable`, { token: staff });
  const given = (await bank.call("POST", "/v1/auth/login", { body: { username: "tour-given", password: "reset-password" } })).body.token;
  const changed = await visit("POST /v1/me/password", "/v1/me/password", { token: given, body: { currentPassword: "reset-password", newPassword: "changed-password" } });
  await visit("POST /v1/auth/logout", "/v1/auth/logout", { token: changed.token });

  await visit("GET /v1/rules", "/v1/rules");
  await visit("POST /v1/rules", "/v1/rules", {
    token: admin,
    body: {
      pointsPerServiceHour: 10,
      pointsPerYuanDonated: 1,
      pointsPerWishFulfilled: 20,
      starThresholds: [10, 100, 300, 600, 1000],
      titleMinStars: 3,
      effectiveFrom: "2027-01-01T00:00:00.000Z",
    },
  });

  // earning
  const activity = await visit("POST /v1/activities", "/v1/activities", {
    token: staff,
    body: { title: "敬老院义务劳动", date: "2026-02-28", place: "城东敬老院" },
  });
  await visit("GET /v1/activities", "/v1/activities", { token: staff });
  const record = await visit("POST /v1/service-records", "/v1/service-records", {
    token: staff,
    body: { memberId: member.id, activityId: activity.id, date: "2026-02-28", minutes: 600, description: "打扫卫生" },
  });
  await visit("GET /v1/service-records", "/v1/service-records", { token: staff });
  // An isolate reads the rule versions once (src/domain/rule-cache.ts): a first approval warms it, unmeasured.
  const warmUp = (await bank.call("POST", "/v1/service-records", { token: memberToken, body: { memberId: member.id, date: "2026-02-26", minutes: 30, description: "自报" } })).body;
  await bank.call("POST", `/v1/service-records/${warmUp.id}/approve`, { token: staff });
  const approved = await visit("POST /v1/service-records/:id/approve", `/v1/service-records/${record.id}/approve`, { token: staff });
  const toReject = (await bank.call("POST", "/v1/service-records", {
    token: memberToken,
    body: { memberId: member.id, date: "2026-02-27", minutes: 30, description: "自报" },
  })).body;
  await visit("POST /v1/service-records/:id/reject", `/v1/service-records/${toReject.id}/reject`, { token: staff, body: { reason: "无人证明" } });
  const certificate = await visit("POST /v1/members/:id/certificates", `/v1/members/${member.id}/certificates`, {
    token: staff,
    body: { from: "2026-02-01", to: "2026-02-28", personInCharge: "巡检主任", contact: "0571-00000000" },
  });
  await visit("GET /v1/members/:id/certificates", `/v1/members/${member.id}/certificates`, { token: staff });
  await visit("GET /v1/certificates/:id", `/v1/certificates/${certificate.id}`, { token: memberToken });
  await visit("GET /v1/public/certificates/:number", `/v1/public/certificates/${certificate.number}`);
  await visit("POST /v1/certificates/:id/revoke", `/v1/certificates/${certificate.id}/revoke`, { token: admin, body: { reason: "巡检撤销" } });
  const category = await visit("POST /v1/service-categories", "/v1/service-categories", { token: admin, body: { code: "elder_care", name: "助老服务" } });
  await visit("GET /v1/service-categories", "/v1/service-categories");
  const outing = await visit("POST /v1/activities (timed)", "/v1/activities", {
    token: staff,
    body: { title: "助老探访", startAt: "2026-03-01T01:00:00.000Z", endAt: "2026-03-01T04:00:00.000Z", place: "社区活动室", categoryId: category.id, capacity: 30 },
  });
  await visit("POST /v1/activities/:id/attendance", `/v1/activities/${outing.id}/attendance`, {
    token: staff,
    body: { entries: [{ memberId: member.id, minutes: 120 }] },
  });
  await visit("POST /v1/activities/:id/approve", `/v1/activities/${outing.id}/approve`, { token: staff });
  const signing = await visit("POST /v1/activities (to sign in at)", "/v1/activities", {
    token: staff,
    body: { title: "清扫楼道", startAt: "2026-03-01T07:00:00.000Z", endAt: "2026-03-01T10:00:00.000Z", place: "3号楼" },
  });
  const { code } = await visit("POST /v1/activities/:id/checkin-code", `/v1/activities/${signing.id}/checkin-code`, { token: staff });
  await visit("POST /v1/activities/:id/checkin", `/v1/activities/${signing.id}/checkin`, { token: memberToken, body: { code } });
  bank.clock.advance(60 * 60 * 1000);
  await visit("POST /v1/activities/:id/checkout", `/v1/activities/${signing.id}/checkout`, { token: memberToken, body: { code } });
  bank.clock.advance(-60 * 60 * 1000);

  const wishBody = {
    title: "一个书包",
    description: "新学期需要一个书包",
    kind: "goods",
    estimatedValueFen: 8000,
    beneficiaryGroup: "left_behind_child",
    beneficiary: { name: "小明", contact: "13900000000" },
  };
  const wish = await visit("POST /v1/wishes", "/v1/wishes", { token: staff, body: wishBody });
  await visit("GET /v1/wishes", "/v1/wishes", { token: staff });
  await visit("GET /v1/worklist", "/v1/worklist", { token: staff });
  await visit("GET /v1/wishes/:id", `/v1/wishes/${wish.id}`, { token: staff });
  await visit("POST /v1/wishes/:id/claim", `/v1/wishes/${wish.id}/claim`, { token: memberToken });
  await visit("POST /v1/wishes/:id/release", `/v1/wishes/${wish.id}/release`, { token: memberToken });
  await bank.call("POST", `/v1/wishes/${wish.id}/claim`, { token: memberToken, body: {} });
  await visit("POST /v1/wishes/:id/fulfil", `/v1/wishes/${wish.id}/fulfil`, { token: memberToken, body: { note: "已送达" } });
  await visit("POST /v1/wishes/:id/confirm", `/v1/wishes/${wish.id}/confirm`, { token: staff, body: { satisfaction: 5 } });
  const other = (await bank.call("POST", "/v1/wishes", { token: staff, body: wishBody })).body;
  await visit("POST /v1/wishes/:id/cancel", `/v1/wishes/${other.id}/cancel`, { token: staff, body: { reason: "重复登记" } });

  const company = await visit("POST /v1/donations", "/v1/donations", {
    token: staff,
    body: { donor: { type: "company", name: "常山村镇银行" }, kind: "money", amountFen: 5_000_000 },
  });
  const goods = (await bank.call("POST", "/v1/donations", {
    token: staff,
    body: { donor: { type: "member", memberId: member.id }, kind: "goods", goods: { description: "冬衣", quantity: 10, valueFen: 50_000 } },
  })).body;
  await visit("GET /v1/donations", "/v1/donations");
  await visit("GET /v1/donations/:id", `/v1/donations/${company.id}`);
  await visit("POST /v1/donations/:id/usages", `/v1/donations/${goods.id}/usages`, {
    token: staff,
    body: { quantity: 2, beneficiaryGroup: "elderly", note: "送给独居老人" },
  });

  await visit("GET /v1/members/:id/passbook", `/v1/members/${member.id}/passbook`, { token: memberToken });
  await visit("GET /v1/members/:id/passbook.csv", `/v1/members/${member.id}/passbook.csv`, { token: memberToken });
  await visit("GET /v1/rankings", "/v1/rankings?year=2026&by=points");
  await visit("POST /v1/awards", "/v1/awards", {
    token: admin,
    body: { year: 2026, memberId: member.id, title: "优秀义工", citation: "服务时间最长" },
  });
  await visit("GET /v1/awards", "/v1/awards?year=2026");
  await visit("GET /v1/reports/quality", "/v1/reports/quality");

  // spending
  const type = await visit("POST /v1/voucher-types", "/v1/voucher-types", {
    token: admin,
    body: { merchantId: merchant.id, name: "公益理发券", pointsCost: 20, stock: 10, validDays: 30 },
  });
  await visit("GET /v1/voucher-types", "/v1/voucher-types");
  await visit("POST /v1/voucher-types/:id/restock", `/v1/voucher-types/${type.id}/restock`, { token: admin, body: { quantity: 5 } });
  const voucher = await visit("POST /v1/vouchers", "/v1/vouchers", { token: memberToken, body: { voucherTypeId: type.id } });
  const second = (await bank.call("POST", "/v1/vouchers", { token: memberToken, body: { voucherTypeId: type.id } })).body;
  await visit("GET /v1/vouchers", "/v1/vouchers", { token: memberToken });
  await visit("GET /v1/vouchers/:code", `/v1/vouchers/${voucher.code}`, { token: merchantToken });
  await visit("POST /v1/vouchers/:code/accept", `/v1/vouchers/${voucher.code}/accept`, { token: merchantToken });
  await visit("POST /v1/vouchers/:code/cancel", `/v1/vouchers/${second.code}/cancel`, { token: memberToken });
  await visit("GET /v1/vouchers.csv", "/v1/vouchers.csv", { token: staff });

  // points that move: gifts, the wish pool
  const relative = (await bank.call("POST", "/v1/members", { token: staff, body: { name: "巡检亲属", communityId: community.id, kind: "resident" } })).body;
  await visit("POST /v1/transfers", "/v1/transfers", { token: memberToken, body: { fromMemberId: member.id, to: { pool: "wish" }, points: 2 } });
  await visit("POST /v1/transfers (to a member)", "/v1/transfers", {
    token: memberToken,
    body: { fromMemberId: member.id, to: { memberId: relative.id }, points: 1, memo: "给家人" },
  });
  await visit("POST /v1/pools/wish/grants", "/v1/pools/wish/grants", { token: staff, body: { memberId: relative.id, points: 1, reason: "困难帮扶" } });
  await visit("GET /v1/public/pools/wish", "/v1/public/pools/wish");
  await visit("POST /v1/members/:id/guardians", `/v1/members/${member.id}/guardians`, { token: staff, body: { guardianMemberId: relative.id } });
  await visit("GET /v1/members/:id/guardians", `/v1/members/${member.id}/guardians`, { token: staff });
  await visit("GET /v1/members/:id/passbook (asOf)", `/v1/members/${member.id}/passbook?asOf=2026-03-01`, { token: memberToken });
  await visit("GET /v1/members/:id/statement", `/v1/members/${member.id}/statement?year=2026`, { token: memberToken });
  await visit("GET /v1/members/:id/statement.csv", `/v1/members/${member.id}/statement.csv?year=2026`, { token: memberToken });

  const expense = await visit("POST /v1/fund/expenses", "/v1/fund/expenses", {
    token: staff,
    body: { amountFen: 20_000, purpose: "hardship_aid", description: "困难家庭慰问", receiptRef: "RC-2026-001", payee: "爱心商店" },
  });
  await visit("GET /v1/fund/expenses", "/v1/fund/expenses");
  const receiptForm = new FormData();
  receiptForm.append("file", new File(["%PDF-1.7\n% tour receipt\n%%EOF\n"], "receipt.pdf", { type: "application/pdf" }));
  const receipt = await visit("POST /v1/fund/expenses/:id/receipts", `/v1/fund/expenses/${expense.id}/receipts`, { token: staff, body: receiptForm });
  await visit("GET /v1/fund/expenses/:id/receipts/:sha256", `/v1/fund/expenses/${expense.id}/receipts/${receipt.sha256}`, { token: staff });
  // Above the threshold of a rule in force from now: pending until someone other than its recorder decides.
  const rules = (await bank.call("GET", "/v1/rules")).body;
  const { version: _v, versions: _all, effectiveFrom: _from, ...values } = rules;
  await bank.call("POST", "/v1/rules", { token: admin, body: { ...values, expenseApprovalAboveFen: 1_000_000, effectiveFrom: bank.clock.now().toISOString() } });
  const big = { amountFen: 2_000_000, purpose: "hardship_aid", description: "大额救助", receiptRef: "RC-2026-002", payee: "县民政局" };
  const bigApprove = (await bank.call("POST", "/v1/fund/expenses", { token: admin, body: big })).body;
  const bigReject = (await bank.call("POST", "/v1/fund/expenses", { token: admin, body: big })).body;
  await visit("POST /v1/fund/expenses/:id/approve", `/v1/fund/expenses/${bigApprove.id}/approve`, { token: await bank.token({ role: "admin" }) });
  await visit("POST /v1/fund/expenses/:id/reject", `/v1/fund/expenses/${bigReject.id}/reject`, { token: await bank.token({ role: "admin" }), body: { reason: "重复申请" } });
  await visit("POST /v1/fund/budgets", "/v1/fund/budgets", { token: admin, body: { year: 2026, purpose: "hardship_aid", amountFen: 1_000_000 } });
  await visit("GET /v1/fund/budget", "/v1/fund/budget?year=2026");
  await visit("GET /v1/public/annual-report", "/v1/public/annual-report?year=2026");
  await visit("GET /v1/fund/statement", "/v1/fund/statement");
  await visit("GET /v1/fund/statement (period)", "/v1/fund/statement?from=2026-01-01&to=2026-12-31");
  await visit("GET /v1/fund/statement.csv", "/v1/fund/statement.csv");
  await visit("GET /v1/transactions/:id", `/v1/transactions/${approved.transactionId}`, { token: admin });
  // corrections
  const gift = (await bank.call("POST", "/v1/donations", { token: staff, body: { donor: { type: "company", name: "巡检企业" }, kind: "money", amountFen: 1_000 } })).body;
  await visit("PATCH /v1/wishes/:id", `/v1/wishes/${other.id}`, { token: staff, body: { redact: { field: "title", reason: "含姓名" } } });
  await visit("GET /v1/wishes/:id/corrections", `/v1/wishes/${other.id}/corrections`, { token: admin });
  await visit("POST /v1/transactions/:id/reversal-request", `/v1/transactions/${gift.transactionId}/reversal-request`, { token: staff, body: { reason: "录入错误" } });
  await visit("GET /v1/reversal-requests", "/v1/reversal-requests", { token: admin });
  await visit("POST /v1/transactions/:id/reversal-request/reject", `/v1/transactions/${gift.transactionId}/reversal-request/reject`, { token: admin, body: { reason: "无误" } });
  await bank.call("POST", `/v1/transactions/${gift.transactionId}/reversal-request`, { token: staff, body: { reason: "确实错了" } });
  await visit("POST /v1/transactions/:id/reversal-request/approve", `/v1/transactions/${gift.transactionId}/reversal-request/approve`, { token: admin, body: {} });
  const mover = (await bank.call("POST", "/v1/members", { token: staff, body: { name: "搬家", communityId: community.id, kind: "resident" } })).body;
  const elsewhere = (await bank.call("POST", "/v1/communities", { token: admin, body: { name: "别处", code: "tour-elsewhere" } })).body;
  await visit("POST /v1/members/:id/move", `/v1/members/${mover.id}/move`, { token: admin, body: { communityId: elsewhere.id } });
  const twin = (await bank.call("POST", "/v1/members", { token: staff, body: { name: "重复", communityId: community.id, kind: "resident" } })).body;
  await visit("POST /v1/members/:id/merge", `/v1/members/${noLogin.id}/merge`, { token: staff, body: { duplicateMemberId: twin.id } });
  await visit("POST /v1/transactions/:id/reverse", `/v1/transactions/${expense.transactionId}/reverse`, {
    token: admin,
    body: { reason: "录入错误" },
  });

  await bank.settle();
  await visit("GET /v1/public/summary", "/v1/public/summary");
  await visit("GET /v1/public/ledger", "/v1/public/ledger");
  await visit("GET /v1/public/checkpoint", "/v1/public/checkpoint");
  await visit("GET /v1/public/checkpoint (day end)", "/v1/public/checkpoint?day=2026-03-01");
  await visit("GET /v1/public/ledger-key", "/v1/public/ledger-key");
  await visit("GET /v1/public/proof/inclusion", "/v1/public/proof/inclusion?seq=3&size=7");
  await visit("GET /v1/public/proof/consistency", "/v1/public/proof/consistency?from=3&to=7");
  await visit("GET /healthz", "/healthz");
  return stops;
}

