import type { Db } from "../db/client";
import { fenToYuan } from "../domain/csv";
import { bankTime, type BankTime } from "../bank-time";
import { budgetReport, type BudgetLine } from "../domain/budgets";
import { fundStatement, listExpenses } from "../domain/fund";
import { restrictedDonationsReceived } from "../domain/donations";
import type { Page } from "../domain/pagination";
import {
  publicActivities,
  publicAwards,
  publicDonations,
  publicGoodsUsages,
  publicService,
  publicStarLevels,
  publicWishes,
} from "../domain/public-lists";
import { qualityReport } from "../domain/quality";
import { rankings } from "../domain/rankings";
import { publicLedger } from "../domain/public";
import type { Column, TableDef } from "./components";
import { formatCount, formatDate, formatDateTime, formatHours, formatYuan, label, type Dict } from "../i18n";
import type { DonorType, FundPurpose } from "../vocabulary";

// Every public table: its columns (page and CSV alike) and how to load its rows. The CSV route
// serves any of them by name; the pages load the same loaders, so a download holds exactly
// the rows of the table it sits under (a larger page of them).

export interface TableQuery {
  limit: number;
  cursor?: string;
  year: number;
  /** Now, from the injected clock (for figures that depend on deadlines). */
  at: string;
  /** The bank's time zone, for tables of a calendar year (the app's; the default zone without one). */
  time?: BankTime;
}

export interface PublicTable<R> {
  def: TableDef<R>;
  load: (db: Db, q: TableQuery) => Promise<Page<R>>;
}

const all = <R,>(items: R[]): Page<R> => ({ items, nextCursor: null });

const yuan = <R,>(labelOf: (d: Dict) => string, fen: (r: R) => number): Column<R> => ({
  label: labelOf,
  cell: (r) => fenToYuan(fen(r)),
  html: (r) => formatYuan(fen(r)),
  num: true,
});

const hours = <R,>(labelOf: (d: Dict) => string, minutes: (r: R) => number): Column<R> => ({
  label: labelOf,
  cell: (r) => formatHours(minutes(r)).replace(/,/g, ""),
  html: (r) => formatHours(minutes(r)),
  num: true,
});

const count = <R,>(labelOf: (d: Dict) => string, n: (r: R) => number): Column<R> => ({
  label: labelOf,
  cell: (r) => n(r),
  html: (r) => formatCount(n(r)),
  num: true,
});

const nameOrAnonymous = (name: string | null, d: Dict) => name ?? d.anonymous;

type Row<F extends (...a: never[]) => Promise<unknown>> = Awaited<ReturnType<F>> extends Page<infer R> ? R : Awaited<ReturnType<F>> extends (infer R)[] ? R : never;

export const wishesTable: PublicTable<Row<typeof publicWishes>> = {
  def: {
    name: "wishes",
    caption: (d) => d.wishesTitle,
    columns: [
      { label: (d) => d.col.date, cell: (r) => formatDate(r.createdAt), nowrap: true },
      { label: (d) => d.col.title, cell: (r) => r.title },
      { label: (d) => d.col.group, cell: (r, d) => label(d.groups, r.beneficiaryGroup) },
      { label: (d) => d.col.community, cell: (r) => r.community },
      { label: (d) => d.col.status, cell: (r, d) => label(d.wishStatus, r.status) },
    ],
  },
  load: publicWishes,
};

export const activitiesTable: PublicTable<Row<typeof publicActivities>> = {
  def: {
    name: "activities",
    caption: (d) => d.activitiesTitle,
    columns: [
      { label: (d) => d.col.date, cell: (r) => r.date, nowrap: true },
      { label: (d) => d.col.activity, cell: (r) => r.title },
      { label: (d) => d.col.place, cell: (r) => r.place },
      { label: (d) => d.col.community, cell: (r) => r.community },
    ],
  },
  load: publicActivities,
};

export const serviceTable: PublicTable<Row<typeof publicService>> = {
  def: {
    name: "service",
    caption: (d) => d.serviceRecordsTitle,
    columns: [
      { label: (d) => d.col.date, cell: (r) => r.date, nowrap: true },
      { label: (d) => d.col.volunteer, cell: (r, d) => nameOrAnonymous(r.name, d) },
      { label: (d) => d.col.community, cell: (r) => r.community },
      { label: (d) => d.col.activity, cell: (r) => r.activity ?? "" },
      hours((d) => d.col.hours, (r) => r.minutes),
      { label: (d) => d.col.method, cell: (r, d) => label(d.recordMethods, r.method) },
    ],
  },
  load: publicService,
};

