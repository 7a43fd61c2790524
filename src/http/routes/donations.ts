import { createRoute } from "@hono/zod-openapi";
import { createDonation, getDonation, listDonations, recordGoodsUsage } from "../../domain/donations";
import { beneficiaryGroups, donationKinds, donorTypes, fundPurposes } from "../../vocabulary";
import { principal } from "../auth";
import { writeCtx } from "../context";
import { bearer, errorResponses, Fen, Id, IdParam, jsonBody, jsonResponse, newRouter, pageOf, PageQuery, Text, z } from "../openapi";

const Donation = z
  .object({
    id: z.string(),
    communityId: z.string().nullable(),
    donor: z.object({
      type: z.enum(donorTypes),
      name: z.string().openapi({ description: '"anonymous" for anonymous donors and members who opted out of publication' }),
    }),
    kind: z.enum(donationKinds),
    amountFen: z.number().int().openapi({ description: "Money given, or the valuation of the goods" }),
    goods: z
      .object({ description: z.string(), quantity: z.number().int(), remaining: z.number().int(), valueFen: z.number().int() })
      .nullable(),
    pointsAwarded: z.number().int(),
    restriction: z
      .object({
        purpose: z.enum(fundPurposes).nullable(),
        communityId: z.string().nullable(),
        usedFen: z.number().int().openapi({ description: "drawn by expenses (not counting reversed ones)" }),
        remainingFen: z.number().int(),
      })
      .nullable()
      .openapi({ description: "定向捐赠: what the money may be spent on, and how much of it has been" }),
    transactionId: z.string().nullable().openapi({
      description: "The ledger transaction; null for a member donor unless the caller is staff of the community or an administrator (it would name their passbook account in the public ledger)",
    }),
    reversed: z.boolean().openapi({ description: "The donation's transaction was reversed (it stays listed as recorded)" }),
    reversedBy: z
      .string()
      .nullable()
      .openapi({ description: "The reversing transaction, if reversed; null for a member donor under the same rule as transactionId" }),
    at: z.string(),
  })
  .openapi("Donation");

const RecordedDonation = Donation.extend({
  donor: z.object({ type: z.enum(donorTypes), name: z.string(), memberId: z.string().nullable() }),
}).openapi("RecordedDonation");

const Usage = z.object({
  id: z.string(),
  quantity: z.number().int(),
  wishId: z.string().nullable(),
  beneficiaryGroup: z.string().nullable(),
  note: z.string().nullable().openapi({ description: "Shown to staff of the community and administrators only" }),
  at: z.string(),
});

const NewDonation = z
  .strictObject({
    communityId: Id.optional().openapi({ description: "Administrators may name the station; staff record in their own" }),
    donor: z.strictObject({
      type: z.enum(donorTypes),
      memberId: Id.optional(),
      name: Text(100).optional(),
    }),
    kind: z.enum(donationKinds),
    amountFen: Fen.optional(),
    goods: z
      .strictObject({
        description: Text(200),
        quantity: z.number().int().min(1).max(1_000_000),
        valueFen: Fen.openapi({ description: "The valuation of all the goods together" }),
      })
      .optional(),
    restriction: z
      .strictObject({ purpose: z.enum(fundPurposes).optional(), communityId: Id.optional() })
      .refine((r) => r.purpose !== undefined || r.communityId !== undefined, "name a purpose, a community, or both")
      .optional()
      .openapi({ description: "定向捐赠 (money only): expenses of this purpose and/or community draw on it first; nothing else may spend it" }),
  })
  .superRefine((d, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: "custom", path, message });
    if (d.kind === "money" && (d.amountFen === undefined || d.goods !== undefined)) issue(["amountFen"], "money: send amountFen, not goods");
    if (d.kind === "goods" && (d.goods === undefined || d.amountFen !== undefined)) issue(["goods"], "goods: send goods, not amountFen");
    if (d.kind === "goods" && d.restriction !== undefined) issue(["restriction"], "only money can be restricted");
    const { type, memberId, name } = d.donor;
    if (type === "member" && (memberId === undefined || name !== undefined)) issue(["donor", "memberId"], "a member donor is named by memberId only");
    if ((type === "company" || type === "individual") && (name === undefined || memberId !== undefined)) {
      issue(["donor", "name"], `a ${type} donor is named by name only`);
    }
    if (type === "anonymous" && (name !== undefined || memberId !== undefined)) issue(["donor"], "an anonymous donor has no name or memberId");
  });

