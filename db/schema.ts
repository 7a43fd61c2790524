import { sql } from "drizzle-orm";
import { blob, check, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import {
  assets,
  beneficiaryGroups,
  donationKinds,
  donorTypes,
  expenseStatuses,
  fundPurposes,
  memberKinds,
  recordMethods,
  roles,
  serviceRecordStatuses,
  transactionKinds,
  voucherStatuses,
  wishKinds,
  wishStatuses,
} from "../src/vocabulary";

// Times are UTC ISO 8601 strings ("2026-01-31T08:00:00.000Z"); money is integer fen; points are integers.

export const communities = sqliteTable("communities", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  code: text("code").notNull().unique(),
  createdAt: text("created_at").notNull(),
});

export const merchants = sqliteTable("merchants", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  createdAt: text("created_at").notNull(),
});

export const members = sqliteTable(
  "members",
  {
    id: text("id").primaryKey(),
    communityId: text("community_id").notNull().references(() => communities.id),
    name: text("name").notNull(),
    kind: text("kind", { enum: memberKinds }).notNull(),
    phone: text("phone"),
    passbookSeq: integer("passbook_seq").notNull().unique(),
    passbookNo: text("passbook_no").notNull().unique(),
    accountId: text("account_id").notNull().unique(),
    // Cumulative points earned (never lowered by redeeming); drives the star level.
    earnedTotal: integer("earned_total").notNull().default(0),
    stars: integer("stars").notNull().default(0),
    // Approved, unreversed service of all time: the national star level by hours reads it.
    serviceMinutes: integer("service_minutes").notNull().default(0),
    publicOptOut: integer("public_opt_out", { mode: "boolean" }).notNull().default(false),
    createdAt: text("created_at").notNull(),
  },
  (t) => [
    index("members_community_idx").on(t.communityId, t.id),
    // The honour roll: how many members hold each star level, and the top of the title holders.
    index("members_stars_idx").on(t.stars, t.earnedTotal),
  ],
);

export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(),
    username: text("username").notNull().unique(),
    passwordHash: text("password_hash").notNull(),
    role: text("role", { enum: roles }).notNull(),
    communityId: text("community_id").references(() => communities.id),
    memberId: text("member_id").references(() => members.id),
    merchantId: text("merchant_id").references(() => merchants.id),
    createdAt: text("created_at").notNull(),
    // Set when the login is disabled: its tokens stop working at once (403 user_disabled).
    disabledAt: text("disabled_at"),
    // Raised by every password change or reset: tokens carry the version they were issued under.
    tokenVersion: integer("token_version").notNull().default(0),
  },
  // "Alice" and "alice" are one username (usernames are ASCII, which lower() folds).
  (t) => [uniqueIndex("users_username_ci").on(sql`lower(${t.username})`)],
);

/** Sessions ended by logging out before their token expired; forgotten once the token would have expired. */
export const revokedSessions = sqliteTable("revoked_sessions", {
  sessionId: text("session_id").primaryKey(),
  expiresAt: text("expires_at").notNull(),
});

export const loginAttempts = sqliteTable(
  "login_attempts",
  {
    key: text("key").primaryKey(),
    windowStart: text("window_start").notNull(),
    failures: integer("failures").notNull(),
  },
  (t) => [index("login_attempts_window_idx").on(t.windowStart)],
);

// ---- ledger ----

export const accounts = sqliteTable(
  "accounts",
  {
    id: text("id").primaryKey(),
    // Stable, public name of the account: "member:CS-000123", "points:issuer", "fund:cash", "fund:income:company", ...
    code: text("code").notNull().unique(),
    asset: text("asset", { enum: assets }).notNull(),
    kind: text("kind").notNull(),
    balance: integer("balance").notNull().default(0),
    nonNegative: integer("non_negative", { mode: "boolean" }).notNull().default(false),
  },
  (t) => [check("balance_non_negative", sql`${t.nonNegative} = 0 OR ${t.balance} >= 0`)],
);