export const donationsTable: PublicTable<Row<typeof publicDonations>> = {
  def: {
    name: "donations",
    caption: (d) => d.donationsTitle,
    columns: [
      { label: (d) => d.col.date, cell: (r) => formatDate(r.at), nowrap: true },
      { label: (d) => d.col.donor, cell: (r, d) => nameOrAnonymous(r.donor, d) },
      { label: (d) => d.col.donorType, cell: (r, d) => label(d.donorTypes, r.donorType) },
      {
        label: (d) => d.col.item,
        cell: (r, d) => (r.kind === "goods" ? `${r.goodsDescription ?? ""} × ${r.goodsQuantity ?? ""}` : label(d.donationKinds, r.kind)),
      },
      yuan((d) => d.col.value, (r) => r.amountFen),
      { label: (d) => d.col.community, cell: (r) => r.community ?? "" },
      { label: (d) => d.col.status, cell: (r, d) => (r.reversedBy ? d.reversed : ""), nowrap: true },
    ],
  },
  load: publicDonations,
};

/** What the restricted-donation table needs of a row (the /donations list and the annual report's). */
type RestrictedRow = Pick<Awaited<ReturnType<typeof restrictedDonationsReceived>>[number], "at" | "donor" | "amountFen" | "restriction" | "reversed" | "drawnBy">;

const ALL_TIME = { from: "", to: "9999" };

/** Restricted (定向) money donations: what each was given for, how much is used, and by which expenses. */
export const restrictedDonationsTable: PublicTable<RestrictedRow> = {
  def: {
    name: "donations-restricted",
    caption: (d) => d.restrictedTitle,
    columns: [
      { label: (d) => d.col.date, cell: (r) => formatDate(r.at), nowrap: true },
      { label: (d) => d.col.donor, cell: (r, d) => (r.donor.type === "anonymous" || r.donor.name === "anonymous" ? d.anonymous : r.donor.name) },
      {
        label: (d) => d.col.restriction,
        cell: (r, d) => [r.restriction.purpose ? label(d.purposes, r.restriction.purpose) : d.annual.anyPurpose, r.restriction.community].filter(Boolean).join(" · "),
      },
      { label: (d) => d.col.amount, cell: (r) => fenToYuan(r.amountFen), html: (r, d) => (r.reversed ? `${formatYuan(r.amountFen)} (${d.reversed})` : formatYuan(r.amountFen)), num: true },
      yuan((d) => d.col.used, (r) => r.restriction.usedFen),
      yuan((d) => d.col.remaining, (r) => r.restriction.remainingFen),
      {
        label: (d) => d.col.usedBy,
        cell: (r, d) =>
          r.drawnBy.length === 0
            ? d.annual.drawnNone
            : r.drawnBy
                .map((x) => `${formatDate(x.at)} ${label(d.purposes, x.purpose)} · ${x.payee ?? ""} · ${x.description} · ¥${formatYuan(x.amountFen)}${x.reversed ? ` (${d.reversed})` : ""}`)
                .join("；"),
      },
    ],
  },
  // Restricted gifts are few (companies giving for a purpose): the page lists them all, newest first.
  load: async (db) => all((await restrictedDonationsReceived(db, ALL_TIME)).reverse()),
};

export const goodsUseTable: PublicTable<Row<typeof publicGoodsUsages>> = {
  def: {
    name: "goods-use",
    caption: (d) => d.goodsUseTitle,
    columns: [
      { label: (d) => d.col.date, cell: (r) => formatDate(r.at), nowrap: true },
      { label: (d) => d.col.item, cell: (r) => r.goods ?? "" },
      count((d) => d.col.quantity, (r) => r.quantity),
      { label: (d) => d.col.group, cell: (r, d) => label(d.groups, r.beneficiaryGroup) },
      { label: (d) => d.col.title, cell: (r) => r.wish ?? "" },
      { label: (d) => d.col.community, cell: (r) => r.community ?? "" },
    ],
  },
  load: publicGoodsUsages,
};

export const incomeTable: PublicTable<{ source: DonorType; amountFen: number }> = {
  def: {
    name: "fund-income",
    caption: (d) => d.incomeTitle,
    columns: [{ label: (d) => d.col.source, cell: (r, d) => label(d.donorTypes, r.source) }, yuan((d) => d.col.amount, (r) => r.amountFen)],
  },
  load: async (db) => all((await fundStatement(db, {})).income),
};

