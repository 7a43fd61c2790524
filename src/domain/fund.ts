import type { Principal } from "../auth/tokens";
import type { Db } from "../db/client";
import { Write } from "../db/write";
import { AppError, forbidden, notFound } from "../errors";
import { newId } from "../ids";
import { accounts, fundIncomeAccount, fundSpendingAccount } from "../ledger/accounts";
import { appendTransaction } from "../ledger/ledger";
import { assertRole, assertStaffOf } from "./access";
import { drawStatements, expectUnrestrictedCovered, matchingDonationsQuery, planDraws, type Draw } from "./restricted";
import { commitWith, type WriteCtx } from "./writes";
import { fenToYuan, toCsv } from "./csv";
import { decodeCursor, toPage, type PageQuery } from "./pagination";
import { donorTypes, fundPurposes, type DonorType, type ExpenseStatus, type FundPurpose } from "../vocabulary";
import { dictionaries } from "../i18n";
import type { Receipt } from "./receipts";

// The Love Savings Fund (爱心基金). Money comes in by donation (fund:income:<source> → fund:cash)
// and goes out by expense (fund:cash → fund:spending:<purpose>); fund:cash moves against no other
// account, which is what makes every statement reconcile: opening + income − spending = closing.

export interface NewExpense {
  amountFen: number;
  purpose: FundPurpose;
  description: string;
  payee: string;
  receiptRef: string;
  communityId?: string;
}

/**
 * One read before a spending write: the approval threshold of the rule version in force (the
 * same choice as ruleInForce) and the restricted money an expense of this purpose and community
 * may draw on; for an approval, the expense itself.
 */
async function spendingContext(db: Db, at: string, expense: { purpose: string; communityId: string | null } | { id: string }) {
  const byId = "id" in expense;
  const [ruleRes, expenseRes, donationRes] = await db.client.batch(
    [
      {
        sql: `SELECT expense_approval_above_fen, (SELECT name FROM communities WHERE id = ?) AS community FROM rule_versions
              WHERE effective_from <= ? ORDER BY effective_from DESC, version DESC LIMIT 1`,
        args: [byId ? null : expense.communityId, at],
      },
      byId ? { sql: `${EXPENSE_SELECT} WHERE e.id = ?`, args: [expense.id] } : "SELECT 1 WHERE 0",
      byId
        ? matchingDonationsQuery("(SELECT purpose FROM fund_expenses WHERE id = ?1)", "(SELECT community_id FROM fund_expenses WHERE id = ?1)", [expense.id])
        : matchingDonationsQuery("?1", "?2", [expense.purpose, expense.communityId]),
    ],
    "read",
  );
  const rule = ruleRes!.rows[0];
  if (!rule) throw new AppError("validation_failed", `No rule version was in force at ${at}`, { at });
  const threshold = rule.expense_approval_above_fen == null ? null : Number(rule.expense_approval_above_fen);
  const row = expenseRes!.rows[0];
  return { threshold, community: str(rule.community), expense: row ? toRecord(row) : undefined, donations: donationRes!.rows };
}

/** The published name of who acted: their role and community, never their login. */
const actorFacts = (actor: Principal) => ({
  id: actor.userId,
  name: actor.username,
  role: actor.role,
  communityId: actor.role === "staff" ? actor.communityId : null,
});

/**
 * The statements that pay an expense, appended to a write: the restricted draws (see
 * restricted.ts), the ledger transaction fund:cash → fund:spending:<purpose>, and the guards
 * (fund:cash ≥ 0 by its CHECK, the unrestricted money ≥ 0 after the draws).
 */
