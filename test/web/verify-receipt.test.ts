import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "../../scripts/verify-ledger";
import { makeBank, serveBank, type TestBank } from "../helpers/setup";
import { giveToFund } from "../helpers/spending";

// An auditor with a copy of a receipt file checks it against the signed log over real HTTP:
// npm run verify-ledger -- <url> --receipt invoice.pdf names the fund_receipt record, its expense
// and payment; a file the bank never recorded is a problem (exit 1).

const PDF = new TextEncoder().encode("%PDF-1.7\n% invoice of the county civil affairs bureau\n%%EOF\n");
let bank: TestBank;
let server: { url: string; close: () => Promise<void> };
let dir: string;
let expense: { id: string; transactionId: string };

beforeAll(async () => {
  bank = await makeBank();
  const c = await bank.community("东门社区");
  const staff = await bank.staff(c.id);
  await giveToFund(bank, 100_000);
  expense = (
    await bank.call("POST", "/v1/fund/expenses", {
      token: staff,
      body: { amountFen: 20_000, purpose: "hardship_aid", description: "慰问", payee: "县民政局", receiptRef: "FP-9" },
    })
  ).body;
  const form = new FormData();
  form.append("file", new File([PDF], "invoice.pdf", { type: "application/pdf" }));
  expect((await bank.call("POST", `/v1/fund/expenses/${expense.id}/receipts`, { token: staff, body: form })).status).toBe(201);
  await bank.settle();
  server = await serveBank(bank);
  dir = mkdtempSync(join(tmpdir(), "lsb-receipt-"));
});

afterAll(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("verify-ledger --receipt", () => {
  it("finds the copy's SHA-256 in the signed log; a file the bank never recorded fails", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    try {
      const copy = join(dir, "copy.pdf");
      writeFileSync(copy, PDF);
      expect(await main([server.url, "--receipt", copy])).toBe(0);
      const sha = createHash("sha256").update(PDF).digest("hex");
      const out = log.mock.calls.map((c) => c[0]).join("\n");
      expect(out).toMatch(new RegExp(`receipt ${copy}: sha256 ${sha} recorded at seq \\d+ for expense ${expense.id}, payment ${expense.transactionId}`));

      const forged = join(dir, "forged.pdf");
      writeFileSync(forged, new TextEncoder().encode("%PDF-1.7\n% a different invoice\n%%EOF\n"));
      log.mockClear();
      expect(await main([server.url, "--receipt", copy, "--receipt", forged])).toBe(1);
      expect(log.mock.calls.map((c) => c[0]).join("\n")).toContain(`PROBLEM [receipt_not_in_log]: ${forged}`);
    } finally {
      log.mockRestore();
    }
  });
});
