import type { Row } from "@libsql/client";
import type { Principal } from "../auth/tokens";
import type { Db } from "../db/client";
import { Write } from "../db/write";
import { AppError, forbidden } from "../errors";
import { newId } from "../ids";
import {
  accounts,
  donorSources,
  fundIncomeAccount,
  fundSpendingAccount,
  spendingPurposes,
  type DonorSource,
  type SpendingPurpose,
} from "../ledger/accounts";
import { appendTransaction } from "../ledger/ledger";
import { assertRole } from "./access";
import { commitWith, type WriteCtx } from "./writes";
import { fenToYuan, toCsv } from "./csv";
import { decodeCursor, toPage, type PageQuery } from "./pagination";

// The Love Savings Fund (爱心基金). Money comes in by donation (fund:income:<source> → fund:cash)
// and goes out by expense (fund:cash → fund:spending:<purpose>); fund:cash moves against no other
// account, which is what makes every statement reconcile: opening + income − spending = closing.

export interface NewExpense {
  amountFen: number;
  purpose: SpendingPurpose;
  description: string;
  receiptRef: string;
  approvedBy?: string;
  communityId?: string;
}

const PURPOSE_ZH: Record<SpendingPurpose, string> = {
  disability_aid: "助残",
  poverty_relief: "扶贫",
  hardship_aid: "济困",
  wish_purchase: "微心愿采购",
  operations: "运营",
};

const SOURCE_ZH: Record<DonorSource, string> = {
  member: "会员捐款",
  company: "企业捐款",
  individual: "个人捐款",
  anonymous: "匿名捐款",
};

/**
 * Pays an expense out of the fund: one write, fund:cash → fund:spending:<purpose>, with the
 * expense record. The fund can never go below zero: the CHECK constraint on fund:cash refuses
 * the write inside the batch (insufficient_funds), so parallel spends of the last yuan never both pass.
 */