export const spendingTable: PublicTable<{ purpose: FundPurpose; amountFen: number }> = {
  def: {
    name: "fund-spending",
    caption: (d) => d.spendingTitle,
    columns: [{ label: (d) => d.col.purpose, cell: (r, d) => label(d.purposes, r.purpose) }, yuan((d) => d.col.amount, (r) => r.amountFen)],
  },
  load: async (db) => all((await fundStatement(db, {})).spending),
};

export const expensesTable: PublicTable<Row<typeof listExpenses>> = {
  def: {
    name: "expenses",
    caption: (d) => d.expensesTitle,
    columns: [
      { label: (d) => d.col.date, cell: (r) => formatDate(r.at), nowrap: true },
      { label: (d) => d.col.purpose, cell: (r, d) => label(d.purposes, r.purpose) },
      { label: (d) => d.col.description, cell: (r) => r.description },
      yuan((d) => d.col.amount, (r) => r.amountFen),
      { label: (d) => d.col.receipt, cell: (r) => r.receiptRef },
      // Each file by its hash, type and size: what an auditor checks a copy against (the ledger's fund_receipt records).
      {
        label: (d) => d.col.receiptFiles,
        cell: (r) => r.receipts.map((f) => `${f.sha256} ${f.contentType} ${f.size}`).join("; "),
        html: (r) =>
          r.receipts.map((f) => (
            <div>
              <code>{f.sha256}</code> <small>{`${f.contentType} · ${formatCount(f.size)} B`}</small>
            </div>
          )),
      },
      { label: (d) => d.col.payee, cell: (r) => r.payee ?? "" },
      { label: (d) => d.col.community, cell: (r) => r.community ?? "" },
      // A reversed payment stays listed as what happened, and no longer counts in the totals above.
      { label: (d) => d.col.status, cell: (r, d) => (r.reversed ? d.reversed : label(d.expenseStatus, r.status)), nowrap: true },
    ],
  },
  load: (db, q) => listExpenses(db, undefined, q),
};

/** Basis points as a percentage with two decimals, in integers: 1234 → "12.34%". */
export const percentOf = (bp: number) => `${Math.floor(bp / 100)}.${String(bp % 100).padStart(2, "0")}%`;

export const budgetTable: PublicTable<BudgetLine> = {
  def: {
    name: "fund-budget",
    caption: (d) => d.budgetTitle,
    columns: [
      { label: (d) => d.col.purpose, cell: (r, d) => label(d.purposes, r.purpose) },
      {
        label: (d) => d.col.budget,
        cell: (r) => (r.budgetFen === null ? "" : fenToYuan(r.budgetFen)),
        html: (r, d) => (r.budgetFen === null ? d.budgetNone : formatYuan(r.budgetFen)),
        num: true,
      },
      yuan((d) => d.col.actual, (r) => r.actualFen),
      { label: (d) => d.col.remaining, cell: (r) => (r.remainingFen === null ? "" : fenToYuan(r.remainingFen)), html: (r) => (r.remainingFen === null ? "" : formatYuan(r.remainingFen)), num: true },
      { label: (d) => d.col.share, cell: (r) => (r.usedBasisPoints === null ? "" : percentOf(r.usedBasisPoints)), num: true },
    ],
  },
  load: async (db, q) => all((await budgetReport(db, q.time ?? bankTime(), q.year)).lines),
};

export const awardsTable: PublicTable<Row<typeof publicAwards>> = {
  def: {
    name: "awards",
    caption: (d) => d.awardsTitle,
    columns: [
      { label: (d) => d.col.name, cell: (r, d) => nameOrAnonymous(r.name, d) },
      { label: (d) => d.col.community, cell: (r) => r.community },
      { label: (d) => d.col.award, cell: (r) => r.title },
      { label: (d) => d.col.citation, cell: (r) => r.citation },
    ],
  },
  load: async (db, q) => all(await publicAwards(db, q.year)),
};

const rankingTable = (by: "points" | "minutes"): PublicTable<Awaited<ReturnType<typeof rankings>>["items"][number]> => ({
  def: {
    name: `rank-${by}`,
    caption: (d) => (by === "points" ? d.rankPointsTitle : d.rankMinutesTitle),
    columns: [
      count((d) => d.col.rank, (r) => r.rank),
      { label: (d) => d.col.name, cell: (r, d) => (r.anonymous ? d.anonymous : r.name) },
      { label: (d) => d.col.community, cell: (r) => r.communityName },
      by === "points" ? count((d) => d.col.points, (r) => r.pointsEarned) : hours((d) => d.col.minutes, (r) => r.minutesServed),
    ],
  },
  load: (db, q) => rankings(db, { year: q.year, by, limit: Math.min(q.limit, 100), cursor: q.cursor }),
});
export const rankPointsTable = rankingTable("points");
export const rankMinutesTable = rankingTable("minutes");

