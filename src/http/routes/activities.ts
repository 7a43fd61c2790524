import { createRoute } from "@hono/zod-openapi";
import { approveActivity, checkIn, checkOut, createActivity, listActivities, openCheckin, recordAttendance } from "../../domain/activities";
import { principal } from "../auth";
import { writeCtx } from "../context";
import {
  bearer,
  errorResponses,
  Id,
  IdParam,
  IsoDate,
  IsoDateTime,
  jsonBody,
  jsonResponse,
  newRouter,
  pageOf,
  PageQuery,
  Text,
  z,
} from "../openapi";
import { ServiceRecord } from "./service-records";

const Activity = z
  .object({
    id: z.string(),
    communityId: z.string(),
    title: z.string(),
    date: z.string().openapi({ description: "The bank's date of the outing" }),
    place: z.string(),
    startAt: z.string().nullable(),
    endAt: z.string().nullable(),
    categoryId: z.string().nullable(),
    capacity: z.number().int().nullable(),
    createdAt: z.string(),
  })
  .openapi("Activity");

const NewActivity = z.strictObject({
  communityId: Id.optional().openapi({ description: "Required for administrators; staff record in their own community" }),
  title: Text(100),
  date: IsoDate.optional().openapi({ description: "Required without startAt; otherwise the bank's date of startAt" }),
  startAt: IsoDateTime.optional(),
  endAt: IsoDateTime.optional(),
  place: Text(200),
  categoryId: Id.optional(),
  capacity: z.number().int().min(1).max(10_000).optional(),
});

const Minutes = z.number().int().min(1).max(24 * 60);

const AttendanceBody = z.strictObject({
  entries: z.array(z.strictObject({ memberId: Id, minutes: Minutes })).min(1).max(500),
  description: Text(500).optional().openapi({ description: "Defaults to the activity's title" }),
  method: z.enum(["staff_entry", "backfill"]).optional(),
  evidenceRef: Text(200).optional(),
});

const Code = z.strictObject({ code: z.string().trim().min(4).max(12) });

const Approval = z
  .object({
    approved: z.number().int(),
    records: z.array(z.object({ id: z.string(), memberId: z.string(), points: z.number().int(), transactionId: z.string().nullable() })),
  })
  .openapi("ActivityApproval");

export const activityRoutes = newRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/activities",
      tags: ["service"],
      summary: "Record a volunteer activity (an outing) (staff, admin)",
      security: bearer,
      request: jsonBody(NewActivity),
      responses: { 201: jsonResponse(Activity, "Created"), ...errorResponses },
    }),
    async (c) => c.json(await createActivity(c.get("deps").db, principal(c), c.req.valid("json"), writeCtx(c, 201)), 201),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/activities",
      tags: ["service"],
      summary: "List activities, newest first (staff: own community; admin: all or ?communityId=)",
      security: bearer,
      request: { query: PageQuery.extend({ communityId: Id.optional() }) },
      responses: { 200: jsonResponse(pageOf(Activity), "Activities"), ...errorResponses },
    }),
    async (c) => c.json(await listActivities(c.get("deps").db, principal(c), c.req.valid("query")), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/activities/{id}/attendance",
      tags: ["service"],
      summary: "Enter an outing's attendance in one request: every entry pending, or none (staff of its community)",
      description: "409 already_recorded when a member already has hours on the activity; limit_reached over its capacity. Accepts Idempotency-Key.",
      security: bearer,
      request: { params: IdParam, ...jsonBody(AttendanceBody) },
      responses: { 201: jsonResponse(z.object({ items: z.array(ServiceRecord) }), "Created, all pending"), ...errorResponses },
    }),
    async (c) => c.json(await recordAttendance(c.get("deps").db, principal(c), c.req.valid("param").id, c.req.valid("json"), writeCtx(c, 201)), 201),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/activities/{id}/approve",
      tags: ["service"],
      summary: "Approve every pending record of the outing in one write (staff of its community)",
      description: "Each record gets its own credit, reversible on its own. 409 same_person / limit_reached refuse the whole approval. Send {}.",
      security: bearer,
      request: { params: IdParam, ...jsonBody(z.strictObject({})) },
      responses: { 200: jsonResponse(Approval, "Approved"), ...errorResponses },
    }),
    async (c) => c.json(await approveActivity(c.get("deps").db, principal(c), c.req.valid("param").id, writeCtx(c, 200)), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/activities/{id}/checkin-code",
      tags: ["service"],
      summary: "Open signing in and out with a fresh short code to show at the outing (staff of its community)",
      description: "A new code replaces the old one. It closes two hours after the outing ends. Send {}.",
      security: bearer,
      request: { params: IdParam, ...jsonBody(z.strictObject({})) },
      responses: {
        201: jsonResponse(z.object({ activityId: z.string(), code: z.string(), expiresAt: z.string() }).openapi("CheckinCode"), "The code"),
        ...errorResponses,
      },
    }),
    async (c) => c.json(await openCheckin(c.get("deps").db, principal(c), c.req.valid("param").id, writeCtx(c, 201)), 201),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/activities/{id}/checkin",
      tags: ["service"],
      summary: "Sign in at the outing with the code shown there (the member, for themselves)",
      description: "409 checkin_closed when no code is open; already_recorded when already signed in or recorded; limit_reached at capacity.",
      security: bearer,
      request: { params: IdParam, ...jsonBody(Code) },
      responses: {
        201: jsonResponse(z.object({ activityId: z.string(), memberId: z.string(), checkedInAt: z.string() }).openapi("Checkin"), "Signed in"),
        ...errorResponses,
      },
    }),
    async (c) => c.json(await checkIn(c.get("deps").db, principal(c), c.req.valid("param").id, c.req.valid("json"), writeCtx(c, 201)), 201),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/activities/{id}/checkout",
      tags: ["service"],
      summary: "Sign out: records the minutes since signing in, inside the outing's time, as a pending record (method checkin)",
      description: "409 not_checked_in without an open sign-in; checkin_closed when the code closed.",
      security: bearer,
      request: { params: IdParam, ...jsonBody(Code) },
      responses: { 201: jsonResponse(ServiceRecord, "Created, pending"), ...errorResponses },
    }),
    async (c) => c.json(await checkOut(c.get("deps").db, principal(c), c.req.valid("param").id, c.req.valid("json"), writeCtx(c, 201)), 201),
  );
