import { createRoute } from "@hono/zod-openapi";
import { roles } from "../../vocabulary";
import { hashPassword, verifyPassword } from "../../auth/password";
import { signToken } from "../../auth/tokens";
import { changeOwnPassword, giveMemberLogin, listUsers, logout, principalOf, resetPassword, setDisabled, userJson } from "../../domain/users";
import { principal } from "../auth";
import { bearer, errorResponses, Id, IdParam, jsonBody, jsonResponse, newRouter, pageOf, PageQuery, z } from "../openapi";
import { UserSchema } from "./auth";
import { Password, Username } from "./users";

// A login's whole life after it is made: its password changed by its owner or reset for them,
// disabled and enabled, a member given one, a session ended. Domain: src/domain/users.ts.

const UserQuery = PageQuery.extend({
  role: z.enum(roles).optional(),
  communityId: Id.optional(),
  memberId: Id.optional(),
  disabled: z.enum(["true", "false"]).transform((v) => v === "true").optional(),
});

export const accountRoutes = newRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/users",
      tags: ["users"],
      summary: "Logins: an administrator all (filter by role, community, member, disabled); staff their community's members",
      security: bearer,
      request: { query: UserQuery },
      responses: { 200: jsonResponse(pageOf(UserSchema), "Logins"), ...errorResponses },
    }),
    async (c) => c.json(await listUsers(c.get("deps").db, principal(c), c.req.valid("query")), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/users/{id}/password",
      tags: ["users"],
      summary: "Reset a password (admin any login; staff their community's members); every token of that login ends",
      security: bearer,
      request: { params: IdParam, ...jsonBody(z.strictObject({ password: Password })) },
      responses: { 200: jsonResponse(UserSchema, "Reset"), ...errorResponses },
    }),
    async (c) => {
      const { db, passwordIterations } = c.get("deps");
      const actor = principal(c);
      const hash = await hashPassword(c.req.valid("json").password, passwordIterations);
      return c.json(await resetPassword(db, actor, c.req.valid("param").id, hash), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/users/{id}/disable",
      tags: ["users"],
      summary: "Disable a login (admin any other; staff their community's members): its tokens and sessions stop at once (403 user_disabled)",
      security: bearer,
      request: { params: IdParam },
      responses: { 200: jsonResponse(UserSchema, "Disabled"), ...errorResponses },
    }),
    async (c) => {
      const { db, clock } = c.get("deps");
      return c.json(await setDisabled(db, principal(c), c.req.valid("param").id, true, clock.now().toISOString()), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/users/{id}/enable",
      tags: ["users"],
      summary: "Enable a disabled login again (same callers as disable); its old tokens stay valid until they expire",
      security: bearer,
      request: { params: IdParam },
      responses: { 200: jsonResponse(UserSchema, "Enabled"), ...errorResponses },
    }),
    async (c) => {
      const { db, clock } = c.get("deps");
      return c.json(await setDisabled(db, principal(c), c.req.valid("param").id, false, clock.now().toISOString()), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/me/password",
      tags: ["auth"],
      summary: "Change one's own password; every older token ends and a fresh one comes back",
      security: bearer,
      request: jsonBody(z.strictObject({ currentPassword: z.string().min(1).max(200), newPassword: Password })),
      responses: { 200: jsonResponse(z.object({ token: z.string(), user: UserSchema }), "Changed"), ...errorResponses },
    }),
    async (c) => {
      const { db, clock, jwtSecret, passwordIterations } = c.get("deps");
      const user = await changeOwnPassword(db, principal(c), c.req.valid("json"), clock.now(), verifyPassword, (p) => hashPassword(p, passwordIterations));
      return c.json({ token: await signToken(principalOf(user), jwtSecret, clock.now()), user: userJson(user) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/auth/logout",
      tags: ["auth"],
      summary: "End this session: its token is refused from now on",
      security: bearer,
      responses: { 200: jsonResponse(z.object({ loggedOut: z.literal(true) }), "Logged out"), 401: errorResponses[401] },
    }),
    async (c) => {
      const { db, clock } = c.get("deps");
      await logout(db, principal(c), clock.now());
      return c.json({ loggedOut: true as const }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/members/{id}/login",
      tags: ["members"],
      summary: "Give an existing member a login (staff of the member's community, admin); 409 already_exists if they have one or the username is taken in any case",
      security: bearer,
      request: { params: IdParam, ...jsonBody(z.strictObject({ username: Username, password: Password })) },
      responses: { 201: jsonResponse(UserSchema, "Created"), ...errorResponses },
    }),
    async (c) => {
      const { db, clock, passwordIterations } = c.get("deps");
      const input = c.req.valid("json");
      const hash = await hashPassword(input.password, passwordIterations);
      return c.json(await giveMemberLogin(db, principal(c), c.req.valid("param").id, input, hash, clock.now().toISOString()), 201);
    },
  );
