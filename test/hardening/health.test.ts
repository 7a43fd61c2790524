import type { Client } from "@libsql/client";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openLocalClient, prepareDatabase } from "../../src/db/local";
import { makeBank } from "../helpers/setup";

// A database that refuses writes, as a read-only file (or a Turso database whose writes are
// blocked) answers: reads work, every write transaction fails with SQLITE_READONLY.
function readOnlySwitch() {
  const state = { readOnly: false, refused: 0 };
  const refuse = () => {
    state.refused++;
    return Promise.reject(Object.assign(new Error("SQLITE_READONLY: attempt to write a readonly database"), { code: "SQLITE_READONLY" }));
  };
  const wrap = (client: Client): Client =>
    new Proxy(client, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          if (state.readOnly) {
            if (prop === "batch" && args[1] !== "read") return refuse();
            if (prop === "migrate" || prop === "executeMultiple") return refuse();
            if (prop === "execute") {
              const sql = typeof args[0] === "string" ? args[0] : (args[0] as { sql: string }).sql;
              if (!/^\s*(SELECT|PRAGMA)/i.test(sql)) return refuse();
            }
          }
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  return { state, wrap };
}

describe("/healthz", () => {
  it("is 200 on a reachable, current, writable database", async () => {
    const bank = await makeBank();
    const res = await bank.call("GET", "/healthz");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: true, database: { reachable: true, migrationsCurrent: true, writable: true }, problems: [] });
    expect(res.body.database.migrationsApplied).toBe(res.body.database.migrationsExpected);
    expect(res.headers.get("cache-control")).toBe("no-store");
  });

  it("says the database is read-only (503) while it is, and is healthy again as soon as it is writable", async () => {
    const ro = readOnlySwitch();
    const bank = await makeBank({ wrapClient: ro.wrap });
    ro.state.readOnly = true;
    const down = await bank.call("GET", "/healthz");
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ ok: false, database: { reachable: true, migrationsCurrent: true, writable: false } });
    expect(down.body.problems).toEqual(["database is read-only: writes are refused"]);
    // reads still serve
    expect((await bank.call("GET", "/v1/public/summary")).status).toBe(200);
    ro.state.readOnly = false;
    expect((await bank.call("GET", "/healthz")).status).toBe(200);
    expect((await bank.call("POST", "/v1/communities", { token: bank.admin, body: { name: "恢复后", code: "after" } })).status).toBe(201);
  });

  it("says the schema is behind when a migration is missing", async () => {
    const bank = await makeBank();
    await bank.db.client.execute("DELETE FROM __drizzle_migrations WHERE created_at = (SELECT MAX(created_at) FROM __drizzle_migrations)");
    const res = await bank.call("GET", "/healthz");
    expect(res.status).toBe(503);
    expect(res.body.database).toMatchObject({ reachable: true, migrationsCurrent: false, writable: true });
    expect(res.body.problems[0]).toMatch(/schema is behind/);
  });
});

describe("starting on a database that cannot be written", () => {
  it("says so, keeps trying, and prepares the database once it can write, without a restart", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lsb-ro-"));
    const ro = readOnlySwitch();
    ro.state.readOnly = true;
    const client = ro.wrap(await openLocalClient(`file:${join(dir, "lsb.db")}`));
    const log: string[] = [];
    let prepared = 0;
    const start = prepareDatabase(client, async () => void prepared++, { retryMs: 5, log: (m) => log.push(m) });
    expect(await start.first).toBe(false);
    expect(log[0]).toMatch(/database is read-only .*serving reads only; \/healthz reports it/);
    while (ro.state.refused < 3) await new Promise((r) => setTimeout(r, 5));
    expect(prepared).toBe(0);
    ro.state.readOnly = false;
    await start.ready;
    expect(prepared).toBe(1);
    expect(log.at(-1)).toMatch(/writable again/);
    expect(log).toHaveLength(2);
    expect((await client.execute("SELECT COUNT(*) AS n FROM __drizzle_migrations")).rows[0]!.n).toBeGreaterThan(0);
  });
});
