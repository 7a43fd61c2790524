import journal from "../db/migrations/meta/_journal.json";
import type { Db } from "./db/client";

// What an operator (or a load balancer) asks before trusting the service: can it reach the
// database, is the database at the schema this code was built for, and can it write there.
// Checked afresh on every call, so a database that becomes writable again is seen at once.

/** The newest migration this code ships, by drizzle's folder timestamp (what __drizzle_migrations stores). */
const EXPECTED_MIGRATION = Math.max(...journal.entries.map((e) => e.when));
const EXPECTED_COUNT = journal.entries.length;

export interface Health {
  ok: boolean;
  database: { reachable: boolean; migrationsCurrent: boolean; writable: boolean; migrationsApplied: number; migrationsExpected: number };
  problems: string[];
}

const READ_ONLY = /readonly|read-only|read only|SQLITE_READONLY|SQLITE_CANTOPEN|SQLITE_PERM|blocked/i;

/** True for the errors a database gives when it is there but refuses writes. */
export const isReadOnlyError = (err: unknown): boolean => {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++, e = (e as { cause?: unknown }).cause) {
    const { message, code } = e as { message?: string; code?: string };
    if (READ_ONLY.test(`${code ?? ""} ${message ?? ""}`)) return true;
  }
  return false;
};

export async function checkHealth(db: Db): Promise<Health> {
  const problems: string[] = [];
  let reachable = false;
  let applied = 0;
  let newest = 0;
  try {
    const res = await db.client.execute("SELECT COUNT(*) AS n, COALESCE(MAX(created_at), 0) AS newest FROM __drizzle_migrations");
    reachable = true;
    applied = Number(res.rows[0]!.n);
    newest = Number(res.rows[0]!.newest);
  } catch (err) {
    // A database that answers but has never been migrated has no migrations table.
    if (/no such table/i.test(String((err as Error).message))) reachable = true;
    else problems.push("database unreachable");
  }
  const migrationsCurrent = reachable && newest >= EXPECTED_MIGRATION;
  if (reachable && !migrationsCurrent) problems.push(`database schema is behind: ${applied} of ${EXPECTED_COUNT} migrations applied (run npm run db:migrate)`);
  let writable = false;
  if (reachable) {
    try {
      // A write transaction that changes nothing: refused by a read-only database all the same.
      await db.client.batch([{ sql: "UPDATE counters SET value = value WHERE 0", args: [] }], "write");
      writable = true;
    } catch (err) {
      problems.push(isReadOnlyError(err) ? "database is read-only: writes are refused" : "database refused a write");
    }
  }
  return {
    ok: problems.length === 0,
    database: { reachable, migrationsCurrent, writable, migrationsApplied: applied, migrationsExpected: EXPECTED_COUNT },
    problems,
  };
}
