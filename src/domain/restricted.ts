import type { Row } from "@libsql/client";
import type { Write } from "../db/write";
import { accounts } from "../ledger/accounts";
import type { FundPurpose } from "../vocabulary";

// Restricted (定向) donations. Money given for a purpose and/or a community is booked, besides
// fund:cash ← fund:income:<source>, into its restriction's own account
// fund:restricted:<purpose|any>:<community|any> against fund:restricted, which holds the
// opposite of all restricted balances. So at any time:
//   Σ fund:restricted:* = −fund:restricted,   unrestricted = fund:cash − Σ fund:restricted:*  ≥ 0.
// An expense of purpose P in community C draws on matching restricted money first, most specific
// restriction first — (P, C), then (P, any community), then (any purpose, C) — and within one
// restriction the oldest donation first; only the rest is unrestricted money. Money restricted
// to anything else is never spent on it: an expense the unrestricted money cannot cover is
// 409 insufficient_funds even while fund:cash holds enough.

export interface Restriction {
  purpose: FundPurpose | null;
  communityId: string | null;
}

export const RESTRICTED_TOTAL = "fund:restricted";

export const restrictedAccount = (r: Restriction) => `fund:restricted:${r.purpose ?? "any"}:${r.communityId ?? "any"}`;

/** Creates a restriction's account with its first donation; never negative. */
export const ensureRestrictedAccount = (write: Write, r: Restriction) =>
  write.add({
    sql: `INSERT OR IGNORE INTO accounts (id, code, asset, kind, balance, non_negative) VALUES (?, ?, 'CNY', 'fund_restricted', 0, 1)`,
    args: [restrictedAccount(r), restrictedAccount(r)],
  });

/** Postings that set `amountFen` of a money donation aside for its restriction. */
export const restrictPostings = (r: Restriction, amountFen: number) => [
  { accountId: restrictedAccount(r), asset: "CNY" as const, amount: amountFen },
  { accountId: RESTRICTED_TOTAL, asset: "CNY" as const, amount: -amountFen },
];

/**
 * The restricted donations an expense may draw on, in drawing order; `purpose` and `community`
 * are SQL expressions over `args` (bound values, or subqueries naming the expense).
 */
export function matchingDonationsQuery(purpose: string, community: string, args: (string | null)[]) {
  return {
    sql: `SELECT id, restriction_purpose, restriction_community_id, restricted_remaining_fen FROM donations
          WHERE restricted_remaining_fen > 0 AND (
            (restriction_purpose = ${purpose} AND restriction_community_id = ${community})
            OR (restriction_purpose = ${purpose} AND restriction_community_id IS NULL)
            OR (restriction_purpose IS NULL AND restriction_community_id = ${community}))
          ORDER BY CASE WHEN restriction_purpose IS NULL THEN 2 WHEN restriction_community_id IS NULL THEN 1 ELSE 0 END, id`,
    args,
  };
}

export interface Draw {
  donationId: string;
  account: string;
  amountFen: number;
}

/** How much of `amountFen` each matching donation pays (rows in drawing order); the rest is unrestricted. */
export function planDraws(rows: Row[], amountFen: number): Draw[] {
  const draws: Draw[] = [];
  let left = amountFen;
  for (const r of rows) {
    if (left === 0) break;
    const take = Math.min(left, Number(r.restricted_remaining_fen));
    const restriction = {
      purpose: r.restriction_purpose == null ? null : (String(r.restriction_purpose) as FundPurpose),
      communityId: r.restriction_community_id == null ? null : String(r.restriction_community_id),
    };
    draws.push({ donationId: String(r.id), account: restrictedAccount(restriction), amountFen: take });
    left -= take;
  }
  return draws;
}

/**
 * Adds the draws to a paying write: each donation's remaining amount compare-and-set (a
 * concurrent expense drawing the same money makes this one 409 conflict, safe to retry), the
 * draw records, and the postings moving the money out of its restriction accounts.
 */
export function drawStatements(write: Write, expenseId: string, transactionId: string, draws: Draw[]) {
  for (const d of draws) {
    write
      .add({
        sql: "UPDATE donations SET restricted_remaining_fen = restricted_remaining_fen - ? WHERE id = ? AND restricted_remaining_fen >= ?",
        args: [d.amountFen, d.donationId, d.amountFen],
      })
      .expectChanged("conflict")
      .add({
        sql: "INSERT INTO fund_restricted_draws (expense_id, donation_id, amount_fen, transaction_id) VALUES (?, ?, ?, ?)",
        args: [expenseId, d.donationId, d.amountFen, transactionId],
      });
  }
  const byAccount = new Map<string, number>();
  for (const d of draws) byAccount.set(d.account, (byAccount.get(d.account) ?? 0) + d.amountFen);
  const total = draws.reduce((n, d) => n + d.amountFen, 0);
  return total === 0
    ? []
    : [
        ...[...byAccount].map(([accountId, amount]) => ({ accountId, asset: "CNY" as const, amount: -amount })),
        { accountId: RESTRICTED_TOTAL, asset: "CNY" as const, amount: total },
      ];
}

/** After the postings of a write that moves fund:cash: the unrestricted money must not go below zero. */
export const expectUnrestrictedCovered = (write: Write, code: "insufficient_funds" | "reversal_would_overdraw") =>
  write.expect(code, "(SELECT balance FROM accounts WHERE id = ?) + (SELECT balance FROM accounts WHERE id = ?) >= 0", [
    accounts.fundCash,
    RESTRICTED_TOTAL,
  ]);

/**
 * What a reversal does to restricted money. A reversed expense gives what it drew back to its
 * donations (its reversal already posts the money back to their accounts). A restricted donation
 * is reversed only while none of it was drawn (else 409 conflict: reverse those expenses first),
 * and then none of it can be. Any reversal moving fund:cash keeps the unrestricted money ≥ 0.
 */
export function restrictedReversalEffects(
  write: Write,
  original: { id: string; kind: string; refType: string | null; refId: string | null },
  movesCash: boolean,
) {
  if (original.refType === "fund_expense") {
    write.add({
      sql: `UPDATE donations SET restricted_remaining_fen = restricted_remaining_fen
              + (SELECT SUM(d.amount_fen) FROM fund_restricted_draws d WHERE d.transaction_id = ?1 AND d.donation_id = donations.id)
            WHERE id IN (SELECT donation_id FROM fund_restricted_draws WHERE transaction_id = ?1)`,
      args: [original.id],
    });
  }
  if (original.refType === "donation" && original.kind === "donation" && original.refId) {
    write
      .expect(
        "conflict",
        "(SELECT restricted_remaining_fen IS NULL OR restricted_remaining_fen = amount_fen FROM donations WHERE id = ?)",
        [original.refId],
      )
      .add({
        sql: "UPDATE donations SET restricted_remaining_fen = 0 WHERE id = ? AND restricted_remaining_fen IS NOT NULL",
        args: [original.refId],
      });
  }
  return movesCash ? () => expectUnrestrictedCovered(write, "reversal_would_overdraw") : () => write;
}
