import { createClient, type Client } from "@libsql/client";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { hashPassword } from "../src/auth/password";
import { createDb, type Db } from "../src/db/client";
import { createUser } from "../src/domain/users";
import { migrateDatabase } from "./migrate";

/** Opens (and creates) a local database file in WAL mode, migrated to the committed schema. */
export async function openLocalDatabase(url: string, authToken?: string): Promise<Client> {
  if (url.startsWith("file:")) {
    const path = url.slice("file:".length).replace(/\?.*$/, "");
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  }
  const client = createClient({ url, authToken });
  if (url.startsWith("file:")) {
    await client.execute("PRAGMA journal_mode = WAL");
    await client.execute("PRAGMA busy_timeout = 5000");
  }
  await migrateDatabase(client);
  return client;
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

export const openDb = async (url: string, authToken?: string): Promise<Db> => createDb(await openLocalDatabase(url, authToken));