function payStatements(
  write: Write,
  e: Pick<ExpenseRecord, "id" | "amountFen" | "purpose" | "description" | "payee" | "receiptRef" | "communityId"> & {
    receipts: { sha256: string }[];
  },
  draws: Draw[],
  at: string,
  createdBy: string,
): string {
  const transactionId = newId();
  const restrictedPostings = drawStatements(write, e.id, transactionId, draws);
  appendTransaction(write, {
    id: transactionId,
    kind: "fund_expense",
    at,
    memo: `基金支出（${dictionaries.zh.purposes[e.purpose]}）：${e.description}`,
    communityId: e.communityId,
    refType: "fund_expense",
    refId: e.id,
    createdBy,
    postings: [
      { accountId: accounts.fundCash, asset: "CNY", amount: -e.amountFen },
      { accountId: fundSpendingAccount(e.purpose), asset: "CNY", amount: e.amountFen },
      ...restrictedPostings,
    ],
    // What the public ledger commits to for an expense. The description, payee and receipt
    // reference may have to be redacted later: committed, withdrawable. The receipt files'
    // SHA-256 are those attached when it is paid (while pending, for an approved expense).
    publicRecord: {
      facts: {
        purpose: e.purpose,
        ...(e.communityId ? { community: e.communityId } : {}),
        ...(e.receipts.length ? { receipts: e.receipts.map((r) => r.sha256) } : {}),
      },
      withdrawable: { description: e.description, receiptRef: e.receiptRef, ...(e.payee ? { payee: e.payee } : {}) },
    },
  });
  expectUnrestrictedCovered(write, "insufficient_funds");
  return transactionId;
}

/**
 * Records an expense. Under a rule with `expenseApprovalAboveFen`, an expense above it is
 * `pending`: no money moves until another person approves it. Otherwise it is paid in the same
 * write. The fund can never go below zero (the CHECK constraint on fund:cash refuses the write
 * inside the batch, so parallel spends of the last yuan never both pass), and restricted money
 * is spent only on what it was given for.
 */
export async function recordExpense(db: Db, actor: Principal, input: NewExpense, ctx: WriteCtx) {
  const { at } = ctx;
  assertRole(actor, "staff", "admin");
  let communityId: string | null = input.communityId ?? null;
  if (actor.role === "staff") {
    if (communityId && communityId !== actor.communityId) throw forbidden("Staff record expenses of their own community");
    communityId = actor.communityId;
  }
  const { threshold, community, donations } = await spendingContext(db, at, { purpose: input.purpose, communityId });
  if (communityId && community === null) throw notFound("Community");
  const status: ExpenseStatus = threshold !== null && input.amountFen > threshold ? "pending" : "paid";
  const id = newId();
  const recorder = actorFacts(actor);
  const write = new Write().onConstraint("balance_non_negative", "insufficient_funds");
  write.add({
    sql: `INSERT INTO fund_expenses (id, amount_fen, purpose, description, payee, receipt_ref, community_id, status, at,
            created_by, recorder_name, recorder_role)
          VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?)`,
    args: [id, input.amountFen, input.purpose, input.description, input.payee, input.receiptRef, communityId, at, actor.userId, recorder.name, recorder.role],
  });
  const draws = status === "paid" ? planDraws(donations, input.amountFen) : [];
  let transactionId: string | null = null;
  if (status === "paid") {
    const expense = { ...input, id, communityId, receipts: [] };
    transactionId = payStatements(write, expense, draws, at, actor.userId);
    write.add({ sql: "UPDATE fund_expenses SET status = 'paid', transaction_id = ? WHERE id = ?", args: [transactionId, id] });
  }
  const record: ExpenseRecord = {
    id,
    amountFen: input.amountFen,
    purpose: input.purpose,
    description: input.description,
    payee: input.payee,
    receiptRef: input.receiptRef,
    communityId,
    community,
    status,
    at,
    decidedAt: null,
    reason: null,
    transactionId,
    reversedBy: null,
    recordedBy: { ...recorder, community: recorder.communityId ? community : null },
    approvedBy: null,
    restricted: draws.map((d) => ({ donationId: d.donationId, amountFen: d.amountFen })),
    receipts: [],
  };
  return commitWith(db, write, ctx, publicExpense(record, false));
}

/**
 * A second person's decision on a pending expense: staff of its community or an administrator,
 * never its recorder (409 same_person). Approving pays it now, under the same guards as a direct
 * payment; rejecting moves nothing. Deciding twice is 409 expense_not_pending.
 */
