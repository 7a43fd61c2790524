import type { ContentfulStatusCode } from "hono/utils/http-status";
import { approveActivity, createActivity, getActivity, listActivities, openCheckin, recordAttendance } from "../../domain/activities";
import { listCommunities } from "../../domain/communities";
import { listMembers } from "../../domain/members";
import { listServiceRecords } from "../../domain/service-records";
import { z } from "../../http/openapi";
import { formatCount, label } from "../../i18n";
import { deps, LangParam, pageQuery, qs, type WebContext } from "../page";
import { QrCode } from "../qr";
import { readTogether } from "../together";
import { action, Csrf, FormError, FormKeys, Input, Key, Refusal, Select, staffOf, staffPage, type FormState, type Staff } from "./frame";

// Volunteer activities (outings): create one, enter the whole roster's attendance on one screen
// (POST /v1/activities/:id/attendance's recordAttendance: every entry or none, in one write),
// approve it at once (approveActivity), and open a sign-in code shown with its QR code, which
// leads a member's phone to the passbook page's sign-in form.

const Done = z.string().max(20).optional();
const ROSTER_LIMIT = 100;

async function activitiesPage(s: Staff, state: FormState, status?: ContentfulStatusCode) {
  const { c, w, d } = s;
  const q = pageQuery(c, z.strictObject({ cursor: z.string().max(200).optional(), lang: LangParam, done: Done }));
  const [list, communities] = await readTogether(deps(c).db, (db) =>
    Promise.all([listActivities(db, s.p, { limit: 20, cursor: q.cursor }), s.p.role === "admin" ? listCommunities(db, { limit: 100 }) : null]),
  );
  return staffPage(
    s,
    "/staff/activities",
    w.nav.activities,
    { ...state, done: state.done ?? (q.done ? w.done[q.done] : undefined) },
    <>
      {list.items.length === 0 ? <p>{w.noActivities}</p> : null}
      <ul class="cards">
        {list.items.map((a) => (
          <li class="card">
            <a href={`/staff/activities/${a.id}`}>{a.title}</a> · {a.date} · {a.place}
          </li>
        ))}
      </ul>
      {list.nextCursor ? (
        <p>
          <a rel="next" href={`/staff/activities${qs({ cursor: list.nextCursor })}`}>
            {d.next}
          </a>
        </p>
      ) : null}
      <h2 id="new-activity">{w.newActivity}</h2>
      <FormError state={state} form="activity" />
      <form method="post" action="/staff/activities" aria-labelledby="new-activity">
        <FormKeys s={s} />
        {communities ? <Select form="activity" name="communityId" label={d.col.community} state={state} options={communities.items.map((x) => [x.id, x.name])} /> : null}
        <Input form="activity" name="title" label={w.activityTitle} state={state} required maxlength={100} />
        <Input form="activity" name="date" label={w.date} state={state} type="date" required value={c.get("time").today(deps(c).clock)} />
        <Input form="activity" name="place" label={w.place} state={state} required maxlength={200} />
        <button type="submit">{w.createButton}</button>
      </form>
    </>,
    status,
  );
}

export const activitiesGet = async (c: WebContext) => {
  const s = await staffOf(c);
  return s instanceof Response ? s : activitiesPage(s, {});
};

export const activitiesPost = action({
  form: "activity",
  schema: z.strictObject({
    csrf: Csrf,
    key: Key,
    communityId: z.string().max(40).optional(),
    title: z.string().trim().min(1).max(100),
    date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    place: z.string().trim().min(1).max(200),
  }),
  back: "/staff/activities",
  labels: (w) => ({ title: w.activityTitle, date: w.date, place: w.place }),
  what: () => "activity",
  page: (s, state, status) => activitiesPage(s, state, status),
  async run(s, f, ctx) {
    const a = await createActivity(deps(s.c).db, s.p, { communityId: s.p.role === "admin" ? f.communityId : undefined, title: f.title, date: f.date, place: f.place }, ctx);
    return `/staff/activities/${a.id}${qs({ done: "activity" })}`;
  },
});

// ---- one activity: the roster ----

