import { createRoute } from "@hono/zod-openapi";
import { assertRole } from "../../domain/access";
import { createRules, listRules, ruleInForce } from "../../domain/rules";
import { principal } from "../auth";
import { bearer, errorResponses, Id, IsoDateTime, jsonBody, jsonResponse, newRouter, z } from "../openapi";

const Points = z.number().int().min(0).max(100_000);

const RulesSchema = z
  .object({
    version: z.number().int(),
    pointsPerServiceHour: z.number().int(),
    pointsPerYuanDonated: z.number().int(),
    pointsPerWishFulfilled: z.number().int(),
    starThresholds: z.array(z.number().int()).length(5),
    titleMinStars: z.number().int(),
    expenseApprovalAboveFen: z.number().int().nullable().openapi({ description: "expenses above this many fen wait for a second person's approval; null: paid at once" }),
    effectiveFrom: z.string(),
    pointsValidYears: z.number().int().nullable().openapi({ description: "points expire at the end of the Nth calendar year after earned; null = never" }),
    maxBalance: z.number().int().nullable().openapi({ description: "credits above this passbook balance go to the wish pool; null = no cap" }),
    categoryRates: z.array(z.object({ categoryId: z.string(), pointsPerServiceHour: z.number().int() })),
    requireSecondApprover: z.boolean(),
    backfillEarnsPoints: z.boolean(),
    maxMinutesPerDay: z.number().int().nullable(),
  })
  .openapi("Rules");

const NewRules = z
  .strictObject({
    pointsPerServiceHour: Points,
    pointsPerYuanDonated: Points,
    pointsPerWishFulfilled: Points,
    starThresholds: z.array(z.number().int().min(1).max(100_000_000)).length(5),
    titleMinStars: z.number().int().min(1).max(5),
    expenseApprovalAboveFen: z.number().int().min(0).max(100_000_000_000).nullable().optional(),
    effectiveFrom: IsoDateTime,
    pointsValidYears: z.number().int().min(1).max(100).nullable().optional(),
    maxBalance: z.number().int().min(1).max(100_000_000).nullable().optional(),
    categoryRates: z
      .array(z.strictObject({ categoryId: Id, pointsPerServiceHour: Points }))
      .max(100)
      .optional()
      .openapi({ description: "Points per hour for a service category; others earn pointsPerServiceHour. Default none" }),
    requireSecondApprover: z.boolean().optional().openapi({ description: "Whoever recorded hours may not approve them. Default false" }),
    backfillEarnsPoints: z.boolean().optional().openapi({ description: "Whether back-filled hours earn points (they count as hours either way). Default true" }),
    maxMinutesPerDay: z.number().int().min(1).max(24 * 60).nullable().optional().openapi({ description: "A member's approved minutes on one date at most. Default null: no cap" }),
  })
  .refine((r) => r.starThresholds.every((t, i, a) => i === 0 || t > a[i - 1]!), {
    message: "starThresholds must be strictly ascending",
    path: ["starThresholds"],
  });

export const ruleRoutes = newRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/rules",
      tags: ["rules"],
      summary: "The rule version in force, with every version under `versions` (public)",
      responses: {
        200: jsonResponse(RulesSchema.extend({ versions: z.array(RulesSchema) }), "The version in force, and every version"),
      },
    }),
    async (c) => {
      const { db, clock } = c.get("deps");
      const versions = await listRules(db);
      return c.json({ ...ruleInForce(versions, clock.now().toISOString()), versions }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/rules",
      tags: ["rules"],
      summary: "Add a rule version with its effective date (admin)",
      security: bearer,
      request: jsonBody(NewRules),
      responses: { 201: jsonResponse(RulesSchema, "Created"), ...errorResponses },
    }),
    async (c) => {
      const actor = principal(c);
      assertRole(actor, "admin");
      const { db, clock } = c.get("deps");
      return c.json(await createRules(db, c.req.valid("json"), clock.now().toISOString(), actor.userId), 201);
    },
  );
