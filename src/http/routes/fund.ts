import { createRoute } from "@hono/zod-openapi";
import { DAY_MS } from "../../clock";
import { budgetReport, setBudget } from "../../domain/budgets";
import { decideExpense, fundStatement, listExpenses, recordExpense } from "../../domain/fund";
import { attachReceipt, MAX_RECEIPT_BYTES, receiptExtension, receiptFile, receiptTypes } from "../../domain/receipts";
import { donorTypes, expenseStatuses, fundPurposes } from "../../vocabulary";
import { principal } from "../auth";
import { writeCtx } from "../context";
import { bearer, errorResponses, Fen, Id, IdParam, jsonBody, jsonResponse, newRouter, pageOf, PageQuery, Text, z } from "../openapi";

const Purpose = z.enum(fundPurposes);
const Source = z.enum(donorTypes);

const dateOrTime = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);

/**
 * A period as people write it: `from` and `to` are dates (whole UTC days, `to` inclusive) or
 * date-times (`to` exclusive). The answer states the half-open interval [from, to) it used.
 */
export const PeriodQuery = z.strictObject({
  from: dateOrTime
    .transform((s) => (s.length === 10 ? `${s}T00:00:00.000Z` : new Date(s).toISOString()))
    .optional()
    .openapi({ description: "start, inclusive: YYYY-MM-DD (UTC) or an ISO 8601 date-time", example: "2026-01-01" }),
  to: dateOrTime
    .transform((s) =>
      s.length === 10 ? new Date(new Date(`${s}T00:00:00.000Z`).getTime() + DAY_MS).toISOString() : new Date(s).toISOString(),
    )
    .optional()
    .openapi({ description: "end: a date is included whole; a date-time is exclusive", example: "2026-12-31" }),
});

const Person = z
  .object({
    role: z.string().nullable().openapi({ description: "admin or staff" }),
    community: z.string().nullable().openapi({ description: "the community of a staff member; null for an administrator" }),
    userId: z.string().optional().openapi({ description: "staff of the expense's community and administrators only" }),
    name: z.string().nullable().optional().openapi({ description: "staff of the expense's community and administrators only" }),
  })
  .openapi("FundPerson");

const Receipt = z
  .object({
    sha256: z.string().openapi({ description: "lower-case hex SHA-256 of the file's bytes" }),
    contentType: z.enum(receiptTypes).openapi({ description: "the type its bytes show, whatever its name or declared type said" }),
    size: z.number().int().openapi({ description: "bytes" }),
  })
  .openapi("FundReceipt");

const ReceiptUpload = z.strictObject({
  file: z.instanceof(File).openapi({ type: "string", format: "binary", description: `a PDF, PNG, JPEG or WebP file, at most ${MAX_RECEIPT_BYTES} bytes` }),
});

const Sha256Param = z.strictObject({
  id: Id.openapi({ param: { name: "id", in: "path" } }),
  // Any id-shaped text: what is not a kept receipt's hash is simply not found (after the login check).
  sha256: Id.openapi({ param: { name: "sha256", in: "path" }, description: "the receipt's lower-case hex SHA-256" }),
});

const Expense = z
  .object({
    id: z.string(),
    amountFen: z.number().int(),
    purpose: Purpose,
    description: z.string(),
    payee: z.string().nullable().openapi({ description: "who was paid; null only for expenses recorded before payees were kept" }),
    receiptRef: z.string(),
    communityId: z.string().nullable(),
    community: z.string().nullable(),
    status: z.enum(expenseStatuses).openapi({ description: "pending: waits for a second person, no money moved; paid; rejected" }),
    at: z.string().openapi({ description: "when it was recorded" }),
    decidedAt: z.string().nullable().openapi({ description: "when it was approved or rejected" }),
    transactionId: z.string().nullable().openapi({ description: "the payment; null while pending or when rejected" }),
    reversed: z.boolean().openapi({ description: "the payment was reversed (已冲正): it no longer counts as spending" }),
    reversedBy: z.string().nullable().openapi({ description: "the reversing transaction, when the expense was corrected" }),
    recordedBy: Person,
    approvedBy: Person.nullable().openapi({ description: "the second person who approved or rejected it; null when paid at once" }),
    restricted: z
      .array(z.object({ donationId: z.string(), amountFen: z.number().int() }))
      .openapi({ description: "restricted (定向) donations this expense drew on, oldest first; the rest was unrestricted money" }),
    receipts: z
      .array(Receipt)
      .openapi({ description: "the receipt files kept with it, oldest first; each hash is also published in the ledger (a fund_receipt record)" }),
    reason: z.string().nullable().optional().openapi({ description: "why it was rejected: staff of its community and administrators only" }),
  })
  .openapi("FundExpense");

