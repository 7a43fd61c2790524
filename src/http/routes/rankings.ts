import { createRoute } from "@hono/zod-openapi";
import { qualityReport } from "../../domain/quality";
import { createAward, listAwards, rankings } from "../../domain/rankings";
import { principal } from "../auth";
import { writeCtx } from "../context";
import { bearer, errorResponses, Id, jsonBody, jsonResponse, newRouter, pageOf, PageQuery, Text, z } from "../openapi";
import { rankingMeasures } from "../../vocabulary";

// Public figures of the programme: the annual rankings, the honour roll and the service quality report.

const Year = z.coerce.number().int().min(2000).max(2100);

const PublicMember = {
  memberId: z.string().nullable().openapi({ description: "null when the member opted out of publication" }),
  name: z.string().openapi({ description: '"匿名志愿者" when the member opted out of publication' }),
  anonymous: z.boolean(),
};

const RankingItem = z.object({
  rank: z.number().int(),
  ...PublicMember,
  communityId: z.string(),
  communityName: z.string(),
  stars: z.number().int(),
  pointsEarned: z.number().int(),
  minutesServed: z.number().int(),
});

const Ranking = z
  .object({
    year: z.number().int(),
    by: z.enum(rankingMeasures),
    communityId: z.string().nullable(),
    items: z.array(RankingItem),
    nextCursor: z.string().nullable(),
  })
  .openapi("Ranking");

const RankingQuery = PageQuery.extend({
  year: Year.optional().openapi({ description: "Defaults to the current year" }),
  by: z.enum(rankingMeasures).default("points"),
  communityId: Id.optional(),
});

const Award = z
  .object({ id: z.string(), year: z.number().int(), memberId: z.string(), title: z.string(), citation: z.string(), createdAt: z.string() })
  .openapi("Award");
const PublishedAward = z
  .object({
    id: z.string(),
    year: z.number().int(),
    ...PublicMember,
    communityId: z.string(),
    title: z.string(),
    citation: z.string(),
    createdAt: z.string(),
  })
  .openapi("PublishedAward");

const NewAward = z.strictObject({
  year: z.number().int().min(2000).max(2100),
  memberId: Id,
  title: Text(50).openapi({ example: "优秀义工" }),
  citation: Text(1000),
});

const Quality = z.object({
  wishes: z.number().int(),
  confirmed: z.number().int(),
  due: z.number().int().openapi({ description: "Wishes with a deadline, not cancelled, whose deadline passed or that are confirmed" }),
  confirmedOnTime: z.number().int(),
  completionRate: z.number().nullable().openapi({ description: "办结率: confirmedOnTime / due (0..1), null when nothing is due" }),
  rated: z.number().int(),
  averageSatisfaction: z.number().nullable(),
  satisfiedShare: z.number().nullable().openapi({ description: "满意率: share of scores ≥ 4 (0..1)" }),
  overdueClaims: z.number().int().openapi({ description: "Claims past their deadline not yet released" }),
  claimsReleasedOverdue: z.number().int().openapi({ description: "Claims released automatically because their deadline passed" }),
});
const QualityReport = z
  .object({
    at: z.string(),
    overall: Quality,
    communities: z.array(Quality.extend({ communityId: z.string(), name: z.string() })),
  })
  .openapi("QualityReport");

export const rankingRoutes = newRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/rankings",
      tags: ["honours", "public"],
      summary: "A year's ranking of members by points earned or minutes served, overall or ?communityId= (no login)",
      request: { query: RankingQuery },
      responses: { 200: jsonResponse(Ranking, "Ranking"), 400: errorResponses[400] },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const year = q.year ?? c.get("deps").clock.now().getUTCFullYear();
      c.header("Cache-Control", "public, max-age=60");
      return c.json(await rankings(c.get("deps").db, { ...q, year }), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/awards",
      tags: ["honours"],
      summary: "Publish an outstanding volunteer (优秀义工) of a year with a citation (admin)",
      description: "Once per member and year: again → 409 already_exists.",
      security: bearer,
      request: jsonBody(NewAward),
      responses: { 201: jsonResponse(Award, "Published"), ...errorResponses },
    }),
    async (c) => c.json(await createAward(c.get("deps").db, principal(c), c.req.valid("json"), writeCtx(c, 201)), 201),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/awards",
      tags: ["honours", "public"],
      summary: "The honour roll, optionally ?year= (no login)",
      request: { query: PageQuery.extend({ year: Year.optional() }) },
      responses: { 200: jsonResponse(pageOf(PublishedAward), "Awards"), 400: errorResponses[400] },
    }),
    async (c) => {
      c.header("Cache-Control", "public, max-age=60");
      return c.json(await listAwards(c.get("deps").db, c.req.valid("query")), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/reports/quality",
      tags: ["honours", "public"],
      summary: "Service quality figures per community and overall: 办结率, 满意率, overdue claims (no login)",
      request: { query: z.strictObject({ communityId: Id.optional() }) },
      responses: { 200: jsonResponse(QualityReport, "Quality report"), 400: errorResponses[400] },
    }),
    async (c) => {
      const { db, clock } = c.get("deps");
      c.header("Cache-Control", "public, max-age=300");
      return c.json(await qualityReport(db, clock.now().toISOString(), c.req.valid("query").communityId), 200);
    },
  );
