import { createRoute } from "@hono/zod-openapi";
import { contentDisposition, CSV_CONTENT_TYPE } from "../../domain/csv";
import { passbookCsv } from "../../domain/exports";
import { memberStatement, statementCsv } from "../../domain/statements";
import { fundStatementCsv } from "../../domain/fund";
import { voucherRegisterCsv } from "../../domain/vouchers";
import { principal } from "../auth";
import { bearer, errorResponses, IdParam, newRouter, z } from "../openapi";
import { PeriodQuery } from "./fund";
import { YearQuery } from "./members";

// CSV downloads (UTF-8 with BOM, RFC 4180, formula-safe) for Excel and WPS.

const csvResponse = (description: string) => ({ content: { "text/csv": { schema: z.string() } }, description });
const csvHeaders = (filename: string) => ({ "Content-Type": CSV_CONTENT_TYPE, "Content-Disposition": contentDisposition(filename) });

export const exportRoutes = newRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/members/{id}/passbook.csv",
      tags: ["exports"],
      summary: "The whole passbook as CSV (the member, staff of the community, admin)",
      security: bearer,
      request: { params: IdParam },
      responses: { 200: csvResponse("Passbook entries, oldest first"), ...errorResponses },
    }),
    async (c) => {
      const { filename, csv } = await passbookCsv(c.get("deps").db, principal(c), c.req.valid("param").id);
      return c.body(csv, 200, { ...csvHeaders(filename), "Cache-Control": "private, no-store" });
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/members/{id}/statement.csv",
      tags: ["exports"],
      summary: "A passbook's yearly statement (年度对账单) as CSV: opening, entries, totals (as the passbook)",
      security: bearer,
      request: { params: IdParam, query: YearQuery },
      responses: { 200: csvResponse("The year's statement"), ...errorResponses },
    }),
    async (c) => {
      const time = c.get("time");
      const year = c.req.valid("query").year ?? Number(time.today(c.get("deps").clock).slice(0, 4));
      const s = await memberStatement(c.get("deps").db, principal(c), c.req.valid("param").id, year, time);
      const csv = statementCsv(s, time);
      return c.body(csv, 200, { ...csvHeaders(`statement-${s.member.passbookNo}-${s.year}.csv`), "Cache-Control": "private, no-store" });
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/fund/statement.csv",
      tags: ["exports"],
      summary: "The fund statement as CSV (public; same period rules as /v1/fund/statement)",
      request: { query: PeriodQuery },
      responses: { 200: csvResponse("Fund statement"), 400: errorResponses[400] },
    }),
    async (c) => {
      const csv = await fundStatementCsv(c.get("deps").db, c.req.valid("query"));
      return c.body(csv, 200, { ...csvHeaders("fund-statement.csv"), "Cache-Control": "public, max-age=60" });
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/vouchers.csv",
      tags: ["exports"],
      summary: "The voucher register (台账) as CSV (staff: their community; admin: all); ?from=&to= by issue time",
      security: bearer,
      request: { query: PeriodQuery },
      responses: { 200: csvResponse("Voucher register; codes of unused vouchers masked"), ...errorResponses },
    }),
    async (c) => {
      const { db, clock } = c.get("deps");
      const csv = await voucherRegisterCsv(db, principal(c), c.req.valid("query"), clock.now().toISOString());
      return c.body(csv, 200, { ...csvHeaders("voucher-register.csv"), "Cache-Control": "private, no-store" });
    },
  );
