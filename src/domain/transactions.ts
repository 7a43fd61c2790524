import type { Principal } from "../auth/tokens";
import type { Db } from "../db/client";
import { commit, Write } from "../db/write";
import { AppError, forbidden, notFound } from "../errors";
import { newId } from "../ids";
import { accounts } from "../ledger/accounts";
import { appendTransaction } from "../ledger/ledger";
import { reversalOf } from "../ledger/reverse";
import { assertRole } from "./access";
import { restrictedReversalEffects } from "./restricted";
import type { WriteCtx } from "./writes";
import type { Asset, TransactionKind } from "../vocabulary";

// Corrections. A mistake is never updated or deleted: the admin posts the exact reversal, which
// names the transaction it reverses (at most once: a unique index). What happens to the record
// the transaction belongs to:
//   - voucher redemption reversed  → the voucher is closed as "cancelled" by the reversal
//     (it must still be issued; its unit returns to stock);
//   - voucher acceptance reversed  → the voucher is "issued" again (accepted by mistake); it can
//     then be accepted, cancelled or expire as usual;
//   - voucher cancellation/expiry  → refused (409 conflict): the member simply redeems again;
//   - goods donation reversed      → only while none of it was used (goods_remaining =
//     goods_quantity, else 409 conflict: reverse its usages first); its remaining count becomes 0;
//   - goods usage reversed         → latest first (each use was valued from what was left); its
//     units go back to the donation's remaining count;
//   - fund expense reversed         → what it drew from restricted donations goes back to them;
//   - restricted money donation     → only while none of it was drawn (else 409 conflict: reverse
//     those expenses first); a reversal that moves fund:cash never leaves the unrestricted money
//     below zero (409 reversal_would_overdraw) — see restricted.ts;
//   - anything else (expense, donation, earning) → the record stays as it was and is shown as
//     reversed through the ledger (`reversedBy`); no schema change, one source of truth.
// A reversed earning (points from the issuer) lowers the member's earned total and the year's
// ranking points by what it credited, and for a service record its minutes (the member's year
// and the public total). A star its earned points no longer support (under the star thresholds
// the earning was credited with) is withdrawn, and the level history keeps the withdrawal with
// the reversal and its reason; redeeming, giving and expiry never lower a star. Event counters
// (wishes, donations, participants) are left: they count what was recorded.
// A balance the reversal would make negative (points already spent, fund already paid out)
// refuses it with 409 reversal_would_overdraw.

/**
 * A transaction as JSON, built by the database: the same text answers GET, the reversal's reply
 * and its stored idempotent replay, which must hold balances known only inside the write.
 */
const TX_JSON = `json_object(
  'id', t.id, 'seq', t.seq, 'kind', t.kind, 'at', t.at, 'memo', t.memo,
  'reversesId', t.reverses_id,
  'reversedBy', (SELECT r.id FROM ledger_transactions r WHERE r.reverses_id = t.id),
  'ruleVersion', t.rule_version, 'communityId', t.community_id, 'refType', t.ref_type, 'refId', t.ref_id,
  'createdBy', t.created_by, 'prevHash', t.prev_hash, 'hash', t.hash,
  'postings', (SELECT json_group_array(json_object('account', x.code, 'asset', x.asset, 'amount', x.amount, 'balanceAfter', x.balance_after))
               FROM (SELECT a.code, p.asset, p.amount, p.balance_after FROM postings p JOIN accounts a ON a.id = p.account_id
                     WHERE p.transaction_id = t.id ORDER BY p.id) x))`;

export interface TransactionJson {
  id: string;
  seq: number;
  kind: TransactionKind;
  at: string;
  memo: string;
  reversesId: string | null;
  reversedBy: string | null;
  ruleVersion: number | null;
  communityId: string | null;
  refType: string | null;
  refId: string | null;
  createdBy: string | null;
  prevHash: string | null;
  hash: string | null;
  postings: { account: string; asset: Asset; amount: number; balanceAfter: number }[];
}

const TX_BY_ID = `SELECT t.community_id, ${TX_JSON} AS body FROM ledger_transactions t WHERE t.id = ?`;

/** One ledger transaction with its postings, for audit: admin, or staff of its community. */
export async function getTransaction(db: Db, actor: Principal, id: string): Promise<TransactionJson> {
  assertRole(actor, "admin", "staff");
  const t = (await db.client.execute({ sql: TX_BY_ID, args: [id] })).rows[0];
  if (!t) throw notFound("Transaction");
  if (actor.role === "staff" && t.community_id !== actor.communityId) {
    throw forbidden("Staff see the transactions of their own community");
  }
  return JSON.parse(String(t.body)) as TransactionJson;
}

