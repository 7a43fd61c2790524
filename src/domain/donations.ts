import { and, asc, desc, eq, gte, inArray, isNotNull, lt, type SQL } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import { communities, donations, fundExpenses, fundRestrictedDraws, goodsUsages, ledgerTransactions, members, wishes } from "../../db/schema";
import type { Principal } from "../auth/tokens";
import type { Db } from "../db/client";
import { Write } from "../db/write";
import { AppError, forbidden, notFound } from "../errors";
import { newId } from "../ids";
import { accounts, fundIncomeAccount } from "../ledger/accounts";
import type { BeneficiaryGroup, DonationKind, DonorType, FundPurpose } from "../vocabulary";
import type { PublicRecord } from "../ledger/leaf";
import { appendTransaction } from "../ledger/ledger";
import { assertRole, assertStaffOf } from "./access";
import { decodeCursor, toPage, type PageQuery } from "./pagination";
import { earnPoints } from "./points";
import { ensureRestrictedAccount, restrictPostings } from "./restricted";
import { pointsForFen, ruleInForce, ruleVersionsQuery, toRules } from "./rules";
import { bump, commitWith, type WriteCtx } from "./writes";

// Donations: money is income of the Love Savings Fund by source (fund:cash ← fund:income:<source>);
// goods go into the station's stock at their valuation (goods:stock ← goods:donated) and leave it
// as they are used (goods:stock → goods:distributed). A member donor earns points for either, in
// the same ledger transaction.

export type DonationRow = typeof donations.$inferSelect;

export interface NewDonation {
  communityId?: string;
  donor: { type: DonorType; memberId?: string; name?: string };
  kind: DonationKind;
  amountFen?: number;
  goods?: { description: string; quantity: number; valueFen: number };
  /** 定向捐赠 (money only): the purpose and/or community the money may be spent on. */
  restriction?: { purpose?: FundPurpose; communityId?: string };
}

/** The public name of a donor: never a phone; a member who opted out and an anonymous donor are "anonymous". */
export const ANONYMOUS = "anonymous";

function donorName(d: DonationRow, member: { name: string; publicOptOut: boolean } | null): string {
  if (d.donorType === "anonymous") return ANONYMOUS;
  if (d.donorType === "member") return member && !member.publicOptOut ? member.name : ANONYMOUS;
  return d.donorName ?? ANONYMOUS;
}

/**
 * The published view of a donation (transparency): who gave what, when, and what is left. A
 * reversed donation stays listed as recorded, `reversed`, naming the reversing transaction in
 * `reversedBy`. A member donor's transactions post to their passbook account, which the public
 * ledger shows: the public gets no transaction id of theirs (`transactionId` and `reversedBy` are
 * null), or it could read every points movement of a named member; `internal` callers (staff of the
 * community, administrators) see them.
 */
export function donationJson(
  d: DonationRow,
  member: { name: string; publicOptOut: boolean } | null,
  reversedBy: string | null,
  internal: boolean,
) {
  const linkable = internal || d.donorType !== "member";
  return {
    id: d.id,
    communityId: d.communityId,
    donor: { type: d.donorType, name: donorName(d, member) },
    kind: d.kind,
    amountFen: d.amountFen,
    goods:
      d.kind === "goods"
        ? { description: d.goodsDescription!, quantity: d.goodsQuantity!, remaining: d.goodsRemaining!, valueFen: d.amountFen }
        : null,
    pointsAwarded: d.pointsAwarded,
    restriction:
      d.restrictedRemainingFen === null
        ? null
        : {
            purpose: d.restrictionPurpose as FundPurpose | null,
            communityId: d.restrictionCommunityId,
            usedFen: d.amountFen - d.restrictedRemainingFen,
            remainingFen: d.restrictedRemainingFen,
          },
    transactionId: linkable ? d.transactionId : null,
    reversed: reversedBy !== null,
    reversedBy: linkable ? reversedBy : null,
    at: d.at,
  };
}

/** Fen as yuan text, in integers only: 12345 → "123.45". */
const yuan = (fen: number) => `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, "0")}`;

/** One read round-trip: the donating member (if any) and the rules. */
async function loadDonor(db: Db, memberId: string | undefined) {
  const [memberRows, ruleRows] = await db.orm.batch([
    db.orm.select().from(members).where(eq(members.id, memberId ?? "")),
    ruleVersionsQuery(db),
  ]);
  return { member: memberRows[0], rules: toRules(ruleRows) };
}