async function rosterPage(s: Staff, state: FormState, status?: ContentfulStatusCode) {
  const { c, w, d } = s;
  const q = pageQuery(c, z.strictObject({ lang: LangParam, done: Done, code: z.string().regex(/^[0-9A-Z]{4,12}$/).optional() }));
  const id = c.req.param("id")!;
  const db = deps(c).db;
  const [activity, records] = await readTogether(db, (r) =>
    Promise.all([getActivity(r, s.p, id), listServiceRecords(r, s.p, { limit: ROSTER_LIMIT, activityId: id })]),
  );
  // The roster is the activity's community; read after the activity is known (a second trip).
  const members = await listMembers(db, s.p, { limit: ROSTER_LIMIT, communityId: activity.communityId });
  const recorded = new Set(records.items.map((r) => r.memberId));
  const pending = records.items.filter((r) => r.status === "pending");
  const minutesUnit = s.view.lang === "zh" ? "分钟" : "min";
  return staffPage(
    s,
    `/staff/activities/${id}`,
    `${activity.title} · ${activity.date}`,
    { ...state, done: state.done ?? (q.done ? w.done[q.done] : undefined) },
    <>
      <p class="no-print">
        <a href="/staff/activities">{w.back}</a> · {activity.place}
      </p>
      <h2 id="recorded">{w.recorded}</h2>
      <FormError state={state} form="approve" />
      {records.items.length ? (
        <ul class="cards" aria-labelledby="recorded">
          {records.items.map((r) => (
            <li class="card" data-testid="record">
              {r.memberName}（{r.passbookNo}）· {formatCount(r.minutes)} {minutesUnit} · {label(s.view.d.serviceRecordStatus, r.status)}
              {r.pointsAwarded ? ` · +${formatCount(r.pointsAwarded)}` : ""}
            </li>
          ))}
        </ul>
      ) : null}
      {pending.length ? (
        <form method="post" action={`/staff/activities/${id}/approve`}>
          <FormKeys s={s} />
          <button type="submit">
            {w.approveAll}（{pending.length}）
          </button>
        </form>
      ) : null}
      <h2 id="checkin">{w.checkinCode}</h2>
      <FormError state={state} form="checkin" />
      {q.code ? (
        <div class="voucher-card card" data-testid="checkin-code">
          <p class="code-big">
            <code>{q.code}</code>
          </p>
          <QrCode text={`${new URL(c.req.url).origin}/passbook${qs({ activity: id, code: q.code })}`} label={w.checkinQr(q.code)} size="large" />
          <p class="help">{w.checkinHelp}</p>
        </div>
      ) : null}
      <form method="post" action={`/staff/activities/${id}/checkin-code`} class="no-print">
        <FormKeys s={s} />
        <button type="submit" class={q.code ? "secondary" : undefined}>
          {q.code ? w.newCheckinCode : w.openCheckin}
        </button>
      </form>
      <h2 id="roster">{w.roster}</h2>
      <p class="help">{w.rosterHelp}</p>
      <FormError state={state} form="roster" />
      <form method="post" action={`/staff/activities/${id}/attendance`} aria-labelledby="roster">
        <FormKeys s={s} />
        <Input form="roster" name="description" label={w.rosterDescription} state={state} required maxlength={500} value={activity.title} />
        <div class="table-wrap" role="region" aria-labelledby="roster-caption" tabindex={0}>
          <table class="roster">
            <caption id="roster-caption" class="vh">
              {w.roster}
            </caption>
            <thead>
              <tr>
                <th scope="col">{w.name}</th>
                <th scope="col">{d.passbookNo}</th>
                <th scope="col">{w.minutes}</th>
              </tr>
            </thead>
            <tbody>
              {members.items.map((m) => {
                const field = `m_${m.id}`;
                const typed = state.form === "roster" ? state.values?.[field] : undefined;
                return (
                  <tr>
                    <td>
                      <label for={`roster-${field}`}>{m.name}</label>
                    </td>
                    <td class="nowrap">{m.passbookNo}</td>
                    <td>
                      {recorded.has(m.id) ? (
                        "✓"
                      ) : (
                        <input id={`roster-${field}`} name={field} type="number" inputmode="numeric" min={1} max={1440} step="1" value={typed ?? ""} class="minutes" />
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
        <button type="submit">{w.saveRoster}</button>
      </form>
    </>,
    status,
  );
}

export const rosterGet = async (c: WebContext) => {
  const s = await staffOf(c);
  return s instanceof Response ? s : rosterPage(s, {});
};

const Minutes = z.union([z.literal(""), z.coerce.number().int().min(1).max(1440)]);
const RosterForm = z
  .object({ csrf: Csrf, key: Key, description: z.string().trim().min(1).max(500) })
  .catchall(Minutes)
  .refine((f) => Object.keys(f).every((k) => ["csrf", "key", "description"].includes(k) || /^m_[0-9A-Z]{26}$/.test(k)));

const activityId = (c: WebContext) => c.req.param("id")!;

export const attendancePost = action({
  form: "roster",
  schema: RosterForm,
  back: "/staff/activities",
  labels: (w) => ({ description: w.rosterDescription }),
  what: () => "attendance",
  page: (s, state, status) => rosterPage(s, state, status),
  async run(s, f, ctx) {
    const id = activityId(s.c);
    const entries = Object.entries(f)
      .filter(([k, v]) => k.startsWith("m_") && typeof v === "number")
      .map(([k, minutes]) => ({ memberId: k.slice(2), minutes: minutes as number }));
    if (entries.length === 0) throw new Refusal(s.w.rosterEmpty);
    await recordAttendance(deps(s.c).db, s.p, id, { entries, description: f.description }, ctx);
    return `/staff/activities/${id}${qs({ done: "attendance" })}`;
  },
});

export const approvePost = action({
  form: "approve",
  schema: z.strictObject({ csrf: Csrf, key: Key }),
  back: "/staff/activities",
  labels: () => ({}),
  what: () => "approve-activity",
  page: (s, state, status) => rosterPage(s, state, status),
  async run(s, _f, ctx) {
    const id = activityId(s.c);
    await approveActivity(deps(s.c).db, s.p, id, ctx);
    return `/staff/activities/${id}${qs({ done: "approved" })}`;
  },
});

export const checkinCodePost = action({
  form: "checkin",
  schema: z.strictObject({ csrf: Csrf, key: Key }),
  back: "/staff/activities",
  labels: () => ({}),
  what: () => "checkin-code",
  page: (s, state, status) => rosterPage(s, state, status),
  async run(s, _f, ctx) {
    const id = activityId(s.c);
    const opened = await openCheckin(deps(s.c).db, s.p, id, ctx);
    return `/staff/activities/${id}${qs({ done: "checkin", code: opened.code })}`;
  },
});
