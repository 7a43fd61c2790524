import type { Client, InArgs, InStatement, ResultSet } from "@libsql/client";
import { createDb, type Db } from "../db/client";

interface Pending {
  statements: InStatement[];
  resolve: (results: ResultSet[]) => void;
  reject: (err: unknown) => void;
}

/**
 * Runs several domain reads as ONE database round-trip. A page is built from several domain
 * functions (a passbook, the vouchers held, the voucher types); each one reads with its own
 * execute or batch. Here every read started in the same tick is queued and sent as a single
 * read batch, and each caller gets back its own results, so the domain modules stay as they
 * are and the page still costs one round-trip. A read that depends on an earlier one honestly
 * costs a second trip.
 */
export async function readTogether<T>(db: Db, reads: (db: Db) => Promise<T>): Promise<T> {
  const queue: Pending[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    const jobs = queue.splice(0);
    db.client.batch(jobs.flatMap((j) => j.statements), "read").then(
      (results) => {
        let offset = 0;
        for (const job of jobs) {
          job.resolve(results.slice(offset, offset + job.statements.length));
          offset += job.statements.length;
        }
      },
      (err) => jobs.forEach((job) => job.reject(err)),
    );
  };
  const enqueue = (statements: InStatement[]) =>
    new Promise<ResultSet[]>((resolve, reject) => {
      queue.push({ statements, resolve, reject });
      if (!scheduled) {
        scheduled = true;
        // After every pending microtask, so reads started by await chains in the same tick join.
        setTimeout(flush, 0);
      }
    });
  const client = new Proxy(db.client, {
    get(target, prop, receiver) {
      if (prop === "execute") {
        return (stmt: InStatement | string, args?: InArgs) =>
          enqueue([typeof stmt === "string" ? { sql: stmt, args: args ?? [] } : stmt]).then((r) => r[0]!);
      }
      if (prop === "batch") return (statements: InStatement[]) => enqueue(statements);
      return Reflect.get(target, prop, receiver);
    },
  }) as Client;
  return reads(createDb(client));
}