export const ledgerTransactions = sqliteTable(
  "ledger_transactions",
  {
    id: text("id").primaryKey(),
    // Chain order, assigned inside the write so it follows commit order.
    seq: integer("seq").notNull().unique(),
    kind: text("kind", { enum: transactionKinds }).notNull(),
    at: text("at").notNull(),
    memo: text("memo").notNull().default(""),
    reversesId: text("reverses_id").unique(),
    ruleVersion: integer("rule_version"),
    communityId: text("community_id"),
    refType: text("ref_type"),
    refId: text("ref_id"),
    createdBy: text("created_by"),
    // The plain facts of the transaction's public record (src/ledger/leaf.ts), as JSON; NULL: none.
    publicFacts: text("public_facts"),
    // Filled by the sealer after commit, in seq order.
    prevHash: text("prev_hash"),
    hash: text("hash"),
  },
  (t) => [index("ledger_tx_ref_idx").on(t.refType, t.refId)],
);

export const postings = sqliteTable(
  "postings",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    transactionId: text("transaction_id").notNull().references(() => ledgerTransactions.id),
    accountId: text("account_id").notNull().references(() => accounts.id),
    asset: text("asset", { enum: assets }).notNull(),
    amount: integer("amount").notNull(),
    balanceAfter: integer("balance_after").notNull(),
    // A passbook posting's salt for its member commitment in the Merkle leaf; NULL on other accounts.
    salt: text("salt"),
  },
  (t) => [index("postings_account_idx").on(t.accountId, t.id), index("postings_tx_idx").on(t.transactionId)],
);

// The withdrawable facts of transactions' public records. While public, the value and its salt
// are published and the commitment follows from them; withdrawing keeps only the commitment.
export const ledgerDisclosures = sqliteTable(
  "ledger_disclosures",
  {
    transactionId: text("transaction_id").notNull().references(() => ledgerTransactions.id),
    name: text("name").notNull(),
    salt: text("salt"),
    value: text("value"),
    commitment: text("commitment"),
    withdrawnAt: text("withdrawn_at"),
    withdrawnReason: text("withdrawn_reason"),
  },
  (t) => [primaryKey({ columns: [t.transactionId, t.name] })],
);

// The Merkle tree's complete subtrees (RFC 9162 over the published transactions): the node of
// 2^level leaves starting at leaf index × 2^level has id = index × 64 + level (one integer key,
// so the table is its own index). Written once by the sealer, never changed.
export const merkleNodes = sqliteTable("merkle_nodes", {
  id: integer("id").primaryKey(),
  hash: blob("hash", { mode: "buffer" }).notNull(),
});

// The tree's head after each sealing run (size 0 is the empty tree). The largest size is the
// published log; each row is a checkpoint the bank signs when asked (Ed25519 is deterministic).
export const ledgerCheckpoints = sqliteTable(
  "ledger_checkpoints",
  {
    size: integer("size").primaryKey(),
    rootHash: text("root_hash").notNull(),
    sealedAt: text("sealed_at").notNull(),
  },
  (t) => [index("ledger_checkpoints_sealed_idx").on(t.sealedAt)],
);

// Each star level a member reaches, with the date; levels never go down.
export const levelChanges = sqliteTable(
  "level_changes",
  {
    memberId: text("member_id").notNull().references(() => members.id),
    stars: integer("stars").notNull(),
    at: text("at").notNull(),
    transactionId: text("transaction_id").notNull(),
  },
  (t) => [primaryKey({ columns: [t.memberId, t.stars] })],
);

export const idempotencyKeys = sqliteTable(
  "idempotency_keys",
  {
    scope: text("scope").notNull(),
    key: text("key").notNull(),
    requestHash: text("request_hash").notNull(),
    status: integer("status").notNull(),
    body: text("body").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.scope, t.key] }), index("idempotency_keys_created_idx").on(t.createdAt)],
);

// Maintained aggregates for the public summary, updated in the same write as the event.
export const counters = sqliteTable("counters", {
  name: text("name").primaryKey(),
  value: integer("value").notNull().default(0),
});

