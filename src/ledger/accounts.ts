// System accounts, created by migration 0001. A member's passbook account is created with the member.

export type Asset = "PTS" | "CNY";

export const accounts = {
  pointsIssuer: "points:issuer",
  vouchersOutstanding: "points:vouchers_outstanding",
  pointsRetired: "points:retired",
  // The common pool (爱心池) for members in need: gifts, credits above a storage cap, grants out.
  wishPool: "points:wish_pool",
  pointsExpired: "points:expired",
  fundCash: "fund:cash",
  goodsStock: "goods:stock",
  goodsDonated: "goods:donated",
  goodsDistributed: "goods:distributed",
} as const;

export const donorSources = ["member", "company", "individual", "anonymous"] as const;
export type DonorSource = (typeof donorSources)[number];
export const fundIncomeAccount = (source: DonorSource) => `fund:income:${source}`;

export const spendingPurposes = ["disability_aid", "poverty_relief", "hardship_aid", "wish_purchase", "operations"] as const;
export type SpendingPurpose = (typeof spendingPurposes)[number];
export const fundSpendingAccount = (purpose: SpendingPurpose) => `fund:spending:${purpose}`;

