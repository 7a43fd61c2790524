import { createClient } from "@libsql/client/web";
import { createApp, type App } from "./app";
import { systemClock } from "./clock";
import { createDb } from "./db/client";
import { parseConfig, workerConfigSchema, type WorkerConfig } from "./env";
import { runScheduledJobs } from "./jobs";

// Cloudflare Worker entry: libSQL over HTTP (Turso), secrets from bindings. It never migrates:
// run `npm run db:migrate` against DATABASE_URL before deploying.

type Bindings = Record<string, unknown>;

let cached: { app: App; config: WorkerConfig; db: ReturnType<typeof createDb> } | undefined;

/** Configuration is read and validated once per isolate; a missing secret fails with a clear message. */
function instance(env: Bindings) {
  if (!cached) {
    const config = parseConfig(workerConfigSchema, env);
    const db = createDb(createClient({ url: config.DATABASE_URL, authToken: config.DATABASE_AUTH_TOKEN }));
    const app = createApp({ db, clock: systemClock, jwtSecret: config.JWT_SECRET, claimDays: config.CLAIM_DAYS, secureCookies: true });
    cached = { app, config, db };
  }
  return cached;
}

export default {
  fetch(request: Request, env: Bindings, ctx: ExecutionContext) {
    return instance(env).app.fetch(request, env, ctx);
  },
  async scheduled(_event: ScheduledController, env: Bindings, ctx: ExecutionContext) {
    const { db, config } = instance(env);
    ctx.waitUntil(runScheduledJobs({ db, clock: systemClock, claimDays: config.CLAIM_DAYS }));
  },
} satisfies ExportedHandler<Bindings>;