export async function decideExpense(
  db: Db,
  actor: Principal,
  id: string,
  decision: { approve: true } | { approve: false; reason: string },
  ctx: WriteCtx,
) {
  const { at } = ctx;
  assertRole(actor, "staff", "admin");
  const { expense: e, donations } = await spendingContext(db, at, { id });
  if (!e) throw notFound("Expense");
  if (e.communityId) assertStaffOf(actor, e.communityId);
  else assertRole(actor, "admin");
  if (e.status !== "pending") throw new AppError("expense_not_pending", `This expense is already ${e.status}`, { status: e.status });
  if (e.recordedBy.id === actor.userId) {
    throw new AppError("same_person", "The person who recorded an expense cannot approve or reject it: ask a colleague");
  }
  const decider = actorFacts(actor);
  const write = new Write().onConstraint("balance_non_negative", "insufficient_funds");
  const status: ExpenseStatus = decision.approve ? "paid" : "rejected";
  const draws = decision.approve ? planDraws(donations, e.amountFen) : [];
  const transactionId = decision.approve ? payStatements(write, e, draws, at, actor.userId) : null;
  write
    .add({
      sql: `UPDATE fund_expenses SET status = ?, transaction_id = ?, approver_id = ?, approver_name = ?, approver_role = ?,
              approver_community_id = ?, decided_at = ?, reason = ?
            WHERE id = ? AND status = 'pending'`,
      args: [status, transactionId, decider.id, decider.name, decider.role, decider.communityId, at, decision.approve ? null : decision.reason, id],
    })
    .expectChanged("expense_not_pending");
  const decided: ExpenseRecord = {
    ...e,
    status,
    transactionId,
    decidedAt: at,
    reason: decision.approve ? null : decision.reason,
    approvedBy: { ...decider, community: decider.communityId === e.communityId ? e.community : null },
    restricted: draws.map((d) => ({ donationId: d.donationId, amountFen: d.amountFen })),
  };
  return commitWith(db, write, ctx, publicExpense(decided, false));
}

/** An expense as stored, with what its publication needs (community names, reversal, draws, receipts). */
interface ExpenseRecord {
  id: string;
  amountFen: number;
  purpose: FundPurpose;
  description: string;
  payee: string | null;
  receiptRef: string;
  communityId: string | null;
  community: string | null;
  status: ExpenseStatus;
  at: string;
  decidedAt: string | null;
  reason: string | null;
  transactionId: string | null;
  reversedBy: string | null;
  recordedBy: { id: string; name: string | null; role: string | null; communityId: string | null; community: string | null };
  approvedBy: { id: string; name: string | null; role: string | null; communityId: string | null; community: string | null } | null;
  restricted: { donationId: string; amountFen: number }[];
  receipts: Receipt[];
}

const EXPENSE_SELECT = `SELECT e.*, c.name AS community, ac.name AS approver_community,
    (SELECT r.id FROM ledger_transactions r WHERE r.reverses_id = e.transaction_id) AS reversed_by,
    (SELECT json_group_array(json_object('donationId', d.donation_id, 'amountFen', d.amount_fen))
       FROM (SELECT * FROM fund_restricted_draws d WHERE d.expense_id = e.id ORDER BY d.id) d) AS draws,
    (SELECT json_group_array(json_object('sha256', f.sha256, 'contentType', f.content_type, 'size', f.size))
       FROM (SELECT * FROM fund_receipts f WHERE f.expense_id = e.id ORDER BY f.at, f.sha256) f) AS receipts
  FROM fund_expenses e
  LEFT JOIN communities c ON c.id = e.community_id
  LEFT JOIN communities ac ON ac.id = e.approver_community_id`;

const str = (v: unknown) => (v == null ? null : String(v));
const parsed = <T>(v: unknown): T => (typeof v === "string" ? (JSON.parse(v) as T) : (v as T));

function toRecord(r: Record<string, unknown>): ExpenseRecord {
  const recorderIsStaff = r.recorder_role === "staff";
  return {
    id: String(r.id),
    amountFen: Number(r.amount_fen),
    purpose: String(r.purpose) as FundPurpose,
    description: String(r.description),
    payee: str(r.payee),
    receiptRef: String(r.receipt_ref),
    communityId: str(r.community_id),
    community: str(r.community),
    status: String(r.status) as ExpenseStatus,
    at: String(r.at),
    decidedAt: str(r.decided_at),
    reason: str(r.reason),
    transactionId: str(r.transaction_id),
    reversedBy: str(r.reversed_by),
    recordedBy: {
      id: String(r.created_by),
      name: str(r.recorder_name),
      role: str(r.recorder_role),
      communityId: recorderIsStaff ? str(r.community_id) : null,
      community: recorderIsStaff ? str(r.community) : null,
    },
    approvedBy:
      r.approver_id == null
        ? null
        : {
            id: String(r.approver_id),
            name: str(r.approver_name),
            role: str(r.approver_role),
            communityId: str(r.approver_community_id),
            community: str(r.approver_community),
          },
    restricted: parsed<{ donationId: string; amountFen: number }[]>(r.draws ?? "[]"),
    receipts: parsed<Receipt[]>(r.receipts ?? "[]"),
  };
}

