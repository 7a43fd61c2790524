import { createRoute } from "@hono/zod-openapi";
import { getTransaction, reverseTransaction } from "../../domain/transactions";
import { principal } from "../auth";
import { writeCtx } from "../context";
import { bearer, errorResponses, IdParam, jsonBody, jsonResponse, newRouter, Text, z } from "../openapi";
import { assets, transactionKinds } from "../../vocabulary";

export const Transaction = z
  .object({
    id: z.string(),
    seq: z.number().int(),
    kind: z.enum(transactionKinds),
    at: z.string(),
    memo: z.string(),
    reversesId: z.string().nullable(),
    reversedBy: z.string().nullable(),
    ruleVersion: z.number().int().nullable(),
    communityId: z.string().nullable(),
    refType: z.string().nullable(),
    refId: z.string().nullable(),
    createdBy: z.string().nullable(),
    prevHash: z.string().nullable().openapi({ description: "null until sealed into the hash chain, right after commit" }),
    hash: z.string().nullable(),
    postings: z.array(
      z.object({ account: z.string(), asset: z.enum(assets), amount: z.number().int(), balanceAfter: z.number().int() }),
    ),
  })
  .openapi("Transaction");

export const transactionRoutes = newRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/transactions/{id}",
      tags: ["ledger"],
      summary: "One ledger transaction with its postings, for audit (admin; staff of its community)",
      security: bearer,
      request: { params: IdParam },
      responses: { 200: jsonResponse(Transaction, "The transaction"), ...errorResponses },
    }),
    async (c) => c.json(await getTransaction(c.get("deps").db, principal(c), c.req.valid("param").id), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/transactions/{id}/reverse",
      tags: ["ledger"],
      summary: "Correct a mistake by posting its exact reversal (admin, with a reason); Idempotency-Key supported",
      description:
        "409 already_reversed on a second try; 409 reversal_would_overdraw when a balance would go negative. " +
        "A reversed voucher redemption cancels the voucher; a reversed acceptance makes it issued again; " +
        "a reversed earning lowers the earned total (stars never go down).",
      security: bearer,
      request: { params: IdParam, ...jsonBody(z.strictObject({ reason: Text(500) })) },
      responses: { 201: jsonResponse(Transaction, "The reversing transaction"), ...errorResponses },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const tx = await reverseTransaction(c.get("deps").db, principal(c), id, c.req.valid("json").reason, writeCtx(c, 201));
      return c.json(tx, 201);
    },
  );