const NewExpense = z.strictObject({
  amountFen: Fen,
  purpose: Purpose,
  description: Text(500).openapi({ description: "published as it is: name no beneficiary (group and community only)" }),
  payee: Text(100).openapi({ description: "who is paid (a shop, an organisation); published: name no private beneficiary" }),
  receiptRef: Text(100).openapi({ description: "the invoice or receipt number; the files are uploaded to /receipts" }),
  communityId: Id.optional().openapi({ description: "staff: their own community (the default); admin: any or none" }),
});

const Rejection = z.strictObject({ reason: Text(500) });

const Year = z.coerce.number().int().min(2000).max(2100);

const BudgetLine = z.object({
  purpose: Purpose,
  budgetFen: z.number().int().nullable().openapi({ description: "null: no budget set for this purpose and year" }),
  actualFen: z.number().int().openapi({ description: "spent in the bank's calendar year, net of reversals" }),
  remainingFen: z.number().int().nullable(),
  usedBasisPoints: z.number().int().nullable().openapi({ description: "actual ÷ budget in basis points (10000 = 100 %), rounded down" }),
});

const Statement = z
  .object({
    from: z.string().nullable(),
    to: z.string().nullable(),
    openingBalanceFen: z.number().int(),
    income: z.array(z.object({ source: Source, amountFen: z.number().int() })),
    spending: z.array(z.object({ purpose: Purpose, amountFen: z.number().int() })),
    closingBalanceFen: z.number().int(),
    balanceFen: z.number().int().openapi({ description: "the fund's cash now" }),
  })
  .openapi("FundStatement");

