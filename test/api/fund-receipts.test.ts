import { createHash } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { auditLog, openCheckpoint } from "../../src/ledger/audit";
import { MAX_RECEIPT_BYTES } from "../../src/domain/receipts";
import { makeBank, type TestBank } from "../helpers/setup";
import { giveToFund, ledgerInvariants } from "../helpers/spending";
import { expectHealthyLedger } from "../reliability/helpers";

// Receipt files (SPEC v2, "expense fields"): uploaded as real multipart/form-data bodies, typed
// by their bytes, kept by SHA-256, published by hash in the ledger, downloaded by staff and
// administrators only.

const PDF = new TextEncoder().encode("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");
const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 1, 2, 3]);
const JPEG = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1]);
const WEBP = new TextEncoder().encode("RIFF\x1a\x00\x00\x00WEBPVP8 rest-of-it");
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

const form = (bytes: Uint8Array, name = "invoice.pdf", type = "application/pdf", field = "file") => {
  const f = new FormData();
  f.append(field, new File([bytes as Uint8Array<ArrayBuffer>], name, { type }));
  return f;
};

let bank: TestBank;
let a: { id: string; name: string };
let staffA: string;
let staffA2: string;
let staffB: string;
let member: { id: string; token: string };

const expense = async (token = staffA, over: Record<string, unknown> = {}) => {
  const res = await bank.call("POST", "/v1/fund/expenses", {
    token,
    body: { amountFen: 1_000, purpose: "hardship_aid", description: "慰问困难家庭", payee: "县民政局", receiptRef: "FP-1", ...over },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; transactionId: string | null; status: string };
};
const ANONYMOUS = "";
const upload = (id: string, body: FormData | unknown, token = staffA) =>
  bank.call("POST", `/v1/fund/expenses/${id}/receipts`, { token: token || undefined, body });
const download = (id: string, hash: string, token = staffA) =>
  bank.app.request(`/v1/fund/expenses/${id}/receipts/${hash}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
const receiptRecords = async (expenseId: string) =>
  (await bank.db.client.execute({ sql: "SELECT * FROM ledger_transactions WHERE kind = 'fund_receipt' AND ref_id = ?", args: [expenseId] })).rows;

beforeAll(async () => {
  bank = await makeBank();
  a = await bank.community("东门社区");
  const b = await bank.community("金川社区");
  staffA = await bank.staff(a.id);
  staffA2 = await bank.staff(a.id);
  staffB = await bank.staff(b.id);
  member = await bank.member(a.id);
  await giveToFund(bank, 10_000_000);
});

describe("uploading a receipt", () => {
  it("a PDF: 201 with its SHA-256, type and size; the public list shows them; staff download the same bytes", async () => {
    const e = await expense();
    const res = await upload(e.id, form(PDF));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toEqual({ sha256: sha(PDF), contentType: "application/pdf", size: PDF.length });

    const list = await bank.call("GET", "/v1/fund/expenses?limit=100");
    const listed = list.body.items.find((x: { id: string }) => x.id === e.id);
    expect(listed.receipts).toEqual([{ sha256: sha(PDF), contentType: "application/pdf", size: PDF.length }]);

    // The /fund page and its CSV show the file by hash, type and size.
    const fundPage = await (await bank.app.request("/fund")).text();
    expect(fundPage).toContain(`<code>${sha(PDF)}</code>`);
    const csv = await (await bank.app.request("/csv/expenses.csv")).text();
    expect(csv).toContain(`${sha(PDF)} application/pdf ${PDF.length}`);

    for (const token of [staffA, staffA2, bank.admin]) {
      const got = await download(e.id, sha(PDF), token);
      expect(got.status).toBe(200);
      expect(got.headers.get("content-type")).toBe("application/pdf");
      expect(got.headers.get("content-disposition")).toBe(`attachment; filename="${sha(PDF)}.pdf"`);
      expect(got.headers.get("cache-control")).toBe("private, no-store");
      expect(got.headers.get("content-security-policy")).toContain("sandbox");
      expect(sha(new Uint8Array(await got.arrayBuffer()))).toBe(sha(PDF));
    }
  });

  it("the type is decided by the bytes, never by the name or the declared type", async () => {
    const e = await expense();
    const cases: [Uint8Array, string, string, string][] = [
      [PNG, "photo.txt", "text/plain", "image/png"],
      [JPEG, "scan.pdf", "application/pdf", "image/jpeg"],
      [WEBP, "x", "application/octet-stream", "image/webp"],
    ];
    for (const [bytes, name, declared, expected] of cases) {
      const res = await upload(e.id, form(bytes, name, declared));
      expect(res.status, name).toBe(201);
      expect(res.body.contentType).toBe(expected);
    }
    const text = new TextEncoder().encode("This is not a PDF, whatever its name says.\n");
    const bad = await upload(e.id, form(text, "invoice.pdf", "application/pdf"));
    expect(bad.status).toBe(415);
    expect(bad.body.error.code).toBe("unsupported_media_type");
    // A PDF signature later in the file is not a PDF either.
    const late = await upload(e.id, form(new Uint8Array([0x20, ...PDF]), "invoice.pdf"));
    expect(late.status).toBe(415);
    const stored = (await bank.call("GET", "/v1/fund/expenses?limit=100")).body.items.find((x: { id: string }) => x.id === e.id);
    expect(stored.receipts.map((r: { contentType: string }) => r.contentType).sort()).toEqual(["image/jpeg", "image/png", "image/webp"]);
  });

  it("over 5 MiB is 413 payload_too_large and nothing is kept; exactly 5 MiB is taken", async () => {
    const e = await expense();
    const big = new Uint8Array(MAX_RECEIPT_BYTES + 1);
    big.set(PDF);
    const res = await upload(e.id, form(big));
    expect(res.status).toBe(413);
    expect(res.body.error).toMatchObject({ code: "payload_too_large", details: { size: MAX_RECEIPT_BYTES + 1, max: MAX_RECEIPT_BYTES } });
    // Far over: refused by the body limit before the form is read.
    const huge = new Uint8Array(MAX_RECEIPT_BYTES * 2);
    huge.set(PDF);
    const refused = await upload(e.id, form(huge));
    expect(refused.status).toBe(413);
    expect(refused.body.error.code).toBe("payload_too_large");
    expect(await receiptRecords(e.id)).toHaveLength(0);

    const max = big.subarray(0, MAX_RECEIPT_BYTES);
    const ok = await upload(e.id, form(max));
    expect(ok.status).toBe(201);
    expect(ok.body.size).toBe(MAX_RECEIPT_BYTES);
  });

  it("an empty file, a missing or extra field, or a body that is not a form: 400 or 415, nothing kept", async () => {
    const e = await expense();
    const empty = await upload(e.id, form(new Uint8Array(0)));
    expect(empty.status).toBe(400);
    expect(empty.body.error).toMatchObject({ code: "validation_failed", details: { field: "file" } });

    const wrongField = await upload(e.id, form(PDF, "invoice.pdf", "application/pdf", "receipt"));
    expect(wrongField.status).toBe(400);
    expect(wrongField.body.error.code).toBe("validation_failed");

    const extra = form(PDF);
    extra.append("note", "hello");
    expect((await upload(e.id, extra)).status).toBe(400);

    const textField = new FormData();
    textField.append("file", "%PDF-1.7 as a text field");
    expect((await upload(e.id, textField)).status).toBe(400);

    const json = await upload(e.id, { file: "JVBERi0xLjc=" });
    expect(json.status).toBe(415);
    expect(json.body.error.code).toBe("unsupported_media_type");
    expect(await receiptRecords(e.id)).toHaveLength(0);
  });

  it("the same file again is 200 with what is kept: one row, one ledger record, even when sent twice at once", async () => {
    const e = await expense();
    const first = await upload(e.id, form(PNG, "a.png", "image/png"));
    expect(first.status).toBe(201);
    const again = await upload(e.id, form(PNG, "another-name.jpg", "image/jpeg"));
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    const both = await Promise.all([upload(e.id, form(JPEG, "j.jpg")), upload(e.id, form(JPEG, "j.jpg"))]);
    expect(both.map((r) => r.status).every((s) => s === 200 || s === 201)).toBe(true);
    expect(await receiptRecords(e.id)).toHaveLength(2);
    const stored = (await bank.call("GET", "/v1/fund/expenses?limit=100")).body.items.find((x: { id: string }) => x.id === e.id);
    expect(stored.receipts).toHaveLength(2);
    // The same file on another expense is another receipt of that expense.
    const other = await expense();
    expect((await upload(other.id, form(PNG))).status).toBe(201);
  });

  it("who may not: members, the public, staff of another community; an unknown expense or hash is 404", async () => {
    const e = await expense();
    expect((await upload(e.id, form(PDF), member.token)).status).toBe(403);
    expect((await upload(e.id, form(PDF), staffB)).status).toBe(403);
    expect((await upload(e.id, form(PDF), ANONYMOUS)).status).toBe(401);
    expect(await receiptRecords(e.id)).toHaveLength(0);
    expect((await upload(e.id, form(PDF))).status).toBe(201);

    expect((await download(e.id, sha(PDF), member.token)).status).toBe(403);
    expect((await download(e.id, sha(PDF), staffB)).status).toBe(403);
    expect((await download(e.id, sha(PDF), ANONYMOUS)).status).toBe(401);
    expect((await download(e.id, sha(PNG))).status).toBe(404);
    expect((await download("01JNOSUCHEXPENSE000000000", sha(PDF))).status).toBe(404);
    expect((await download(e.id, "NOT-A-HASH")).status).toBe(404);
    expect((await download(e.id, "NOT-A-HASH", ANONYMOUS)).status).toBe(401);
    expect((await upload("01JNOSUCHEXPENSE000000000", form(PDF))).status).toBe(404);

    // An expense of no community (an administrator's) takes receipts from administrators only.
    const county = await expense(bank.admin);
    expect((await upload(county.id, form(PDF), staffA)).status).toBe(403);
    expect((await upload(county.id, form(PDF), bank.admin)).status).toBe(201);
  });
});

describe("the hash in the ledger", () => {
  it("each receipt is a published fund_receipt record with no postings, naming the expense, its payment and the file", async () => {
    const e = await expense();
    expect(e.status).toBe("paid");
    const up = await upload(e.id, form(PDF));
    await bank.settle();
    const ledger = (await bank.call("GET", "/v1/public/ledger?limit=1000")).body.items as {
      kind: string;
      postings: unknown[];
      facts: Record<string, unknown>;
      id: string;
      seq: number;
    }[];
    const record = ledger.find((t) => t.kind === "fund_receipt" && t.facts.expense === e.id);
    expect(record).toBeDefined();
    expect(record!.postings).toEqual([]);
    expect(record!.facts).toEqual({ expense: e.id, payment: e.transactionId, sha256: up.body.sha256, contentType: "application/pdf", size: PDF.length });

    // The whole log still verifies: signed root, sums, reversals; the database's invariants hold.
    const key = (await bank.call("GET", "/v1/public/ledger-key")).body as string;
    const note = (await bank.call("GET", "/v1/public/checkpoint")).body as string;
    const opened = await openCheckpoint(note, key.trim());
    if (!("checkpoint" in opened)) throw new Error(JSON.stringify(opened));
    const all = (await bank.call("GET", "/v1/public/ledger?limit=1000")).body.items;
    expect((await auditLog(all, opened.checkpoint)).findings).toEqual([]);
    await expectHealthyLedger(bank);
    expect((await ledgerInvariants(bank)).drifted).toEqual([]);

    // A record moves nothing, so there is nothing to reverse.
    const reverse = await bank.call("POST", `/v1/transactions/${record!.id}/reverse`, { token: bank.admin, body: { reason: "误传" } });
    expect(reverse.status).toBe(409);
    expect(reverse.body.error.code).toBe("conflict");
  });

  it("a receipt attached while pending is in its record (payment null) and in the payment's own leaf when approved", async () => {
    const current = (await bank.call("GET", "/v1/rules")).body;
    const { version: _v, versions: _all, effectiveFrom: _f, ...values } = current;
    await bank.call("POST", "/v1/rules", {
      token: bank.admin,
      body: { ...values, expenseApprovalAboveFen: 100_000, effectiveFrom: bank.clock.now().toISOString() },
    });
    const e = await expense(staffA, { amountFen: 500_000 });
    expect(e.status).toBe("pending");
    expect((await upload(e.id, form(PDF))).status).toBe(201);
    const approved = await bank.call("POST", `/v1/fund/expenses/${e.id}/approve`, { token: staffA2, body: {} });
    expect(approved.status).toBe(200);
    await bank.settle();
    const items = (await bank.call("GET", "/v1/public/ledger?limit=1000")).body.items as { id: string; kind: string; facts: Record<string, unknown> }[];
    expect(items.find((t) => t.kind === "fund_receipt" && t.facts.expense === e.id)!.facts.payment).toBeNull();
    expect(items.find((t) => t.id === approved.body.transactionId)!.facts.receipts).toEqual([sha(PDF)]);

    const rejected = await expense(staffA, { amountFen: 500_000 });
    await bank.call("POST", `/v1/fund/expenses/${rejected.id}/reject`, { token: staffA2, body: { reason: "重复" } });
    const late = await upload(rejected.id, form(PDF));
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe("conflict");
  });
});