/** Posts the exact reversal of a transaction (admin, with a reason) in one write; see the rules above. */
export async function reverseTransaction(
  db: Db,
  actor: Principal,
  id: string,
  reasonGiven: string | { fromRequest: true },
  ctx: WriteCtx,
  /** More statements for the same write (an approved request marks itself), given the reversal's id. */
  alongside?: (write: Write, reversalId: string) => void,
) {
  const { at, idem: record } = ctx;
  assertRole(actor, "admin");
  const { original, ...reversal } = await reversalOf(db, id, at, "", actor.userId);
  const reason = typeof reasonGiven === "string" ? reasonGiven : original.requestedReason;
  if (reason === null) throw notFound("Pending reversal request");
  reversal.memo = `冲正：${reason}`;
  const reversalId = newId();
  const write = new Write().onConstraint("balance_non_negative", "reversal_would_overdraw");
  alongside?.(write, reversalId);

  if (original.refType === "voucher" && original.refId) {
    switch (original.kind) {
      case "voucher_issued":
        write
          .add({
            sql: `UPDATE vouchers SET status = 'cancelled', closed_at = ?, close_transaction_id = ?
                  WHERE id = ? AND status = 'issued' AND issue_transaction_id = ?`,
            args: [at, reversalId, original.refId, id],
          })
          .expectChanged("voucher_not_issued")
          .add({
            sql: "UPDATE voucher_types SET stock = stock + 1 WHERE id = (SELECT voucher_type_id FROM vouchers WHERE id = ?)",
            args: [original.refId],
          });
        break;
      case "voucher_used":
        write
          .add({
            sql: `UPDATE vouchers SET status = 'issued', closed_at = NULL, close_transaction_id = NULL
                  WHERE id = ? AND status = 'used' AND close_transaction_id = ?`,
            args: [original.refId, id],
          })
          .expectChanged("conflict");
        break;
      default:
        throw new AppError("conflict", "A cancelled or expired voucher is not brought back; the member can redeem a new one", {
          kind: original.kind,
        });
    }
  }

  // Goods follow their value. A goods donation is reversed only while all of it is still in stock,
  // and then none of it can be used; a reversed usage puts its units back into its donation.
  const movesGoods = reversal.postings.some((p) => p.accountId === accounts.goodsStock);
  const goodsDonation = movesGoods && original.refType === "donation" && original.kind === "donation" && original.refId;
  if (goodsDonation) {
    write
      .add({
        sql: "UPDATE donations SET goods_remaining = 0 WHERE id = ? AND kind = 'goods' AND goods_remaining = goods_quantity",
        args: [original.refId],
      })
      .expectChanged("conflict");
  }
  const goodsUsage = movesGoods && original.refType === "goods_usage" && original.refId;
  if (goodsUsage) {
    const quantity = "(SELECT quantity FROM goods_usages WHERE id = ?)";
    // A usage was valued from what was left when it happened, so only the donation's latest
    // usage still standing can be reversed: then count and value return to exactly what they were.
    write
      .expect(
        "conflict",
        `NOT EXISTS (SELECT 1 FROM goods_usages later
                     WHERE later.donation_id = (SELECT donation_id FROM goods_usages WHERE id = ?) AND later.id > ?
                       AND NOT EXISTS (SELECT 1 FROM ledger_transactions t JOIN ledger_transactions r ON r.reverses_id = t.id
                                       WHERE t.ref_type = 'goods_usage' AND t.ref_id = later.id))`,
        [original.refId, original.refId],
      )
      .add({
        sql: `UPDATE donations SET goods_remaining = goods_remaining + ${quantity}
              WHERE id = (SELECT donation_id FROM goods_usages WHERE id = ?) AND goods_remaining + ${quantity} <= goods_quantity`,
        args: [original.refId, original.refId, original.refId],
      })
      .expectChanged("conflict");
  }

  // An earning took points from the issuer; its reversal gives them back. It counted in the year
  // of its event: a service record's service date, otherwise the time it was booked.
  const isEarning = reversal.postings.some((p) => p.accountId === accounts.pointsIssuer && p.amount > 0);
  const serviceRecordId = original.refType === "service_record" ? original.refId : null;
  const yearOf = `CAST(substr(COALESCE((SELECT date FROM service_records WHERE id = ?), (SELECT at FROM ledger_transactions WHERE id = ?)), 1, 4) AS INTEGER)`;
  // An earning has one passbook (system accounts are named "points:…", a passbook by a plain id)
  // and counted all it took from the issuer as earned, also the part a storage cap sent to the pool.
  const earner = isEarning ? original.postings.find((p) => p.asset === "PTS" && p.amount >= 0 && !p.accountId.includes(":")) : undefined;
  if (earner) {
    const earned = reversal.postings.filter((p) => p.accountId === accounts.pointsIssuer).reduce((s, p) => s + p.amount, 0);
    write.add({ sql: "UPDATE members SET earned_total = earned_total - ? WHERE account_id = ?", args: [earned, earner.accountId] });
    withdrawUnsupportedStars(write, earner.accountId, id, reversalId, at, reason);
    write.add({
      sql: `UPDATE member_year_stats SET points_earned = points_earned - ?
            WHERE member_id = (SELECT id FROM members WHERE account_id = ?) AND year = ${yearOf}`,
      args: [earned, earner.accountId, serviceRecordId, id],
    });
  }

  // Service that did not happen: its minutes leave the member's year, their all-time service (and
  // so the star level by hours), and the public total; the record is marked, so certificates and
  // the daily cap no longer count it.
  if (original.refType === "service_record" && original.refId && isEarning) {
    const minutes = "(SELECT minutes FROM service_records WHERE id = ?)";
    write
      .add({ sql: "UPDATE service_records SET reversal_id = ? WHERE id = ? AND reversal_id IS NULL", args: [reversalId, original.refId] })
      .add({
        sql: `UPDATE members SET service_minutes = service_minutes - ${minutes} WHERE id = (SELECT member_id FROM service_records WHERE id = ?)`,
        args: [original.refId, original.refId],
      })
      .add({
        sql: `UPDATE member_year_stats SET minutes_served = minutes_served - ${minutes}
              WHERE member_id = (SELECT member_id FROM service_records WHERE id = ?) AND year = ${yearOf}`,
        args: [original.refId, original.refId, serviceRecordId, id],
      })
      .add({ sql: `UPDATE counters SET value = value - ${minutes} WHERE name = 'service_minutes'`, args: [original.refId] });
  }

  const movesCash = reversal.postings.some((p) => p.accountId === accounts.fundCash);
  const guardUnrestricted = restrictedReversalEffects(write, { id, ...original }, movesCash);
  appendTransaction(write, { ...reversal, id: reversalId });
  guardUnrestricted();
  if (record) {
    write.storeReply(record, at, { sql: `${TX_JSON} FROM ledger_transactions t WHERE t.id = ?`, args: [reversalId] });
  }
  write.add({ sql: TX_BY_ID, args: [reversalId] });
  try {
    const results = await commit(db, write);
    return JSON.parse(String(results[results.length - 1]!.rows[0]!.body)) as TransactionJson;
  } catch (err) {
    if (err instanceof AppError && err.code === "conflict" && goodsDonation) {
      throw new AppError("conflict", "Some of these goods were already used: reverse its usages first, then the donation");
    }
    if (err instanceof AppError && err.code === "conflict" && goodsUsage) {
      throw new AppError("conflict", "A later use of the same goods still stands: reverse the uses latest first");
    }
    if (err instanceof AppError && err.code === "voucher_not_issued") {
      throw new AppError(
        "voucher_not_issued",
        "The voucher is no longer issued: reverse its acceptance first; a cancelled or expired voucher already returned its points",
      );
    }
    throw err;
  }
}

