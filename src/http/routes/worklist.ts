import { createRoute } from "@hono/zod-openapi";
import { staffWorklist } from "../../domain/worklist";
import { principal } from "../auth";
import { bearer, errorResponses, Id, jsonResponse, newRouter, z } from "../openapi";
import { fundPurposes } from "../../vocabulary";

const section = <T extends z.ZodTypeAny>(item: T) => z.object({ count: z.number().int(), items: z.array(item) });

const WishItem = z.object({
  id: z.string(),
  title: z.string(),
  status: z.string(),
  deadline: z.string().nullable(),
  claimDeadline: z.string().nullable(),
  fulfilledAt: z.string().nullable(),
  claimedByName: z.string().nullable(),
  claimedByPassbookNo: z.string().nullable(),
});

const Worklist = z
  .object({
    wishesToConfirm: section(WishItem),
    claimsDue: section(WishItem),
    openWishesOverdue: section(WishItem),
    pendingServiceRecords: section(
      z.object({ id: z.string(), date: z.string(), minutes: z.number().int(), description: z.string(), activityId: z.string().nullable(), memberName: z.string(), passbookNo: z.string() }),
    ),
    pendingExpenses: section(
      z.object({
        id: z.string(),
        at: z.string(),
        amountFen: z.number().int(),
        purpose: z.enum(fundPurposes),
        description: z.string(),
        payee: z.string().nullable(),
        communityId: z.string().nullable(),
        recordedByUserId: z.string(),
        recorderName: z.string().nullable(),
        recordedByYou: z.boolean().openapi({ description: "the caller recorded it, so cannot approve it (409 same_person): a colleague must" }),
      }),
    ).openapi({ description: "fund expenses waiting for approval (status pending), oldest first" }),
    vouchersExpiring: section(
      z.object({ code: z.string(), expiresAt: z.string(), voucherTypeName: z.string(), memberName: z.string(), passbookNo: z.string(), phone: z.string().nullable() }),
    ),
    lowVoucherStock: section(z.object({ id: z.string(), name: z.string(), stock: z.number().int(), merchantName: z.string() })),
  })
  .openapi("Worklist");

export const worklistRoutes = newRouter().openapi(
  createRoute({
    method: "get",
    path: "/v1/worklist",
    tags: ["operations"],
    summary: "What the community office has to do next: wishes to confirm (回访), claims due (催办), overdue open wishes, pending service records, expenses waiting for approval, expiring vouchers, low stock (staff: own community; admin: all or ?communityId=)",
    security: bearer,
    request: { query: z.strictObject({ communityId: Id.optional().openapi({ description: "Administrators only" }) }) },
    responses: { 200: jsonResponse(Worklist, "The worklist; each section has its count and its first items"), ...errorResponses },
  }),
  async (c) => {
    const { db, clock } = c.get("deps");
    return c.json(await staffWorklist(db, principal(c), clock.now().toISOString(), c.req.valid("query")), 200);
  },
);
