import type { Principal } from "../auth/tokens";
import type { BankTime } from "../bank-time";
import type { Db } from "../db/client";
import { fundSpendingAccount } from "../ledger/accounts";
import { fundPurposes, type FundPurpose } from "../vocabulary";
import { assertRole } from "./access";

// Budget against actual, per purpose and year (charity disclosure). A year is the bank's calendar
// year (BANK_TIME_ZONE): 1 January 00:00 Beijing time is 31 December 16:00 UTC. The actual is
// what the ledger spent on the purpose in that year, net of reversals booked in it.

export interface BudgetLine {
  purpose: FundPurpose;
  budgetFen: number | null;
  actualFen: number;
  remainingFen: number | null;
  /** actual ÷ budget in basis points (10,000 = all of it), rounded down; null without a budget. */
  usedBasisPoints: number | null;
}

/** The instants of a bank year: [from, to). */
export const yearBounds = (time: BankTime, year: number) => ({
  from: time.bounds(`${String(year).padStart(4, "0")}-01-01`).from,
  to: time.bounds(`${String(year + 1).padStart(4, "0")}-01-01`).from,
});

/** Sets (or replaces) the budget of one purpose for one year: administrators only. */
export async function setBudget(db: Db, actor: Principal, input: { year: number; purpose: FundPurpose; amountFen: number }, at: string) {
  assertRole(actor, "admin");
  await db.client.execute({
    sql: `INSERT INTO fund_budgets (year, purpose, amount_fen, updated_at, updated_by) VALUES (?, ?, ?, ?, ?)
          ON CONFLICT (year, purpose) DO UPDATE SET amount_fen = excluded.amount_fen, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
    args: [input.year, input.purpose, input.amountFen, at, actor.userId],
  });
  return { year: input.year, purpose: input.purpose, amountFen: input.amountFen };
}

/** Every purpose with its budget (if any), actual spending and what is left, in one read batch. */
export async function budgetReport(db: Db, time: BankTime, year: number): Promise<{ year: number; lines: BudgetLine[] }> {
  const { from, to } = yearBounds(time, year);
  const accountIds = fundPurposes.map(fundSpendingAccount);
  const [budgetRes, actualRes] = await db.client.batch(
    [
      { sql: "SELECT purpose, amount_fen FROM fund_budgets WHERE year = ?", args: [year] },
      {
        sql: `SELECT p.account_id, SUM(p.amount) AS total FROM postings p JOIN ledger_transactions t ON t.id = p.transaction_id
              WHERE p.account_id IN (${accountIds.map(() => "?").join(", ")}) AND t.at >= ? AND t.at < ? GROUP BY p.account_id`,
        args: [...accountIds, from, to],
      },
    ],
    "read",
  );
  const budgets = new Map(budgetRes!.rows.map((r) => [String(r.purpose), Number(r.amount_fen)]));
  const actuals = new Map(actualRes!.rows.map((r) => [String(r.account_id), Number(r.total)]));
  return {
    year,
    lines: fundPurposes.map((purpose) => {
      const budgetFen = budgets.get(purpose) ?? null;
      const actualFen = actuals.get(fundSpendingAccount(purpose)) ?? 0;
      return {
        purpose,
        budgetFen,
        actualFen,
        remainingFen: budgetFen === null ? null : budgetFen - actualFen,
        usedBasisPoints: budgetFen === null || budgetFen === 0 ? null : Math.floor((actualFen * 10_000) / budgetFen),
      };
    }),
  };
}

