import { createRoute } from "@hono/zod-openapi";
import { createTransfer, grantFromPool, wishPoolFigures } from "../../domain/transfers";
import { beneficiaryGroups } from "../../vocabulary";
import { principal } from "../auth";
import { writeCtx } from "../context";
import { bearer, errorResponses, Id, jsonBody, jsonResponse, newRouter, Text, z } from "../openapi";

const Points = z.number().int().positive().max(100_000_000);

const NewTransfer = z.strictObject({
  fromMemberId: Id,
  to: z.union([z.strictObject({ memberId: Id }), z.strictObject({ pool: z.literal("wish") })]),
  points: Points,
  memo: Text(200).optional(),
});

const Transfer = z
  .object({
    id: z.string(),
    transactionId: z.string(),
    fromMemberId: z.string(),
    to: z.union([z.object({ memberId: z.string(), passbookNo: z.string() }), z.object({ pool: z.literal("wish") })]),
    points: z.number().int(),
    memo: z.string().nullable(),
    at: z.string(),
  })
  .openapi("Transfer");

const NewGrant = z.strictObject({
  memberId: Id,
  points: Points,
  reason: Text(500),
  beneficiaryGroup: z.enum(beneficiaryGroups).optional().openapi({ description: "published instead of the member; default other" }),
});

const Grant = z
  .object({
    id: z.string(),
    transactionId: z.string(),
    memberId: z.string(),
    points: z.number().int(),
    reason: z.string(),
    beneficiaryGroup: z.enum(beneficiaryGroups),
    at: z.string(),
  })
  .openapi("PoolGrant");

const WishPool = z
  .object({
    balance: z.number().int(),
    income: z.object({ gifts: z.number().int(), aboveCap: z.number().int(), total: z.number().int() }),
    granted: z.number().int(),
    grants: z.array(
      z.object({
        at: z.string(),
        communityId: z.string(),
        communityName: z.string(),
        beneficiaryGroup: z.enum(beneficiaryGroups),
        points: z.number().int(),
        reversed: z.boolean(),
      }),
    ),
  })
  .openapi("WishPool");

export const transferRoutes = newRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/transfers",
      tags: ["points"],
      summary: "Give points to another member or to the wish pool (a member from their own passbook; staff of its community); Idempotency-Key supported",
      description:
        "409 insufficient_points, decided by the database inside the write. Gifts are not earned points: no stars, no ranking. " +
        "Above the recipient's storage cap (rule maxBalance) the rest goes to the wish pool in the same transaction.",
      security: bearer,
      request: jsonBody(NewTransfer),
      responses: { 201: jsonResponse(Transfer, "Given, with the ledger transaction"), ...errorResponses },
    }),
    async (c) => c.json(await createTransfer(c.get("deps").db, principal(c), c.req.valid("json"), writeCtx(c, 201)), 201),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/pools/wish/grants",
      tags: ["points"],
      summary: "Grant points from the wish pool to a member in need (staff of the member's community, admin); Idempotency-Key supported",
      description: "409 insufficient_points when the pool holds too few.",
      security: bearer,
      request: jsonBody(NewGrant),
      responses: { 201: jsonResponse(Grant, "Granted, with the ledger transaction"), ...errorResponses },
    }),
    async (c) => c.json(await grantFromPool(c.get("deps").db, principal(c), c.req.valid("json"), writeCtx(c, 201)), 201),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/public/pools/wish",
      tags: ["public"],
      summary: "The wish pool: balance, income, grants (grantees by community and group only; no login)",
      responses: { 200: jsonResponse(WishPool, "The wish pool") },
    }),
    async (c) => c.json(await wishPoolFigures(c.get("deps").db), 200),
  );