/**
 * An expense as the public sees it: who recorded and who decided it by role and community only
 * (a login name would let anyone lock that account by failed logins); `internal` callers (staff
 * of its community, administrators) also see their user ids and names, and a rejection's reason.
 */
function publicExpense(e: ExpenseRecord, internal: boolean) {
  const person = (p: ExpenseRecord["recordedBy"] | null) =>
    p && { role: p.role, community: p.community, ...(internal ? { userId: p.id, name: p.name } : {}) };
  return {
    id: e.id,
    amountFen: e.amountFen,
    purpose: e.purpose,
    description: e.description,
    payee: e.payee,
    receiptRef: e.receiptRef,
    communityId: e.communityId,
    community: e.community,
    status: e.status,
    at: e.at,
    decidedAt: e.decidedAt,
    transactionId: e.transactionId,
    reversed: e.reversedBy !== null,
    reversedBy: e.reversedBy,
    recordedBy: person(e.recordedBy)!,
    approvedBy: person(e.approvedBy),
    restricted: e.restricted,
    receipts: e.receipts,
    ...(internal ? { reason: e.reason } : {}),
  };
}

export type PublicExpense = ReturnType<typeof publicExpense>;

const isInternal = (actor: Principal | undefined, communityId: string | null) =>
  actor?.role === "admin" || (actor?.role === "staff" && communityId !== null && actor.communityId === communityId);

/**
 * The list of expenses, newest first, every status (a pending one is the console's worklist). An
 * expense corrected by a reversal stays listed (the record of what happened), `reversed`, naming
 * the reversing transaction; only paid expenses not reversed count in the statement's spending.
 */
export async function listExpenses(
  db: Db,
  actor: Principal | undefined,
  q: PageQuery & { purpose?: FundPurpose; communityId?: string; status?: ExpenseStatus },
) {
  const before = decodeCursor<string>(q.cursor, "string");
  const where: string[] = [];
  const args: (string | number)[] = [];
  if (q.purpose) where.push("e.purpose = ?"), args.push(q.purpose);
  if (q.communityId) where.push("e.community_id = ?"), args.push(q.communityId);
  if (q.status) where.push("e.status = ?"), args.push(q.status);
  if (before) where.push("e.id < ?"), args.push(before);
  const res = await db.client.execute({
    sql: `${EXPENSE_SELECT} ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY e.id DESC LIMIT ?`,
    args: [...args, q.limit + 1],
  });
  return toPage(res.rows, q.limit, (r) => String(r.id), (r) => {
    const e = toRecord(r);
    return publicExpense(e, isInternal(actor, e.communityId));
  });
}

/** One expense, for its page and for the receipt routes. */
export async function getExpense(db: Db, actor: Principal | undefined, id: string) {
  const r = (await db.client.execute({ sql: `${EXPENSE_SELECT} WHERE e.id = ?`, args: [id] })).rows[0];
  if (!r) throw notFound("Expense");
  const e = toRecord(r);
  return publicExpense(e, isInternal(actor, e.communityId));
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
  income: { source: DonorType; amountFen: number }[];
  spending: { purpose: FundPurpose; amountFen: number }[];
  closingBalanceFen: number;
  /** fund:cash now. */
  balanceFen: number;
}

const FUND_ACCOUNTS = [accounts.fundCash, ...donorTypes.map(fundIncomeAccount), ...fundPurposes.map(fundSpendingAccount)];

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
    income: donorTypes.map((source) => ({ source, amountFen: -movement(fundIncomeAccount(source)) })),
    spending: fundPurposes.map((purpose) => ({ purpose, amountFen: movement(fundSpendingAccount(purpose)) })),
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
      ...s.income.map((i) => line("收入", dictionaries.zh.fundIncome[i.source], i.amountFen)),
      ...s.spending.map((p) => line("支出", dictionaries.zh.purposes[p.purpose], p.amountFen)),
      line("期末余额", "", s.closingBalanceFen),
    ],
  );
}
