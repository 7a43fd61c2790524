import { createRoute } from "@hono/zod-openapi";
import { publicLedger, publicSummary } from "../../domain/public";
import { errorResponses, jsonResponse, newRouter, pageOf, z } from "../openapi";

const Summary = z
  .object({
    wishesCollected: z.number().int(),
    wishesFulfilled: z.number().int(),
    passbooks: z.number().int(),
    serviceMinutes: z.number().int(),
    activities: z.number().int(),
    participants: z.number().int(),
    fund: z.object({ incomeFen: z.number().int(), spentFen: z.number().int(), balanceFen: z.number().int() }),
  })
  .openapi("PublicSummary");

const LedgerTransaction = z
  .object({
    seq: z.number().int(),
    id: z.string(),
    at: z.string(),
    kind: z.string(),
    reversesId: z.string().nullable(),
    postings: z.array(z.object({ account: z.string(), asset: z.enum(["PTS", "CNY"]), amount: z.number().int() })),
    prevHash: z.string(),
    hash: z.string(),
  })
  .openapi("PublishedTransaction");

const LedgerQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(200),
  cursor: z.string().max(200).optional(),
});

export const publicRoutes = newRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/public/summary",
      tags: ["public"],
      summary: "Headline figures of the programme (no login)",
      responses: { 200: jsonResponse(Summary, "Summary") },
    }),
    async (c) => {
      c.header("Cache-Control", "public, max-age=60");
      return c.json(await publicSummary(c.get("deps").db), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/public/ledger",
      tags: ["public"],
      summary: "The published, hash-chained ledger in chain order (no login); see README for the hash input",
      request: { query: LedgerQuery },
      responses: { 200: jsonResponse(pageOf(LedgerTransaction), "Sealed transactions"), 400: errorResponses[400] },
    }),
    async (c) => {
      c.header("Cache-Control", "public, max-age=30");
      return c.json(await publicLedger(c.get("deps").db, c.req.valid("query")), 200);
    },
  );
