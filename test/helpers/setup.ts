import { serve } from "@hono/node-server";
import type { Client } from "@libsql/client";
import { mkdtempSync } from "node:fs";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureAdmin, openLocalDatabase } from "../../src/db/local";
import { caller, type Call } from "../../src/http/caller";
import { createApp, type App } from "../../src/app";
import { nodeDocsAsset } from "../../src/docs-assets";
import { signToken, type Principal } from "../../src/auth/tokens";
import { ManualClock } from "../../src/clock";
import { countRoundTrips, createDb, type Db } from "../../src/db/client";
import { sealPending } from "../../src/ledger/chain";
import { folderReceiptStore } from "../../src/storage/folder";

export const TEST_JWT_SECRET = "test-secret-0123456789abcdef-0123456789";
export const FAST_ITERATIONS = 1_000;

export interface TestBank {
  app: App;
  db: Db;
  clock: ManualClock;
  call: Call;
  admin: string;
  /** Round-trips to the database since the last reset. */
  roundTrips: { count: () => number; reset: () => void };
  /** Runs the deferred work (hash sealing) queued by earlier requests, then seals anything left. */
  settle: () => Promise<void>;
  token: (p: Partial<Principal> & Pick<Principal, "role">) => Promise<string>;
  community: (name?: string) => Promise<{ id: string; name: string; code: string }>;
  staff: (communityId: string) => Promise<string>;
  member: (communityId: string, extra?: Record<string, unknown>) => Promise<{ id: string; passbookNo: string; token: string }>;
}

let counter = 0;
const unique = (prefix: string) => `${prefix}${process.pid}x${++counter}x${Math.random().toString(36).slice(2, 7)}`;

/** A fresh bank on its own temporary database file, migrated with the committed migrations. */
export async function makeBank(opts: { clockStart?: string; wrapClient?: (client: Client) => Client } = {}): Promise<TestBank> {
  const dir = mkdtempSync(join(tmpdir(), "lsb-test-"));
  const raw = await openLocalDatabase(`file:${join(dir, "test.db")}`);
  // wrapClient (fault injection) sits between the app and the database; settle()'s sealing bypasses it.
  const counted = countRoundTrips(opts.wrapClient ? opts.wrapClient(raw) : raw);
  const db = createDb(counted.client);
  const clock = new ManualClock(opts.clockStart);
  // Deferred work (hash sealing after each write) waits here until settle(), so a request's
  // round-trips are its own.
  const pending: (() => Promise<unknown>)[] = [];
  const app = createApp({
    db,
    clock,
    jwtSecret: TEST_JWT_SECRET,
    passwordIterations: FAST_ITERATIONS,
    defer: (work) => void pending.push(work),
    clientAddress: (c) => c.req.header("x-test-address") ?? "127.0.0.1",
    docsAsset: nodeDocsAsset,
    receipts: folderReceiptStore(join(dir, "receipts")),
  });
  await ensureAdmin(createDb(raw), "admin", "admin-password", FAST_ITERATIONS);
  const call = caller(app);
  const adminLogin = await call("POST", "/v1/auth/login", { body: { username: "admin", password: "admin-password" } });
  const admin = adminLogin.body.token as string;
  const settle = async () => {
    while (pending.length) await Promise.allSettled(pending.splice(0).map((work) => work()));
    await sealPending(createDb(raw));
  };
  // A token is checked against its login as it is now, so the login it names is made real (and
  // a merchant it names, which some tests invent).
  const token = async (p: Partial<Principal> & Pick<Principal, "role">) => {
    const full: Principal = { userId: unique("u"), username: unique("user"), communityId: null, memberId: null, merchantId: null, ...p };
    await raw.batch(
      [
        ...(full.merchantId ? [{ sql: "INSERT OR IGNORE INTO merchants (id, name, created_at) VALUES (?, ?, ?)", args: [full.merchantId, "测试商户", clock.now().toISOString()] }] : []),
        {
          sql: `INSERT OR IGNORE INTO users (id, username, password_hash, role, community_id, member_id, merchant_id, created_at)
                VALUES (?, ?, '', ?, ?, ?, ?, ?)`,
          args: [full.userId, full.username, full.role, full.communityId, full.memberId, full.merchantId, clock.now().toISOString()],
        },
      ],
      "write",
    );
    return signToken(full, TEST_JWT_SECRET, clock.now());
  };
  const bank: TestBank = {
    app,
    db,
    clock,
    call,
    admin,
    roundTrips: { count: counted.count, reset: counted.reset },
    settle,
    token,
    async community(name = "测试社区") {
      const res = await call("POST", "/v1/communities", { token: admin, body: { name, code: unique("c") } });
      if (res.status !== 201) throw new Error(JSON.stringify(res.body));
      return res.body;
    },
    async staff(communityId) {
      const username = unique("staff");
      const res = await call("POST", "/v1/users", {
        token: admin,
        body: { username, password: "staff-password", role: "staff", communityId },
      });
      if (res.status !== 201) throw new Error(JSON.stringify(res.body));
      return token({ userId: res.body.id, username, role: "staff", communityId });
    },
    async member(communityId, extra = {}) {
      const username = unique("m");
      const res = await call("POST", "/v1/members", {
        token: admin,
        body: { name: "测试会员", kind: "volunteer", communityId, login: { username, password: "member-password" }, ...extra },
      });
      if (res.status !== 201) throw new Error(JSON.stringify(res.body));
      const login = await call("POST", "/v1/auth/login", { body: { username, password: "member-password" } });
      return { id: res.body.id, passbookNo: res.body.passbookNo, token: login.body.token };
    },
  };
  return bank;
}

/** Serves a bank over real HTTP on a free port of 127.0.0.1 (for browser tests and CLI tests). */
export function serveBank(bank: TestBank): Promise<{ url: string; close: () => Promise<void> }> {
  return new Promise((resolve) => {
    const server = serve({ fetch: bank.app.fetch, port: 0, hostname: "127.0.0.1" }, (info) => {
      resolve({
        url: `http://127.0.0.1:${info.port}`,
        close: () =>
          new Promise<void>((done) => {
            (server as Server).closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