// Never holds rows: an insert here is a failed guard, aborted by a trigger (see migrations).
export const guards = sqliteTable("guards", {
  code: text("code").notNull(),
});

export const ruleVersions = sqliteTable("rule_versions", {
  version: integer("version").primaryKey(),
  pointsPerServiceHour: integer("points_per_service_hour").notNull(),
  pointsPerYuanDonated: integer("points_per_yuan_donated").notNull(),
  pointsPerWishFulfilled: integer("points_per_wish_fulfilled").notNull(),
  starThresholds: text("star_thresholds", { mode: "json" }).$type<number[]>().notNull(),
  titleMinStars: integer("title_min_stars").notNull(),
  // Expenses above this amount wait for a second person's approval; null: they move money at once.
  expenseApprovalAboveFen: integer("expense_approval_above_fen"),
  effectiveFrom: text("effective_from").notNull(),
  createdAt: text("created_at").notNull(),
  createdBy: text("created_by"),
  // Limits (issue 15); null = none. Points expire at the end of the Nth calendar year after earned.
  pointsValidYears: integer("points_valid_years"),
  // A credit above this balance goes to the wish pool in the same transaction.
  maxBalance: integer("max_balance"),
  // Service rules (version 2): per-category hourly rates, four-eyes approval, back-filled hours, a daily cap.
  categoryRates: text("category_rates", { mode: "json" })
    .$type<{ categoryId: string; pointsPerServiceHour: number }[]>()
    .notNull()
    .default(sql`'[]'`),
  requireSecondApprover: integer("require_second_approver", { mode: "boolean" }).notNull().default(false),
  backfillEarnsPoints: integer("backfill_earns_points", { mode: "boolean" }).notNull().default(true),
  maxMinutesPerDay: integer("max_minutes_per_day"),
});

export const serviceCategories = sqliteTable("service_categories", {
  id: text("id").primaryKey(),
  code: text("code").notNull().unique(),
  name: text("name").notNull(),
  createdAt: text("created_at").notNull(),
  createdBy: text("created_by").notNull(),
});

// ---- earning ----

