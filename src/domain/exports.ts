import type { Principal } from "../auth/tokens";
import type { Db } from "../db/client";
import { notFound } from "../errors";
import { assertSelfGuardianOrStaffOf, guardianQueryRaw } from "./guardians";
import { toCsv } from "./csv";
import { dictionaries, label } from "../i18n";
import type { TransactionKind } from "../vocabulary";

/**
 * A whole passbook as CSV (same access as the passbook: the member, staff of the community,
 * admin), oldest entry first, in one read batch. Its file name carries the passbook number.
 */
export async function passbookCsv(db: Db, actor: Principal, memberId: string): Promise<{ filename: string; csv: string }> {
  const [memberRes, guardianRes, entryRes] = await db.client.batch(
    [
      { sql: "SELECT id, community_id, passbook_no FROM members WHERE id = ?", args: [memberId] },
      guardianQueryRaw(memberId, actor),
      {
        sql: `SELECT t.at, t.kind, t.memo, p.amount, p.balance_after, t.id AS transaction_id
              FROM postings p JOIN ledger_transactions t ON t.id = p.transaction_id
              WHERE p.account_id = (SELECT account_id FROM members WHERE id = ?)
              ORDER BY p.id`,
        args: [memberId],
      },
    ],
    "read",
  );
  const m = memberRes!.rows[0];
  if (!m) throw notFound("Member");
  assertSelfGuardianOrStaffOf(actor, { id: String(m.id), communityId: String(m.community_id) }, guardianRes!.rows.length > 0);
  const rows = entryRes!.rows.map((e) => [
    String(e.at),
    label(dictionaries.zh.txKinds, String(e.kind) as TransactionKind),
    String(e.memo),
    Number(e.amount),
    Number(e.balance_after),
    String(e.transaction_id),
  ]);
  return {
    filename: `passbook-${String(m.passbook_no)}.csv`,
    csv: toCsv(["时间", "类型", "摘要", "积分变动", "余额", "交易号"], rows),
  };
}