/** Star levels from the rules' default title threshold; the page shows who holds the title. */
export const TITLE_STARS = 3;

export const starCountsTable: PublicTable<{ stars: number; members: number }> = {
  def: {
    name: "star-counts",
    caption: (d) => d.starCountsTitle,
    columns: [{ label: (d) => d.col.stars, cell: (r, d) => d.starsOf(r.stars) }, count((d) => d.col.members, (r) => r.members)],
  },
  load: async (db) => all((await publicStarLevels(db, TITLE_STARS, 0)).counts),
};

export const starMembersTable: PublicTable<Awaited<ReturnType<typeof publicStarLevels>>["members"][number]> = {
  def: {
    name: "star-members",
    caption: (d) => d.starMembersTitle,
    columns: [
      { label: (d) => d.col.name, cell: (r, d) => nameOrAnonymous(r.name, d) },
      { label: (d) => d.col.community, cell: (r) => r.community },
      { label: (d) => d.col.stars, cell: (r) => r.stars, html: (r, d) => d.starsOf(r.stars) },
      count((d) => d.col.points, (r) => r.earnedTotal),
    ],
  },
  load: async (db, q) => all((await publicStarLevels(db, TITLE_STARS, Math.min(q.limit, 100))).members),
};

type Quality = Awaited<ReturnType<typeof qualityReport>>["overall"] & { name: string | null };
const percent = (share: number | null) => (share === null ? "" : `${Math.round(share * 1000) / 10}%`);

/** Per community, then the overall line (name null). */
export const qualityTable: PublicTable<Quality> = {
  def: {
    name: "quality",
    caption: (d) => d.qualityTitle,
    columns: [
      { label: (d) => d.col.community, cell: (r, d) => r.name ?? d.overall },
      count((d) => d.col.wishes, (r) => r.wishes),
      count((d) => d.col.confirmed, (r) => r.confirmed),
      { label: (d) => d.col.onTime, cell: (r) => percent(r.completionRate), num: true },
      { label: (d) => d.col.satisfaction, cell: (r) => r.averageSatisfaction ?? "", num: true },
      { label: (d) => d.col.satisfiedShare, cell: (r) => percent(r.satisfiedShare), num: true },
      count((d) => d.col.overdue, (r) => r.overdueClaims),
      count((d) => d.col.released, (r) => r.claimsReleasedOverdue),
    ],
  },
  load: async (db, q) => {
    const report = await qualityReport(db, q.at);
    return all([...report.communities, { ...report.overall, name: null }]);
  },
};

type LedgerItem = Awaited<ReturnType<typeof publicLedger>>["items"][number];
const postingText = (t: LedgerItem) => t.postings.map((p) => `${p.account} ${p.amount > 0 ? "+" : ""}${p.amount} ${p.asset}`);

export const ledgerTable: PublicTable<LedgerItem> = {
  def: {
    name: "ledger",
    caption: (d) => d.ledgerTitle,
    columns: [
      count((d) => d.col.seq, (t) => t.seq),
      { label: (d) => d.col.time, cell: (t) => t.at, html: (t) => formatDateTime(t.at), nowrap: true },
      {
        label: (d) => d.col.kind,
        cell: (t) => (t.reversesId ? `${t.kind} reverses ${t.reversesId}` : t.kind),
        html: (t, d) => `${label(d.txKinds, t.kind)}${t.reversesId ? ` (${d.txKinds.reversal})` : ""}`,
      },
      {
        label: (d) => d.col.postings,
        cell: (t) => postingText(t).join("; "),
        html: (t) => postingText(t).map((line) => <div>{line}</div>),
      },
      { label: (d) => d.col.hash, cell: (t) => t.hash, html: (t) => <code>{t.hash}</code> },
      { label: (d) => d.col.prevHash, cell: (t) => t.prevHash, html: (t) => <code>{t.prevHash}</code> },
    ],
  },
  load: (db, q) => publicLedger(db, q),
};

export const publicTables: Record<string, PublicTable<any>> = Object.fromEntries(
  [
    wishesTable,
    activitiesTable,
    serviceTable,
    donationsTable,
    restrictedDonationsTable,
    goodsUseTable,
    incomeTable,
    spendingTable,
    expensesTable,
    budgetTable,
    awardsTable,
    rankPointsTable,
    rankMinutesTable,
    starCountsTable,
    starMembersTable,
    qualityTable,
    ledgerTable,
  ].map((t) => [t.def.name, t]),
);
