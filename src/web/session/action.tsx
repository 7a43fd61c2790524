import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Principal } from "../../auth/tokens";
import { IdempotencyConflict } from "../../db/write";
import type { WriteCtx } from "../../domain/writes";
import { AppError } from "../../errors";
import { z } from "../../http/openapi";
import type { Dict } from "../../i18n";
import { nowIso, qs, type WebContext } from "../page";
import { checkCsrf } from "./csrf";
import { firstResult, formFields, formKey, formRecord } from "./forms";
import { Notice, type View } from "./shell";

// The one way a logged-in page's form post is handled, by the console and the passbook alike:
// CSRF token first, then the fields, then the domain call with the form's one-time key as its
// Idempotency-Key, and a refusal shown on the same page, in the page's language, with the fields
// as they were typed. Also the fields that keep what was typed.

/** The words an action needs to say why a form was refused. */
export interface RefusalWords {
  invalid: string;
  /** By domain error code, and `csrf` for a stale page. */
  refused: Record<string, string>;
}

/** Who sends a form from a logged-in page: the request, its language, the user and the CSRF token. */
export interface Desk<W extends RefusalWords> {
  c: WebContext;
  view: View;
  d: Dict;
  w: W;
  p: Principal;
  token: string;
}

/** What a refused form leaves on the page: the fields as typed, and why. */
export interface FormState {
  form?: string;
  values?: Record<string, string>;
  error?: string;
  done?: string;
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
  autocapitalize?: "characters";
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
        autocapitalize={props.autocapitalize}
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

/** The hidden fields every such form carries: the session's CSRF token and a one-time key. */
export const FormKeys = ({ s }: { s: { token: string } }) => (
  <>
    <input type="hidden" name="csrf" value={s.token} />
    <input type="hidden" name="key" value={formKey()} />
  </>
);

// ---- values typed by people ----

export const Optional = <T extends z.ZodTypeAny>(inner: T) => z.union([z.literal("").transform(() => undefined), inner]);
export const Key = z.string().uuid();
export const Csrf = z.string().min(1).max(100);
/** The two hidden fields, for a form's schema. */
export const Keys = { csrf: Csrf, key: Key };

/** A refusal the page words itself (not a domain error code). */
export class Refusal extends Error {}

export const writeCtxOf = (c: WebContext): WriteCtx => ({ at: nowIso(c), time: c.get("time") });

// ---- form posts ----

export interface Action<S extends Desk<RefusalWords>, T extends z.ZodTypeAny> {
  /** Which form on the page this is (its fields' ids, where its refusal is shown). */
  form: string | ((c: WebContext) => string);
  schema: T;
  /** Names the action in its idempotency record; with the one-time key, a repeat does it once. */
  what: (f: z.infer<T>) => string;
  /** Does it; answers where to go next (the page, with its notice). */
  run: (s: S, f: z.infer<T>, ctx: WriteCtx) => Promise<string>;
  /** Where a repeat of a form already done goes. */
  back: string;
  /** The visible labels of the fields, for saying which are wrong. */
  labels: (w: S["w"]) => Record<string, string>;
  /** The page the form is on, drawn again with the refusal. */
  page: (s: S, state: FormState, status: ContentfulStatusCode) => Promise<Response>;
}

/** Form actions for the desk that `enter` opens (or the login or wrong-role page it answers instead). */
export const actionsFor =
  <S extends Desk<RefusalWords>>(enter: (c: WebContext) => Promise<S | Response>) =>
  <T extends z.ZodTypeAny>(a: Action<S, T>) =>
  async (c: WebContext) => {
    const s = await enter(c);
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
