import { createRoute } from "@hono/zod-openapi";
import { annualReport } from "../../domain/annual-report";
import { donorTypes, fundPurposes } from "../../vocabulary";
import { readTogether } from "../../web/together";
import { errorResponses, jsonResponse, newRouter, z } from "../openapi";

// The annual report (年度报告), public: the same figures as the printable page /annual-report.

const Purpose = z.enum(fundPurposes);

const AnnualReport = z
  .object({
    year: z.number().int(),
    from: z.string().openapi({ description: "the year's first instant (UTC), 1 January 00:00 in BANK_TIME_ZONE" }),
    to: z.string().openapi({ description: "the next year's first instant (UTC), exclusive" }),
    fund: z.object({
      openingBalanceFen: z.number().int(),
      income: z.array(z.object({ source: z.enum(donorTypes), amountFen: z.number().int() })).openapi({ description: "income by source (donor type), net of reversals booked in the year" }),
      incomeFen: z.number().int(),
      spending: z
        .array(
          z.object({
            purpose: Purpose,
            budgetFen: z.number().int().nullable(),
            actualFen: z.number().int(),
            remainingFen: z.number().int().nullable(),
            usedBasisPoints: z.number().int().nullable(),
          }),
        )
        .openapi({ description: "spending by purpose against the year's budget (as GET /v1/fund/budget)" }),
      spentFen: z.number().int(),
      closingBalanceFen: z.number().int().openapi({ description: "opening + income − spending, from fund:cash's own postings" }),
    }),
    restricted: z
      .array(
        z.object({
          id: z.string(),
          at: z.string(),
          donor: z.object({ type: z.enum(donorTypes), name: z.string() }),
          amountFen: z.number().int(),
          restriction: z.object({
            purpose: Purpose.nullable().openapi({ description: "null: any purpose" }),
            communityId: z.string().nullable().openapi({ description: "null: any community" }),
            community: z.string().nullable(),
            usedFen: z.number().int(),
            remainingFen: z.number().int(),
          }),
          reversed: z.boolean(),
          drawnBy: z.array(
            z.object({
              expenseId: z.string(),
              amountFen: z.number().int(),
              at: z.string(),
              purpose: Purpose,
              description: z.string(),
              payee: z.string().nullable(),
              reversed: z.boolean(),
            }),
          ),
        }),
      )
      .openapi({ description: "restricted (定向) donations received in the year, with every expense that drew on them (to date)" }),
    wishes: z.object({ collected: z.number().int(), fulfilled: z.number().int() }),
    service: z.object({
      minutes: z.number().int().openapi({ description: "approved service in the year (by service date), net of reversals" }),
      volunteers: z.number().int(),
    }),
    honours: z.array(
      z.object({ id: z.string(), year: z.number().int(), title: z.string(), citation: z.string(), name: z.string().nullable().openapi({ description: "null: the member opted out of publication (shown as 匿名)" }), stars: z.number().int(), community: z.string() }),
    ),
    checkpoint: z
      .object({
        size: z.number().int(),
        rootHash: z.string(),
        sealedAt: z.string(),
        yearEnded: z.boolean().openapi({ description: "false: the year is not over, this is the latest checkpoint so far" }),
      })
      .nullable()
      .openapi({ description: "the last signed checkpoint kept before the year ended (GET /v1/public/checkpoint?size= gives it signed); null when none" }),
  })
  .openapi("AnnualReport");

export const annualReportRoutes = newRouter().openapi(
  createRoute({
    method: "get",
    path: "/v1/public/annual-report",
    tags: ["public"],
    summary: "The annual report of a bank year (public): income by source, spending against budget, restricted donations and their use, wishes, service hours, honours, the year-end checkpoint",
    request: { query: z.strictObject({ year: z.coerce.number().int().min(2000).max(2100).optional().openapi({ description: "default: this year in the bank's time zone" }) }) },
    responses: { 200: jsonResponse(AnnualReport, "The report"), 400: errorResponses[400] },
  }),
  async (c) => {
    const { db, clock } = c.get("deps");
    const time = c.get("time");
    const year = c.req.valid("query").year ?? Number(time.today(clock).slice(0, 4));
    c.header("Cache-Control", "public, max-age=60");
    // Every read of the report in one round-trip.
    const report = await readTogether(db, (db) => annualReport(db, time, year, clock.now().toISOString()));
    return c.json(report, 200);
  },
);
