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
  async function runScript(fetchImpl: typeof fetch) {
    const out = { state: "idle", text: "" };
    let onClick: (() => Promise<void>) | undefined;
    const button = { disabled: false, hidden: true, addEventListener: (_: string, f: () => Promise<void>) => (onClick = f) };
    const status = { setAttribute: (_: string, v: string) => (out.state = v), set textContent(v: string) { out.text = v; } };
    const messages = JSON.stringify({ running: "…", ok: "ok {n} {hash}", broken: "broken {seq} {id} {problem}", failed: "failed {error}", empty: "empty", hash_mismatch: "hash", prev_hash_mismatch: "prev", seq_gap: "gap" });
    const root = { getAttribute: () => messages, querySelector: (s: string) => (s === "button" ? button : status) };
    const document = { getElementById: () => root };
    const relative: typeof fetch = (input, init) => fetchImpl(new URL(String(input), server.url), init);
    new Function("document", "fetch", VERIFIER_SCRIPT)(document, relative);
    expect(button.hidden).toBe(false);
    await onClick!();
    return out;
  }

  it("reports the whole chain verified, with the count and the head hash", async () => {
    const txs = await published();
    expect(await runScript(fetch)).toEqual({ state: "ok", text: `ok ${txs.length} ${txs[txs.length - 1]!.hash}` });
  });

  it("reports the first broken link of a tampered download", async () => {
    const txs = await published();
    expect(await runScript(tampering(2))).toEqual({ state: "broken", text: `broken 2 ${txs[1]!.id} hash` });
  });
});