export const wishes = sqliteTable(
  "wishes",
  {
    id: text("id").primaryKey(),
    communityId: text("community_id").notNull().references(() => communities.id),
    title: text("title").notNull(),
    description: text("description").notNull(),
    kind: text("kind", { enum: wishKinds }).notNull(),
    estimatedValueFen: integer("estimated_value_fen"),
    beneficiaryGroup: text("beneficiary_group", { enum: beneficiaryGroups }).notNull(),
    beneficiaryName: text("beneficiary_name").notNull(),
    beneficiaryContact: text("beneficiary_contact"),
    deadline: text("deadline"),
    status: text("status", { enum: wishStatuses }).notNull(),
    claimedBy: text("claimed_by").references(() => members.id),
    claimedAt: text("claimed_at"),
    claimDeadline: text("claim_deadline"),
    fulfilledAt: text("fulfilled_at"),
    fulfilNote: text("fulfil_note"),
    goodsValueFen: integer("goods_value_fen"),
    confirmedAt: text("confirmed_at"),
    satisfaction: integer("satisfaction"),
    feedback: text("feedback"),
    pointsAwarded: integer("points_awarded"),
    transactionId: text("transaction_id"),
    createdBy: text("created_by").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (t) => [
    index("wishes_community_idx").on(t.communityId, t.id),
    index("wishes_status_idx").on(t.status, t.claimDeadline),
  ],
);

export const wishEvents = sqliteTable(
  "wish_events",
  {
    id: text("id").primaryKey(),
    wishId: text("wish_id").notNull().references(() => wishes.id),
    fromStatus: text("from_status", { enum: wishStatuses }),
    toStatus: text("to_status", { enum: wishStatuses }).notNull(),
    actorUserId: text("actor_user_id"),
    at: text("at").notNull(),
    note: text("note"),
  },
  (t) => [index("wish_events_wish_idx").on(t.wishId, t.id)],
);

export const activities = sqliteTable(
  "activities",
  {
    id: text("id").primaryKey(),
    communityId: text("community_id").notNull().references(() => communities.id),
    title: text("title").notNull(),
    date: text("date").notNull(),
    place: text("place").notNull(),
    // When the outing starts and ends (UTC); `date` is the bank's date of the start.
    startAt: text("start_at"),
    endAt: text("end_at"),
    categoryId: text("category_id").references(() => serviceCategories.id),
    capacity: integer("capacity"),
    // The short code shown at the outing for members to sign in and out, until it expires.
    checkinCode: text("checkin_code"),
    checkinCodeExpiresAt: text("checkin_code_expires_at"),
    createdBy: text("created_by").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (t) => [index("activities_community_idx").on(t.communityId, t.id)],
);

// A member's sign-in at an outing; the sign-out creates their pending service record.
export const activityCheckins = sqliteTable(
  "activity_checkins",
  {
    activityId: text("activity_id").notNull().references(() => activities.id),
    memberId: text("member_id").notNull().references(() => members.id),
    checkedInAt: text("checked_in_at").notNull(),
    checkedOutAt: text("checked_out_at"),
    recordId: text("record_id"),
  },
  (t) => [primaryKey({ columns: [t.activityId, t.memberId] })],
);

export const serviceRecords = sqliteTable(
  "service_records",
  {
    id: text("id").primaryKey(),
    memberId: text("member_id").notNull().references(() => members.id),
    communityId: text("community_id").notNull().references(() => communities.id),
    activityId: text("activity_id").references(() => activities.id),
    date: text("date").notNull(),
    minutes: integer("minutes").notNull(),
    description: text("description").notNull(),
    status: text("status", { enum: serviceRecordStatuses }).notNull(),
    reason: text("reason"),
    decidedBy: text("decided_by"),
    decidedAt: text("decided_at"),
    pointsAwarded: integer("points_awarded"),
    transactionId: text("transaction_id"),
    // Provenance: how the hours were recorded (created_by is who recorded them, decided_by who approved).
    method: text("method", { enum: recordMethods }).notNull().default("staff_entry"),
    categoryId: text("category_id").references(() => serviceCategories.id),
    evidenceRef: text("evidence_ref"),
    // Set when the credit of an approved record is reversed: it no longer counts as service.
    reversalId: text("reversal_id"),
    createdBy: text("created_by").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (t) => [
    index("service_records_community_idx").on(t.communityId, t.status, t.id),
    index("service_records_member_idx").on(t.memberId, t.date),
    index("service_records_activity_idx").on(t.activityId, t.memberId),
  ],
);

export const donations = sqliteTable(
  "donations",
  {
    id: text("id").primaryKey(),
    communityId: text("community_id").references(() => communities.id),
    donorType: text("donor_type", { enum: donorTypes }).notNull(),
    memberId: text("member_id").references(() => members.id),
    donorName: text("donor_name"),
    kind: text("kind", { enum: donationKinds }).notNull(),
    amountFen: integer("amount_fen").notNull(),
    goodsDescription: text("goods_description"),
    goodsQuantity: integer("goods_quantity"),
    goodsRemaining: integer("goods_remaining"),
    pointsAwarded: integer("points_awarded").notNull().default(0),
    transactionId: text("transaction_id").notNull(),
    at: text("at").notNull(),
    createdBy: text("created_by").notNull(),
    // 定向捐赠: money given for a purpose and/or a community, and how much of it is not yet drawn.
    restrictionPurpose: text("restriction_purpose"),
    restrictionCommunityId: text("restriction_community_id"),
    restrictedRemainingFen: integer("restricted_remaining_fen"),
  },
  (t) => [
    index("donations_at_idx").on(t.id),
    check("goods_remaining_non_negative", sql`${t.goodsRemaining} IS NULL OR ${t.goodsRemaining} >= 0`),
  ],
);

export const goodsUsages = sqliteTable("goods_usages", {
  id: text("id").primaryKey(),
  donationId: text("donation_id").notNull().references(() => donations.id),
  quantity: integer("quantity").notNull(),
  wishId: text("wish_id").references(() => wishes.id),
  beneficiaryGroup: text("beneficiary_group", { enum: beneficiaryGroups }),
  note: text("note"),
  at: text("at").notNull(),
  createdBy: text("created_by").notNull(),
});

// ---- spending ----

export const voucherTypes = sqliteTable(
  "voucher_types",
  {
    id: text("id").primaryKey(),
    merchantId: text("merchant_id").notNull().references(() => merchants.id),
    name: text("name").notNull(),
    pointsCost: integer("points_cost").notNull(),
    stock: integer("stock").notNull(),
    validDays: integer("valid_days").notNull(),
    createdAt: text("created_at").notNull(),
    // Vouchers of this type one member may redeem per calendar year (bank time zone); null = no limit.
    perMemberLimit: integer("per_member_limit"),
  },
  (t) => [check("stock_non_negative", sql`${t.stock} >= 0`)],
);

export const vouchers = sqliteTable(
  "vouchers",
  {
    id: text("id").primaryKey(),
    code: text("code").notNull().unique(),
    voucherTypeId: text("voucher_type_id").notNull().references(() => voucherTypes.id),
    memberId: text("member_id").notNull().references(() => members.id),
    pointsCost: integer("points_cost").notNull(),
    status: text("status", { enum: voucherStatuses }).notNull(),
    issuedAt: text("issued_at").notNull(),
    expiresAt: text("expires_at").notNull(),
    closedAt: text("closed_at"),
    issueTransactionId: text("issue_transaction_id").notNull(),
    closeTransactionId: text("close_transaction_id"),
  },
  (t) => [
    index("vouchers_member_idx").on(t.memberId, t.id),
    index("vouchers_status_idx").on(t.status, t.expiresAt),
  ],
);

export const fundExpenses = sqliteTable(
  "fund_expenses",
  {
    id: text("id").primaryKey(),
    amountFen: integer("amount_fen").notNull(),
    purpose: text("purpose", { enum: fundPurposes }).notNull(),
    description: text("description").notNull(),
    receiptRef: text("receipt_ref").notNull(),
    // Version 1's free-text approver; new expenses name their approver by user (approverId).
    approvedBy: text("approved_by"),
    payee: text("payee"),
    communityId: text("community_id"),
    // "pending" moves no money (no transaction yet); "paid" has its transaction; "rejected" never will.
    status: text("status", { enum: expenseStatuses }).notNull().default("paid"),
    transactionId: text("transaction_id"),
    at: text("at").notNull(),
    createdBy: text("created_by").notNull(),
    recorderName: text("recorder_name"),
    recorderRole: text("recorder_role"),
    approverId: text("approver_id"),
    approverName: text("approver_name"),
    approverRole: text("approver_role"),
    approverCommunityId: text("approver_community_id"),
    decidedAt: text("decided_at"),
    reason: text("reason"),
  },
  (t) => [index("fund_expenses_status_idx").on(t.status, t.id)],
);

// Restricted (定向) money drawn by an expense from one restricted donation, oldest donation first.
export const fundRestrictedDraws = sqliteTable(
  "fund_restricted_draws",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    expenseId: text("expense_id").notNull().references(() => fundExpenses.id),
    donationId: text("donation_id").notNull().references(() => donations.id),
    amountFen: integer("amount_fen").notNull(),
    transactionId: text("transaction_id").notNull(),
  },
  (t) => [index("fund_restricted_draws_donation_idx").on(t.donationId), index("fund_restricted_draws_expense_idx").on(t.expenseId)],
);

export const fundBudgets = sqliteTable(
  "fund_budgets",
  {
    year: integer("year").notNull(),
    purpose: text("purpose").notNull(),
    amountFen: integer("amount_fen").notNull(),
    updatedAt: text("updated_at").notNull(),
    updatedBy: text("updated_by").notNull(),
  },
  (t) => [primaryKey({ columns: [t.year, t.purpose] })],
);

// A receipt file kept with an expense, addressed by the SHA-256 of its bytes (the file is in storage).
export const fundReceipts = sqliteTable(
  "fund_receipts",
  {
    expenseId: text("expense_id").notNull().references(() => fundExpenses.id),
    sha256: text("sha256").notNull(),
    contentType: text("content_type").notNull(),
    size: integer("size").notNull(),
    at: text("at").notNull(),
    createdBy: text("created_by").notNull(),
  },
  (t) => [primaryKey({ columns: [t.expenseId, t.sha256] })],
);

export const awards = sqliteTable(
  "awards",
  {
    id: text("id").primaryKey(),
    year: integer("year").notNull(),
    memberId: text("member_id").notNull().references(() => members.id),
    title: text("title").notNull(),
    citation: text("citation").notNull(),
    createdAt: text("created_at").notNull(),
    createdBy: text("created_by").notNull(),
  },
  (t) => [uniqueIndex("awards_year_member_idx").on(t.year, t.memberId)],
);

// Maintained per member and year by every credit, so rankings never scan the ledger.
export const memberYearStats = sqliteTable(
  "member_year_stats",
  {
    memberId: text("member_id").notNull().references(() => members.id),
    year: integer("year").notNull(),
    communityId: text("community_id").notNull(),
    pointsEarned: integer("points_earned").notNull().default(0),
    minutesServed: integer("minutes_served").notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.memberId, t.year] }),
    index("member_year_points_idx").on(t.year, t.pointsEarned),
    index("member_year_minutes_idx").on(t.year, t.minutesServed),
  ],
);

