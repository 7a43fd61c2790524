import type { BankTime } from "../bank-time";
import type { Db } from "../db/client";
import { AppError } from "../errors";
import { findCheckpoint, type StoredCheckpoint } from "../ledger/chain";
import { budgetReport, yearBounds } from "./budgets";
import { restrictedDonationsReceived } from "./donations";
import { fundStatement } from "./fund";
import { publicAwards } from "./public-lists";

// The annual report (年度报告): what a charity's yearly disclosure shows, for one bank year
// (BANK_TIME_ZONE), built from the same domain reads as the pages and the API — the fund
// statement for the year, budget against actual, the restricted donations with their draws, the
// honours — plus the year's wish and service counts and the ledger checkpoint that stood at the
// year's end. It is public: nothing here names a beneficiary or a passbook.

export interface YearCheckpoint extends StoredCheckpoint {
  /** Whether the year had ended when the report was read (else this is the latest so far). */
  yearEnded: boolean;
}

/**
 * The checkpoint at the year's end: the last one kept (signed) before the year ended in bank
 * time — the same choice as `GET /v1/public/checkpoint?day=<year>-12-31`. A transaction of the
 * last minutes of the year sealed after midnight is in the next one. Before the year has ended,
 * the latest kept so far. A year before anything was sealed gets the empty log's checkpoint
 * (size 0, dated at the epoch by migration 0009); null only for a database that kept none.
 */
async function checkpointAtYearEnd(db: Db, time: BankTime, year: number, now: string): Promise<YearCheckpoint | null> {
  try {
    const cp = await findCheckpoint(db, { day: `${year}-12-31` }, time);
    return { ...cp, yearEnded: now >= yearBounds(time, year).to };
  } catch (e) {
    if (e instanceof AppError && e.code === "not_found") return null;
    throw e;
  }
}

/** Wishes posted and fulfilled in the year, and the year's approved service (by service date, net of reversals). */
async function yearCounts(db: Db, period: { from: string; to: string }, year: number) {
  const res = await db.client.execute({
    sql: `SELECT
            (SELECT COUNT(*) FROM wishes WHERE created_at >= ?1 AND created_at < ?2) AS collected,
            (SELECT COUNT(*) FROM wishes WHERE fulfilled_at >= ?1 AND fulfilled_at < ?2) AS fulfilled,
            (SELECT IFNULL(SUM(minutes_served), 0) FROM member_year_stats WHERE year = ?3) AS minutes,
            (SELECT COUNT(*) FROM member_year_stats WHERE year = ?3 AND minutes_served > 0) AS volunteers`,
    args: [period.from, period.to, year],
  });
  const r = res.rows[0]!;
  return {
    wishes: { collected: Number(r.collected), fulfilled: Number(r.fulfilled) },
    service: { minutes: Number(r.minutes), volunteers: Number(r.volunteers) },
  };
}

/** The whole report for a bank year; its reads start together, so a page's readTogether sends them as one batch. */
export async function annualReport(db: Db, time: BankTime, year: number, now: string) {
  if (!Number.isInteger(year) || year < 2000 || year > 2100) throw new AppError("validation_failed", "year is 2000–2100", { field: "year" });
  const period = yearBounds(time, year);
  const [statement, budget, restricted, awards, counts, checkpoint] = await Promise.all([
    fundStatement(db, period),
    budgetReport(db, time, year),
    restrictedDonationsReceived(db, period),
    publicAwards(db, year),
    yearCounts(db, period, year),
    checkpointAtYearEnd(db, time, year, now),
  ]);
  return {
    year,
    from: period.from,
    to: period.to,
    fund: {
      openingBalanceFen: statement.openingBalanceFen,
      income: statement.income,
      incomeFen: statement.income.reduce((n, i) => n + i.amountFen, 0),
      spending: budget.lines,
      spentFen: statement.spending.reduce((n, p) => n + p.amountFen, 0),
      closingBalanceFen: statement.closingBalanceFen,
    },
    restricted: restricted.map((d) => ({
      id: d.id,
      at: d.at,
      donor: d.donor,
      amountFen: d.amountFen,
      restriction: d.restriction,
      reversed: d.reversed,
      drawnBy: d.drawnBy,
    })),
    wishes: counts.wishes,
    service: counts.service,
    honours: awards,
    checkpoint,
  };
}

export type AnnualReport = Awaited<ReturnType<typeof annualReport>>;
