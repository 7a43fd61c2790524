import type { Db } from "../db/client";
import { AppError } from "../errors";
import { ruleVersions } from "../../db/schema";
import { forgetRules } from "./rule-cache";

export interface Rules {
  version: number;
  pointsPerServiceHour: number;
  pointsPerYuanDonated: number;
  pointsPerWishFulfilled: number;
  /** Cumulative earned points for 1..5 stars, ascending. */
  starThresholds: number[];
  titleMinStars: number;
  /** An expense above this many fen waits for a second person's approval; null: every expense is paid at once. */
  expenseApprovalAboveFen: number | null;
  effectiveFrom: string;
  /** Points expire at the end of the Nth calendar year after they were earned; null = never. */
  pointsValidYears: number | null;
  /** A credit above this passbook balance goes to the wish pool; null = no cap. */
  maxBalance: number | null;
  /** Points per hour of service in a category, where it differs from pointsPerServiceHour. */
  categoryRates: { categoryId: string; pointsPerServiceHour: number }[];
  /** Four-eyes: whoever recorded service may not approve it. */
  requireSecondApprover: boolean;
  /** Whether hours a staff member back-fills (no sign-in, no claim at the time) earn points; they count as hours either way. */
  backfillEarnsPoints: boolean;
  /** A member's approved minutes on one service date never exceed this; null: no cap. */
  maxMinutesPerDay: number | null;
}

/** What a version created before these fields existed means: every category at the base rate, no extra checks. */
const SERVICE_RULE_DEFAULTS = { categoryRates: [], requireSecondApprover: false, backfillEarnsPoints: true, maxMinutesPerDay: null };

/** The rule versions as a query, for reading them in one batch with the other reads of a request. */
export const ruleVersionsQuery = (db: Db) => db.orm.select().from(ruleVersions);

/** All rule versions, newest effective first. Small table: read whole, pick in code. */
export const listRules = async (db: Db): Promise<Rules[]> => toRules(await ruleVersionsQuery(db));

/** Rows of `ruleVersionsQuery`, newest effective first: the order `ruleInForce` expects. */
export function toRules(rows: (typeof ruleVersions.$inferSelect)[]): Rules[] {
  return rows
    .map(({ createdAt: _c, createdBy: _b, ...r }) => r)
    .sort((a, b) => (a.effectiveFrom < b.effectiveFrom ? 1 : a.effectiveFrom > b.effectiveFrom ? -1 : b.version - a.version));
}

/** The version in force at `at`: the latest whose effective date is not after it. */
export function ruleInForce(rules: Rules[], at: string): Rules {
  const found = rules.find((r) => r.effectiveFrom <= at);
  if (!found) throw new AppError("validation_failed", `No rule version was in force at ${at}`, { at, earliest: rules[rules.length - 1]?.effectiveFrom ?? null });
  return found;
}

/** The honorary title the passbook API returns; the pages translate it (src/i18n.ts). */
export const TITLE_ZH = "社区爱心荣誉会员";

export function titleFor(stars: number, rules: Rules): string | null {
  return stars >= rules.titleMinStars ? TITLE_ZH : null;
}

/**
 * National star volunteers (民政部《志愿服务记录办法》) by cumulative recorded hours of approved
 * service, travel not counted: 100 / 300 / 600 / 1,000 / 1,500 hours for one to five stars. Fixed
 * by the national rule, so not part of a rule version.
 */
export const SERVICE_STAR_HOURS = [100, 300, 600, 1000, 1500] as const;

export const serviceStarsFor = (minutes: number): number => SERVICE_STAR_HOURS.filter((h) => minutes >= h * 60).length;

/** The hourly rate of a category under these rules: its own rate if the version gives one, else the base rate. */
export function serviceRate(rules: Rules, categoryId: string | null | undefined): number {
  return rules.categoryRates.find((r) => r.categoryId === categoryId)?.pointsPerServiceHour ?? rules.pointsPerServiceHour;
}

