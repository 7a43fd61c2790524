import { createRoute } from "@hono/zod-openapi";
import { hashPassword } from "../../auth/password";
import { createMember, getMember, getPassbook, listMembers, updateMember } from "../../domain/members";
import { principal } from "../auth";
import { writeCtx } from "../context";
import { bearer, errorResponses, Id, IdParam, IsoDate, jsonBody, jsonResponse, newRouter, pageOf, PageQuery, Text, z } from "../openapi";
import { Password, Username } from "./users";
import { addGuardian, listGuardians } from "../../domain/guardians";
import { memberStatement } from "../../domain/statements";
import { memberKinds, transactionKinds } from "../../vocabulary";

export const Member = z
  .object({
    id: z.string(),
    communityId: z.string(),
    name: z.string(),
    kind: z.enum(memberKinds),
    phone: z.string().nullable(),
    passbookNo: z.string(),
    earnedTotal: z.number().int(),
    stars: z.number().int(),
    serviceMinutes: z.number().int().openapi({ description: "Approved, unreversed service of all time, in minutes" }),
    serviceStars: z.number().int().min(0).max(5).openapi({ description: "National star level by hours: 100/300/600/1,000/1,500 h" }),
    publicOptOut: z.boolean(),
    createdAt: z.string(),
  })
  .openapi("Member");

const Phone = z.string().regex(/^\+?[0-9 -]{5,20}$/, "digits, spaces, - and a leading + only");

const NewMember = z.strictObject({
  name: Text(50),
  communityId: Id,
  kind: z.enum(memberKinds),
  phone: Phone.optional(),
  publicOptOut: z.boolean().optional(),
  login: z.strictObject({ username: Username, password: Password }).optional(),
});

const MemberChange = z
  .strictObject({
    publicOptOut: z.boolean().optional(),
    name: Text(50).optional(),
    phone: Phone.nullable().optional(),
  })
  .refine((b) => b.publicOptOut !== undefined || b.name !== undefined || b.phone !== undefined, "send at least one of publicOptOut, name, phone")
  .openapi("MemberChange");

export const YearQuery = z.strictObject({
  year: z.coerce.number().int().min(2000).max(2999).optional().openapi({ description: "the bank year; default the current one" }),
});

const Statement = z
  .object({
    member: z.object({ id: z.string(), communityId: z.string(), name: z.string(), passbookNo: z.string() }),
    year: z.number().int(),
    from: z.string().openapi({ description: "the year's first instant in the bank's time zone (UTC ISO)" }),
    to: z.string(),
    opening: z.number().int(),
    credits: z.number().int(),
    debits: z.number().int().openapi({ description: "points that went out, as a positive number" }),
    closing: z.number().int(),
    entries: z.array(
      z.object({
        transactionId: z.string(),
        at: z.string(),
        kind: z.string(),
        memo: z.string(),
        amount: z.number().int(),
        balanceAfter: z.number().int(),
        reversesId: z.string().nullable(),
        reversedBy: z.string().nullable(),
      }),
    ),
  })
  .openapi("Statement");

const Guardian = z.object({ memberId: z.string(), guardianMemberId: z.string(), createdAt: z.string() }).openapi("Guardian");

const Passbook = z
  .object({
    member: Member,
    asOf: z.string().nullable().openapi({ description: "with ?asOf=: the end of that date (bank time zone) the figures stand at" }),
    balance: z.number().int(),
    earnedTotal: z.number().int(),
    stars: z.number().int().min(0).max(5),
    title: z.string().nullable(),
    levels: z.array(z.object({ stars: z.number().int(), at: z.string(), transactionId: z.string() })),
    expiring: z
      .object({
        points: z.number().int().openapi({ description: "points that expire next (first earned, first spent)" }),
        at: z.string().nullable().openapi({ description: "when they expire: the end of this bank year" }),
        expiredPoints: z.number().int().openapi({ description: "already expired, moved out by the next scheduled run" }),
      })
      .nullable()
      .openapi({ description: "null when points do not expire (rule pointsValidYears null)" }),
    levelWithdrawals: z
      .array(z.object({ stars: z.number().int(), reachedAt: z.string(), at: z.string(), transactionId: z.string(), reason: z.string() }))
      .openapi({ description: "stars taken back because a reversal lowered the earned points below their threshold (transactionId: the reversal)" }),
    entries: z.array(
      z.object({
        transactionId: z.string(),
        seq: z.number().int().openapi({ description: "the transaction's place in the public ledger (its Merkle leaf is seq − 1)" }),
        salt: z.string().openapi({
          description: "this posting's salt: SHA-256 of LSB-MEMBER-V1, the passbook number and it is the commitment in the public leaf (docs/LEDGER-FORMAT.md)",
        }),
        at: z.string(),
        kind: z.enum(transactionKinds),
        amount: z.number().int(),
        balanceAfter: z.number().int(),
        memo: z.string(),
        toWishPool: z.number().int().openapi({ description: "points this transaction sent to the wish pool (a gift to it, or a credit above maxBalance)" }),
        onBehalfOf: z
          .object({ memberId: z.string(), byUserId: z.string(), byGuardianMemberId: z.string().nullable() })
          .nullable()
          .openapi({ description: "set when someone else (staff, a guardian) made this write for the member" }),
      }),
    ),
    nextCursor: z.string().nullable(),
  })
  .openapi("Passbook");

