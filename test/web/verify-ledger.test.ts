import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { main, verifyPublishedLedger } from "../../scripts/verify-ledger";
import { VERIFIER_SCRIPT } from "../../src/web/verifier";
import { makeBank, serveBank } from "../helpers/setup";
import { grantPoints } from "../helpers/spending";
import { webScene, type WebScene } from "../helpers/web";

// The two verifiers of the published ledger: the CLI (npm run verify-ledger -- <base-url>) over
// real HTTP, and the ledger page's script run here with a stand-in for the page around it.
// Both must pass the real chain and name the first broken link of a tampered one.

let scene: WebScene;
let server: { url: string; close: () => Promise<void> };

beforeAll(async () => {
  scene = await webScene();
  server = await serveBank(scene.bank);
});

afterAll(() => server?.close());

const published = async () => (await scene.bank.call("GET", "/v1/public/ledger?limit=1000")).body.items as { seq: number; id: string; hash: string }[];

/** A fetch that serves the real ledger with one posting of transaction `seq` changed. */
const tampering = (seq: number): typeof fetch => async (input, init) => {
  const res = await fetch(input, init);
  if (!String(input).includes("/v1/public/ledger?")) return res;
  const page = (await res.json()) as { items: { seq: number; postings: { amount: number }[] }[] };
  for (const t of page.items) if (t.seq === seq) t.postings[0]!.amount += 1;
  return new Response(JSON.stringify(page), { status: 200, headers: { "content-type": "application/json" } });
};

describe("the verify-ledger CLI", () => {
  it("downloads the ledger page by page and verifies the whole chain", async () => {
    const txs = await published();
    const report = await verifyPublishedLedger(server.url, fetch, 3);
    expect(report).toEqual({ transactions: txs.length, pages: Math.ceil(txs.length / 3), headHash: txs[txs.length - 1]!.hash, problem: null });
  });

  it("names the first broken link of a tampered download", async () => {
    const txs = await published();
    const report = await verifyPublishedLedger(server.url, tampering(5), 3);
    expect(report.problem).toEqual({ seq: 5, id: txs[4]!.id, problem: "hash_mismatch" });
    expect(report.transactions).toBe(4);
  });

  it("exits 0 when whole, 1 when the stored ledger was changed behind the bank's back, 2 on bad usage", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    const error = vi.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      expect(await main([server.url])).toBe(0);
      expect(log.mock.calls.map((c) => c[0]).join("\n")).toMatch(/^verified \d+ transactions in 1 page\(s\): the chain is whole/);
      expect(await main(["not-a-url"])).toBe(2);
      expect(await main(["http://127.0.0.1:1"])).toBe(2);

      // Someone with write access to the database changes a published amount (after removing
      // the append-only trigger): the published hashes no longer match.
      const bank = await makeBank();
      const c = await bank.community();
      const m = await bank.member(c.id);
      await grantPoints(bank, m.id, 10);
      await grantPoints(bank, m.id, 20);
      await bank.settle();
      await bank.db.client.execute("DROP TRIGGER postings_no_update");
      await bank.db.client.execute("UPDATE postings SET amount = amount * 100 WHERE id = (SELECT MAX(id) FROM postings)");
      const tampered = await serveBank(bank);
      try {
        log.mockClear();
        expect(await main([tampered.url])).toBe(1);
        const second = (await bank.call("GET", "/v1/public/ledger")).body.items[1].id;
        expect(log.mock.calls.map((c) => c[0]).join("\n")).toBe(
          `verified 1 transactions in 1 page(s), then the chain breaks:\n  first broken link: seq 2, transaction ${second}: its content does not hash to its published hash (changed after sealing) [hash_mismatch]`,
        );
      } finally {
        await tampered.close();
      }
    } finally {
      log.mockRestore();
      error.mockRestore();
    }
  });

  it("the npm script runs it as a command (exit code and output)", async () => {
    const run = promisify(execFile);
    const { stdout } = await run(process.execPath, ["--import", "tsx", "scripts/verify-ledger.ts", server.url], { cwd: process.cwd() });
    expect(stdout).toMatch(/^verified \d+ transactions in 1 page\(s\): the chain is whole\n {2}head hash: [0-9a-f]{64}\ncheckpoint: \d+ transactions, root [A-Za-z0-9+/]{43}=\n {2}signed by \S+ \(key as the bank publishes it, trusted on first use\)\n {2}consistent with/);
  });
});

