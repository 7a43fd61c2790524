// Every enumeration of the bank, defined once. The drizzle schema types its columns with these,
// the zod route schemas validate with them, the domain is typed by them, and the i18n module
// holds a Chinese and an English label for every value (a missing one is a type error there).
// A new kind of anything starts here.

/** Who a login is. */
export const roles = ["admin", "staff", "member", "merchant"] as const;
export type Role = (typeof roles)[number];

/** What a passbook holder is in the community. */
export const memberKinds = ["party_member", "volunteer", "cadre", "resident"] as const;
export type MemberKind = (typeof memberKinds)[number];

/** What a ledger account counts: points or money (fen). */
export const assets = ["PTS", "CNY"] as const;
export type Asset = (typeof assets)[number];

/**
 * What a ledger transaction records. A new kind is added here, labelled in the i18n module,
 * and, when it can be reversed with side effects, given its reversal rules in its own concern.
 */
export const transactionKinds = [
  "wish_confirmed",
  "service_approved",
  "donation",
  "voucher_issued",
  "voucher_used",
  "voucher_cancelled",
  "voucher_expired",
  "goods_used",
  "fund_expense",
  "fund_receipt",
  "gift",
  "pool_gift",
  "pool_grant",
  "points_expired",
  "passbook_merge",
  "reversal",
] as const;
export type TransactionKind = (typeof transactionKinds)[number];

/**
 * Kinds that publish a fact and move no value: a record has no postings (every other transaction
 * has two or more). A receipt file attached to an expense is one (docs/LEDGER-FORMAT.md).
 */
export const recordKinds = ["fund_receipt"] as const satisfies readonly TransactionKind[];
export const isRecordKind = (kind: string) => (recordKinds as readonly string[]).includes(kind);

export const wishKinds = ["goods", "service"] as const;
export type WishKind = (typeof wishKinds)[number];

export const wishStatuses = ["open", "claimed", "fulfilled", "confirmed", "cancelled"] as const;
export type WishStatus = (typeof wishStatuses)[number];

/** Who a wish or donated goods are for; the public pages show only this, never the person. */
export const beneficiaryGroups = ["hardship_resident", "left_behind_child", "migrant_worker_child", "elderly", "disabled", "other"] as const;
export type BeneficiaryGroup = (typeof beneficiaryGroups)[number];

export const serviceRecordStatuses = ["pending", "approved", "rejected"] as const;
export type ServiceRecordStatus = (typeof serviceRecordStatuses)[number];

/** How a service record came to be: signed in at the outing, entered by staff, claimed by the member, or back-filled later. */
export const recordMethods = ["checkin", "staff_entry", "member_claim", "backfill"] as const;
export type RecordMethod = (typeof recordMethods)[number];

/** Who gave: also the fund's income accounts, one per donor type. */
export const donorTypes = ["member", "company", "individual", "anonymous"] as const;
export type DonorType = (typeof donorTypes)[number];

export const donationKinds = ["money", "goods"] as const;
export type DonationKind = (typeof donationKinds)[number];

/** What the fund pays for: also the fund's spending accounts, one per purpose. */
export const fundPurposes = ["disability_aid", "poverty_relief", "hardship_aid", "wish_purchase", "operations"] as const;
export type FundPurpose = (typeof fundPurposes)[number];

/** "pending" waits for a second person and moves no money; "paid" has its transaction; "rejected" never will. */
export const expenseStatuses = ["pending", "paid", "rejected"] as const;
export type ExpenseStatus = (typeof expenseStatuses)[number];

/** A voucher's status as stored; "expired" is also what an issued voucher past its date reads as. */
export const voucherStatuses = ["issued", "used", "cancelled", "expired"] as const;
export type VoucherStatus = (typeof voucherStatuses)[number];

/** What the yearly rankings order volunteers by. */
export const rankingMeasures = ["points", "minutes"] as const;
export type RankingMeasure = (typeof rankingMeasures)[number];
