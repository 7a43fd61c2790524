import { and, asc, desc, eq, gt, lt, or, sql, type SQL } from "drizzle-orm";
import { accounts, levelChanges, levelWithdrawals, members, onBehalf, postings, ledgerTransactions, users } from "../../db/schema";
import { accounts as systemAccounts } from "../ledger/accounts";
import type { Principal } from "../auth/tokens";
import type { Db } from "../db/client";
import { commit, Write } from "../db/write";
import { forbidden, notFound } from "../errors";
import { newId } from "../ids";
import { assertSelfOrStaffOf, assertStaffOf, communityScope } from "./access";
import { assertSelfGuardianOrStaffOf, guardianQuery } from "./guardians";
import { expiryPolicy, nextExpiry } from "./expiry";
import { defaultBankTime, type BankTime } from "../bank-time";
import { decodeCursor, toPage, type PageQuery } from "./pagination";
import { usernameFree } from "./users";
import { bump, type WriteCtx } from "./writes";
import { ruleInForce, ruleVersionsQuery, serviceStarsFor, titleFor, toRules } from "./rules";
import type { MemberKind } from "../vocabulary";

export type MemberRow = typeof members.$inferSelect;

export interface NewMember {
  name: string;
  communityId: string;
  kind: MemberKind;
  phone?: string;
  publicOptOut?: boolean;
  login?: { username: string; password: string };
}

/** What PATCH /v1/members/:id may change; a field left out stays as it is, a null phone clears it. */
export interface MemberChange {
  publicOptOut?: boolean;
  name?: string;
  phone?: string | null;
}

export const memberJson = (m: MemberRow) => ({
  id: m.id,
  communityId: m.communityId,
  name: m.name,
  kind: m.kind,
  phone: m.phone,
  passbookNo: m.passbookNo,
  earnedTotal: m.earnedTotal,
  stars: m.stars,
  serviceMinutes: m.serviceMinutes,
  serviceStars: serviceStarsFor(m.serviceMinutes),
  publicOptOut: m.publicOptOut,
  createdAt: m.createdAt,
});

const NEXT_SEQ = "(SELECT IFNULL(MAX(passbook_seq), 0) + 1 FROM members)";

/** The bank's prefix of passbook numbers (CS-000123), which certificate numbers carry too: set here only. */
export const PASSBOOK_PREFIX = "CS";

/**
 * Opens a passbook: the member, their points account and (optionally) a login, in one write.
 * The passbook number is taken inside the write, so two at once never share one. With an
 * Idempotency-Key the reply is stored in the same write, its passbook number filled in by the
 * database, so a retried request answers the first passbook instead of opening a second.
 */
export async function createMember(
  db: Db,
  actor: Principal,
  input: NewMember,
  ctx: WriteCtx,
  hash: (password: string) => Promise<string>,
) {
  assertStaffOf(actor, input.communityId);
  const { at } = ctx;
  const id = newId();
  const accountId = newId();
  const write = new Write()
    .expect("not_found", "EXISTS (SELECT 1 FROM communities WHERE id = ?)", [input.communityId])
    .add({
      sql: `INSERT INTO members (id, community_id, name, kind, phone, passbook_seq, passbook_no, account_id, public_opt_out, created_at)
            VALUES (?, ?, ?, ?, ?, ${NEXT_SEQ}, '${PASSBOOK_PREFIX}-' || printf('%06d', ${NEXT_SEQ}), ?, ?, ?)`,
      args: [id, input.communityId, input.name, input.kind, input.phone ?? null, accountId, input.publicOptOut ? 1 : 0, at],
    })
    .add({
      sql: `INSERT INTO accounts (id, code, asset, kind, balance, non_negative)
            VALUES (?, 'member:' || (SELECT passbook_no FROM members WHERE id = ?), 'PTS', 'member_passbook', 0, 1)`,
      args: [accountId, id],
    })
    .onConstraint("users.username", "already_exists");
  bump(write, "passbooks");
  if (input.login) {
    usernameFree(write, input.login.username);
    write.add(
      db.orm.insert(users).values({
        id: newId(),
        username: input.login.username,
        passwordHash: await hash(input.login.password),
        role: "member",
        communityId: input.communityId,
        memberId: id,
        createdAt: at,
      }),
    );
  }
  const reply = (passbookSeq: number, passbookNo: string) =>
    memberJson({
      id,
      communityId: input.communityId,
      name: input.name,
      kind: input.kind,
      phone: input.phone ?? null,
      passbookSeq,
      passbookNo,
      accountId,
      earnedTotal: 0,
      stars: 0,
      serviceMinutes: 0,
      publicOptOut: input.publicOptOut ?? false,
      createdAt: at,
    });
  const record = ctx.idem;
  if (record) {
    write.storeReply(record, at, {
      sql: "json_set(?, '$.passbookNo', passbook_no) FROM members WHERE id = ?",
      args: [JSON.stringify(reply(0, "")), id],
    });
  }
  write.add({ sql: "SELECT passbook_seq, passbook_no FROM members WHERE id = ?", args: [id] });
  const results = await commit(db, write);
  const numbers = results[results.length - 1]!.rows[0]!;
  return reply(Number(numbers.passbook_seq), String(numbers.passbook_no));
}