export const memberRoutes = newRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/members",
      tags: ["members"],
      summary: "Open a passbook for a member (staff of the community, admin)",
      security: bearer,
      request: jsonBody(NewMember),
      responses: { 201: jsonResponse(Member, "Created, with its passbook number"), ...errorResponses },
    }),
    async (c) => {
      const { db, passwordIterations } = c.get("deps");
      const hash = (pw: string) => hashPassword(pw, passwordIterations);
      return c.json(await createMember(db, principal(c), c.req.valid("json"), writeCtx(c, 201), hash), 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/members",
      tags: ["members"],
      summary: "List members (staff: own community; admin: all, or ?communityId=); ?q= finds by part of the name or phone, or the passbook number",
      security: bearer,
      request: { query: PageQuery.extend({ communityId: Id.optional(), q: z.string().trim().max(50).optional() }) },
      responses: { 200: jsonResponse(pageOf(Member), "Members"), ...errorResponses },
    }),
    async (c) => c.json(await listMembers(c.get("deps").db, principal(c), c.req.valid("query")), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/members/{id}",
      tags: ["members"],
      summary: "One member (the member, staff of the community, admin)",
      security: bearer,
      request: { params: IdParam },
      responses: { 200: jsonResponse(Member, "The member"), ...errorResponses },
    }),
    async (c) => c.json(await getMember(c.get("deps").db, principal(c), c.req.valid("param").id), 200),
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/v1/members/{id}",
      tags: ["members"],
      summary: "Change a member: the member may change publicOptOut only; staff of the community and admin also name and phone",
      security: bearer,
      request: { params: IdParam, ...jsonBody(MemberChange) },
      responses: { 200: jsonResponse(Member, "The member as changed"), ...errorResponses },
    }),
    async (c) => c.json(await updateMember(c.get("deps").db, principal(c), c.req.valid("param").id, c.req.valid("json")), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/members/{id}/passbook",
      tags: ["members"],
      summary: "The love passbook: balance, stars, title, level history and entries (newest first); ?asOf=YYYY-MM-DD as it stood at the end of that date",
      description: "The member, a guardian of the member, staff of the community, admin.",
      security: bearer,
      request: { params: IdParam, query: PageQuery.extend({ asOf: IsoDate.optional() }) },
      responses: { 200: jsonResponse(Passbook, "The passbook"), ...errorResponses },
    }),
    async (c) => {
      const { db, clock } = c.get("deps");
      const { asOf, ...page } = c.req.valid("query");
      const until = asOf ? c.get("time").bounds(asOf).to : undefined;
      const passbook = await getPassbook(db, principal(c), c.req.valid("param").id, page, clock.now().toISOString(), until, c.get("time"));
      return c.json(passbook, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/members/{id}/statement",
      tags: ["members"],
      summary: "The passbook's yearly statement (年度对账单): opening, credits, debits, closing and the year's entries (as the passbook)",
      description: "A reversal is dated when it was posted: the year it was posted in shows it, the earlier year still shows the entry it reversed (reversedBy).",
      security: bearer,
      request: { params: IdParam, query: YearQuery },
      responses: { 200: jsonResponse(Statement, "The statement"), ...errorResponses },
    }),
    async (c) => {
      const time = c.get("time");
      const year = c.req.valid("query").year ?? Number(time.today(c.get("deps").clock).slice(0, 4));
      const s = await memberStatement(c.get("deps").db, principal(c), c.req.valid("param").id, year, time);
      return c.json(s, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/members/{id}/guardians",
      tags: ["members"],
      summary: "Link a guardian (another member) who may read this passbook and redeem for the member (staff of the community, admin)",
      description: "409 already_exists when already linked.",
      security: bearer,
      request: { params: IdParam, ...jsonBody(z.strictObject({ guardianMemberId: Id })) },
      responses: { 201: jsonResponse(Guardian, "Linked"), ...errorResponses },
    }),
    async (c) => {
      const link = await addGuardian(c.get("deps").db, principal(c), c.req.valid("param").id, c.req.valid("json").guardianMemberId, writeCtx(c, 201));
      return c.json(link, 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/members/{id}/guardians",
      tags: ["members"],
      summary: "The member's guardians (the member, a guardian, staff of the community, admin)",
      security: bearer,
      request: { params: IdParam },
      responses: {
        200: jsonResponse(
          z.object({ items: z.array(z.object({ guardianMemberId: z.string(), name: z.string(), passbookNo: z.string(), createdAt: z.string() })) }),
          "Guardians",
        ),
        ...errorResponses,
      },
    }),
    async (c) => c.json(await listGuardians(c.get("deps").db, principal(c), c.req.valid("param").id), 200),
  );
