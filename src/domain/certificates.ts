import { and, asc, desc, eq, gte, isNull, lt, lte, sql } from "drizzle-orm";
import { activities, certificates, communities, members, serviceCategories, serviceRecords, users } from "../../db/schema";
import type { Principal } from "../auth/tokens";
import type { Db } from "../db/client";
import { commit, Write } from "../db/write";
import { AppError, notFound } from "../errors";
import { newCheckCode, newId } from "../ids";
import type { RecordMethod } from "../vocabulary";
import { assertRole, assertSelfOrStaffOf, assertStaffOf } from "./access";
import { PASSBOOK_PREFIX } from "./members";
import { decodeCursor, toPage, type PageQuery } from "./pagination";
import { serviceStarsFor } from "./rules";
import { FIRST_SERVICE_DATE } from "./service-records";
import { dayOf, type WriteCtx } from "./writes";

// 志愿服务记录证明 (民发〔2015〕149号, "谁记录谁证明"): staff of the member's community certify the
// member's approved, unreversed service in a period. What the paper says is fixed when it is
// issued and kept as `facts`; the records it stands on are kept too, so the public verification
// can say, without changing the paper, that one of them was reversed after issue.

export type CertificateRow = typeof certificates.$inferSelect;

/** One line of the paper: an outing (or a record entered without one) with its date and hours. */
export interface CertificateLine {
  title: string;
  date: string;
  minutes: number;
  category: string | null;
  /** How the hours were recorded: back-filled hours are printed as back-filled. */
  method: RecordMethod;
}

export interface CertificateIssuer {
  community: string;
  personInCharge: string | null;
  handler: string;
  contact: string | null;
}

/** Everything the paper shows, as it was when issued. */
export interface CertificateFacts {
  memberName: string;
  from: string;
  to: string;
  minutes: number;
  /** Of `minutes`, the hours staff back-filled rather than recorded at the time. */
  backfillMinutes: number;
  /** The national star level by all-time hours on the day of issue. */
  serviceStars: number;
  activities: CertificateLine[];
  issuer: CertificateIssuer;
}

export interface NewCertificate {
  from: string;
  to: string;
  personInCharge?: string;
  handler?: string;
  contact?: string;
}

/** The certificate's number: `<bank prefix>-ZM-<bank year>-<sequence of the year>-<check>`. */
const NUMBER_KIND = "ZM";
const CHECK_LENGTH = 4;

/** Where a person checks the paper: the public page its QR code carries. */
export const verifyPath = (number: string) => `/certificates/${encodeURIComponent(number)}`;

/**
 * The check code makes numbers unguessable: a sequence alone would let anyone walk every
 * certificate and read who served how long, while the verification is meant for whoever holds one paper.
 */
export const CERTIFICATE_NUMBER = new RegExp(`^[A-Z0-9]{1,10}-${NUMBER_KIND}-\\d{4}-\\d{5,}-[0-9A-HJKMNP-TV-Z]{${CHECK_LENGTH}}$`);

const changedRecords = (recordIds: unknown) =>
  sql<string>`(SELECT json_group_array(r.id) FROM service_records r
               WHERE r.id IN (SELECT value FROM json_each(${recordIds}))
                 AND (r.reversal_id IS NOT NULL OR r.status <> 'approved'))`;

/** Indices of the paper's lines whose record was reversed (or otherwise no longer approved) after issue. */
function changedLines(row: CertificateRow, changed: string | null): number[] {
  const ids = new Set<string>(changed ? (JSON.parse(changed) as string[]) : []);
  return row.recordIds.flatMap((id, i) => (ids.has(id) ? [i] : []));
}

function certificateJson(row: CertificateRow, changed: string | null, origin: string) {
  const facts = row.facts as CertificateFacts;
  const lines = changedLines(row, changed);
  return {
    id: row.id,
    number: row.number,
    memberId: row.memberId,
    communityId: row.communityId,
    memberName: facts.memberName,
    from: facts.from,
    to: facts.to,
    minutes: facts.minutes,
    backfillMinutes: facts.backfillMinutes,
    serviceStars: facts.serviceStars,
    activities: facts.activities.map((a, i) => ({ ...a, changedAfterIssue: lines.includes(i) })),
    issuer: facts.issuer,
    issuedAt: row.issuedAt,
    issuedBy: row.issuedBy,
    revoked: row.revokedAt !== null,
    revokedAt: row.revokedAt,
    revokedBy: row.revokedBy,
    revokeReason: row.revokeReason,
    changedAfterIssue: lines.length > 0,
    verifyUrl: `${origin}${verifyPath(row.number)}`,
  };
}

