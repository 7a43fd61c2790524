import { createRoute } from "@hono/zod-openapi";
import { DAY_MS } from "../../clock";
import { fundStatement, listExpenses, recordExpense } from "../../domain/fund";
import { spendingPurposes } from "../../ledger/accounts";
import { principal } from "../auth";
import { writeCtx } from "../context";
import { bearer, errorResponses, Fen, Id, jsonBody, jsonResponse, newRouter, pageOf, PageQuery, Text, z } from "../openapi";

const Purpose = z.enum(spendingPurposes);
const Source = z.enum(["member", "company", "individual", "anonymous"]);

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

const Expense = z
  .object({
    id: z.string(),
    amountFen: z.number().int(),
    purpose: Purpose,
    description: z.string(),
    receiptRef: z.string(),
    approvedBy: z.string(),
    communityId: z.string().nullable(),
    at: z.string(),
    transactionId: z.string(),
    reversedBy: z.string().nullable().openapi({ description: "the reversing transaction, when the expense was corrected" }),
  })
  .openapi("FundExpense");

const NewExpense = z.strictObject({
  amountFen: Fen,
  purpose: Purpose,
  description: Text(500).openapi({ description: "published as it is: name no beneficiary (group and community only)" }),
  receiptRef: Text(100),
  approvedBy: Text(50).optional().openapi({ description: "who approved it; defaults to the recording user's name" }),
  communityId: Id.optional().openapi({ description: "staff: their own community (the default); admin: any or none" }),
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
      description: "409 insufficient_funds: the fund never goes below zero (a database constraint).",
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
      summary: "How the fund was spent, newest first (public)",
      request: { query: PageQuery.extend({ purpose: Purpose.optional(), communityId: Id.optional() }) },
      responses: { 200: jsonResponse(pageOf(Expense), "Expenses"), 400: errorResponses[400] },
    }),
    async (c) => {
      c.header("Cache-Control", "public, max-age=60");
      return c.json(await listExpenses(c.get("deps").db, c.req.valid("query")), 200);
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
