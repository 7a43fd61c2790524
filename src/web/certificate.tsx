import { Hono } from "hono";
import { etag } from "hono/etag";
import type { BankTime } from "../bank-time";
import { verifyCertificate, verifyPath, type CertificateVerification } from "../domain/certificates";
import type { AppEnv } from "../http/env";
import { z } from "../http/openapi";
import { formatDate, formatHours, type Dict, type Lang } from "../i18n";
import { Stars } from "./components";
import { langOf, LangParam, pageQuery, sendPage, type WebContext } from "./page";
import { QrCode } from "./qr";

// 志愿服务记录证明 on paper and on screen: the printable A4 certificate staff hand out (room for
// the seal, a QR code of its public verification page) and that verification page, which shows
// exactly what the paper says and whether it still stands.

const zh = {
  paperTitle: "志愿服务记录证明",
  verifyTitle: "志愿服务记录证明核验",
  number: "证明编号",
  certify: (name: string, from: string, to: string, community: string) =>
    `兹证明 ${name} 于 ${from} 至 ${to} 期间在${community}参加志愿服务，服务记录如下：`,
  total: "累计服务时长",
  hours: (h: string) => `${h} 小时`,
  ofWhichBackfill: (h: string) => `其中补录 ${h} 小时（事后登记，非现场签到或当场登记）`,
  stars: "志愿服务星级（按累计时长）",
  col: { n: "序号", title: "服务项目", category: "类别", date: "日期", hours: "时长（小时）", method: "记录方式" },
  travel: "服务时长按实际服务时间计算，不含往返路程时间。",
  issuer: "出具单位",
  personInCharge: "负责人",
  handler: "经办人",
  contact: "联系方式",
  issuedOn: "出具日期",
  seal: "（盖章）",
  scan: "扫码核验真伪",
  status: { valid: "有效：与出具时的记录一致。", revoked: "已撤销：此证明已由发证单位撤销，不再有效。", changed: "记录已变更：出具后，证明所列的部分服务记录已被冲正，此证明不再有效。" },
  revokedOn: "撤销日期",
  changedLine: "出具后已冲正",
  json: "数据（JSON）",
  print: "打印本证明（A4）",
  notFound: "没有这个编号的证明。请核对证明上的编号。",
};

type Words = typeof zh;

const en: Words = {
  paperTitle: "Certificate of volunteer service",
  verifyTitle: "Verify a certificate of volunteer service",
  number: "Certificate no.",
  certify: (name, from, to, community) => `This certifies that ${name} served as a volunteer at ${community} from ${from} to ${to}, as recorded below:`,
  total: "Total service",
  hours: (h) => `${h} h`,
  ofWhichBackfill: (h) => `of which ${h} h back-filled (entered afterwards, not signed in or entered at the time)`,
  stars: "Volunteer star level (by total hours)",
  col: { n: "No.", title: "Service", category: "Category", date: "Date", hours: "Hours", method: "Recorded by" },
  travel: "Service time is the time actually served; travel is not counted.",
  issuer: "Issued by",
  personInCharge: "Person in charge",
  handler: "Handled by",
  contact: "Contact",
  issuedOn: "Date of issue",
  seal: "(seal)",
  scan: "Scan to verify",
  status: {
    valid: "Valid: it agrees with the records as issued.",
    revoked: "Revoked: the issuer withdrew this certificate; it is no longer valid.",
    changed: "Records changed: after issue, some service it lists was reversed; this certificate is no longer valid.",
  },
  revokedOn: "Revoked on",
  changedLine: "reversed after issue",
  json: "Data (JSON)",
  print: "Print this certificate (A4)",
  notFound: "There is no certificate with this number. Check the number on the paper.",
};

export const certificateWords: Record<Lang, Words> = { zh, en };

/** What the paper shows and its standing (the register's fields may come along; they are not shown). */
type Paper = Omit<CertificateVerification, "valid">;

export type CertificateState = "valid" | "revoked" | "changed";
export const stateOf = (c: Pick<CertificateVerification, "revoked" | "changedAfterIssue">): CertificateState =>
  c.revoked ? "revoked" : c.changedAfterIssue ? "changed" : "valid";

/** Where the certificate stands, in words; shown on screen, and on paper too when it no longer stands. */
export function CertificateStatus({ c, w, time }: { c: Paper; w: Words; time: BankTime }) {
  const state = stateOf(c);
  return (
    <p class={`cert-status ${state}`} role="status" data-testid="certificate-status" data-state={state}>
      {w.status[state]}
      {c.revokedAt ? ` ${w.revokedOn}：${formatDate(c.revokedAt, time)}` : null}
    </p>
  );
}

