import { createRoute } from "@hono/zod-openapi";
import {
  approveReversal,
  correctWish,
  listReversalRequests,
  mergePassbook,
  moveMember,
  REDACTABLE,
  rejectReversal,
  requestReversal,
  wishCorrectionsOf,
} from "../../domain/corrections";
import { principal } from "../auth";
import { writeCtx } from "../context";
import { bearer, errorResponses, Id, IdParam, jsonBody, jsonResponse, newRouter, pageOf, PageQuery, Text, z } from "../openapi";
import { Transaction } from "./transactions";
import { Wish } from "./wishes";

// Corrections with a path (issue 18 §3). Domain: src/domain/corrections.ts.

const WishChange = z
  .strictObject({
    title: Text(100).optional(),
    description: Text(2000).optional(),
    beneficiary: z.strictObject({ name: Text(50), contact: Text(100).nullable().optional() }).optional(),
    redact: z
      .strictObject({ field: z.enum(REDACTABLE), reason: Text(200), replacement: Text(100).optional() })
      .optional()
      .openapi({ description: "Redact a public text at any time (e.g. a name typed into a title); the original and the reason are kept for administrators" }),
  })
  .refine((b) => Object.keys(b).length > 0, "send a field to correct, or redact")
  .refine((b) => !b.redact || Object.keys(b).length === 1, "a redaction comes alone");

const WishCorrection = z
  .object({
    id: z.string(),
    kind: z.enum(["correction", "redaction"]),
    field: z.string(),
    original: z.string().nullable(),
    replacement: z.string().nullable(),
    reason: z.string().nullable(),
    by: z.string(),
    at: z.string(),
  })
  .openapi("WishCorrection");

const ReversalRequest = z
  .object({
    id: z.string(),
    transactionId: z.string(),
    communityId: z.string().nullable(),
    reason: z.string(),
    status: z.enum(["pending", "approved", "rejected"]),
    requestedBy: z.string(),
    requestedAt: z.string(),
    decidedBy: z.string().nullable(),
    decidedAt: z.string().nullable(),
    decisionNote: z.string().nullable(),
    reversalId: z.string().nullable(),
  })
  .openapi("ReversalRequest");

const MovedMember = z.object({ id: z.string(), communityId: z.string(), passbookNo: z.string(), earnedTotal: z.number().int(), stars: z.number().int() });
const Merge = z
  .object({
    into: z.object({ id: z.string(), passbookNo: z.string() }),
    duplicate: z.object({ id: z.string(), passbookNo: z.string(), closed: z.literal(true) }),
    points: z.number().int(),
    earnedTotal: z.number().int(),
    transactionId: z.string().nullable(),
  })
  .openapi("PassbookMerge");

export const correctionRoutes = newRouter()
  .openapi(
    createRoute({
      method: "patch",
      path: "/v1/wishes/{id}",
      tags: ["wishes"],
      summary: "Correct a wish's title, description or beneficiary until it is confirmed, or redact a public text (staff of its community, admin)",
      security: bearer,
      request: { params: IdParam, ...jsonBody(WishChange) },
      responses: { 200: jsonResponse(Wish, "Corrected"), ...errorResponses },
    }),
    async (c) => c.json(await correctWish(c.get("deps").db, principal(c), c.req.valid("param").id, c.req.valid("json"), writeCtx(c, 200)), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/wishes/{id}/corrections",
      tags: ["wishes"],
      summary: "A wish's corrections and redactions with their originals and reasons (admin)",
      security: bearer,
      request: { params: IdParam },
      responses: { 200: jsonResponse(z.object({ items: z.array(WishCorrection) }), "Corrections"), ...errorResponses },
    }),
    async (c) => c.json(await wishCorrectionsOf(c.get("deps").db, principal(c), c.req.valid("param").id), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/transactions/{id}/reversal-request",
      tags: ["ledger"],
      summary: "Ask for a reversal, with a reason (staff of the transaction's community, admin); another administrator decides",
      security: bearer,
      request: { params: IdParam, ...jsonBody(z.strictObject({ reason: Text(500) })) },
      responses: { 201: jsonResponse(ReversalRequest, "Asked"), ...errorResponses },
    }),
    async (c) =>
      c.json(await requestReversal(c.get("deps").db, principal(c), c.req.valid("param").id, c.req.valid("json").reason, writeCtx(c, 201)), 201),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/reversal-requests",
      tags: ["ledger"],
      summary: "The reversal worklist: requests by status (pending by default), newest first (admin; staff their community's)",
      security: bearer,
      request: { query: PageQuery.extend({ status: z.enum(["pending", "approved", "rejected"]).optional() }) },
      responses: { 200: jsonResponse(pageOf(ReversalRequest), "Requests"), ...errorResponses },
    }),
    async (c) => c.json(await listReversalRequests(c.get("deps").db, principal(c), c.req.valid("query")), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/transactions/{id}/reversal-request/approve",
      tags: ["ledger"],
      summary: "Approve the pending reversal request and post the reversal in the same write (admin other than the asker: 409 same_person)",
      security: bearer,
      request: { params: IdParam, ...jsonBody(z.strictObject({ note: Text(500).optional() })) },
      responses: { 201: jsonResponse(Transaction, "The reversal"), ...errorResponses },
    }),
    async (c) =>
      c.json(await approveReversal(c.get("deps").db, principal(c), c.req.valid("param").id, c.req.valid("json").note, writeCtx(c, 201)), 201),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/transactions/{id}/reversal-request/reject",
      tags: ["ledger"],
      summary: "Reject the pending reversal request, with a reason (admin); nothing moves",
      security: bearer,
      request: { params: IdParam, ...jsonBody(z.strictObject({ reason: Text(500) })) },
      responses: { 200: jsonResponse(ReversalRequest, "Rejected"), ...errorResponses },
    }),
    async (c) =>
      c.json(await rejectReversal(c.get("deps").db, principal(c), c.req.valid("param").id, c.req.valid("json").reason, writeCtx(c, 200)), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/members/{id}/move",
      tags: ["members"],
      summary: "Move a member to another community, keeping balance, history and stars (staff of the member's community, admin)",
      security: bearer,
      request: { params: IdParam, ...jsonBody(z.strictObject({ communityId: Id, reason: Text(200).optional() })) },
      responses: { 200: jsonResponse(MovedMember, "Moved"), ...errorResponses },
    }),
    async (c) => c.json(await moveMember(c.get("deps").db, principal(c), c.req.valid("param").id, c.req.valid("json"), writeCtx(c, 200)), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/members/{id}/merge",
      tags: ["members"],
      summary: "Merge a duplicate passbook into this one: its points move in the ledger, its login is disabled, it is closed (staff of both, admin)",
      security: bearer,
      request: { params: IdParam, ...jsonBody(z.strictObject({ duplicateMemberId: Id, reason: Text(200).optional() })) },
      responses: { 200: jsonResponse(Merge, "Merged"), ...errorResponses },
    }),
    async (c) => c.json(await mergePassbook(c.get("deps").db, principal(c), c.req.valid("param").id, c.req.valid("json"), writeCtx(c, 200)), 200),
  );