// ---- points that move (issue 15): gifts, the wish pool, guardians, withdrawn stars ----

// A gift of points from a passbook to another passbook or to the wish pool (to_member_id null).
export const transfers = sqliteTable(
  "transfers",
  {
    id: text("id").primaryKey(),
    fromMemberId: text("from_member_id").notNull().references(() => members.id),
    toMemberId: text("to_member_id").references(() => members.id),
    points: integer("points").notNull(),
    memo: text("memo"),
    transactionId: text("transaction_id").notNull(),
    at: text("at").notNull(),
    createdBy: text("created_by").notNull(),
  },
  (t) => [index("transfers_from_idx").on(t.fromMemberId, t.id), index("transfers_to_idx").on(t.toMemberId, t.id)],
);

// Points granted from the wish pool to a member in need; published by community and group only.
export const poolGrants = sqliteTable(
  "pool_grants",
  {
    id: text("id").primaryKey(),
    memberId: text("member_id").notNull().references(() => members.id),
    communityId: text("community_id").notNull().references(() => communities.id),
    beneficiaryGroup: text("beneficiary_group").notNull(),
    points: integer("points").notNull(),
    reason: text("reason").notNull(),
    transactionId: text("transaction_id").notNull(),
    at: text("at").notNull(),
    createdBy: text("created_by").notNull(),
  },
  (t) => [index("pool_grants_at_idx").on(t.at)],
);