export type CertificateJson = ReturnType<typeof certificateJson>;

/**
 * Staff of the member's community (or an administrator) issue a certificate of the member's
 * approved, unreversed service with a service date from `from` to `to` (bank dates). One read
 * (the member, their community, the records with their outings and categories, the issuing
 * login), then one write that takes the year's next number inside it.
 */
export async function issueCertificate(db: Db, actor: Principal, memberId: string, input: NewCertificate, ctx: WriteCtx & { origin: string }) {
  assertRole(actor, "staff", "admin");
  const time = dayOf(ctx);
  const today = time.dateOf(ctx.at);
  if (input.from > input.to) throw new AppError("validation_failed", "The period ends before it starts", { field: "to" });
  if (input.to > today) throw new AppError("validation_failed", "The period cannot end in the future", { field: "to", max: today });
  if (input.from < FIRST_SERVICE_DATE) {
    throw new AppError("validation_failed", `The period starts on or after ${FIRST_SERVICE_DATE}`, { field: "from", min: FIRST_SERVICE_DATE });
  }
  const [found, records, issuer] = await db.orm.batch([
    db.orm
      .select({ member: members, community: communities.name })
      .from(members)
      .innerJoin(communities, eq(communities.id, members.communityId))
      .where(eq(members.id, memberId)),
    db.orm
      .select({ record: serviceRecords, activity: activities.title, category: serviceCategories.name })
      .from(serviceRecords)
      .leftJoin(activities, eq(activities.id, serviceRecords.activityId))
      .leftJoin(serviceCategories, eq(serviceCategories.id, serviceRecords.categoryId))
      .where(
        and(
          eq(serviceRecords.memberId, memberId),
          eq(serviceRecords.status, "approved"),
          isNull(serviceRecords.reversalId),
          gte(serviceRecords.date, input.from),
          lte(serviceRecords.date, input.to),
        ),
      )
      .orderBy(asc(serviceRecords.date), asc(serviceRecords.id)),
    db.orm.select({ username: users.username }).from(users).where(eq(users.id, actor.userId)),
  ]);
  const row = found[0];
  if (!row) throw notFound("Member");
  assertStaffOf(actor, row.member.communityId);
  if (!records.length) {
    throw new AppError("conflict", "The member has no approved service in this period: there is nothing to certify", { from: input.from, to: input.to });
  }
  const lines: CertificateLine[] = records.map((r) => ({
    title: r.activity ?? r.record.description,
    date: r.record.date,
    minutes: r.record.minutes,
    category: r.category,
    method: r.record.method,
  }));
  const minutes = lines.reduce((s, l) => s + l.minutes, 0);
  const facts: CertificateFacts = {
    memberName: row.member.name,
    from: input.from,
    to: input.to,
    minutes,
    backfillMinutes: lines.filter((l) => l.method === "backfill").reduce((s, l) => s + l.minutes, 0),
    serviceStars: serviceStarsFor(row.member.serviceMinutes),
    activities: lines,
    issuer: {
      community: row.community,
      personInCharge: input.personInCharge ?? null,
      handler: input.handler ?? issuer[0]?.username ?? actor.username,
      contact: input.contact ?? null,
    },
  };
  const id = newId();
  const year = time.dateOf(ctx.at).slice(0, 4);
  const stem = `${PASSBOOK_PREFIX}-${NUMBER_KIND}-${year}-`;
  const recordIds = records.map((r) => r.record.id);
  // The year's sequence is counted inside the write, so two certificates at once never share one.
  const write = new Write()
    .add({
      sql: `INSERT INTO certificates (id, number, member_id, community_id, from_date, to_date, minutes, facts, record_ids, issued_at, issued_by)
            VALUES (?, ? || printf('%05d', (SELECT COUNT(*) + 1 FROM certificates WHERE number LIKE ? || '%')) || '-' || ?,
                    ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      args: [
        id,
        stem,
        stem,
        newCheckCode(CHECK_LENGTH),
        memberId,
        row.member.communityId,
        input.from,
        input.to,
        minutes,
        JSON.stringify(facts),
        JSON.stringify(recordIds),
        ctx.at,
        actor.userId,
      ],
    })
    // The records are certified as they stand when the write commits: one reversed meanwhile stops the issue.
    .expect(
      "conflict",
      `(SELECT COUNT(*) FROM service_records WHERE id IN (SELECT value FROM json_each(?)) AND status = 'approved' AND reversal_id IS NULL) = ?`,
      [JSON.stringify(recordIds), recordIds.length],
      "A record of this period changed while the certificate was being issued: issue it again",
    );
  const issued: CertificateRow = {
    id,
    number: "",
    memberId,
    communityId: row.member.communityId,
    fromDate: input.from,
    toDate: input.to,
    minutes,
    facts,
    recordIds,
    issuedAt: ctx.at,
    issuedBy: actor.userId,
    revokedAt: null,
    revokedBy: null,
    revokeReason: null,
  };
  // With an Idempotency-Key (a console form sent twice) the reply is stored in this write, its number filled in by the database.
  if (ctx.idem) {
    write.storeReply(ctx.idem, ctx.at, {
      sql: "json_set(?, '$.number', number, '$.verifyUrl', ? || number) FROM certificates WHERE id = ?",
      args: [JSON.stringify(certificateJson(issued, null, ctx.origin)), `${ctx.origin}${verifyPath("")}`, id],
    });
  }
  const at = write.select({ sql: "SELECT number FROM certificates WHERE id = ?", args: [id] });
  const results = await commit(db, write);
  return certificateJson({ ...issued, number: String(results[at]!.rows[0]!.number) }, null, ctx.origin);
}

const withChanges = (db: Db) => db.orm.select({ certificate: certificates, changed: changedRecords(certificates.recordIds) }).from(certificates);

/** One certificate with its register entries (who issued it, any revocation): staff of its community, admin, the member. */
export async function getCertificate(db: Db, actor: Principal, id: string, origin: string) {
  const found = (await withChanges(db).where(eq(certificates.id, id)))[0];
  if (!found) throw notFound("Certificate");
  assertSelfOrStaffOf(actor, { id: found.certificate.memberId, communityId: found.certificate.communityId });
  return certificateJson(found.certificate, found.changed, origin);
}

/** The certificates issued for a member, newest first: the register of what was issued, by whom and when. */
export async function listCertificates(db: Db, actor: Principal, memberId: string, page: PageQuery, origin: string) {
  const before = decodeCursor<string>(page.cursor, "string");
  const [member, rows] = await db.orm.batch([
    db.orm.select({ id: members.id, communityId: members.communityId }).from(members).where(eq(members.id, memberId)),
    withChanges(db)
      .where(and(eq(certificates.memberId, memberId), before ? lt(certificates.id, before) : undefined))
      .orderBy(desc(certificates.id))
      .limit(page.limit + 1),
  ]);
  if (!member[0]) throw notFound("Member");
  assertSelfOrStaffOf(actor, member[0]);
  return toPage(rows, page.limit, (r) => r.certificate.id, (r) => certificateJson(r.certificate, r.changed, origin));
}

/**
 * What anyone holding the paper may check: exactly what it shows, and whether it still stands
 * (revoked, or a record it counted reversed after issue). Never who issued it by login, the
 * passbook, a phone or an ID number.
 */
export async function verifyCertificate(db: Db, number: string) {
  const found = CERTIFICATE_NUMBER.test(number) ? (await withChanges(db).where(eq(certificates.number, number)))[0] : undefined;
  if (!found) throw notFound("Certificate");
  const c = certificateJson(found.certificate, found.changed, "");
  return {
    number: c.number,
    valid: !c.revoked && !c.changedAfterIssue,
    revoked: c.revoked,
    revokedAt: c.revokedAt,
    changedAfterIssue: c.changedAfterIssue,
    memberName: c.memberName,
    minutes: c.minutes,
    backfillMinutes: c.backfillMinutes,
    serviceStars: c.serviceStars,
    from: c.from,
    to: c.to,
    activities: c.activities,
    issuer: c.issuer,
    issuedAt: c.issuedAt,
  };
}

export type CertificateVerification = Awaited<ReturnType<typeof verifyCertificate>>;

/** An administrator withdraws a certificate, with a reason; a revoked one stays revoked (409 certificate_revoked). */
export async function revokeCertificate(db: Db, actor: Principal, id: string, input: { reason: string }, ctx: WriteCtx & { origin: string }) {
  assertRole(actor, "admin");
  const found = (await withChanges(db).where(eq(certificates.id, id)))[0];
  if (!found) throw notFound("Certificate");
  if (found.certificate.revokedAt) throw new AppError("certificate_revoked", "This certificate was already revoked", { revokedAt: found.certificate.revokedAt });
  const write = new Write()
    .add({
      sql: "UPDATE certificates SET revoked_at = ?, revoked_by = ?, revoke_reason = ? WHERE id = ? AND revoked_at IS NULL",
      args: [ctx.at, actor.userId, input.reason, id],
    })
    .expectChanged("certificate_revoked");
  await commit(db, write);
  return certificateJson({ ...found.certificate, revokedAt: ctx.at, revokedBy: actor.userId, revokeReason: input.reason }, found.changed, ctx.origin);
}
