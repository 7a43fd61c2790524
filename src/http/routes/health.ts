import { createRoute } from "@hono/zod-openapi";
import { checkHealth } from "../../health";
import { jsonResponse, newRouter, z } from "../openapi";

const Health = z
  .object({
    ok: z.boolean(),
    database: z.object({
      reachable: z.boolean(),
      migrationsCurrent: z.boolean(),
      writable: z.boolean(),
      migrationsApplied: z.number().int(),
      migrationsExpected: z.number().int(),
    }),
    problems: z.array(z.string()),
  })
  .openapi("Health");

export const healthRoutes = newRouter().openapi(
  createRoute({
    method: "get",
    path: "/healthz",
    tags: ["operations"],
    summary: "Database reachable, migrations current, writable (503 when not; no login)",
    responses: { 200: jsonResponse(Health, "Healthy"), 503: jsonResponse(Health, "Not healthy: see problems") },
  }),
  async (c) => {
    const health = await checkHealth(c.get("deps").db);
    c.header("Cache-Control", "no-store");
    return c.json(health, health.ok ? 200 : 503);
  },
);