export const guardians = sqliteTable(
  "guardians",
  {
    memberId: text("member_id").notNull().references(() => members.id),
    guardianMemberId: text("guardian_member_id").notNull().references(() => members.id),
    createdAt: text("created_at").notNull(),
    createdBy: text("created_by").notNull(),
  },
  (t) => [primaryKey({ columns: [t.memberId, t.guardianMemberId] }), index("guardians_guardian_idx").on(t.guardianMemberId)],
);

// A ledger transaction written for a member by someone else (a guardian, or staff at the counter).
export const onBehalf = sqliteTable("on_behalf", {
  transactionId: text("transaction_id").primaryKey(),
  memberId: text("member_id").notNull().references(() => members.id),
  byUserId: text("by_user_id").notNull(),
  byGuardianMemberId: text("by_guardian_member_id").references(() => members.id),
});

// A star level taken back because a reversal lowered the earned points below its threshold.
export const levelWithdrawals = sqliteTable(
  "level_withdrawals",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    memberId: text("member_id").notNull().references(() => members.id),
    stars: integer("stars").notNull(),
    reachedAt: text("reached_at").notNull(),
    at: text("at").notNull(),
    transactionId: text("transaction_id").notNull(),
    reason: text("reason").notNull(),
    // The transaction that had reached the level, so a passbook as of an earlier date shows it held.
    reachedTransactionId: text("reached_transaction_id"),
  },
  (t) => [index("level_withdrawals_member_idx").on(t.memberId, t.id)],
);

