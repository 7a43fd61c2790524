import { createRoute } from "@hono/zod-openapi";
import { createActivity, listActivities } from "../../domain/activities";
import { principal } from "../auth";
import { writeCtx } from "../context";
import { bearer, errorResponses, Id, IsoDate, jsonBody, jsonResponse, newRouter, pageOf, PageQuery, Text, z } from "../openapi";

const Activity = z
  .object({ id: z.string(), communityId: z.string(), title: z.string(), date: z.string(), place: z.string(), createdAt: z.string() })
  .openapi("Activity");

const NewActivity = z.strictObject({
  communityId: Id.optional().openapi({ description: "Required for administrators; staff record in their own community" }),
  title: Text(100),
  date: IsoDate,
  place: Text(200),
});

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
    async (c) => {
      return c.json(await createActivity(c.get("deps").db, principal(c), c.req.valid("json"), writeCtx(c, 201)), 201);
    },
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
  );
