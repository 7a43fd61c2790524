import type { ContentfulStatusCode } from "hono/utils/http-status";
import { listCommunities } from "../../domain/communities";
import { createMember, getPassbook, listMembers } from "../../domain/members";
import { staffWorklist, type Worklist } from "../../domain/worklist";
import { hashPassword } from "../../auth/password";
import { z } from "../../http/openapi";
import { DataTable } from "../components";
import { entriesTable, PassbookCover } from "../passbook";
import { listUsers } from "../../domain/users";
import { MemberLogin, PendingExpenses } from "./decisions";
import { formatCount, formatDate, formatDateTime, formatYuan, label } from "../../i18n";
import { deps, LangParam, nowIso, pageQuery, qs, type WebContext } from "../page";
import { readTogether } from "../together";
import { action, Csrf, FormError, FormKeys, Input, Key, Optional, options, Select, staffOf, staffPage, type FormState, type Staff } from "./frame";
import { memberKinds } from "../../vocabulary";
import { listCertificates } from "../../domain/certificates";
import { MemberCertificates } from "./certificates";

// The console's first pages: the worklist (what to do next) and the members: find one by name,
// phone or passbook number, open a passbook (with a login), read and print it.

const Done = z.string().max(20).optional();

const tz = (c: WebContext) => c.get("time");

// ---- worklist ----

export const worklistPage = async (c: WebContext) => {
  const s = await staffOf(c);
  return s instanceof Response ? s : worklist(s, {});
};

export async function worklist(s: Staff, state: FormState, status?: ContentfulStatusCode) {
  const { c } = s;
  const q = pageQuery(c, z.strictObject({ lang: LangParam, done: Done }));
  const list = await staffWorklist(deps(c).db, s.p, nowIso(c));
  const { w } = s;
  const time = tz(c);
  const at = (iso: string | null) => (iso ? formatDateTime(iso, time) : "");
  const section = <K extends keyof Worklist>(key: K, href: string, row: (item: Worklist[K]["items"][number]) => string) => {
    const part = list[key];
    return (
      <section aria-labelledby={`wl-${key}`} class="worklist">
        <h2 id={`wl-${key}`}>
          {w.worklist[key]} <span class="count">{formatCount(part.count)}</span>
        </h2>
        {part.count === 0 ? (
          <p>{w.worklist.none}</p>
        ) : (
          <>
            <ul>
              {part.items.map((item) => (
                <li>
                  <a href={href}>{row(item as Worklist[K]["items"][number])}</a>
                </li>
              ))}
            </ul>
            {part.count > part.items.length ? <p class="help">{w.worklist.more(part.count)}</p> : null}
          </>
        )}
      </section>
    );
  };
  return staffPage(
    s,
    "/staff",
    w.title,
    { ...state, done: state.done ?? (q.done ? w.done[q.done] : undefined) },
    <div class="cols">
      {section("wishesToConfirm", "/staff/wishes?status=fulfilled", (i) => `${i.title} · ${i.claimedByName ?? ""} · ${at(i.fulfilledAt)}`)}
      {section("claimsDue", "/staff/wishes?status=claimed", (i) => `${i.title} · ${i.claimedByName ?? ""} · ${at(i.claimDeadline)}`)}
      {section("openWishesOverdue", "/staff/wishes?status=open", (i) => `${i.title} · ${at(i.deadline)}`)}
      {section("pendingServiceRecords", "/staff/activities", (i) => `${i.memberName}（${i.passbookNo}）· ${i.date} · ${formatCount(i.minutes)} ${s.view.lang === "zh" ? "分钟" : "min"} · ${i.description}`)}
      <PendingExpenses s={s} part={list.pendingExpenses} state={state} />
      {section("vouchersExpiring", "/staff/counter", (i) => `${i.voucherTypeName} · ${i.memberName}（${i.passbookNo}）· ${at(i.expiresAt)}`)}
      {section("lowVoucherStock", "/staff/counter", (i) => `${i.name}（${i.merchantName}）· ${formatCount(i.stock)}`)}
    </div>,
    status,
  );
}

// ---- members ----

const MembersQuery = z.strictObject({ q: z.string().trim().max(50).optional(), cursor: z.string().max(200).optional(), lang: LangParam, done: Done });
const PAGE = 20;

