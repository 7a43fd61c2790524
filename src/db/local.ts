import { createClient, type Client } from "@libsql/client";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { hashPassword } from "../auth/password";
import type { Db } from "./client";
import { createUser } from "../domain/users";
import { isReadOnlyError } from "../health";
import { migrateDatabase } from "../../db/migrate";

/** Opens (and creates) a local database file in WAL mode, not yet migrated. */
export async function openLocalClient(url: string, authToken?: string): Promise<Client> {
  if (url.startsWith("file:")) {
    const path = url.slice("file:".length).replace(/\?.*$/, "");
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  }
  const client = createClient({ url, authToken });
  if (url.startsWith("file:")) {
    await client.execute("PRAGMA busy_timeout = 5000");
    // A read-only database cannot switch its journal; it is still served, read-only (see /healthz).
    await client.execute("PRAGMA journal_mode = WAL").catch(() => undefined);
  }
  return client;
}

/** Opens (and creates) a local database file in WAL mode, migrated to the committed schema. */
export async function openLocalDatabase(url: string, authToken?: string): Promise<Client> {
  const client = await openLocalClient(url, authToken);
  await migrateDatabase(client);
  return client;
}

/**
 * Brings a database the server was started on to a usable state: migrations, then `then` (the
 * administrator, demo data). A database that refuses writes is not fatal: the server serves
 * reads, says why in the log and on /healthz, and tries again every `retryMs` until it can
 * write, without a restart. `first` settles after the first attempt (true: ready), `ready` when
 * the database is ready.
 */
export function prepareDatabase(
  client: Client,
  then: () => Promise<void>,
  opts: { retryMs?: number; log?: (message: string) => void } = {},
): { first: Promise<boolean>; ready: Promise<void>; stop: () => void } {
  const log = opts.log ?? console.error;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  let warned = false;
  let settleFirst: (ok: boolean) => void = () => undefined;
  const first = new Promise<boolean>((resolve) => (settleFirst = resolve));
  const ready = new Promise<void>((resolve, reject) => {
    const attempt = async () => {
      try {
        await migrateDatabase(client);
        await then();
        if (warned) log("database is writable again: migrations applied, serving reads and writes");
        settleFirst(true);
        resolve();
      } catch (err) {
        settleFirst(false);
        if (!isReadOnlyError(err)) return reject(err);
        if (!warned) log(`database is read-only (${String((err as Error).message).split("\n")[0]}): serving reads only; /healthz reports it; retrying every ${Math.round((opts.retryMs ?? 30_000) / 1000)} s`);
        warned = true;
        if (!stopped) timer = setTimeout(attempt, opts.retryMs ?? 30_000);
        (timer as { unref?: () => void } | undefined)?.unref?.();
      }
    };
    void attempt();
  });
  return { first, ready, stop: () => ((stopped = true), clearTimeout(timer)) };
}

/** On an empty database, creates the administrator. Returns the generated password when one was made. */
export async function ensureAdmin(
  db: Db,
  username: string,
  password: string | undefined,
  iterations?: number,
): Promise<{ created: boolean; generatedPassword?: string }> {
  const existing = await db.client.execute("SELECT 1 FROM users WHERE role = 'admin' LIMIT 1");
  if (existing.rows.length) return { created: false };
  const generated = password ? undefined : crypto.randomUUID().replace(/-/g, "").slice(0, 16);
  const hash = await hashPassword(password ?? generated!, iterations);
  await createUser(db, null, { username, password: "", role: "admin" }, new Date().toISOString(), hash);
  return { created: true, generatedPassword: generated };
}