async function getMemberRow(db: Db, id: string): Promise<MemberRow> {
  const [m] = await db.orm.select().from(members).where(eq(members.id, id));
  if (!m) throw notFound("Member");
  return m;
}

export async function getMember(db: Db, actor: Principal, id: string) {
  const m = await getMemberRow(db, id);
  assertSelfOrStaffOf(actor, m);
  return memberJson(m);
}

/**
 * Changes a member's details. The member may change only whether they are published
 * (publicOptOut, their own privacy choice); the name and phone are records kept by staff of
 * their community or the administrator. The community never changes, so the access check on
 * the read stands for the write; the guard catches a member that is gone by then.
 */
export async function updateMember(db: Db, actor: Principal, id: string, change: MemberChange) {
  const m = await getMemberRow(db, id);
  assertSelfOrStaffOf(actor, m);
  if (actor.role === "member" && (change.name !== undefined || change.phone !== undefined)) {
    throw forbidden("A member may change only publicOptOut; staff of the community change the name and phone");
  }
  const set = Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)) as MemberChange;
  const write = new Write().add(db.orm.update(members).set(set).where(eq(members.id, id))).expectChanged("not_found");
  await commit(db, write);
  return memberJson({ ...m, ...set });
}

/**
 * What a person at the counter types to find a member: part of the name, part of the phone, or
 * the passbook number (CS-000123, or just 123). Matched literally: % and _ are not wildcards.
 */
