import { createRoute } from "@hono/zod-openapi";
import { createServiceCategory, listServiceCategories } from "../../domain/service-categories";
import { principal } from "../auth";
import { writeCtx } from "../context";
import { bearer, errorResponses, jsonBody, jsonResponse, newRouter, Text, z } from "../openapi";

const ServiceCategory = z
  .object({ id: z.string(), code: z.string(), name: z.string(), createdAt: z.string() })
  .openapi("ServiceCategory");

const NewServiceCategory = z.strictObject({
  code: z.string().regex(/^[a-z0-9_]{2,32}$/, "2–32 lowercase letters, digits or _"),
  name: Text(50),
});

export const serviceCategoryRoutes = newRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/service-categories",
      tags: ["service"],
      summary: "Add a service category (admin); a rule version can give it its own points per hour",
      description: "409 already_exists for a code in use.",
      security: bearer,
      request: jsonBody(NewServiceCategory),
      responses: { 201: jsonResponse(ServiceCategory, "Created"), ...errorResponses },
    }),
    async (c) => c.json(await createServiceCategory(c.get("deps").db, principal(c), c.req.valid("json"), writeCtx(c, 201)), 201),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/service-categories",
      tags: ["service"],
      summary: "The service categories, by code (public)",
      responses: { 200: jsonResponse(z.object({ items: z.array(ServiceCategory), nextCursor: z.null() }), "Categories") },
    }),
    async (c) => c.json(await listServiceCategories(c.get("deps").db), 200),
  );