export async function createDonation(db: Db, actor: Principal, input: NewDonation, ctx: WriteCtx) {
  assertRole(actor, "staff", "admin");
  if (actor.role === "staff" && input.communityId !== undefined && input.communityId !== actor.communityId) {
    throw forbidden("Staff record donations in their own community");
  }
  let communityId = actor.role === "staff" ? actor.communityId : (input.communityId ?? null);
  const amount = input.kind === "money" ? input.amountFen! : input.goods!.valueFen;
  const restriction = input.restriction ? { purpose: input.restriction.purpose ?? null, communityId: input.restriction.communityId ?? null } : null;
  if (restriction?.communityId && actor.role === "staff" && restriction.communityId !== actor.communityId) {
    throw forbidden("Staff restrict a donation to their own community; an administrator can restrict it to any");
  }
  const id = newId();
  const transactionId = newId();
  const postings =
    input.kind === "money"
      ? [
          { accountId: accounts.fundCash, asset: "CNY" as const, amount },
          { accountId: fundIncomeAccount(input.donor.type), asset: "CNY" as const, amount: -amount },
          ...(restriction ? restrictPostings(restriction, amount) : []),
        ]
      : [
          { accountId: accounts.goodsStock, asset: "CNY" as const, amount },
          { accountId: accounts.goodsDonated, asset: "CNY" as const, amount: -amount },
        ];
  const memo = input.kind === "money" ? `爱心捐款 ${yuan(amount)} 元` : `捐赠物资：${input.goods!.description} ×${input.goods!.quantity}`;
  const write = new Write();
  if (restriction) {
    if (restriction.communityId) write.expect("not_found", "EXISTS (SELECT 1 FROM communities WHERE id = ?)", [restriction.communityId]);
    ensureRestrictedAccount(write, restriction);
  }
  let points = 0;
  let member: typeof members.$inferSelect | undefined;
  const named = input.donor.type === "company" || input.donor.type === "individual";
  // What the public ledger commits to: the donor's public name and the goods are withdrawable
  // (a donor who later opts out); a member donor's name is never in it (their passbook is not).
  const publicRecord = (community: string | null): PublicRecord => ({
    facts: {
      donorType: input.donor.type,
      kind: input.kind,
      ...(community ? { community } : {}),
      ...(input.goods ? { goodsQuantity: input.goods.quantity } : {}),
    },
    withdrawable: {
      ...(named ? { donorName: input.donor.name! } : {}),
      ...(input.goods ? { goodsDescription: input.goods.description } : {}),
    },
  });
  if (input.donor.type === "member") {
    const loaded = await loadDonor(db, input.donor.memberId);
    member = loaded.member;
    if (!member) throw notFound("Member");
    assertStaffOf(actor, member.communityId);
    communityId ??= member.communityId;
    const rule = ruleInForce(loaded.rules, ctx.at);
    points = pointsForFen(amount, rule);
    earnPoints(write, {
      transactionId,
      member,
      points,
      at: ctx.at,
      year: Number(ctx.at.slice(0, 4)),
      kind: "donation",
      memo,
      rules: rule,
      refType: "donation",
      refId: id,
      createdBy: actor.userId,
      extraPostings: postings,
      publicRecord: publicRecord(communityId),
    });
  } else {
    appendTransaction(write, {
      id: transactionId,
      kind: "donation",
      at: ctx.at,
      memo,
      communityId,
      refType: "donation",
      refId: id,
      createdBy: actor.userId,
      postings,
      publicRecord: publicRecord(communityId),
    });
  }
  if (communityId) write.expect("not_found", "EXISTS (SELECT 1 FROM communities WHERE id = ?)", [communityId]);
  const row: DonationRow = {
    id,
    communityId,
    donorType: input.donor.type,
    memberId: member?.id ?? null,
    donorName: named ? input.donor.name! : null,
    kind: input.kind,
    amountFen: amount,
    goodsDescription: input.goods?.description ?? null,
    goodsQuantity: input.goods?.quantity ?? null,
    goodsRemaining: input.goods?.quantity ?? null,
    pointsAwarded: points,
    transactionId,
    at: ctx.at,
    createdBy: actor.userId,
    restrictionPurpose: restriction?.purpose ?? null,
    restrictionCommunityId: restriction?.communityId ?? null,
    restrictedRemainingFen: restriction ? amount : null,
  };
  write.add(db.orm.insert(donations).values(row));
  bump(write, "donations");
  const json = donationJson(row, member ?? null, null, true);
  return commitWith(db, write, ctx, { ...json, donor: { ...json.donor, memberId: row.memberId, name: member?.name ?? json.donor.name } });
}

