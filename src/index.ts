import { createClient } from "@libsql/client/web";
import { createApp, type App } from "./app";
import { bankTime } from "./bank-time";
import { systemClock, type Clock } from "./clock";
import { createDb, type Db } from "./db/client";
import { edgeCacheLayer, type EdgeCacheLayer } from "./edge-cache";
import { parseConfig, workerConfigSchema, type WorkerConfig } from "./env";
import { newId } from "./ids";
import { runScheduledJobs } from "./jobs";
import { r2ReceiptStore } from "./storage/r2";

// Cloudflare Worker entry: libSQL over HTTP (Turso), secrets from bindings. It never migrates:
// run `npm run db:migrate` against DATABASE_URL before deploying.

type Bindings = Record<string, unknown>;

let cached: { app: App; config: WorkerConfig; db: Db; edge: EdgeCacheLayer } | undefined;

/** Configuration is read and validated once per isolate; a missing secret throws a message naming it. */
function instance(env: Bindings) {
  if (!cached) {
    const config = parseConfig(workerConfigSchema, env);
    const db = createDb(createClient({ url: config.DATABASE_URL, authToken: config.DATABASE_AUTH_TOKEN }));
    const app = createApp({
      db,
      clock: systemClock,
      jwtSecret: config.JWT_SECRET,
      claimDays: config.CLAIM_DAYS,
      bankTime: bankTime(config.BANK_TIME_ZONE),
      secureCookies: true,
      // Without the secret the bank works, but its checkpoint routes answer 500 and log why: a
      // key made per isolate would look to every verifier like a bank that changed its key.
      ledgerKey: config.LEDGER_SIGNING_KEY ?? "",
      // The R2 binding of wrangler.toml; a Worker deployed without it answers the receipt routes 500.
      ...(env.RECEIPTS ? { receipts: r2ReceiptStore(env.RECEIPTS as R2Bucket) } : {}),
    });
    cached = { app, config, db, edge: edgeCacheLayer((caches as unknown as { default: Cache }).default) };
  }
  return cached;
}

/** The operator reads which secret is missing in the Worker's log; callers get the API's plain 500. */
function misconfigured(request: Request, err: unknown): Response {
  const requestId = request.headers.get("cf-ray") ?? newId();
  console.error(`[${requestId}] ${err instanceof Error ? err.message : String(err)}`);
  const message = "The service is not configured; quote the request id when reporting it";
  return Response.json({ error: { code: "internal", message, details: null, requestId } }, { status: 500 });
}

export default {
  fetch(request: Request, env: Bindings, ctx: ExecutionContext) {
    let bank: NonNullable<typeof cached>;
    try {
      bank = instance(env);
    } catch (err) {
      return misconfigured(request, err);
    }
    return bank.edge.handle(request, async (req) => bank.app.fetch(req, env, ctx), (p) => ctx.waitUntil(p));
  },
  async scheduled(controller: ScheduledController, env: Bindings) {
    const { db, config, edge } = instance(env);
    // The jobs' "now" is the time the cron was due: one instant for the whole run, and a test
    // injects it through the trigger's scheduledTime.
    const due = new Date(controller.scheduledTime);
    const clock: Clock = { now: () => due };
    const done = await runScheduledJobs({ db, clock, claimDays: config.CLAIM_DAYS, bankTime: bankTime(config.BANK_TIME_ZONE) });
    console.log(`scheduled jobs at ${due.toISOString()}: ${JSON.stringify(done)}`);
    // Expired vouchers and released claims change the public pages too.
    if (done.vouchersExpired || done.claimsReleased) await edge.purge();
  },
} satisfies ExportedHandler<Bindings>;