export function pointsForMinutes(minutes: number, rules: Rules, categoryId?: string | null): number {
  return Math.floor((minutes * serviceRate(rules, categoryId)) / 60);
}

/** Points per whole yuan: fen are truncated to yuan first. */
export function pointsForFen(fen: number, rules: Rules): number {
  return Math.floor(fen / 100) * rules.pointsPerYuanDonated;
}

export interface NewRules
  extends Omit<Rules, "version" | "pointsValidYears" | "maxBalance" | "expenseApprovalAboveFen" | keyof typeof SERVICE_RULE_DEFAULTS>,
    Partial<Pick<Rules, keyof typeof SERVICE_RULE_DEFAULTS>> {
  pointsValidYears?: number | null;
  maxBalance?: number | null;
  expenseApprovalAboveFen?: number | null;
}

const RULE_CLOCK_SKEW_MS = 5 * 60 * 1000;

/**
 * Adds a rule version; credits for events from its effective date on use it. It cannot take effect
 * in the past: events already credited, or waiting for approval, keep the version that was in
 * force when they happened. (The version number is taken inside the single INSERT, which SQLite
 * runs alone, so two at once get different numbers.)
 */
export async function createRules(db: Db, requested: NewRules, at: string, createdBy: string): Promise<Rules> {
  // "Now" as a client's clock saw it a moment ago is accepted and starts at the server's now.
  const grace = new Date(Date.parse(at) - RULE_CLOCK_SKEW_MS).toISOString();
  if (requested.effectiveFrom < grace) {
    throw new AppError("validation_failed", "effectiveFrom may not be in the past: a rule change never rewrites history", {
      field: "effectiveFrom",
      now: at,
    });
  }
  const input = {
    ...SERVICE_RULE_DEFAULTS,
    ...requested,
    pointsValidYears: requested.pointsValidYears ?? null,
    maxBalance: requested.maxBalance ?? null,
    expenseApprovalAboveFen: requested.expenseApprovalAboveFen ?? null,
    effectiveFrom: requested.effectiveFrom < at ? at : requested.effectiveFrom,
  };
  const categoryIds = input.categoryRates.map((r) => r.categoryId);
  if (new Set(categoryIds).size !== categoryIds.length) {
    throw new AppError("validation_failed", "Each category has one rate in a version", { field: "categoryRates" });
  }
  const res = await db.client.execute({
    // A rate for a category that does not exist makes the SELECT empty: nothing is inserted.
    sql: `INSERT INTO rule_versions (version, points_per_service_hour, points_per_yuan_donated, points_per_wish_fulfilled,
            star_thresholds, title_min_stars, expense_approval_above_fen, effective_from, created_at, created_by, points_valid_years, max_balance,
            category_rates, require_second_approver, backfill_earns_points, max_minutes_per_day)
          SELECT (SELECT MAX(version) + 1 FROM rule_versions), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?
          WHERE (SELECT COUNT(*) FROM service_categories WHERE id IN (SELECT value FROM json_each(?))) = ?
          RETURNING version`,
    args: [
      input.pointsPerServiceHour,
      input.pointsPerYuanDonated,
      input.pointsPerWishFulfilled,
      JSON.stringify(input.starThresholds),
      input.titleMinStars,
      input.expenseApprovalAboveFen,
      input.effectiveFrom,
      at,
      createdBy,
      input.pointsValidYears,
      input.maxBalance,
      JSON.stringify(input.categoryRates),
      input.requireSecondApprover ? 1 : 0,
      input.backfillEarnsPoints ? 1 : 0,
      input.maxMinutesPerDay,
      JSON.stringify(categoryIds),
      categoryIds.length,
    ],
  });
  if (!res.rows[0]) throw new AppError("not_found", "A service category in categoryRates does not exist", { field: "categoryRates" });
  forgetRules(db);
  return { version: Number(res.rows[0].version), ...input };
}
