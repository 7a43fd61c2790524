import { createClient, type Client } from "@libsql/client";
import { drizzle } from "drizzle-orm/libsql";
import { migrate } from "drizzle-orm/libsql/migrator";
import { fileURLToPath } from "node:url";

export const MIGRATIONS_FOLDER = fileURLToPath(new URL("./migrations", import.meta.url));

/** Applies the committed drizzle-kit migrations. Run by `npm run db:migrate`, the Node server and tests; never by the Worker. */
export async function migrateDatabase(client: Client): Promise<void> {
  await migrate(drizzle(client), { migrationsFolder: MIGRATIONS_FOLDER });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const url = process.env.DATABASE_URL ?? "file:data/lsb.db";
  const client = createClient({ url, authToken: process.env.DATABASE_AUTH_TOKEN });
  await migrateDatabase(client);
  console.log(`migrated ${url.replace(/\?.*$/, "")}`);
  client.close();
}
