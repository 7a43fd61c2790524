import type { InValue } from "@libsql/client";

// Values a write computes inside the database. A write that would otherwise read first (a record's
// minutes, a member's account, the rule in force) names those values as SQL expressions over the
// rows as they are when its batch runs, so the write is one round-trip and no stale read can enter
// it. Plain values are bound parameters; expressions are spliced in parentheses with their own.

export interface Sql {
  sql: string;
  args: InValue[];
}

/** A bound value or an expression the database evaluates. */
export type Val = Sql | string | number | null;

export const isSql = (v: unknown): v is Sql => typeof v === "object" && v !== null && "sql" in v && "args" in v;

/** The SQL for `v` and its arguments: "?" for a plain value, "(expression)" for an expression. */
export const bind = (v: Val): Sql => (isSql(v) ? { sql: `(${v.sql})`, args: v.args } : { sql: "?", args: [v] });

/** Tagged template: `sql\`SELECT minutes FROM service_records WHERE id = ${id}\`` binds `id`; a nested Sql is spliced. */
export function sql(strings: TemplateStringsArray, ...values: Val[]): Sql {
  let text = strings[0]!;
  const args: InValue[] = [];
  values.forEach((v, i) => {
    const b = bind(v);
    text += b.sql + strings[i + 1]!;
    args.push(...b.args);
  });
  return { sql: text, args };
}

/** Joins values as a comma-separated list, each bound or spliced. */
export function list(values: Val[]): Sql {
  const parts = values.map(bind);
  return { sql: parts.map((p) => p.sql).join(", "), args: parts.flatMap((p) => p.args) };
}

/**
 * A JSON object built by the database, for a reply it fills in: `fields` maps each key of the reply
 * to a value or an expression (over the FROM clause the caller adds).
 */
export function jsonObject(fields: Record<string, Val>): Sql {
  const parts = Object.entries(fields).map(([k, v]) => {
    const b = bind(v);
    return { sql: `'${k.replace(/'/g, "''")}', ${b.sql}`, args: b.args };
  });
  return { sql: `json_object(${parts.map((p) => p.sql).join(", ")})`, args: parts.flatMap((p) => p.args) };
}
