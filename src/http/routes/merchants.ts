import { createRoute } from "@hono/zod-openapi";
import { createMerchant, createVoucherType, listMerchants, listVoucherTypes, restockVoucherType } from "../../domain/merchants";
import { principal } from "../auth";
import { writeCtx } from "../context";
import { bearer, errorResponses, Id, IdParam, jsonBody, jsonResponse, newRouter, pageOf, PageQuery, Text, z } from "../openapi";

const Merchant = z.object({ id: z.string(), name: z.string() }).openapi("Merchant");

export const VoucherType = z
  .object({
    id: z.string(),
    merchantId: z.string(),
    merchantName: z.string(),
    name: z.string(),
    pointsCost: z.number().int(),
    stock: z.number().int(),
    validDays: z.number().int(),
    createdAt: z.string(),
    perMemberLimit: z.number().int().nullable().openapi({ description: "vouchers of this type one member may redeem per calendar year; null = no limit" }),
  })
  .openapi("VoucherType");

const NewVoucherType = z.strictObject({
  merchantId: Id,
  name: Text(100),
  pointsCost: z.number().int().min(1).max(1_000_000),
  stock: z.number().int().min(0).max(1_000_000),
  validDays: z.number().int().min(1).max(3660),
  perMemberLimit: z.number().int().min(1).max(1000).nullable().optional(),
});

export const merchantRoutes = newRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/merchants",
      tags: ["vouchers"],
      summary: "Register a voucher partner (admin); its login is made with POST /v1/users role merchant",
      security: bearer,
      request: jsonBody(z.strictObject({ name: Text(100) })),
      responses: { 201: jsonResponse(Merchant.extend({ createdAt: z.string() }), "Created"), ...errorResponses },
    }),
    async (c) => {
      const { db, clock } = c.get("deps");
      return c.json(await createMerchant(db, principal(c), c.req.valid("json"), clock.now().toISOString()), 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/merchants",
      tags: ["vouchers"],
      summary: "Voucher partners (public: names only)",
      request: { query: PageQuery },
      responses: { 200: jsonResponse(pageOf(Merchant), "Merchants"), 400: errorResponses[400] },
    }),
    async (c) => c.json(await listMerchants(c.get("deps").db, c.req.valid("query")), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/voucher-types",
      tags: ["vouchers"],
      summary: "Offer a voucher type: points cost, stock and validity in days (admin)",
      security: bearer,
      request: jsonBody(NewVoucherType),
      responses: { 201: jsonResponse(VoucherType, "Created"), ...errorResponses },
    }),
    async (c) => {
      const { db, clock } = c.get("deps");
      return c.json(await createVoucherType(db, principal(c), c.req.valid("json"), clock.now().toISOString()), 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/voucher-types",
      tags: ["vouchers"],
      summary: "Voucher types with their cost and stock left (public)",
      request: { query: PageQuery.extend({ merchantId: Id.optional() }) },
      responses: { 200: jsonResponse(pageOf(VoucherType), "Voucher types"), 400: errorResponses[400] },
    }),
    async (c) => c.json(await listVoucherTypes(c.get("deps").db, c.req.valid("query")), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/voucher-types/{id}/restock",
      tags: ["vouchers"],
      summary: "Add units to a voucher type's stock (admin; Idempotency-Key supported)",
      security: bearer,
      request: { params: IdParam, ...jsonBody(z.strictObject({ quantity: z.number().int().min(1).max(1_000_000) })) },
      responses: { 200: jsonResponse(VoucherType, "The type with its new stock"), ...errorResponses },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const type = await restockVoucherType(c.get("deps").db, principal(c), id, c.req.valid("json").quantity, writeCtx(c, 200));
      return c.json(type, 200);
    },
  );