/**
 * After a reversal lowered a member's earned total: the stars it no longer supports, under the
 * thresholds of the rule version the reversed earning used, leave the member's level and move
 * from the levels held to the withdrawals, with the reversal and its reason.
 */
function withdrawUnsupportedStars(write: Write, accountId: string, originalId: string, reversalId: string, at: string, reason: string) {
  const supported = `(SELECT COUNT(*) FROM json_each((SELECT star_thresholds FROM rule_versions WHERE version =
                        IFNULL((SELECT rule_version FROM ledger_transactions WHERE id = ?), (SELECT MAX(version) FROM rule_versions))))
                      WHERE value <= m.earned_total)`;
  write
    .add({
      sql: `INSERT INTO level_withdrawals (member_id, stars, reached_at, at, transaction_id, reason, reached_transaction_id)
            SELECT l.member_id, l.stars, l.at, ?, ?, ?, l.transaction_id FROM level_changes l JOIN members m ON m.id = l.member_id
            WHERE m.account_id = ? AND l.stars > ${supported} ORDER BY l.stars DESC`,
      args: [at, reversalId, reason, accountId, originalId],
    })
    .add({
      sql: `DELETE FROM level_changes WHERE member_id = (SELECT id FROM members WHERE account_id = ?)
              AND stars > (SELECT ${supported} FROM members m WHERE m.account_id = ?)`,
      args: [accountId, originalId, accountId],
    })
    .add({
      sql: `UPDATE members AS m SET stars = MIN(stars, ${supported}) WHERE account_id = ?`,
      args: [originalId, accountId],
    });
}
