import type { Principal } from "../auth/tokens";
import type { BankTime } from "../bank-time";
import type { Db } from "../db/client";
import { notFound } from "../errors";
import { dictionaries, label } from "../i18n";
import type { TransactionKind } from "../vocabulary";
import { toCsv } from "./csv";
import { assertSelfGuardianOrStaffOf, guardianQueryRaw } from "./guardians";

// The yearly statement of a passbook (年度对账单): the balance the year opened with, what came in
// and went out during it, and the closing balance, with every entry. The year is the bank's
// calendar year (its time zone). A reversal is dated when it was posted: a correction made in
// January of the next year is in that year's statement, and this year's still shows the entry
// it reversed, marked reversedBy.

export interface StatementEntry {
  transactionId: string;
  at: string;
  kind: TransactionKind;
  memo: string;
  amount: number;
  balanceAfter: number;
  reversesId: string | null;
  reversedBy: string | null;
}

export async function memberStatement(db: Db, actor: Principal, memberId: string, year: number, time: BankTime) {
  const from = time.bounds(`${String(year).padStart(4, "0")}-01-01`).from;
  const to = time.bounds(`${String(year + 1).padStart(4, "0")}-01-01`).from;
  const [memberRes, guardianRes, openingRes, entryRes] = await db.client.batch(
    [
      { sql: "SELECT id, community_id, name, passbook_no FROM members WHERE id = ?", args: [memberId] },
      guardianQueryRaw(memberId, actor),
      {
        sql: `SELECT IFNULL(SUM(p.amount), 0) AS opening FROM postings p JOIN ledger_transactions t ON t.id = p.transaction_id
              WHERE p.account_id = (SELECT account_id FROM members WHERE id = ?) AND t.at < ?`,
        args: [memberId, from],
      },
      {
        sql: `SELECT t.id, t.at, t.kind, t.memo, p.amount, t.reverses_id,
                     (SELECT r.id FROM ledger_transactions r WHERE r.reverses_id = t.id) AS reversed_by
              FROM postings p JOIN ledger_transactions t ON t.id = p.transaction_id
              WHERE p.account_id = (SELECT account_id FROM members WHERE id = ?) AND t.at >= ? AND t.at < ?
              ORDER BY t.at, p.id`,
        args: [memberId, from, to],
      },
    ],
    "read",
  );
  const m = memberRes!.rows[0];
  if (!m) throw notFound("Member");
  const member = { id: String(m.id), communityId: String(m.community_id), name: String(m.name), passbookNo: String(m.passbook_no) };
  assertSelfGuardianOrStaffOf(actor, member, guardianRes!.rows.length > 0);
  const opening = Number(openingRes!.rows[0]!.opening);
  let balance = opening;
  let credits = 0;
  let debits = 0;
  // Balances are replayed in date order, so they read right even where postings were booked out of order.
  const entries: StatementEntry[] = entryRes!.rows.map((r) => {
    const amount = Number(r.amount);
    balance += amount;
    if (amount > 0) credits += amount;
    else debits -= amount;
    return {
      transactionId: String(r.id),
      at: String(r.at),
      kind: String(r.kind) as TransactionKind,
      memo: String(r.memo),
      amount,
      balanceAfter: balance,
      reversesId: r.reverses_id == null ? null : String(r.reverses_id),
      reversedBy: r.reversed_by == null ? null : String(r.reversed_by),
    };
  });
  return { member, year, from, to, opening, credits, debits, closing: opening + credits - debits, entries };
}

export type MemberStatement = Awaited<ReturnType<typeof memberStatement>>;

/** The statement as CSV: a summary block, then one line per entry, times in the bank's zone. */
export function statementCsv(s: MemberStatement, time: BankTime): string {
  const rows: (string | number | null)[][] = s.entries.map((e) => [
    time.formatDateTime(e.at),
    label(dictionaries.zh.txKinds, e.kind),
    e.memo,
    e.amount > 0 ? e.amount : null,
    e.amount < 0 ? -e.amount : null,
    e.balanceAfter,
    e.transactionId,
    e.reversesId,
    e.reversedBy,
  ]);
  rows.unshift(["年初余额", null, null, null, null, s.opening, null, null, null]);
  rows.push(["本年合计", null, null, s.credits, s.debits, s.closing, null, null, null]);
  return toCsv(["时间", "类型", "摘要", "收入", "支出", "余额", "交易号", "冲正交易", "被冲正于"], rows);
}
