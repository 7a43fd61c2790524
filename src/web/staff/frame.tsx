import type { Child } from "hono/jsx";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Principal } from "../../auth/tokens";
import type { WriteCtx } from "../../domain/writes";
import { IdempotencyConflict } from "../../db/write";
import { listMembers } from "../../domain/members";
import { AppError } from "../../errors";
import type { Db } from "../../db/client";
import { z } from "../../http/openapi";
import type { Dict } from "../../i18n";
import { deps, langOf, nowIso, qs, type WebContext } from "../page";
import { checkCsrf, csrfToken } from "../session/csrf";
import { firstResult, formFields, formKey, formRecord } from "../session/forms";
import { loginPage, Notice, privatePage, UserBar, wrongRolePage, type View } from "../session/shell";
import { staffWords, type StaffWords } from "./words";

// The frame of every console page (/staff): who may enter, the console's navigation, form
// fields that keep what was typed, and the one way a form post is handled: CSRF token first,
// then the fields, then the domain call with the form's one-time key as its Idempotency-Key, and
// a refusal shown on the same page, in the page's language, with the fields as they were typed.

export interface Staff {
  c: WebContext;
  view: View;
  d: Dict;
  w: StaffWords;
  p: Principal;
  token: string;
}

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

/** What a refused form leaves on the page: the fields as typed, and why. */
export interface FormState {
  form?: string;
  values?: Record<string, string>;
  error?: string;
  done?: string;
}

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

// ---- fields ----

const valueOf = (state: FormState, form: string, name: string) => (state.form === form ? state.values?.[name] : undefined);

export function FormError({ state, form }: { state: FormState; form: string }) {
  return state.form === form && state.error ? <Notice kind="error" text={state.error} /> : null;
}

/** A text field with its visible label; after a refusal it shows what was typed. */
export function Input(props: {
  form: string;
  name: string;
  label: string;
  state: FormState;
  type?: string;
  required?: boolean;
  help?: string;
  value?: string;
  maxlength?: number;
  min?: number;
  max?: number;
  step?: string;
  inputmode?: "numeric" | "decimal" | "tel" | "text";
  autocomplete?: string;
}) {
  const id = `${props.form}-${props.name}`;
  const value = valueOf(props.state, props.form, props.name) ?? props.value ?? "";
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      {props.help ? (
        <span class="help" id={`${id}-help`}>
          {props.help}
        </span>
      ) : null}
      <input
        id={id}
        name={props.name}
        type={props.type ?? "text"}
        value={value}
        required={props.required}
        maxlength={props.maxlength ?? 200}
        min={props.min}
        max={props.max}
        step={props.step}
        inputmode={props.inputmode}
        autocomplete={props.autocomplete ?? "off"}
        aria-describedby={props.help ? `${id}-help` : undefined}
      />
    </div>
  );
}

export function Select(props: { form: string; name: string; label: string; state: FormState; options: [string, string][]; value?: string; required?: boolean }) {
  const id = `${props.form}-${props.name}`;
  const chosen = valueOf(props.state, props.form, props.name) ?? props.value;
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <select id={id} name={props.name} required={props.required}>
        {props.options.map(([value, text]) => (
          <option value={value} selected={value === chosen}>
            {text}
          </option>
        ))}
      </select>
    </div>
  );
}

/** The hidden fields every console form carries: the session's CSRF token and a one-time key. */
export const FormKeys = ({ s }: { s: Staff }) => (
  <>
    <input type="hidden" name="csrf" value={s.token} />
    <input type="hidden" name="key" value={formKey()} />
  </>
);

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
export const Optional = <T extends z.ZodTypeAny>(inner: T) => z.union([z.literal("").transform(() => undefined), inner]);
export const Key = z.string().uuid();
export const Csrf = z.string().min(1).max(100);

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

/** A refusal the console words itself (not a domain error code). */
export class Refusal extends Error {}

export const writeCtxOf = (c: WebContext): WriteCtx => ({ at: nowIso(c), time: c.get("time") });

// ---- form posts ----

interface Action<T extends z.ZodTypeAny> {
  /** Which form on the page this is (its fields' ids, where its refusal is shown). */
  form: string | ((c: WebContext) => string);
  schema: T;
  /** Names the action in its idempotency record; with the one-time key, a repeat does it once. */
  what: (f: z.infer<T>) => string;
  /** Does it; answers where to go next (the page, with its notice). */
  run: (s: Staff, f: z.infer<T>, ctx: WriteCtx) => Promise<string>;
  /** Where a repeat of a form already done goes. */
  back: string;
  /** The visible labels of the fields, for saying which are wrong. */
  labels: (w: StaffWords) => Record<string, string>;
  /** The page the form is on, drawn again with the refusal. */
  page: (s: Staff, state: FormState, status: ContentfulStatusCode) => Promise<Response>;
}

export function action<T extends z.ZodTypeAny>(a: Action<T>) {
  return async (c: WebContext) => {
    const s = await staffOf(c);
    if (s instanceof Response) return s;
    const fields = await formFields(c);
    const values = Object.fromEntries(Object.entries(fields).filter(([k, v]) => typeof v === "string" && k !== "csrf" && k !== "key")) as Record<string, string>;
    const form = typeof a.form === "string" ? a.form : a.form(c);
    const refuse = (error: string, status: ContentfulStatusCode) => a.page(s, { form, values, error }, status);
    try {
      await checkCsrf(c, typeof fields.csrf === "string" ? fields.csrf : "");
    } catch {
      return refuse(s.w.refused.csrf!, 403);
    }
    const parsed = a.schema.safeParse(fields);
    if (!parsed.success) {
      const names = [...new Set(parsed.error.issues.map((i) => String(i.path[0] ?? "")))].filter(Boolean);
      const labels = a.labels(s.w);
      return refuse(`${s.w.invalid}${names.map((n) => labels[n] ?? n).join(s.view.lang === "zh" ? "、" : ", ")}`, 400);
    }
    const key = typeof fields.key === "string" && Key.safeParse(fields.key).success ? fields.key : crypto.randomUUID();
    const record = await formRecord(s.p, a.what(parsed.data), key, 200);
    try {
      return c.redirect(await a.run(s, parsed.data, { ...writeCtxOf(c), idem: record }), 303);
    } catch (err) {
      if (err instanceof Refusal) return refuse(err.message, 409);
      // The same form sent twice: the first did it; show where it led.
      const first = await firstResult<unknown>(c, record, err);
      if (first !== undefined || err instanceof IdempotencyConflict) return c.redirect(`${a.back}${qs({ done: "repeat" })}`, 303);
      if (err instanceof AppError && err.code !== "internal" && err.status < 500) {
        return refuse(s.w.refused[err.code] ?? (err.code === "validation_failed" ? `${s.w.invalid}${err.message}` : err.message), err.status as ContentfulStatusCode);
      }
      throw err;
    }
  };
}

export const staffDeps = deps;