export const fundRoutes = newRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/fund/expenses",
      tags: ["fund"],
      summary: "Pay an expense out of the Love Savings Fund (staff, admin); Idempotency-Key supported",
      description:
        "Above the rule's expenseApprovalAboveFen the expense is `pending` (no money moves) until another person approves it. 409 insufficient_funds: the fund never goes below zero, and restricted money pays only what it was given for.",
      security: bearer,
      request: jsonBody(NewExpense),
      responses: { 201: jsonResponse(Expense, "Recorded, with the ledger transaction"), ...errorResponses },
    }),
    async (c) => c.json(await recordExpense(c.get("deps").db, principal(c), c.req.valid("json"), writeCtx(c, 201)), 201),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/fund/expenses",
      tags: ["fund"],
      summary: "How the fund was spent, newest first, every status (public; status=pending is the approval worklist)",
      request: { query: PageQuery.extend({ purpose: Purpose.optional(), communityId: Id.optional(), status: z.enum(expenseStatuses).optional() }) },
      responses: { 200: jsonResponse(pageOf(Expense), "Expenses"), 400: errorResponses[400] },
    }),
    async (c) => {
      const caller = c.get("principal");
      c.header("Cache-Control", caller ? "private, no-store" : "public, max-age=60");
      return c.json(await listExpenses(c.get("deps").db, caller, c.req.valid("query")), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/fund/expenses/{id}/approve",
      tags: ["fund"],
      summary: "Approve a pending expense and pay it (staff of its community, admin; never its recorder)",
      description: "409 same_person: the recorder cannot approve; 409 expense_not_pending; 409 insufficient_funds. Accepts Idempotency-Key.",
      security: bearer,
      request: { params: IdParam },
      responses: { 200: jsonResponse(Expense, "Paid"), ...errorResponses },
    }),
    async (c) =>
      c.json(await decideExpense(c.get("deps").db, principal(c), c.req.valid("param").id, { approve: true }, writeCtx(c, 200)), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/fund/expenses/{id}/reject",
      tags: ["fund"],
      summary: "Reject a pending expense with a reason (staff of its community, admin; never its recorder)",
      description: "No money moves. 409 same_person; 409 expense_not_pending. Accepts Idempotency-Key.",
      security: bearer,
      request: { params: IdParam, ...jsonBody(Rejection) },
      responses: { 200: jsonResponse(Expense, "Rejected"), ...errorResponses },
    }),
    async (c) => {
      const { reason } = c.req.valid("json");
      return c.json(await decideExpense(c.get("deps").db, principal(c), c.req.valid("param").id, { approve: false, reason }, writeCtx(c, 200)), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/fund/expenses/{id}/receipts",
      tags: ["fund"],
      summary: "Attach a receipt file to an expense (staff of its community, admin): multipart/form-data, field `file`",
      description:
        "The type is decided by the file's bytes (PDF, PNG, JPEG, WebP), not its name: anything else is 415 unsupported_media_type; over 5 MiB is 413 payload_too_large; an empty file 400. The file is kept by its SHA-256 and its hash, type and size are published in the ledger (a fund_receipt record). Sending the same file again answers 200 with what is kept and records nothing.",
      security: bearer,
      request: { params: IdParam, body: { content: { "multipart/form-data": { schema: ReceiptUpload } }, required: true } },
      responses: {
        201: jsonResponse(Receipt, "Kept and published"),
        200: jsonResponse(Receipt, "This file was already attached"),
        ...errorResponses,
        413: errorResponses[400],
        415: errorResponses[400],
      },
    }),
    async (c) => {
      const { db, receipts } = c.get("deps");
      const { file } = c.req.valid("form");
      const bytes = new Uint8Array(await file.arrayBuffer());
      const { receipt, created } = await attachReceipt(db, receipts, principal(c), c.req.valid("param").id, bytes, writeCtx(c, 201));
      return created ? c.json(receipt, 201) : c.json(receipt, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/fund/expenses/{id}/receipts/{sha256}",
      tags: ["fund"],
      summary: "Download a receipt file (staff of the expense's community, admin)",
      description: "The public sees each receipt's hash, type and size in the expense list, not the file (it may show a person's name or signature).",
      security: bearer,
      request: { params: Sha256Param },
      responses: {
        200: { content: Object.fromEntries(receiptTypes.map((t) => [t, { schema: z.string().openapi({ format: "binary" }) }])), description: "The file" },
        ...errorResponses,
      },
    }),
    async (c) => {
      const { id, sha256 } = c.req.valid("param");
      const file = await receiptFile(c.get("deps").db, c.get("deps").receipts, principal(c), id, sha256);
      return c.body(file.bytes, 200, {
        "Content-Type": file.contentType,
        "Content-Length": String(file.size),
        "Content-Disposition": `attachment; filename="${sha256}.${receiptExtension[file.contentType]}"`,
        // A file someone uploaded, served from this origin: never rendered here, never cached on the way.
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": "private, no-store",
        ETag: `"${sha256}"`,
      });
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/fund/budgets",
      tags: ["fund"],
      summary: "Set the budget of one purpose for one year (admin); setting it again replaces it",
      security: bearer,
      request: jsonBody(z.strictObject({ year: Year, purpose: Purpose, amountFen: z.number().int().min(0).max(100_000_000_000) })),
      responses: { 201: jsonResponse(z.object({ year: z.number().int(), purpose: Purpose, amountFen: z.number().int() }), "Set"), ...errorResponses },
    }),
    async (c) => {
      const { db, clock } = c.get("deps");
      return c.json(await setBudget(db, principal(c), c.req.valid("json"), clock.now().toISOString()), 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/fund/budget",
      tags: ["fund"],
      summary: "Budget against actual per purpose for a year (public; default this year in the bank's time zone)",
      request: { query: z.strictObject({ year: Year.optional() }) },
      responses: { 200: jsonResponse(z.object({ year: z.number().int(), lines: z.array(BudgetLine) }), "Budget against actual"), 400: errorResponses[400] },
    }),
    async (c) => {
      const time = c.get("time");
      const year = c.req.valid("query").year ?? Number(time.today(c.get("deps").clock).slice(0, 4));
      c.header("Cache-Control", "public, max-age=60");
      return c.json(await budgetReport(c.get("deps").db, time, year), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/fund/statement",
      tags: ["fund"],
      summary: "The fund statement for a period, or all time (public)",
      description: "openingBalanceFen + Σ income − Σ spending = closingBalanceFen, always; without `to`, closing is the cash now.",
      request: { query: PeriodQuery },
      responses: { 200: jsonResponse(Statement, "Statement"), 400: errorResponses[400] },
    }),
    async (c) => {
      c.header("Cache-Control", "public, max-age=60");
      return c.json(await fundStatement(c.get("deps").db, c.req.valid("query")), 200);
    },
  );
