import type { Client } from "@libsql/client";
import { drizzle, type LibSQLDatabase } from "drizzle-orm/libsql";
import * as schema from "../../db/schema";

export type Orm = LibSQLDatabase<typeof schema>;

/** The database as the app sees it: the raw libSQL client for batches, drizzle for typed reads. */
export interface Db {
  client: Client;
  orm: Orm;
  /** One object for every view of one database (a request's checked view too): what the isolate's caches are kept by. */
  readonly cacheKey: object;
}

/** `of`: the database this is a view of, whose caches it shares. */
export function createDb(client: Client, of?: Db): Db {
  const db: Db = { client, orm: drizzle(client, { schema }), cacheKey: of?.cacheKey ?? {} };
  return db;
}

/**
 * Wraps a client so every call that reaches the database is counted: one per execute,
 * batch, executeMultiple or migrate — the round-trips a remote (Turso) database would see —
 * and the time until each answered is added up (for the benchmark's breakdown).
 */
export function countRoundTrips(client: Client): { client: Client; count: () => number; elapsedMs: () => number; reset: () => void } {
  let n = 0;
  let elapsed = 0;
  const counted = new Set(["execute", "batch", "executeMultiple", "migrate", "transaction"]);
  const proxy = new Proxy(client, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value === "function") {
        return (...args: unknown[]) => {
          const result = (value as (...a: unknown[]) => unknown).apply(target, args);
          if (!counted.has(String(prop))) return result;
          n++;
          const start = performance.now();
          return (result as Promise<unknown>).finally(() => void (elapsed += performance.now() - start));
        };
      }
      return value;
    },
  });
  return { client: proxy, count: () => n, elapsedMs: () => elapsed, reset: () => void ((n = 0), (elapsed = 0)) };
}