/** The public list, newest first: donors by name (or "anonymous"), never a member's phone; see donationJson for what `actor` adds. */
export async function listDonations(db: Db, actor: Principal | undefined, q: PageQuery & { communityId?: string; kind?: DonationRow["kind"] }) {
  const before = decodeCursor<string>(q.cursor, "string");
  const filters: (SQL | undefined)[] = [
    q.communityId ? eq(donations.communityId, q.communityId) : undefined,
    q.kind ? eq(donations.kind, q.kind) : undefined,
    before ? lt(donations.id, before) : undefined,
  ];
  const rows = await withPublished(db)
    .where(and(...filters))
    .orderBy(desc(donations.id))
    .limit(q.limit + 1);
  return toPage(rows, q.limit, (r) => r.donation.id, (r) => publicDonation(r, isInternal(actor, r.donation)));
}

const reversals = alias(ledgerTransactions, "reversals");

/** Donations with what their publication needs: the member's name and opt-out, and the reversing transaction. */
const withPublished = (db: Db) =>
  db.orm
    .select({ donation: donations, memberName: members.name, optOut: members.publicOptOut, reversedBy: reversals.id })
    .from(donations)
    .leftJoin(members, eq(members.id, donations.memberId))
    .leftJoin(reversals, eq(reversals.reversesId, donations.transactionId));

const publicDonation = (r: { donation: DonationRow; memberName: string | null; optOut: boolean | null; reversedBy: string | null }, internal: boolean) =>
  donationJson(r.donation, r.memberName === null ? null : { name: r.memberName, publicOptOut: r.optOut ?? true }, r.reversedBy, internal);

/** Staff of the donation's community and administrators see usage notes and a member donor's transactions. */
const isInternal = (actor: Principal | undefined, d: DonationRow) =>
  actor?.role === "admin" || (actor?.role === "staff" && actor.communityId === d.communityId);

/** One donation with the record of how its goods were used; the usage notes only for staff and administrators. */
export async function getDonation(db: Db, actor: Principal | undefined, id: string) {
  const [rows, usageRows, drawRows] = await db.orm.batch([
    withPublished(db).where(eq(donations.id, id)),
    db.orm.select().from(goodsUsages).where(eq(goodsUsages.donationId, id)).orderBy(asc(goodsUsages.id)),
    drawsOf(db).where(eq(fundRestrictedDraws.donationId, id)).orderBy(asc(fundRestrictedDraws.id)),
  ]);
  const row = rows[0];
  if (!row) throw notFound("Donation");
  const internal = isInternal(actor, row.donation);
  return {
    ...publicDonation(row, internal),
    usages: usageRows.map((u) => ({
      id: u.id,
      quantity: u.quantity,
      wishId: u.wishId,
      beneficiaryGroup: u.beneficiaryGroup,
      note: internal ? u.note : null,
      at: u.at,
    })),
    // Restricted money: which expenses drew on it; a reversed one gave its share back.
    drawnBy: drawRows.map(publicDraw),
  };
}

/** The expenses that drew on restricted donations (public: purpose, description, payee, amount, reversed). */
const drawsOf = (db: Db) =>
  db.orm
    .select({
      donationId: fundRestrictedDraws.donationId,
      expenseId: fundRestrictedDraws.expenseId,
      amountFen: fundRestrictedDraws.amountFen,
      at: ledgerTransactions.at,
      purpose: fundExpenses.purpose,
      description: fundExpenses.description,
      payee: fundExpenses.payee,
      reversedBy: reversals.id,
    })
    .from(fundRestrictedDraws)
    .innerJoin(fundExpenses, eq(fundExpenses.id, fundRestrictedDraws.expenseId))
    .innerJoin(ledgerTransactions, eq(ledgerTransactions.id, fundRestrictedDraws.transactionId))
    .leftJoin(reversals, eq(reversals.reversesId, fundRestrictedDraws.transactionId));

type DrawRow = Awaited<ReturnType<typeof drawsOf>>[number];

const publicDraw = (d: DrawRow) => ({
  expenseId: d.expenseId,
  amountFen: d.amountFen,
  at: d.at,
  purpose: d.purpose,
  description: d.description,
  payee: d.payee,
  reversed: d.reversedBy !== null,
});

/**
 * The restricted (定向) money donations received in [from, to), oldest first, as the public sees
 * them (used and remaining), each with the expenses that drew on it: the annual report's list.
 * Two statements in one read batch.
 */
