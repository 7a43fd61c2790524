// Measures what a login costs inside workerd, for docs/DEPLOY.md's choice of Workers plan:
//   npx tsx scripts/worker-cpu.ts
// 1. PBKDF2-SHA256 at 100,000 iterations alone, timed inside workerd by a probe Worker.
// 2. The built Worker against a local sqld: a login (password check + one read + token) against
//    the public summary (one read), over loopback, so the difference is mostly the login's CPU.
import { createClient } from "@libsql/client";
import { Miniflare } from "miniflare";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { unstable_readConfig } from "wrangler";
import { ensureAdmin } from "../src/db/local";
import { migrateDatabase } from "../db/migrate";
import { createDb } from "../src/db/client";
import { buildWorker, ROOT, startSqld, tempDir } from "../test/worker/harness";

const ROUNDS = 30;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const probe = `export default { async fetch() {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode("a password"), "PBKDF2", false, ["deriveBits"]);
  const t = performance.now();
  await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt: new Uint8Array(16), iterations: 100000 }, key, 256);
  return new Response(String(performance.now() - t));
} }`;

const { compatibility_date: compatibilityDate, compatibility_flags: compatibilityFlags } = unstable_readConfig({ config: join(ROOT, "wrangler.toml") });
const outdir = tempDir("lsb-worker-cpu-");
const [sqld, built] = await Promise.all([startSqld(), buildWorker(outdir)]);
const client = createClient({ url: sqld.httpUrl });
await migrateDatabase(client);
await ensureAdmin(createDb(client), "admin", "measure-password");
const mf = new Miniflare({
  workers: [
    { name: "probe", modules: true, script: probe, compatibilityDate, compatibilityFlags },
    {
      name: "bank",
      modules: true,
      scriptPath: built.scriptPath,
      modulesRoot: built.dir,
      compatibilityDate,
      compatibilityFlags,
      bindings: { DATABASE_URL: sqld.httpUrl, JWT_SECRET: "measure-secret-0123456789abcdefghijklmn" },
    },
  ],
});
try {
  const probeWorker = await mf.getWorker("probe");
  const bank = await mf.getWorker("bank");
  const timed = async (f: () => Promise<Response>) => {
    const t = performance.now();
    const res = await f();
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return performance.now() - t;
  };
  const login = () =>
    bank.fetch("http://bank.test/v1/auth/login", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "admin", password: "measure-password" }),
    }) as unknown as Promise<Response>;
  const summary = () => bank.fetch("http://bank.test/v1/public/summary") as unknown as Promise<Response>;

  await login();
  await summary();
  const pbkdf2: number[] = [];
  const logins: number[] = [];
  const reads: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    pbkdf2.push(Number(await (await probeWorker.fetch("http://probe.test/")).text()));
    logins.push(await timed(login));
    reads.push(await timed(summary));
  }
  console.log(`workerd, median of ${ROUNDS}:`);
  console.log(`  PBKDF2-SHA256 100,000 iterations inside workerd: ${median(pbkdf2).toFixed(1)} ms`);
  console.log(`  POST /v1/auth/login (built Worker, sqld on loopback): ${median(logins).toFixed(1)} ms wall`);
  console.log(`  GET /v1/public/summary (same path, one read):         ${median(reads).toFixed(1)} ms wall`);
  console.log(`  login minus summary ≈ login CPU beyond one read:      ${(median(logins) - median(reads)).toFixed(1)} ms`);
} finally {
  await mf.dispose();
  client.close();
  await sqld.stop();
  rmSync(outdir, { recursive: true, force: true });
}
