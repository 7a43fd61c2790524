import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import { getCertificate, issueCertificate, listCertificates, revokeCertificate, verifyCertificate } from "../../domain/certificates";
import { recordMethods } from "../../vocabulary";
import { principal } from "../auth";
import { writeCtx } from "../context";
import type { AppEnv } from "../env";
import { bearer, errorResponses, IdParam, IsoDate, jsonBody, jsonResponse, newRouter, pageOf, PageQuery, Text, z } from "../openapi";

const origin = (c: Context<AppEnv>) => new URL(c.req.url).origin;

const Line = z.object({
  title: z.string(),
  date: z.string().openapi({ description: "The service date (bank time zone)" }),
  minutes: z.number().int(),
  category: z.string().nullable(),
  method: z.enum(recordMethods).openapi({ description: "How the hours were recorded; back-filled hours are printed as 补录" }),
  changedAfterIssue: z.boolean().openapi({ description: "The record was reversed after the certificate was issued" }),
});

const Issuer = z.object({
  community: z.string(),
  personInCharge: z.string().nullable(),
  handler: z.string(),
  contact: z.string().nullable().openapi({ description: "The issuing office's contact, as printed" }),
});

const paper = {
  number: z.string().openapi({ example: "CS-ZM-2026-00001-7KQ4" }),
  memberName: z.string(),
  from: z.string(),
  to: z.string(),
  minutes: z.number().int().openapi({ description: "Total certified service, in minutes (approved, unreversed, travel not counted)" }),
  backfillMinutes: z.number().int().openapi({ description: "Of minutes, those back-filled by staff after the fact" }),
  serviceStars: z.number().int().min(0).max(5).openapi({ description: "The national star level by all-time hours on the day of issue" }),
  activities: z.array(Line),
  issuer: Issuer,
  issuedAt: z.string(),
  revoked: z.boolean(),
  revokedAt: z.string().nullable(),
  changedAfterIssue: z.boolean(),
};

export const Certificate = z
  .object({
    id: z.string(),
    memberId: z.string(),
    communityId: z.string(),
    ...paper,
    issuedBy: z.string(),
    revokedBy: z.string().nullable(),
    revokeReason: z.string().nullable(),
    verifyUrl: z.string().openapi({ description: "The public verification page the paper's QR code carries" }),
  })
  .openapi("Certificate");

const Verification = z
  .object({ ...paper, valid: z.boolean().openapi({ description: "Not revoked, and no record it counts was reversed after issue" }) })
  .openapi("CertificateVerification");

const NewCertificate = z
  .strictObject({
    from: IsoDate.openapi({ description: "First service date covered (bank time zone)" }),
    to: IsoDate.openapi({ description: "Last service date covered, not after today" }),
    personInCharge: Text(50).optional().openapi({ description: "负责人 as printed; left blank to sign by hand" }),
    handler: Text(50).optional().openapi({ description: "经办人; default the issuing login" }),
    contact: Text(50).optional().openapi({ description: "The office's contact (a desk telephone), as printed" }),
  })
  .openapi("NewCertificate");

const NumberParam = z.strictObject({ number: z.string().min(1).max(64).openapi({ param: { name: "number", in: "path" } }) });

export const certificateRoutes = newRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/members/{id}/certificates",
      tags: ["service"],
      summary: "Issue a 志愿服务记录证明 for the member's service in a period (staff of the member's community, admin)",
      description:
        "Certifies the approved, unreversed records with a service date from `from` to `to`. The facts are fixed at issue. 409 conflict when there is nothing to certify.",
      security: bearer,
      request: { params: IdParam, ...jsonBody(NewCertificate) },
      responses: { 201: jsonResponse(Certificate, "Issued, with its number and verification URL"), ...errorResponses },
    }),
    async (c) => {
      const ctx = { ...writeCtx(c, 201), origin: origin(c) };
      return c.json(await issueCertificate(c.get("deps").db, principal(c), c.req.valid("param").id, c.req.valid("json"), ctx), 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/members/{id}/certificates",
      tags: ["service"],
      summary: "The certificates issued for a member, newest first (staff of the community, admin, the member)",
      security: bearer,
      request: { params: IdParam, query: PageQuery },
      responses: { 200: jsonResponse(pageOf(Certificate), "The member's certificates"), ...errorResponses },
    }),
    async (c) =>
      c.json(await listCertificates(c.get("deps").db, principal(c), c.req.valid("param").id, c.req.valid("query"), origin(c)), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/certificates/{id}",
      tags: ["service"],
      summary: "One certificate with who issued it and any revocation (staff of its community, admin, the member)",
      security: bearer,
      request: { params: IdParam },
      responses: { 200: jsonResponse(Certificate, "The certificate"), ...errorResponses },
    }),
    async (c) => c.json(await getCertificate(c.get("deps").db, principal(c), c.req.valid("param").id, origin(c)), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/certificates/{id}/revoke",
      tags: ["service"],
      summary: "Revoke a certificate with a reason (admin)",
      description: "409 certificate_revoked when it already was.",
      security: bearer,
      request: { params: IdParam, ...jsonBody(z.strictObject({ reason: Text(500) })) },
      responses: { 200: jsonResponse(Certificate, "Revoked"), ...errorResponses },
    }),
    async (c) => {
      const ctx = { ...writeCtx(c, 200), origin: origin(c) };
      return c.json(await revokeCertificate(c.get("deps").db, principal(c), c.req.valid("param").id, c.req.valid("json"), ctx), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/public/certificates/{number}",
      tags: ["public"],
      summary: "Verify a certificate by its number (anyone): exactly what the paper shows, and whether it is valid",
      description: "Never a phone, ID or passbook number. Not cached: a revocation shows at once.",
      request: { params: NumberParam },
      responses: { 200: jsonResponse(Verification, "The certificate as issued, with its standing"), ...errorResponses },
    }),
    async (c) => {
      c.header("Cache-Control", "no-cache");
      return c.json(await verifyCertificate(c.get("deps").db, c.req.valid("param").number), 200);
    },
  );
