import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";

// `npm start` for real: the Node entry on a fresh database file, as a new user runs it.

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

type Summary = { passbooks: number; wishesCollected: number; fund: { balanceFen: number } };

const running: ChildProcess[] = [];
afterEach(() => running.splice(0).forEach((p) => p.kill("SIGTERM")));

async function start(dir: string, env: Record<string, string> = {}) {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", "src/node.ts"], {
    env: { ...process.env, PORT: String(port), DATABASE_URL: `file:${join(dir, "lsb.db")}`, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.push(child);
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start within 60 s:\n${output}`)), 60_000);
    child.stdout!.on("data", () => output.includes("listening") && (clearTimeout(timer), resolve()));
    child.on("exit", (code) => (clearTimeout(timer), reject(new Error(`exited ${code}:\n${output}`))));
  });
  return { url: `http://127.0.0.1:${port}`, output: () => output, stop: () => child.kill("SIGTERM") };
}

describe("npm start", () => {
  it("migrates an empty database, creates the administrator once, loads the demo bank and serves it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lsb-start-"));
    const first = await start(dir);
    const password = /password "([^"]+)" \(shown once\)/.exec(first.output())?.[1];
    expect(password).toBeTruthy();
    expect(first.output()).toMatch(/Demo data loaded/);
    const summary = (await (await fetch(`${first.url}/v1/public/summary`)).json()) as Summary;
    expect(summary.passbooks).toBeGreaterThan(0);
    expect(summary.wishesCollected).toBeGreaterThan(0);
    expect(summary.fund.balanceFen).toBeGreaterThan(0);
    const login = (username: string, pw: string) =>
      fetch(`${first.url}/v1/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username, password: pw }),
      });
    expect((await login("admin", password!)).status).toBe(200);
    expect((await login("member1", "demo-member-pass")).status).toBe(200);
    expect((await fetch(`${first.url}/`)).status).toBe(200);
    first.stop();
    await new Promise((r) => setTimeout(r, 300));

    // A second start on the same file creates nothing again.
    const second = await start(dir);
    expect(second.output()).not.toMatch(/Administrator created|Demo data loaded/);
    const again = (await (await fetch(`${second.url}/v1/public/summary`)).json()) as Summary;
    expect(again.passbooks).toBe(summary.passbooks);
  });

  it("DEMO_DATA=0 starts an empty bank", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lsb-start-"));
    const s = await start(dir, { DEMO_DATA: "0", ADMIN_PASSWORD: "a-long-admin-password" });
    expect(s.output()).not.toMatch(/shown once|Demo data loaded/);
    const summary = (await (await fetch(`${s.url}/v1/public/summary`)).json()) as Summary;
    expect(summary.passbooks).toBe(0);
  });
});