describe("the ledger page's verifier script", () => {
  const MESSAGES = {
    running: "…",
    ok: "ok {n} {hash} {size}",
    broken: "broken {seq} {id} {problem}",
    brokenAt: "at {seq} {problem}",
    brokenLog: "log {problem}",
    failed: "failed {error}",
    empty: "empty",
    hash_mismatch: "hash",
    prev_hash_mismatch: "prev",
    seq_gap: "gap",
    checkpoint_signature: "signature",
    truncated: "truncated",
    inconsistent: "inconsistent",
    log_incomplete: "incomplete",
    root_mismatch: "root",
    unbalanced: "unbalanced",
    reversal: "reversal",
    balance_sign: "sign",
  };
  const memory = new Map<string, string>();
  const storage = { getItem: (k: string) => memory.get(k) ?? null, setItem: (k: string, v: string) => void memory.set(k, v) };

  async function runScript(fetchImpl: typeof fetch, key?: string) {
    const out = { state: "idle", text: "" };
    let onClick: (() => Promise<void>) | undefined;
    const button = { disabled: false, hidden: true, addEventListener: (_: string, f: () => Promise<void>) => (onClick = f) };
    const status = { setAttribute: (_: string, v: string) => (out.state = v), set textContent(v: string) { out.text = v; } };
    const shown = key ?? ((await scene.bank.call("GET", "/v1/public/ledger-key")).body as string).trim();
    const root = { getAttribute: (name: string) => (name === "data-key" ? shown : JSON.stringify(MESSAGES)), querySelector: (s: string) => (s === "button" ? button : status) };
    const document = { getElementById: () => root };
    const relative: typeof fetch = (input, init) => fetchImpl(new URL(String(input), server.url), init);
    new Function("document", "fetch", "localStorage", VERIFIER_SCRIPT)(document, relative, storage);
    expect(button.hidden).toBe(false);
    await onClick!();
    return out;
  }

  it("reports the whole chain verified against the signed checkpoint, with the count and the head hash, and again with what it remembered", async () => {
    const txs = await published();
    memory.clear();
    expect(await runScript(fetch)).toEqual({ state: "ok", text: `ok ${txs.length} ${txs[txs.length - 1]!.hash} ${txs.length}` });
    expect(memory.size).toBe(1);
    expect(await runScript(fetch)).toEqual({ state: "ok", text: `ok ${txs.length} ${txs[txs.length - 1]!.hash} ${txs.length}` });
  });

  it("reports the first broken link of a tampered download", async () => {
    const txs = await published();
    expect(await runScript(tampering(2))).toEqual({ state: "broken", text: `broken 2 ${txs[1]!.id} hash` });
  });

  it("refuses a checkpoint from another key, and a log shorter than the one it remembered", async () => {
    const { generateSignerKey, loadSigner } = await import("../../src/ledger/note");
    const other = await loadSigner(await generateSignerKey("localhost/love-savings-bank-unconfigured"));
    expect(await runScript(fetch, other.verifierKey)).toEqual({ state: "broken", text: "log signature" });
    const key = ((await scene.bank.call("GET", "/v1/public/ledger-key")).body as string).trim();
    memory.set(`lsb-ledger-checkpoint:${key}`, JSON.stringify({ size: 10_000, root: "00".repeat(32) }));
    expect(await runScript(fetch)).toEqual({ state: "broken", text: "log truncated" });
    memory.set(`lsb-ledger-checkpoint:${key}`, JSON.stringify({ size: 3, root: "00".repeat(32) }));
    expect(await runScript(fetch)).toEqual({ state: "broken", text: "log inconsistent" });
    memory.clear();
  });
});
