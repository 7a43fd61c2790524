import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import { acceptVoucher, cancelVoucher, getVoucher, listVouchers, redeemVoucher } from "../../domain/vouchers";
import { principal } from "../auth";
import { writeCtx } from "../context";
import type { AppEnv } from "../env";
import { bearer, errorResponses, Id, jsonBody, jsonResponse, newRouter, pageOf, PageQuery, z } from "../openapi";
import { voucherStatuses } from "../../vocabulary";

const Status = z.enum(voucherStatuses);

export const Voucher = z
  .object({
    id: z.string(),
    code: z.string().openapi({ description: "16 Crockford base32 characters in groups of 4; masked but the last group in a merchant's list" }),
    voucherTypeId: z.string(),
    voucherTypeName: z.string(),
    merchantId: z.string(),
    merchantName: z.string(),
    memberId: z.string(),
    passbookNo: z.string(),
    pointsCost: z.number().int(),
    status: Status.openapi({ description: "an issued voucher past expiresAt is shown expired" }),
    issuedAt: z.string(),
    expiresAt: z.string(),
    closedAt: z.string().nullable(),
    issueTransactionId: z.string(),
    closeTransactionId: z.string().nullable(),
  })
  .openapi("Voucher");

const VoucherWrite = Voucher.extend({ transactionId: z.string() }).openapi("VoucherWithTransaction");

/** A code as a person types it: case, spaces, dashes and look-alike letters are forgiven. */
const CodeParam = z.strictObject({
  code: z
    .string()
    .min(1)
    .max(40)
    .regex(/^[A-Za-z0-9 -]+$/, "letters, digits, spaces and - only")
    .openapi({ param: { name: "code", in: "path" }, example: "7K3Q-M9XA-2D4F-8HNB" }),
});

const Redeem = z.strictObject({ voucherTypeId: Id, memberId: Id.optional() });
/** Accept and cancel take an empty JSON object, like the other state changes. */
const NoFields = z.strictObject({});

const now = (c: Context<AppEnv>) => c.get("deps").clock.now().toISOString();

export const voucherRoutes = newRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/vouchers",
      tags: ["vouchers"],
      summary: "Redeem points for a voucher (a member for self, or staff {memberId}); Idempotency-Key supported",
      description: "409 insufficient_points or out_of_stock; both decided by the database inside the write.",
      security: bearer,
      request: jsonBody(Redeem),
      responses: { 201: jsonResponse(VoucherWrite, "Issued, with the ledger transaction"), ...errorResponses },
    }),
    async (c) => {
      const voucher = await redeemVoucher(c.get("deps").db, principal(c), c.req.valid("json"), writeCtx(c, 201));
      return c.json(voucher, 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/vouchers",
      tags: ["vouchers"],
      summary: "Vouchers, newest first (member: own; staff: community; merchant: theirs; admin: all)",
      security: bearer,
      request: { query: PageQuery.extend({ status: Status.optional(), memberId: Id.optional(), voucherTypeId: Id.optional() }) },
      responses: { 200: jsonResponse(pageOf(Voucher), "Vouchers"), ...errorResponses },
    }),
    async (c) => c.json(await listVouchers(c.get("deps").db, principal(c), c.req.valid("query"), now(c)), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/vouchers/{code}",
      tags: ["vouchers"],
      summary: "One voucher by code (holder, staff of the holder's community, admin, or the merchant it is for)",
      security: bearer,
      request: { params: CodeParam },
      responses: { 200: jsonResponse(Voucher, "The voucher"), ...errorResponses },
    }),
    async (c) => c.json(await getVoucher(c.get("deps").db, principal(c), c.req.valid("param").code, now(c)), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/vouchers/{code}/accept",
      tags: ["vouchers"],
      summary: "Accept (核销) a voucher: the merchant it is for only; points are retired",
      description: "409 voucher_not_issued when it is used, cancelled or expired. Idempotency-Key supported.",
      security: bearer,
      request: { params: CodeParam, ...jsonBody(NoFields) },
      responses: { 200: jsonResponse(VoucherWrite, "Used, with the ledger transaction"), ...errorResponses },
    }),
    async (c) => {
      const voucher = await acceptVoucher(c.get("deps").db, principal(c), c.req.valid("param").code, writeCtx(c, 200));
      return c.json(voucher, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/vouchers/{code}/cancel",
      tags: ["vouchers"],
      summary: "Cancel an issued voucher (holder, or staff of the holder's community): points and the unit go back",
      description: "409 voucher_not_issued when it is used, cancelled or expired. Idempotency-Key supported.",
      security: bearer,
      request: { params: CodeParam, ...jsonBody(NoFields) },
      responses: { 200: jsonResponse(VoucherWrite, "Cancelled, with the ledger transaction"), ...errorResponses },
    }),
    async (c) => {
      const voucher = await cancelVoucher(c.get("deps").db, principal(c), c.req.valid("param").code, writeCtx(c, 200));
      return c.json(voucher, 200);
    },
  );