function memberSearch(q: string): SQL | undefined {
  const text = q.trim();
  if (!text) return undefined;
  const pattern = `%${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
  const contains = (column: typeof members.name | typeof members.phone) => sql`${column} LIKE ${pattern} ESCAPE '\\'`;
  const digits = /^(?:CS-?)?(\d{1,6})$/i.exec(text)?.[1];
  return or(
    contains(members.name),
    contains(members.phone),
    eq(members.passbookNo, digits ? `${PASSBOOK_PREFIX}-${digits.padStart(6, "0")}` : text.toUpperCase()),
  );
}

export async function listMembers(db: Db, actor: Principal, page: PageQuery & { communityId?: string; q?: string }) {
  const scope = communityScope(actor);
  const community = scope ?? page.communityId;
  const after = decodeCursor<string>(page.cursor, "string");
  const rows = await db.orm
    .select()
    .from(members)
    .where(and(community ? eq(members.communityId, community) : undefined, after ? gt(members.id, after) : undefined, page.q ? memberSearch(page.q) : undefined))
    .orderBy(asc(members.id))
    .limit(page.limit + 1);
  return toPage(rows, page.limit, (r) => r.id, memberJson);
}

/**
 * Balance, stars, title, level history and one page of entries: one read batch, one round-trip.
 * With `until` (the end of an `asOf` date), as the passbook stood then: postings replayed up to
 * that instant (a later reversal is dated when it was posted, so it is not in an earlier day),
 * the earned total as what the issuer paid out to it by then, and the levels held then.
 */
export async function getPassbook(
  db: Db,
  actor: Principal,
  memberId: string,
  page: PageQuery,
  at: string,
  until?: string,
  time: BankTime = defaultBankTime,
) {
  const before = decodeCursor<number>(page.cursor, "number");
  const [memberRows, entryRows, levelRows, rules, withdrawalRows, guardianRows] = await db.orm.batch([
    db.orm
      .select({
        member: members,
        balance: until
          ? sql<number>`(SELECT IFNULL(SUM(p.amount), 0) FROM postings p JOIN ledger_transactions t ON t.id = p.transaction_id
                         WHERE p.account_id = ${members.accountId} AND t.at < ${until})`
          : accounts.balance,
        earnedAsOf: sql<number>`(SELECT -IFNULL(SUM(i.amount), 0) FROM postings p
                                   JOIN postings i ON i.transaction_id = p.transaction_id AND i.account_id = ${systemAccounts.pointsIssuer}
                                   JOIN ledger_transactions t ON t.id = p.transaction_id
                                 WHERE p.account_id = ${members.accountId} AND t.at < ${until ?? at})`,
      })
      .from(members)
      .innerJoin(accounts, eq(accounts.id, members.accountId))
      .where(eq(members.id, memberId)),
    db.orm
      .select({
        id: postings.id,
        transactionId: postings.transactionId,
        seq: ledgerTransactions.seq,
        // With the passbook number, the salt opens this posting's member commitment in the public leaf.
        salt: sql<string>`${postings.salt}`,
        amount: postings.amount,
        balanceAfter: postings.balanceAfter,
        at: ledgerTransactions.at,
        kind: ledgerTransactions.kind,
        memo: ledgerTransactions.memo,
        onBehalfByUserId: onBehalf.byUserId,
        onBehalfByGuardian: onBehalf.byGuardianMemberId,
        toWishPool: sql<number>`(SELECT IFNULL(SUM(w.amount), 0) FROM postings w
                                 WHERE w.transaction_id = ${postings.transactionId} AND w.account_id = ${systemAccounts.wishPool} AND w.amount > 0)`,
      })
      .from(postings)
      .innerJoin(ledgerTransactions, eq(ledgerTransactions.id, postings.transactionId))
      .leftJoin(onBehalf, eq(onBehalf.transactionId, postings.transactionId))
      .where(
        and(
          eq(postings.accountId, db.orm.select({ id: members.accountId }).from(members).where(eq(members.id, memberId))),
          before !== undefined ? lt(postings.id, before) : undefined,
          until ? lt(ledgerTransactions.at, until) : undefined,
        ),
      )
      .orderBy(desc(postings.id))
      .limit(page.limit + 1),
    db.orm.select().from(levelChanges).where(eq(levelChanges.memberId, memberId)).orderBy(asc(levelChanges.stars)),
    ruleVersionsQuery(db),
    db.orm.select().from(levelWithdrawals).where(eq(levelWithdrawals.memberId, memberId)).orderBy(asc(levelWithdrawals.id)),
    guardianQuery(db, memberId, actor),
  ]);
  const row = memberRows[0];
  if (!row) throw notFound("Member");
  assertSelfGuardianOrStaffOf(actor, row.member, guardianRows.length > 0);
  const versions = toRules(rules);
  const current = ruleInForce(versions, until ?? at);
  // Only the passbook as it is now says what expires next (a second read, when points expire at all).
  const policy = until ? null : expiryPolicy(versions, at, time);
  const expiring = policy ? await nextExpiry(db, row.member.accountId, policy, time) : null;
  // The levels held at `until`: reached by then, and not withdrawn by then.
  const held = until
    ? [
        ...levelRows.filter((l) => l.at < until).map((l) => ({ stars: l.stars, at: l.at, transactionId: l.transactionId })),
        ...withdrawalRows.filter((w) => w.reachedAt < until && w.at >= until).map((w) => ({ stars: w.stars, at: w.reachedAt, transactionId: w.reachedTransactionId ?? w.transactionId })),
      ].sort((a, b) => a.stars - b.stars)
    : levelRows.map((l) => ({ stars: l.stars, at: l.at, transactionId: l.transactionId }));
  const withdrawals = until ? withdrawalRows.filter((w) => w.at < until) : withdrawalRows;
  const stars = until ? held.reduce((m, l) => Math.max(m, l.stars), 0) : row.member.stars;
  const earnedTotal = until ? Number(row.earnedAsOf) : row.member.earnedTotal;
  const entries = toPage(entryRows, page.limit, (e) => e.id, ({ id: _id, onBehalfByUserId, onBehalfByGuardian, toWishPool, ...e }) => ({
    ...e,
    // Pooled points this entry's transaction sent to the wish pool: a gift to it, or a credit above the cap.
    toWishPool: Number(toWishPool),
    onBehalfOf: onBehalfByUserId ? { memberId, byUserId: onBehalfByUserId, byGuardianMemberId: onBehalfByGuardian } : null,
  }));
  return {
    member: memberJson(row.member),
    asOf: until ?? null,
    balance: Number(row.balance),
    earnedTotal,
    stars,
    title: titleFor(stars, current),
    expiring,
    levels: held,
    levelWithdrawals: withdrawals.map((w) => ({
      stars: w.stars,
      reachedAt: w.reachedAt,
      at: w.at,
      transactionId: w.transactionId,
      reason: w.reason,
    })),
    entries: entries.items,
    nextCursor: entries.nextCursor,
  };
}