// 志愿服务记录证明: the facts are fixed when it is issued (the paper cannot change); the records it
// stands on are kept so verification can say when one of them changed after issue.
export const certificates = sqliteTable(
  "certificates",
  {
    id: text("id").primaryKey(),
    number: text("number").notNull().unique(),
    memberId: text("member_id").notNull().references(() => members.id),
    communityId: text("community_id").notNull().references(() => communities.id),
    fromDate: text("from_date").notNull(),
    toDate: text("to_date").notNull(),
    minutes: integer("minutes").notNull(),
    facts: text("facts", { mode: "json" }).notNull(),
    recordIds: text("record_ids", { mode: "json" }).$type<string[]>().notNull(),
    issuedAt: text("issued_at").notNull(),
    issuedBy: text("issued_by").notNull(),
    revokedAt: text("revoked_at"),
    revokedBy: text("revoked_by"),
    revokeReason: text("revoke_reason"),
  },
  (t) => [index("certificates_member_idx").on(t.memberId, t.id)],
);

// ---- corrections (issue 18) ----

/**
 * What staff changed in a wish after it was entered: a correction (before confirmation) or a
 * redaction of a public text (at any time, e.g. a name typed into a title). The original and
 * the reason are kept here, for administrators only.
 */
export const wishCorrections = sqliteTable(
  "wish_corrections",
  {
    id: text("id").primaryKey(),
    wishId: text("wish_id").notNull().references(() => wishes.id),
    kind: text("kind", { enum: ["correction", "redaction"] }).notNull(),
    field: text("field").notNull(),
    original: text("original"),
    replacement: text("replacement"),
    reason: text("reason"),
    by: text("by").notNull(),
    at: text("at").notNull(),
  },
  (t) => [index("wish_corrections_wish_idx").on(t.wishId, t.id)],
);

/** Staff ask for a transaction to be reversed; an administrator other than the asker decides (four-eyes). */
export const reversalRequests = sqliteTable(
  "reversal_requests",
  {
    id: text("id").primaryKey(),
    transactionId: text("transaction_id").notNull().references(() => ledgerTransactions.id),
    communityId: text("community_id"),
    reason: text("reason").notNull(),
    status: text("status", { enum: ["pending", "approved", "rejected"] }).notNull(),
    requestedBy: text("requested_by").notNull(),
    requestedAt: text("requested_at").notNull(),
    decidedBy: text("decided_by"),
    decidedAt: text("decided_at"),
    decisionNote: text("decision_note"),
    reversalId: text("reversal_id"),
  },
  (t) => [
    uniqueIndex("reversal_requests_one_pending").on(t.transactionId).where(sql`status = 'pending'`),
    index("reversal_requests_status_idx").on(t.status, t.id),
  ],
);

/** A member's moves between communities; their passbook, history and stars go with them. */
export const memberMoves = sqliteTable(
  "member_moves",
  {
    id: text("id").primaryKey(),
    memberId: text("member_id").notNull().references(() => members.id),
    fromCommunityId: text("from_community_id").notNull(),
    toCommunityId: text("to_community_id").notNull(),
    reason: text("reason"),
    by: text("by").notNull(),
    at: text("at").notNull(),
  },
  (t) => [index("member_moves_member_idx").on(t.memberId, t.id)],
);

/** A duplicate passbook merged into the right one: its points moved in the ledger, the duplicate closed. */
export const passbookMerges = sqliteTable("passbook_merges", {
  duplicateMemberId: text("duplicate_member_id").primaryKey().references(() => members.id),
  intoMemberId: text("into_member_id").notNull().references(() => members.id),
  points: integer("points").notNull(),
  earnedTotal: integer("earned_total").notNull(),
  transactionId: text("transaction_id"),
  reason: text("reason"),
  by: text("by").notNull(),
  at: text("at").notNull(),
});