export async function recordExpense(db: Db, actor: Principal, input: NewExpense, ctx: WriteCtx) {
  const { at } = ctx;
  assertRole(actor, "staff", "admin");
  let communityId: string | null = input.communityId ?? null;
  if (actor.role === "staff") {
    if (communityId && communityId !== actor.communityId) throw forbidden("Staff record expenses of their own community");
    communityId = actor.communityId;
  }
  const id = newId();
  const approvedBy = input.approvedBy ?? actor.username;
  const write = new Write().onConstraint("balance_non_negative", "insufficient_funds");
  if (communityId) write.expect("not_found", "EXISTS (SELECT 1 FROM communities WHERE id = ?)", [communityId]);
  const transactionId = appendTransaction(write, {
    kind: "fund_expense",
    at,
    memo: `基金支出（${PURPOSE_ZH[input.purpose]}）：${input.description}`,
    communityId,
    refType: "fund_expense",
    refId: id,
    createdBy: actor.userId,
    postings: [
      { accountId: accounts.fundCash, asset: "CNY", amount: -input.amountFen },
      { accountId: fundSpendingAccount(input.purpose), asset: "CNY", amount: input.amountFen },
    ],
    // The description and receipt reference may have to be redacted later: committed, withdrawable.
    publicRecord: {
      facts: { purpose: input.purpose, ...(communityId ? { community: communityId } : {}) },
      withdrawable: { description: input.description, receiptRef: input.receiptRef },
    },
  });
  write.add({
    sql: `INSERT INTO fund_expenses (id, amount_fen, purpose, description, receipt_ref, approved_by, community_id, transaction_id, at, created_by)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    args: [id, input.amountFen, input.purpose, input.description, input.receiptRef, approvedBy, communityId, transactionId, at, actor.userId],
  });
  const body = {
    id,
    amountFen: input.amountFen,
    purpose: input.purpose,
    description: input.description,
    receiptRef: input.receiptRef,
    approvedBy,
    communityId,
    at,
    transactionId,
    reversedBy: null as string | null,
  };
  return commitWith(db, write, ctx, body);
}

const expenseJson = (r: Row) => ({
  id: String(r.id),
  amountFen: Number(r.amount_fen),
  purpose: String(r.purpose) as SpendingPurpose,
  description: String(r.description),
  receiptRef: String(r.receipt_ref),
  approvedBy: String(r.approved_by),
  communityId: r.community_id == null ? null : String(r.community_id),
  at: String(r.at),
  transactionId: String(r.transaction_id),
  reversedBy: r.reversed_by == null ? null : String(r.reversed_by),
});

/**
 * Public list of expenses, newest first. An expense corrected by a reversal stays listed (the
 * record of what happened) and names the reversing transaction in `reversedBy`.
 */
export async function listExpenses(db: Db, q: PageQuery & { purpose?: SpendingPurpose; communityId?: string }) {
  const before = decodeCursor<string>(q.cursor, "string");
  const where: string[] = [];
  const args: (string | number)[] = [];
  if (q.purpose) where.push("e.purpose = ?"), args.push(q.purpose);
  if (q.communityId) where.push("e.community_id = ?"), args.push(q.communityId);
  if (before) where.push("e.id < ?"), args.push(before);
  const res = await db.client.execute({
    sql: `SELECT e.*, r.id AS reversed_by FROM fund_expenses e
          LEFT JOIN ledger_transactions r ON r.reverses_id = e.transaction_id
          ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY e.id DESC LIMIT ?`,
    args: [...args, q.limit + 1],
  });
  return toPage(res.rows, q.limit, (r) => String(r.id), expenseJson);
}

export interface Period {
  /** Inclusive start, ISO 8601 UTC. */
  from?: string;
  /** Exclusive end, ISO 8601 UTC. */
  to?: string;
}

export interface FundStatement {
  from: string | null;
  to: string | null;
  openingBalanceFen: number;
  income: { source: DonorSource; amountFen: number }[];
  spending: { purpose: SpendingPurpose; amountFen: number }[];
  closingBalanceFen: number;
  /** fund:cash now. */
  balanceFen: number;
}

const FUND_ACCOUNTS = [accounts.fundCash, ...donorSources.map(fundIncomeAccount), ...spendingPurposes.map(fundSpendingAccount)];

/**
 * The fund statement for [from, to) by the transactions' times. Without a period it is all time,
 * read from the stored balances (cost independent of the ledger's size). With one, it sums the
 * fund accounts' postings in one read batch. Closing is computed from fund:cash's own postings,
 * not from income and spending, so `opening + income − spending = closing` is a real check.
 */
export async function fundStatement(db: Db, period: Period): Promise<FundStatement> {
  if (period.from && period.to && period.from > period.to) {
    throw new AppError("validation_failed", "from must not be after to", { field: "from" });
  }
  const placeholders = FUND_ACCOUNTS.map(() => "?").join(", ");
  const balances = { sql: `SELECT id, balance FROM accounts WHERE id IN (${placeholders})`, args: FUND_ACCOUNTS };
  if (!period.from && !period.to) {
    const res = await db.client.execute(balances);
    const bal = new Map(res.rows.map((r) => [String(r.id), Number(r.balance)]));
    const cash = bal.get(accounts.fundCash) ?? 0;
    return shape(null, null, 0, (id) => bal.get(id) ?? 0, cash, cash);
  }
  const from = period.from ?? "";
  const to = period.to ?? null;
  const [balRes, openRes, moveRes] = await db.client.batch(
    [
      balances,
      {
        sql: `SELECT IFNULL(SUM(p.amount), 0) AS total FROM postings p JOIN ledger_transactions t ON t.id = p.transaction_id
              WHERE p.account_id = ? AND t.at < ?`,
        args: [accounts.fundCash, from],
      },
      {
        sql: `SELECT p.account_id, SUM(p.amount) AS total FROM postings p JOIN ledger_transactions t ON t.id = p.transaction_id
              WHERE p.account_id IN (${placeholders}) AND t.at >= ? ${to ? "AND t.at < ?" : ""}
              GROUP BY p.account_id`,
        args: [...FUND_ACCOUNTS, from, ...(to ? [to] : [])],
      },
    ],
    "read",
  );
  const cash = Number(balRes!.rows.find((r) => r.id === accounts.fundCash)?.balance ?? 0);
  const opening = Number(openRes!.rows[0]!.total);
  const moved = new Map(moveRes!.rows.map((r) => [String(r.account_id), Number(r.total)]));
  const closing = opening + (moved.get(accounts.fundCash) ?? 0);
  return shape(period.from ?? null, to, opening, (id) => moved.get(id) ?? 0, closing, cash);
}

function shape(
  from: string | null,
  to: string | null,
  opening: number,
  movement: (accountId: string) => number,
  closing: number,
  cash: number,
): FundStatement {
  return {
    from,
    to,
    openingBalanceFen: opening,
    // Income accounts are credited (negative) when money comes in.
    income: donorSources.map((source) => ({ source, amountFen: -movement(fundIncomeAccount(source)) })),
    spending: spendingPurposes.map((purpose) => ({ purpose, amountFen: movement(fundSpendingAccount(purpose)) })),
    closingBalanceFen: closing,
    balanceFen: cash,
  };
}

/** The statement as CSV: one line per figure, amounts in yuan and in fen. */
export async function fundStatementCsv(db: Db, period: Period): Promise<string> {
  const s = await fundStatement(db, period);
  const line = (section: string, item: string, fen: number) => [section, item, fenToYuan(fen), fen];
  return toCsv(
    ["项目", "类别", "金额（元）", "金额（分）"],
    [
      ["期间", `${s.from ?? "开始"} — ${s.to ?? "至今"}`, null, null],
      line("期初余额", "", s.openingBalanceFen),
      ...s.income.map((i) => line("收入", SOURCE_ZH[i.source], i.amountFen)),
      ...s.spending.map((p) => line("支出", PURPOSE_ZH[p.purpose], p.amountFen)),
      line("期末余额", "", s.closingBalanceFen),
    ],
  );
}
