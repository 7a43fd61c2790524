import { createRoute } from "@hono/zod-openapi";
import {
  approveServiceRecord,
  createServiceRecord,
  listServiceRecords,
  rejectServiceRecord,
} from "../../domain/service-records";
import { recordMethods, serviceRecordStatuses } from "../../vocabulary";
import { principal } from "../auth";
import { writeCtx } from "../context";
import { bearer, errorResponses, Id, IdParam, IsoDate, jsonBody, jsonResponse, newRouter, pageOf, PageQuery, Text, z } from "../openapi";

export const ServiceRecord = z
  .object({
    id: z.string(),
    memberId: z.string(),
    communityId: z.string(),
    activityId: z.string().nullable(),
    categoryId: z.string().nullable(),
    date: z.string().openapi({ description: "The service date, in the bank's time zone" }),
    minutes: z.number().int(),
    description: z.string(),
    status: z.enum(serviceRecordStatuses),
    reason: z.string().nullable(),
    method: z.enum(recordMethods).openapi({ description: "How the hours were recorded" }),
    evidenceRef: z.string().nullable(),
    recordedBy: z.string().openapi({ description: "The user who recorded the hours" }),
    approvedBy: z.string().nullable().openapi({ description: "The user who approved them, once approved" }),
    decidedBy: z.string().nullable(),
    decidedAt: z.string().nullable(),
    pointsAwarded: z.number().int().nullable(),
    transactionId: z.string().nullable(),
    reversalId: z.string().nullable().openapi({ description: "The reversal of the credit, if it was reversed: the hours no longer count" }),
    createdAt: z.string(),
  })
  .openapi("ServiceRecord");

const NewServiceRecord = z.strictObject({
  memberId: Id,
  activityId: Id.optional(),
  categoryId: Id.optional().openapi({ description: "Defaults to the activity's category" }),
  method: z.enum(["staff_entry", "backfill"]).optional().openapi({
    description: "Staff only. Entries more than a day after the service date are back-filled anyway; a member's report is a claim",
  }),
  evidenceRef: Text(200).optional().openapi({ description: "Where the proof is kept (a sign-in sheet, a photo's number)" }),
  date: IsoDate.openapi({ description: "The day of the service; decides the rule version used on approval" }),
  minutes: z.number().int().min(1).max(24 * 60),
  description: Text(500),
});

const RecordQuery = PageQuery.extend({
  status: z.enum(serviceRecordStatuses).optional(),
  memberId: Id.optional(),
  activityId: Id.optional(),
  communityId: Id.optional().openapi({ description: "Administrators only" }),
});

const ListedRecord = ServiceRecord.extend({ memberName: z.string(), passbookNo: z.string() }).openapi("ListedServiceRecord");

export const serviceRecordRoutes = newRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/service-records",
      tags: ["service"],
      summary: "Record volunteer service in minutes (staff of the member's community, or the member for themselves)",
      description: "The record is pending until staff approve or reject it.",
      security: bearer,
      request: jsonBody(NewServiceRecord),
      responses: { 201: jsonResponse(ServiceRecord, "Created, pending"), ...errorResponses },
    }),
    async (c) => c.json(await createServiceRecord(c.get("deps").db, principal(c), c.req.valid("json"), writeCtx(c, 201)), 201),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/service-records",
      tags: ["service"],
      summary: "List service records, newest first (staff: own community; admin: all; member: their own)",
      security: bearer,
      request: { query: RecordQuery },
      responses: { 200: jsonResponse(pageOf(ListedRecord), "Service records, each with its member's name and passbook number"), ...errorResponses },
    }),
    async (c) => c.json(await listServiceRecords(c.get("deps").db, principal(c), c.req.valid("query")), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/service-records/{id}/approve",
      tags: ["service"],
      summary: "Approve a pending record and credit its points (staff of the member's community)",
      description:
        "Credits the hourly rate of the record's category under the rule version in force on the service date (none for back-filled hours when the version says so). 409 record_not_pending; same_person when the version requires a second approver and you recorded it; limit_reached over maxMinutesPerDay. Accepts Idempotency-Key. Send {}.",
      security: bearer,
      request: { params: IdParam, ...jsonBody(z.strictObject({})) },
      responses: {
        200: jsonResponse(ServiceRecord.extend({ ruleVersion: z.number().int() }), "Approved, with the ledger transactionId"),
        ...errorResponses,
      },
    }),
    async (c) => c.json(await approveServiceRecord(c.get("deps").db, principal(c), c.req.valid("param").id, writeCtx(c, 200)), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/service-records/{id}/reject",
      tags: ["service"],
      summary: "Reject a pending record with a reason (staff of the member's community)",
      description: "409 record_not_pending.",
      security: bearer,
      request: { params: IdParam, ...jsonBody(z.strictObject({ reason: Text(500) })) },
      responses: { 200: jsonResponse(ServiceRecord, "Rejected"), ...errorResponses },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      return c.json(await rejectServiceRecord(c.get("deps").db, principal(c), id, c.req.valid("json"), writeCtx(c, 200)), 200);
    },
  );
