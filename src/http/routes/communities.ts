import { createRoute } from "@hono/zod-openapi";
import { assertRole } from "../../domain/access";
import { createCommunity, listCommunities } from "../../domain/communities";
import { principal } from "../auth";
import { bearer, errorResponses, jsonBody, jsonResponse, newRouter, pageOf, PageQuery, Text, z } from "../openapi";

const Community = z
  .object({ id: z.string(), name: z.string(), code: z.string(), createdAt: z.string() })
  .openapi("Community");

const NewCommunity = z.strictObject({
  name: Text(100),
  code: z.string().min(2).max(32).regex(/^[A-Za-z0-9_-]+$/, "letters, digits, - and _ only"),
});

export const communityRoutes = newRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/communities",
      tags: ["communities"],
      summary: "Create a community (admin)",
      security: bearer,
      request: jsonBody(NewCommunity),
      responses: { 201: jsonResponse(Community, "Created"), ...errorResponses },
    }),
    async (c) => {
      assertRole(principal(c), "admin");
      const { db, clock } = c.get("deps");
      return c.json(await createCommunity(db, c.req.valid("json"), clock.now().toISOString()), 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/communities",
      tags: ["communities"],
      summary: "List communities (public)",
      request: { query: PageQuery },
      responses: { 200: jsonResponse(pageOf(Community), "Communities"), 400: errorResponses[400] },
    }),
    async (c) => c.json(await listCommunities(c.get("deps").db, c.req.valid("query")), 200),
  );
