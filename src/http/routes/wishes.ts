import { createRoute } from "@hono/zod-openapi";
import {
  cancelWish,
  claimWish,
  confirmWish,
  createWish,
  fulfilWish,
  getWish,
  listWishes,
  releaseWish,
} from "../../domain/wishes";
import { beneficiaryGroups, wishKinds, wishStatuses } from "../../vocabulary";
import { principal } from "../auth";
import { writeCtx } from "../context";
import { bearer, errorResponses, Fen, Id, IdParam, IsoDate, IsoDateTime, jsonBody, jsonResponse, newRouter, pageOf, PageQuery, Text, z } from "../openapi";

export const Wish = z
  .object({
    id: z.string(),
    communityId: z.string(),
    title: z.string(),
    description: z.string(),
    kind: z.enum(wishKinds),
    estimatedValueFen: z.number().int().nullable(),
    beneficiaryGroup: z.enum(beneficiaryGroups),
    beneficiary: z
      .object({ name: z.string(), contact: z.string().nullable() })
      .nullable()
      .openapi({ description: "Private: shown to staff of the community and administrators only; null for members" }),
    deadline: z.string().nullable(),
    status: z.enum(wishStatuses),
    claimedBy: z.string().nullable().openapi({ description: "The claiming member's id" }),
    claimedAt: z.string().nullable(),
    claimDeadline: z.string().nullable(),
    fulfilledAt: z.string().nullable(),
    fulfilNote: z.string().nullable(),
    goodsValueFen: z.number().int().nullable(),
    confirmedAt: z.string().nullable(),
    satisfaction: z.number().int().nullable(),
    feedback: z.string().nullable(),
    pointsAwarded: z.number().int().nullable(),
    transactionId: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi("Wish");

const WishEvent = z.object({
  fromStatus: z.enum(wishStatuses).nullable(),
  toStatus: z.enum(wishStatuses),
  actorUserId: z.string().nullable(),
  actor: z.string().nullable().openapi({ description: 'The acting username, or "system" for automatic releases; a member reading another person\'s step sees only their role' }),
  at: z.string(),
  note: z.string().nullable(),
});
const WishWithHistory = Wish.extend({ events: z.array(WishEvent) }).openapi("WishWithHistory");

/** A date (YYYY-MM-DD, the end of that day in the bank's time zone) or a date-time. */
const Deadline = z
  .union([IsoDateTime, IsoDate])
  .openapi({ description: "ISO 8601 date-time, or a date meaning the end of that day in the bank's time zone", example: "2026-04-30" });

const NewWish = z.strictObject({
  communityId: Id.optional().openapi({ description: "Required for administrators; staff register in their own community" }),
  title: Text(100),
  description: Text(2000),
  kind: z.enum(wishKinds),
  estimatedValueFen: Fen.optional(),
  beneficiaryGroup: z.enum(beneficiaryGroups),
  beneficiary: z.strictObject({ name: Text(50), contact: Text(100).optional() }),
  deadline: Deadline.optional(),
});

const WishQuery = PageQuery.extend({
  status: z.enum(wishStatuses).optional(),
  communityId: Id.optional().openapi({ description: "Administrators only; staff and members always see their own community" }),
});

const ListedWish = Wish.extend({ claimedByName: z.string().nullable(), claimedByPassbookNo: z.string().nullable() }).openapi("ListedWish");

const Claim = z.strictObject({
  memberId: Id.optional().openapi({ description: "Staff claim on behalf of a member of the community; a member claims for themselves" }),
});
const Release = z.strictObject({});
const Cancel = z.strictObject({ reason: Text(500).optional() });
const Fulfil = z.strictObject({ note: Text(1000).optional(), goodsValueFen: Fen.optional() });
const Confirm = z.strictObject({ satisfaction: z.number().int().min(1).max(5), feedback: Text(1000).optional() });

const action = <P extends string, B extends z.ZodTypeAny>(path: P, summary: string, body: B, description: string) =>
  createRoute({
    method: "post",
    path: `/v1/wishes/{id}/${path}`,
    tags: ["wishes"],
    summary,
    description,
    security: bearer,
    request: { params: IdParam, ...jsonBody(body) },
    responses: { 200: jsonResponse(Wish, "The wish in its new state"), ...errorResponses },
  });

export const wishRoutes = newRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/wishes",
      tags: ["wishes"],
      summary: "Register a micro-wish (微心愿) (staff, admin)",
      security: bearer,
      request: jsonBody(NewWish),
      responses: { 201: jsonResponse(Wish, "Created, open"), ...errorResponses },
    }),
    async (c) => c.json(await createWish(c.get("deps").db, principal(c), c.req.valid("json"), writeCtx(c, 201)), 201),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/wishes",
      tags: ["wishes"],
      summary: "List wishes, newest first",
      description:
        "Staff: their community; administrators: all or ?communityId=. Members: the open wishes of their community and the wishes they claimed, without the beneficiary's name or contact.",
      security: bearer,
      request: { query: WishQuery },
      responses: { 200: jsonResponse(pageOf(ListedWish), "Wishes, each with its claimer's name and passbook number"), ...errorResponses },
    }),
    async (c) => c.json(await listWishes(c.get("deps").db, principal(c), c.req.valid("query")), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/wishes/{id}",
      tags: ["wishes"],
      summary: "One wish with the history of its state changes (who, when)",
      security: bearer,
      request: { params: IdParam },
      responses: { 200: jsonResponse(WishWithHistory, "The wish"), ...errorResponses },
    }),
    async (c) => c.json(await getWish(c.get("deps").db, principal(c), c.req.valid("param").id), 200),
  )
  .openapi(
    action("claim", "Claim an open wish", Claim, "A member claims for themselves; staff send {memberId}. 409 wish_not_open."),
    async (c) => {
      const ctx = { ...writeCtx(c, 200), claimDays: c.get("deps").claimDays ?? 7 };
      return c.json(await claimWish(c.get("deps").db, principal(c), c.req.valid("param").id, c.req.valid("json"), ctx), 200);
    },
  )
  .openapi(
    action("release", "Release a claim (the claimer, staff)", Release, "Back to open. 409 wish_not_claimed, claim_not_yours."),
    async (c) => c.json(await releaseWish(c.get("deps").db, principal(c), c.req.valid("param").id, writeCtx(c, 200)), 200),
  )
  .openapi(
    action("cancel", "Cancel an open wish (staff)", Cancel, "409 wish_not_open."),
    async (c) => c.json(await cancelWish(c.get("deps").db, principal(c), c.req.valid("param").id, c.req.valid("json"), writeCtx(c, 200)), 200),
  )
  .openapi(
    action("fulfil", "Record that a claimed wish was fulfilled (the claimer, staff)", Fulfil, "409 wish_not_claimed, claim_not_yours."),
    async (c) => c.json(await fulfilWish(c.get("deps").db, principal(c), c.req.valid("param").id, c.req.valid("json"), writeCtx(c, 200)), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/wishes/{id}/confirm",
      tags: ["wishes"],
      summary: "Confirm a fulfilled wish after the follow-up visit; credits the claimer (staff)",
      description: "Credits pointsPerWishFulfilled of the rule version in force now. 409 wish_not_fulfilled. Accepts Idempotency-Key.",
      security: bearer,
      request: { params: IdParam, ...jsonBody(Confirm) },
      responses: {
        200: jsonResponse(Wish.extend({ ruleVersion: z.number().int() }), "Confirmed, with the ledger transactionId"),
        ...errorResponses,
      },
    }),
    async (c) => c.json(await confirmWish(c.get("deps").db, principal(c), c.req.valid("param").id, c.req.valid("json"), writeCtx(c, 200)), 200),
  );
