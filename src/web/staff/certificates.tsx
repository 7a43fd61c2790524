import type { ContentfulStatusCode } from "hono/utils/http-status";
import { getCertificate, issueCertificate, revokeCertificate, type CertificateJson } from "../../domain/certificates";
import { AppError } from "../../errors";
import { z } from "../../http/openapi";
import { formatDate, formatHours } from "../../i18n";
import { CertificatePaper, certificateWords, stateOf } from "../certificate";
import { deps, LangParam, pageQuery, qs, type WebContext } from "../page";
import { action, Csrf, FormError, FormKeys, Input, Key, Optional, Refusal, staffOf, staffPage, type FormState, type Staff } from "./frame";
import { member } from "./office";
import { staffWords, type StaffWords } from "./words";

// Certificates in the console: issued from a member's page (a period, the person in charge and
// the office's contact as they are to be printed), printed on A4 from their own page, revoked
// there by an administrator.

const origin = (c: WebContext) => new URL(c.req.url).origin;

const words = {
  zh: {
    section: "志愿服务记录证明",
    issue: "出具证明",
    from: "服务起始日期",
    to: "服务截止日期",
    personInCharge: "负责人（选填，留空则手写）",
    contact: "单位联系电话（选填）",
    issueButton: "出具并打印",
    none: "还没有出具过证明。",
    nothing: "这段时间没有审核通过的志愿服务记录，无法出具证明。",
    issued: "证明已出具，请打印后加盖公章。",
    revoke: "撤销证明",
    reason: "撤销原因",
    revokeButton: "撤销",
    revoked: "证明已撤销。",
    alreadyRevoked: "这份证明已经撤销过了。",
    back: "返回会员",
    hours: "小时",
  },
  en: {
    section: "Certificates of volunteer service",
    issue: "Issue a certificate",
    from: "Service from",
    to: "Service to",
    personInCharge: "Person in charge (optional; blank to sign by hand)",
    contact: "Office telephone (optional)",
    issueButton: "Issue and print",
    none: "No certificate issued yet.",
    nothing: "There is no approved service in this period: nothing to certify.",
    issued: "Issued: print it and put the seal on it.",
    revoke: "Revoke the certificate",
    reason: "Reason",
    revokeButton: "Revoke",
    revoked: "The certificate was revoked.",
    alreadyRevoked: "This certificate was already revoked.",
    back: "Back to the member",
    hours: "h",
  },
};

const wordsOf = (s: Staff) => words[s.view.lang];
const langOfWords = (w: StaffWords) => (w === staffWords.en ? "en" : "zh");

/** The part of a member's console page that lists their certificates and issues a new one. */
export function MemberCertificates({ s, memberId, items, state, today }: { s: Staff; memberId: string; items: CertificateJson[]; state: FormState; today: string }) {
  const cw = wordsOf(s);
  const yearStart = `${today.slice(0, 4)}-01-01`;
  return (
    <section aria-labelledby="certificates" class="no-print">
      <h2 id="certificates">{cw.section}</h2>
      {items.length === 0 ? (
        <p>{cw.none}</p>
      ) : (
        <ul>
          {items.map((c) => (
            <li>
              <a href={`/staff/certificates/${c.id}`}>{c.number}</a> · {c.from}—{c.to} · {formatHours(c.minutes)} {cw.hours}
              {stateOf(c) !== "valid" ? ` · ${certificateWords[s.view.lang].status[stateOf(c)].split(/[：:]/)[0]}` : ""}
            </li>
          ))}
        </ul>
      )}
      <form method="post" action={`/staff/members/${memberId}/certificates`} aria-labelledby="issue-title">
        <h3 id="issue-title">{cw.issue}</h3>
        <FormError state={state} form="certificate" />
        <FormKeys s={s} />
        <div class="actions">
          <Input form="certificate" name="from" label={cw.from} type="date" required state={state} value={yearStart} />
          <Input form="certificate" name="to" label={cw.to} type="date" required state={state} value={today} />
        </div>
        <Input form="certificate" name="personInCharge" label={cw.personInCharge} state={state} maxlength={50} />
        <Input form="certificate" name="contact" label={cw.contact} state={state} maxlength={50} inputmode="tel" />
        <button type="submit">{cw.issueButton}</button>
      </form>
    </section>
  );
}