/** What the paper says: the same on the printed certificate and on the verification page. */
export function CertificateFacts({ c, w, d, time }: { c: Paper; w: Words; d: Dict; time: BankTime }) {
  return (
    <>
      <p class="cert-no">
        {w.number}：<span data-testid="certificate-number">{c.number}</span>
      </p>
      <p class="cert-text">{w.certify(c.memberName, c.from, c.to, c.issuer.community)}</p>
      <div class="table-wrap" role="region" aria-labelledby="cert-lines" tabindex={0}>
        <table>
          <caption id="cert-lines" class="vh">
            {w.paperTitle}
          </caption>
          <thead>
            <tr>
              <th scope="col" class="num">{w.col.n}</th>
              <th scope="col">{w.col.title}</th>
              <th scope="col">{w.col.category}</th>
              <th scope="col">{w.col.date}</th>
              <th scope="col" class="num">{w.col.hours}</th>
              <th scope="col">{w.col.method}</th>
            </tr>
          </thead>
          <tbody>
            {c.activities.map((a, i) => (
              <tr data-method={a.method}>
                <td class="num">{i + 1}</td>
                <td>
                  {a.title}
                  {a.changedAfterIssue ? <strong class="changed-line">（{w.changedLine}）</strong> : null}
                </td>
                <td>{a.category ?? ""}</td>
                <td class="nowrap">{a.date}</td>
                <td class="num">{formatHours(a.minutes)}</td>
                <td>{a.method === "backfill" ? <strong>{d.recordMethods[a.method]}</strong> : d.recordMethods[a.method]}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <dl class="cert-figures">
        <dt>{w.total}</dt>
        <dd data-testid="certificate-hours">
          {w.hours(formatHours(c.minutes))}
          {c.backfillMinutes > 0 ? <span class="backfill">{w.ofWhichBackfill(formatHours(c.backfillMinutes))}</span> : null}
        </dd>
        <dt>{w.stars}</dt>
        <dd>
          <Stars n={c.serviceStars} d={d} />
        </dd>
      </dl>
      <p class="help">{w.travel}</p>
      <dl class="cert-issuer">
        <dt>{w.issuer}</dt>
        <dd>{c.issuer.community}</dd>
        <dt>{w.personInCharge}</dt>
        <dd>{c.issuer.personInCharge ?? <span class="blank" />}</dd>
        <dt>{w.handler}</dt>
        <dd>{c.issuer.handler}</dd>
        <dt>{w.contact}</dt>
        <dd>{c.issuer.contact ?? <span class="blank" />}</dd>
        <dt>{w.issuedOn}</dt>
        <dd>{formatDate(c.issuedAt, time)}</dd>
      </dl>
    </>
  );
}

/** The A4 paper: the facts, the seal's place and the QR code of the verification page. */
export function CertificatePaper({ c, verifyUrl, w, d, time }: { c: Paper; verifyUrl: string; w: Words; d: Dict; time: BankTime }) {
  return (
    <article class="certificate" data-verify-url={verifyUrl} data-number={c.number} aria-labelledby="cert-title">
      <h2 id="cert-title">{w.paperTitle}</h2>
      {stateOf(c) !== "valid" ? <CertificateStatus c={c} w={w} time={time} /> : null}
      <CertificateFacts c={c} w={w} d={d} time={time} />
      <div class="cert-foot">
        <div class="seal" aria-label={w.seal}>
          {w.seal}
        </div>
        <div class="cert-qr">
          <QrCode text={verifyUrl} label={`${w.scan}：${verifyUrl}`} size="small" />
          <p>
            {w.scan}
            <br />
            <span class="url">{verifyUrl}</span>
          </p>
        </div>
      </div>
    </article>
  );
}

/** The public verification page: anyone with the paper (or its QR code) checks it. Never cached, so a revocation shows at once. */
export const certificatePages = new Hono<AppEnv>().get("/certificates/:number", etag(), async (c: WebContext) => {
  const view = langOf(c);
  pageQuery(c, z.strictObject({ lang: LangParam }));
  const w = certificateWords[view.lang];
  const number = c.req.param("number")!;
  const found = await verifyCertificate(c.get("deps").db, number).catch((err: unknown) => {
    if ((err as { code?: string }).code === "not_found") return null;
    throw err;
  });
  const time = c.get("time");
  const res = await sendPage(c, view, {
    access: "public",
    path: verifyPath(number),
    title: w.verifyTitle,
    status: found ? 200 : 404,
    body: found ? (
      <section class="cert-verify" aria-labelledby="cert-title" data-state={stateOf(found)}>
        <CertificateStatus c={found} w={w} time={time} />
        <h2 id="cert-title">{w.paperTitle}</h2>
        <CertificateFacts c={found} w={w} d={view.d} time={time} />
        <p class="no-print">
          <a href={`/v1/public/certificates/${encodeURIComponent(found.number)}`}>{w.json}</a>
        </p>
      </section>
    ) : (
      <p class="error" role="alert">
        {w.notFound}
      </p>
    ),
  });
  res.headers.set("Cache-Control", "no-cache");
  return res;
});