const NewUsage = z
  .strictObject({
    quantity: z.number().int().min(1).max(1_000_000),
    wishId: Id.optional(),
    beneficiaryGroup: z.enum(beneficiaryGroups).optional(),
    note: Text(500).optional(),
  })
  .refine((u) => (u.wishId === undefined) !== (u.beneficiaryGroup === undefined), {
    message: "send either wishId or beneficiaryGroup",
    path: ["wishId"],
  });

const UsageRecorded = z
  .object({
    id: z.string(),
    donationId: z.string(),
    quantity: z.number().int(),
    wishId: z.string().nullable(),
    beneficiaryGroup: z.string().nullable(),
    note: z.string().nullable(),
    valueFen: z.number().int(),
    remaining: z.number().int(),
    transactionId: z.string().nullable(),
    at: z.string(),
  })
  .openapi("GoodsUsage");

const DonationQuery = PageQuery.extend({ communityId: Id.optional(), kind: z.enum(donationKinds).optional() });

export const donationRoutes = newRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/donations",
      tags: ["donations"],
      summary: "Record a donation of money or goods (staff, admin)",
      description:
        "Money is fund income by source; goods go into stock at their valuation. A member donor earns points per whole yuan in the same ledger transaction. Accepts Idempotency-Key.",
      security: bearer,
      request: jsonBody(NewDonation),
      responses: { 201: jsonResponse(RecordedDonation, "Recorded, with the ledger transactionId and pointsAwarded"), ...errorResponses },
    }),
    async (c) => c.json(await createDonation(c.get("deps").db, principal(c), c.req.valid("json"), writeCtx(c, 201)), 201),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/donations",
      tags: ["donations", "public"],
      summary: "Published list of donations, newest first (no login; staff of a community and administrators also see member donors' transactions)",
      request: { query: DonationQuery },
      responses: { 200: jsonResponse(pageOf(Donation), "Donations"), 400: errorResponses[400] },
    }),
    async (c) => {
      const caller = c.get("principal");
      // A logged-in caller may see more than the public (a member donor's transactions): never shared.
      c.header("Cache-Control", caller ? "private, no-store" : "public, max-age=60");
      return c.json(await listDonations(c.get("deps").db, caller, c.req.valid("query")), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/donations/{id}",
      tags: ["donations", "public"],
      summary: "One donation and how its goods were used (no login)",
      request: { params: IdParam },
      responses: {
        200: jsonResponse(
          Donation.extend({
            usages: z.array(Usage),
            drawnBy: z.array(
              z.object({
                expenseId: z.string(),
                amountFen: z.number().int(),
                at: z.string(),
                purpose: z.enum(fundPurposes),
                description: z.string(),
                payee: z.string().nullable(),
                reversed: z.boolean(),
              }),
            ),
          }),
          "The donation",
        ),
        404: errorResponses[404],
      },
    }),
    async (c) => c.json(await getDonation(c.get("deps").db, c.get("principal"), c.req.valid("param").id), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/donations/{id}/usages",
      tags: ["donations"],
      summary: "Record the use of donated goods, for a wish or a beneficiary group (staff, admin)",
      description: "Moves the goods' share of the valuation from goods:stock to goods:distributed. 409 insufficient_goods. Accepts Idempotency-Key.",
      security: bearer,
      request: { params: IdParam, ...jsonBody(NewUsage) },
      responses: { 201: jsonResponse(UsageRecorded, "Recorded"), ...errorResponses },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      return c.json(await recordGoodsUsage(c.get("deps").db, principal(c), id, c.req.valid("json"), writeCtx(c, 201)), 201);
    },
  );