const Date10 = z.iso.date();

const IssueForm = z.strictObject({
  csrf: Csrf,
  key: Key,
  from: Date10,
  to: Date10,
  personInCharge: Optional(z.string().trim().min(1).max(50)),
  contact: Optional(z.string().trim().min(1).max(50)),
});

export const issuePost = action({
  form: "certificate",
  schema: IssueForm,
  back: "/staff/members",
  labels: (w) => {
    const cw = words[langOfWords(w)];
    return { from: cw.from, to: cw.to, personInCharge: cw.personInCharge, contact: cw.contact };
  },
  what: (f) => `certificate:${f.from}:${f.to}`,
  page: (s, state, status) => member(s, state, status),
  async run(s, f, ctx) {
    try {
      const issued = await issueCertificate(deps(s.c).db, s.p, s.c.req.param("id")!, f, { ...ctx, origin: origin(s.c) });
      return `/staff/certificates/${issued.id}${qs({ done: "issued" })}`;
    } catch (err) {
      if (err instanceof AppError && err.code === "conflict") throw new Refusal(wordsOf(s).nothing);
      throw err;
    }
  },
});

async function certificatePage(s: Staff, state: FormState, status?: ContentfulStatusCode) {
  const { c, d } = s;
  const q = pageQuery(c, z.strictObject({ lang: LangParam, done: z.enum(["issued", "revoked", "repeat"]).optional() }));
  const cw = wordsOf(s);
  const cert = await getCertificate(deps(c).db, s.p, c.req.param("id")!, origin(c));
  const w = certificateWords[s.view.lang];
  const time = c.get("time");
  const done = state.done ?? (q.done === "issued" ? cw.issued : q.done === "revoked" ? cw.revoked : undefined);
  return staffPage(
    s,
    `/staff/certificates/${cert.id}`,
    `${w.paperTitle} ${cert.number}`,
    { ...state, done },
    <>
      <p class="no-print">
        <a href={`/staff/members/${cert.memberId}`}>{cw.back}</a>
      </p>
      <CertificatePaper c={cert} verifyUrl={cert.verifyUrl} w={w} d={d} time={time} />
      {s.p.role === "admin" && !cert.revoked ? (
        <form method="post" action={`/staff/certificates/${cert.id}/revoke`} aria-labelledby="revoke-title" class="no-print">
          <h2 id="revoke-title">{cw.revoke}</h2>
          <FormError state={state} form="revoke" />
          <FormKeys s={s} />
          <Input form="revoke" name="reason" label={cw.reason} required state={state} maxlength={500} />
          <button type="submit" class="secondary">
            {cw.revokeButton}
          </button>
        </form>
      ) : null}
      {cert.revoked && cert.revokeReason ? (
        <p class="no-print">
          {cw.reason}：{cert.revokeReason}（{formatDate(cert.revokedAt, time)}）
        </p>
      ) : null}
    </>,
    status,
  );
}

export const certificateGet = async (c: WebContext) => {
  const s = await staffOf(c);
  return s instanceof Response ? s : certificatePage(s, {});
};

export const revokePost = action({
  form: "revoke",
  schema: z.strictObject({ csrf: Csrf, key: Key, reason: z.string().trim().min(1).max(500) }),
  back: "/staff/members",
  labels: (w) => ({ reason: words[langOfWords(w)].reason }),
  what: () => "certificate-revoke",
  page: (s, state, status) => certificatePage(s, state, status),
  async run(s, f, ctx) {
    const id = s.c.req.param("id")!;
    try {
      await revokeCertificate(deps(s.c).db, s.p, id, { reason: f.reason }, { ...ctx, origin: origin(s.c) });
    } catch (err) {
      if (err instanceof AppError && err.code === "certificate_revoked") throw new Refusal(wordsOf(s).alreadyRevoked);
      throw err;
    }
    return `/staff/certificates/${id}${qs({ done: "revoked" })}`;
  },
});