export async function restrictedDonationsReceived(db: Db, period: { from: string; to: string }) {
  const inPeriod = and(isNotNull(donations.restrictedRemainingFen), gte(donations.at, period.from), lt(donations.at, period.to));
  const [rows, drawRows, communityRows] = await db.orm.batch([
    withPublished(db).where(inPeriod).orderBy(asc(donations.id)),
    drawsOf(db)
      .where(inArray(fundRestrictedDraws.donationId, db.orm.select({ id: donations.id }).from(donations).where(inPeriod)))
      .orderBy(asc(fundRestrictedDraws.id)),
    db.orm
      .select({ id: communities.id, name: communities.name })
      .from(communities)
      .where(inArray(communities.id, db.orm.select({ id: donations.restrictionCommunityId }).from(donations).where(inPeriod))),
  ]);
  const names = new Map(communityRows.map((c) => [c.id, c.name]));
  return rows.map((r) => {
    const d = publicDonation(r, false);
    return {
      ...d,
      restriction: { ...d.restriction!, community: d.restriction?.communityId ? (names.get(d.restriction.communityId) ?? null) : null },
      drawnBy: drawRows.filter((x) => x.donationId === r.donation.id).map(publicDraw),
    };
  });
}

export interface NewUsage {
  quantity: number;
  wishId?: string;
  beneficiaryGroup?: BeneficiaryGroup;
  note?: string;
}

/**
 * The valuation of `units` of `total`, rounded down, in exact integer arithmetic: a valuation of
 * up to 10^11 fen times a million units is past 2^53, where a float product rounds and the last
 * unit could leave a fen of value in stock with no goods.
 */
export const shareFen = (valuationFen: number, units: number, total: number): number =>
  Number((BigInt(valuationFen) * BigInt(units)) / BigInt(total));

/**
 * Records goods leaving the stock (to fulfil a wish, or to a beneficiary group). The value that
 * leaves goods:stock is the share of the valuation for the units used, computed so that the whole
 * valuation leaves exactly when the last unit does; the remaining count is compare-and-set inside
 * the write, so two usages at once never use the same units (one gets 409 and may retry).
 */
export async function recordGoodsUsage(db: Db, actor: Principal, donationId: string, input: NewUsage, ctx: WriteCtx) {
  assertRole(actor, "staff", "admin");
  const [donationRows, wishRows] = await db.orm.batch([
    db.orm.select().from(donations).where(eq(donations.id, donationId)),
    db.orm.select().from(wishes).where(eq(wishes.id, input.wishId ?? "")),
  ]);
  const donation = donationRows[0];
  if (!donation) throw notFound("Donation");
  if (actor.role === "staff" && donation.communityId !== actor.communityId) throw forbidden("Staff use the stock of their own community");
  if (donation.kind !== "goods") throw new AppError("conflict", "A money donation has no goods to use");
  let group = input.beneficiaryGroup ?? null;
  if (input.wishId !== undefined) {
    const wish = wishRows[0];
    if (!wish) throw notFound("Wish");
    assertStaffOf(actor, wish.communityId);
    group = wish.beneficiaryGroup;
  }
  const before = donation.goodsRemaining!;
  if (input.quantity > before) throw new AppError("insufficient_goods", `Only ${before} left in stock`, { remaining: before });
  const total = donation.goodsQuantity!;
  const after = before - input.quantity;
  const valueFen = shareFen(donation.amountFen, before, total) - shareFen(donation.amountFen, after, total);
  const usage = {
    id: newId(),
    donationId,
    quantity: input.quantity,
    wishId: input.wishId ?? null,
    beneficiaryGroup: group,
    note: input.note ?? null,
    at: ctx.at,
    createdBy: actor.userId,
  };
  const write = new Write()
    .onConstraint("balance_non_negative", "insufficient_goods")
    .expect("insufficient_goods", "(SELECT goods_remaining FROM donations WHERE id = ?) >= ?", [donationId, input.quantity])
    .add({ sql: "UPDATE donations SET goods_remaining = ? WHERE id = ? AND goods_remaining = ?", args: [after, donationId, before] })
    .expectChanged("conflict")
    .add(db.orm.insert(goodsUsages).values(usage));
  const transactionId =
    valueFen > 0
      ? appendTransaction(write, {
          kind: "goods_used",
          at: ctx.at,
          memo: `物资使用：${donation.goodsDescription} ×${input.quantity}`,
          communityId: donation.communityId,
          refType: "goods_usage",
          refId: usage.id,
          createdBy: actor.userId,
          postings: [
            { accountId: accounts.goodsStock, asset: "CNY", amount: -valueFen },
            { accountId: accounts.goodsDistributed, asset: "CNY", amount: valueFen },
          ],
        })
      : null;
  const { createdBy: _b, ...shown } = usage;
  const body = { ...shown, valueFen, remaining: after, transactionId };
  return commitWith(db, write, ctx, body);
}
