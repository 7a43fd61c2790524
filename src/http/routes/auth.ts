import { createRoute } from "@hono/zod-openapi";
import { login } from "../../auth/login";
import { callerAddress, principal } from "../auth";
import { bearer, errorResponses, jsonBody, jsonResponse, newRouter, z } from "../openapi";
import { roles } from "../../vocabulary";

export const UserSchema = z
  .object({
    id: z.string(),
    username: z.string(),
    role: z.enum(roles),
    communityId: z.string().nullable(),
    memberId: z.string().nullable(),
    merchantId: z.string().nullable(),
    disabled: z.boolean(),
  })
  .openapi("User");

const LoginBody = z.strictObject({ username: z.string().min(1).max(64), password: z.string().min(1).max(200) });

export const authRoutes = newRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/auth/login",
      tags: ["auth"],
      summary: "Log in and receive a bearer token (8 hours)",
      request: jsonBody(LoginBody),
      responses: {
        200: jsonResponse(z.object({ token: z.string(), user: UserSchema }), "Logged in"),
        400: errorResponses[400],
        401: errorResponses[401],
        429: jsonResponse(z.unknown(), "Too many failed logins (rate_limited)"),
      },
    }),
    async (c) => {
      const { db, clock, jwtSecret } = c.get("deps");
      const body = c.req.valid("json");
      const address = callerAddress(c);
      return c.json(await login(db, { ...body, address, now: clock.now(), jwtSecret }), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/me",
      tags: ["auth"],
      summary: "The logged-in user",
      security: bearer,
      responses: { 200: jsonResponse(UserSchema, "The user"), 401: errorResponses[401] },
    }),
    (c) => {
      const p = principal(c);
      return c.json(
        { id: p.userId, username: p.username, role: p.role, communityId: p.communityId, memberId: p.memberId, merchantId: p.merchantId, disabled: false },
        200,
      );
    },
  );
