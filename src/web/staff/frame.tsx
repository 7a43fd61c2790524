import type { Child } from "hono/jsx";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { listMembers } from "../../domain/members";
import type { Db } from "../../db/client";
import { z } from "../../http/openapi";
import { deps, langOf, type WebContext } from "../page";
import { actionsFor, Optional, Refusal, type Desk, type FormState } from "../session/action";
import { csrfToken } from "../session/csrf";
import { Notice, loginPage, privatePage, UserBar, wrongRolePage } from "../session/shell";
import { staffWords, type StaffWords } from "./words";

export { Csrf, FormError, FormKeys, Input, Key, Keys, Optional, Refusal, Select, writeCtxOf, type FormState } from "../session/action";

// The frame of every console page (/staff): who may enter, the console's navigation, and its
// form actions (session/action: CSRF, the one-time key, a refusal that keeps what was typed).

export type Staff = Desk<StaffWords>;

/** The console's user, or the page to answer instead (login, or 403 for a member or merchant). */
export async function staffOf(c: WebContext): Promise<Staff | Response> {
  const view = langOf(c);
  const p = c.get("principal");
  if (!p) return loginPage(c, view, "staff");
  if (p.role !== "staff" && p.role !== "admin") return wrongRolePage(c, view, p, "staff");
  return { c, view, d: view.d, w: staffWords[view.lang], p, token: await csrfToken(c) };
}

const NAV = [
  ["/staff", "home"],
  ["/staff/members", "members"],
  ["/staff/wishes", "wishes"],
  ["/staff/activities", "activities"],
  ["/staff/money", "money"],
  ["/staff/counter", "counter"],
] as const;

export function staffPage(s: Staff, path: string, title: string, state: FormState, body: Child, status?: ContentfulStatusCode) {
  const section = NAV.filter(([href]) => path === href || path.startsWith(`${href}/`)).pop()?.[0];
  return privatePage(
    s.c,
    s.view,
    path,
    title,
    <>
      <UserBar d={s.d} p={s.p} token={s.token} />
      <nav class="console no-print" aria-label={s.w.navLabel}>
        <ul>
          {NAV.map(([href, key]) => (
            <li>
              <a href={href} aria-current={href === section ? "page" : undefined}>
                {s.w.nav[key]}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      {state.done ? <Notice kind="notice" text={state.done} /> : null}
      {/* A row's form (named <action>-<id>) may not be on the page any more: its refusal goes on top. */}
      {state.error && (!state.form || state.form.includes("-")) ? <Notice kind="error" text={state.error} /> : null}
      {body}
    </>,
    status,
  );
}

export const options = (map: Record<string, string>): [string, string][] => Object.entries(map);

// ---- values typed by people ----

/** Yuan as typed ("12", "12.5", "12.50") to integer fen, without floating point. */
export const Yuan = z
  .string()
  .trim()
  .regex(/^\d{1,9}(\.\d{1,2})?$/)
  .transform((t) => {
    const [whole, frac = ""] = t.split(".");
    return Number(whole) * 100 + Number(frac.padEnd(2, "0"));
  })
  .refine((fen) => fen > 0);

export const OptionalYuan = z.union([z.literal("").transform(() => undefined), Yuan]);

/**
 * A member named by passbook number or name, in the staff's community (the search scopes it).
 * One read; a name that fits several members is refused so the wrong passbook is never credited.
 */
export async function findMember(db: Db, s: Staff, ref: string): Promise<{ id: string; name: string }> {
  const found = await listMembers(db, s.p, { limit: 2, q: ref });
  const exact = found.items.filter((m) => m.passbookNo === ref.trim().toUpperCase() || m.name === ref.trim());
  const hits = exact.length ? exact : found.items;
  if (hits.length === 0) throw new Refusal(s.w.memberNotFound);
  if (hits.length > 1) throw new Refusal(s.w.memberAmbiguous);
  return hits[0]!;
}

/** A console form post: CSRF, fields, the domain call keyed once, a refusal on the same page. */
export const action = actionsFor(staffOf);

export const staffDeps = deps;
