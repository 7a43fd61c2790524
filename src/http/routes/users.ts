import { createRoute } from "@hono/zod-openapi";
import { hashPassword } from "../../auth/password";
import { assertRole } from "../../domain/access";
import { createUser } from "../../domain/users";
import { principal } from "../auth";
import { bearer, errorResponses, Id, jsonBody, jsonResponse, newRouter, z } from "../openapi";
import { UserSchema } from "./auth";
import { roles } from "../../vocabulary";

export const Username = z.string().min(3).max(64).regex(/^[A-Za-z0-9_.@-]+$/, "letters, digits and . _ @ - only");
export const Password = z.string().min(8).max(200);

const NewUser = z.strictObject({
  username: Username,
  password: Password,
  role: z.enum(roles).exclude(["member"]),
  communityId: Id.optional(),
  merchantId: Id.optional(),
});

export const userRoutes = newRouter().openapi(
  createRoute({
    method: "post",
    path: "/v1/users",
    tags: ["users"],
    summary: "Create an admin, staff or merchant login (admin); member logins come with POST /v1/members",
    security: bearer,
    request: jsonBody(NewUser),
    responses: { 201: jsonResponse(UserSchema, "Created"), ...errorResponses },
  }),
  async (c) => {
    const actor = principal(c);
    assertRole(actor, "admin");
    const { db, clock, passwordIterations } = c.get("deps");
    const input = c.req.valid("json");
    const hash = await hashPassword(input.password, passwordIterations);
    return c.json(await createUser(db, actor, input, clock.now().toISOString(), hash), 201);
  },
);
