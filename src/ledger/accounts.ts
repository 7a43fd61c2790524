// System accounts, created by migration 0001. A member's passbook account is created with the member.

import type { DonorType, FundPurpose } from "../vocabulary";

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

export const fundIncomeAccount = (type: DonorType) => `fund:income:${type}`;

export const fundSpendingAccount = (purpose: FundPurpose) => `fund:spending:${purpose}`;