async function membersPage(s: Staff, state: FormState, status?: ContentfulStatusCode) {
  const { c, w, d } = s;
  const q = pageQuery(c, MembersQuery);
  const [found, communities] = await readTogether(deps(c).db, (db) =>
    Promise.all([listMembers(db, s.p, { limit: PAGE, cursor: q.cursor, q: q.q || undefined }), s.p.role === "admin" ? listCommunities(db, { limit: 100 }) : null]),
  );
  const done = state.done ?? (q.done === "opened" ? w.done.registered : q.done ? w.done[q.done] : undefined);
  return staffPage(
    s,
    "/staff/members",
    w.nav.members,
    { ...state, done },
    <>
      <form method="get" action="/staff/members" role="search">
        <Input form="search" name="q" label={w.searchLabel} help={w.searchHelp} state={{}} value={q.q ?? ""} maxlength={50} />
        <button type="submit">{w.searchButton}</button>
      </form>
      {found.items.length === 0 ? (
        <p>{w.noMembers}</p>
      ) : (
        <div class="table-wrap" role="region" aria-labelledby="members-caption" tabindex={0}>
          <table>
            <caption id="members-caption" class="vh">
              {w.nav.members}
            </caption>
            <thead>
              <tr>
                <th scope="col">{w.name}</th>
                <th scope="col">{d.passbookNo}</th>
                <th scope="col">{w.kind}</th>
                <th scope="col">{w.phone.replace(/（.*）| \(.*\)/, "")}</th>
                <th scope="col" class="num">{d.earnedLabel}</th>
              </tr>
            </thead>
            <tbody>
              {found.items.map((m) => (
                <tr>
                  <td>
                    <a href={`/staff/members/${m.id}`}>{m.name}</a>
                  </td>
                  <td class="nowrap">{m.passbookNo}</td>
                  <td>{w.memberKinds[m.kind]}</td>
                  <td class="nowrap">{m.phone ?? ""}</td>
                  <td class="num">{formatCount(m.earnedTotal)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {found.nextCursor ? (
        <p>
          <a rel="next" href={`/staff/members${qs({ q: q.q, cursor: found.nextCursor })}`}>
            {d.next}
          </a>
        </p>
      ) : null}
      <h2 id="open-title">{w.openPassbook}</h2>
      <FormError state={state} form="open" />
      <form method="post" action="/staff/members" aria-labelledby="open-title">
        <FormKeys s={s} />
        {communities ? <Select form="open" name="communityId" label={d.col.community} state={state} options={communities.items.map((x) => [x.id, x.name])} /> : null}
        <Input form="open" name="name" label={w.name} state={state} required maxlength={50} />
        <Select form="open" name="kind" label={w.kind} state={state} options={options(w.memberKinds)} value="volunteer" />
        <Input form="open" name="phone" label={w.phone} state={state} type="tel" inputmode="tel" maxlength={20} />
        <Input form="open" name="username" label={w.loginUsername} help={w.loginHelp} state={state} maxlength={64} />
        <Input form="open" name="password" label={w.loginPassword} state={state} type="password" maxlength={200} autocomplete="new-password" />
        <button type="submit">{w.openButton}</button>
      </form>
    </>,
    status,
  );
}

export const membersGet = async (c: WebContext) => {
  const s = await staffOf(c);
  return s instanceof Response ? s : membersPage(s, {});
};

const OpenForm = z
  .strictObject({
    csrf: Csrf,
    key: Key,
    communityId: z.string().max(40).optional(),
    name: z.string().trim().min(1).max(50),
    kind: z.enum(memberKinds),
    phone: Optional(z.string().trim().regex(/^\+?[0-9 -]{5,20}$/)),
    username: Optional(z.string().trim().regex(/^[A-Za-z0-9_.-]{3,64}$/)),
    password: Optional(z.string().min(8).max(200)),
  })
  .refine((f) => (f.username === undefined) === (f.password === undefined), { path: ["password"] });

export const membersPost = action({
  form: "open",
  schema: OpenForm,
  back: "/staff/members",
  labels: (w) => ({ name: w.name, kind: w.kind, phone: w.phone, username: w.loginUsername, password: w.loginPassword, communityId: "社区" }),
  what: () => "open-passbook",
  page: (s, state, status) => membersPage(s, state, status),
  async run(s, f, ctx) {
    const { db, passwordIterations } = deps(s.c);
    const m = await createMember(
      db,
      s.p,
      {
        name: f.name,
        communityId: s.p.role === "staff" ? s.p.communityId! : (f.communityId ?? ""),
        kind: f.kind,
        phone: f.phone,
        login: f.username && f.password ? { username: f.username, password: f.password } : undefined,
      },
      ctx,
      (pw) => hashPassword(pw, passwordIterations),
    );
    return `/staff/members/${m.id}${qs({ done: "opened" })}`;
  },
});

export const memberPage = async (c: WebContext) => {
  const s = await staffOf(c);
  return s instanceof Response ? s : member(s, {});
};

export async function member(s: Staff, state: FormState, status?: ContentfulStatusCode) {
  const { c, w, d } = s;
  const q = pageQuery(c, z.strictObject({ cursor: z.string().max(200).optional(), lang: LangParam, done: Done }));
  const id = c.req.param("id")!;
  const [book, logins, certificates] = await readTogether(deps(c).db, (db) =>
    Promise.all([
      getPassbook(db, s.p, id, { limit: PAGE, cursor: q.cursor }, nowIso(c), undefined, tz(c)),
      listUsers(db, s.p, { limit: 1, memberId: id }),
      listCertificates(db, s.p, id, { limit: 20 }, new URL(c.req.url).origin),
    ]),
  );
  const m = book.member;
  return staffPage(
    s,
    `/staff/members/${m.id}`,
    m.name,
    { ...state, done: state.done ?? (q.done === "opened" ? w.opened(m.passbookNo) : q.done ? w.done[q.done] : undefined) },
    <>
      <p class="no-print">
        <a href="/staff/members">{w.back}</a>
      </p>
      <PassbookCover d={d} name={m.name} passbookNo={m.passbookNo} book={book}>
        <dt>{w.kind}</dt>
        <dd>{w.memberKinds[m.kind]}</dd>
      </PassbookCover>
      <MemberLogin s={s} memberId={m.id} user={logins.items[0]} state={state} />
      <DataTable def={entriesTable(tz(c))} rows={book.entries} d={d} csvHref={`/v1/members/${m.id}/passbook.csv`} next={book.nextCursor} nextHref={`/staff/members/${m.id}${qs({ cursor: book.nextCursor })}`} />
      <MemberCertificates s={s} memberId={m.id} items={certificates.items} state={state} today={tz(c).dateOf(nowIso(c))} />
    </>,
    status,
  );
}
