import type { Client, InStatement } from "@libsql/client";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { Session } from "node:inspector/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { ensureAdmin, openLocalDatabase } from "../../src/db/local";
import { caller } from "../../src/http/caller";
import { createApp } from "../../src/app";
import { systemClock } from "../../src/clock";
import { createDb } from "../../src/db/client";
import { ROOT } from "../../test/worker/harness";
import { BENCH_SECRET, measure, newMember, pendingRecords, staffAndMember, type BenchBank } from "./fixtures";

// The app's own cost, in process: approvals through the whole app (HTTP handling, auth,
// validation, domain, the database) against exactly the SQL those approvals sent, replayed raw
// as one batch per approval on a copy of the same database file; a CPU profile of the approvals
// says where the rest goes. Then a token-authenticated read against a hello-world Hono route.

/** A client that remembers every statement the app sends, per approval. */
function recording(client: Client) {
  let current: InStatement[] | null = null;
  const proxy = new Proxy(client, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (prop === "execute") return (stmt: InStatement) => (current?.push(stmt), target.execute(stmt));
      if (prop === "batch") return (stmts: InStatement[], mode?: "write" | "read" | "deferred") => (current?.push(...stmts), target.batch(stmts, mode));
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return {
    client: proxy,
    start: () => void (current = []),
    stop: () => {
      const got = current ?? [];
      current = null;
      return got;
    },
  };
}

interface ProfileNode {
  id: number;
  callFrame: { url: string; functionName: string };
}

/** Self time per place: a package under node_modules, a file of ours, or the runtime itself. */
function selfTimeByPlace(profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }) {
  const place = new Map<number, string>();
  for (const n of profile.nodes) {
    const url = n.callFrame.url.replace(/^file:\/\//, "");
    let where: string;
    if (!url) where = n.callFrame.functionName === "(garbage collector)" ? "(garbage collector)" : "(V8 / Node internals)";
    else if (url.startsWith("node:")) where = "(Node core)";
    else if (url.includes("node_modules/")) {
      const rest = url.slice(url.lastIndexOf("node_modules/") + "node_modules/".length).split("/");
      where = rest[0]!.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]!;
    } else where = relative(ROOT, url);
    place.set(n.id, where);
  }
  const total = new Map<string, number>();
  let sum = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    const where = place.get(id) ?? "?";
    if (where === "(V8 / Node internals)" && profile.nodes.find((n) => n.id === id)?.callFrame.functionName === "(idle)") return;
    total.set(where, (total.get(where) ?? 0) + dt);
    sum += dt;
  });
  return [...total].sort((a, b) => b[1] - a[1]).map(([where, us]) => ({ where, share: us / sum }));
}

function listen(fetch: (req: Request) => Response | Promise<Response>): Promise<{ url: string; close: () => void }> {
  return new Promise((resolve) => {
    const server = serve({ fetch, port: 0, hostname: "127.0.0.1" }, (info: AddressInfo) =>
      resolve({ url: `http://127.0.0.1:${info.port}`, close: () => server.close() }),
    );
  });
}

export async function appCost(n: number) {
  const dir = mkdtempSync(join(tmpdir(), "lsb-bench-profile-"));
  const file = join(dir, "app.db");
  const raw = await openLocalDatabase(`file:${file}`);
  const rec = recording(raw);
  const db = createDb(rec.client);
  await ensureAdmin(db, "admin", "admin-password", 1000);
  // Sealing off: it runs after the response, on its own clock, and is measured in the distance run.
  const app = createApp({ db, clock: systemClock, jwtSecret: BENCH_SECRET, passwordIterations: 1000, defer: () => undefined });
  const call = caller(app);
  const admin = (await call("POST", "/v1/auth/login", { body: { username: "admin", password: "admin-password" } })).body.token;
  const bank = { call, admin } as unknown as BenchBank;
  const { community, staff } = await staffAndMember(bank, "p1");
  const member = await newMember(bank, community.id, staff);
  const warm = 50;
  const ids = await pendingRecords(bank, staff, member.id, n + warm + 20);
  const headers = { authorization: `Bearer ${staff}`, "content-type": "application/json" };
  const approve = async (id: string) => {
    const res = await app.request(`/v1/service-records/${id}/approve`, { method: "POST", headers, body: "{}" });
    if (res.status !== 200) throw new Error(`approve: ${res.status} ${await res.text()}`);
    await res.text();
  };

  // The copy holds the same pending records, so every recorded statement replays as it ran.
  await raw.execute("PRAGMA wal_checkpoint(TRUNCATE)");
  copyFileSync(file, join(dir, "replay.db"));

  const batches: InStatement[][] = [];
  const viaApp = await measure(
    n,
    async (i) => {
      const id = ids[i < 0 ? n - i - 1 : i]!;
      if (i >= 0) rec.start();
      await approve(id);
      if (i >= 0) batches.push(rec.stop());
    },
    warm,
  );
  const replayClient = await openLocalDatabase(`file:${join(dir, "replay.db")}`);
  const replayWarm = ids.slice(n, n + warm);
  // Warm the replay file's cache and statement paths with approvals of records the app did not touch.
  const warmApp = createApp({ db: createDb(replayClient), clock: systemClock, jwtSecret: BENCH_SECRET, defer: () => undefined });
  for (const id of replayWarm) await warmApp.request(`/v1/service-records/${id}/approve`, { method: "POST", headers, body: "{}" });
  const replay = await measure(n, (i) => (i < 0 ? Promise.resolve() : replayClient.batch(batches[i]!, "write")), 0);
  const statements = batches[0]!.length;

  // Where an approval's time goes, by self time in a CPU profile of the app path.
  const profileIds = ids.slice(n + warm, n + warm + 20);
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 100 });
  const more = await pendingRecords(bank, staff, member.id, Math.max(200, Math.floor(n / 4)));
  await session.post("Profiler.start");
  for (const id of [...profileIds, ...more]) await approve(id);
  const { profile } = await session.post("Profiler.stop");
  session.disconnect();
  const places = selfTimeByPlace(profile as unknown as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] });

  // A token-authenticated read (JWT verify, principal, JSON) against the least a Hono route can do.
  const hello = new Hono().get("/hello", (c) => c.json({ hello: "world" }));
  const meHeaders = { authorization: `Bearer ${staff}` };
  const meIn = await measure(n * 2, async () => void (await (await app.request("/v1/me", { headers: meHeaders })).text()), 200);
  const helloIn = await measure(n * 2, async () => void (await (await hello.request("/hello")).text()), 200);
  const appServer = await listen(app.fetch);
  const helloServer = await listen(hello.fetch);
  const meHttp = await measure(n, async () => void (await (await fetch(`${appServer.url}/v1/me`, { headers: meHeaders })).text()), 200);
  const helloHttp = await measure(n, async () => void (await (await fetch(`${helloServer.url}/hello`)).text()), 200);
  appServer.close();
  helloServer.close();

  raw.close();
  replayClient.close();
  rmSync(dir, { recursive: true, force: true });
  return { viaApp, replay, statements, places, meIn, helloIn, meHttp, helloHttp };
}
