import { describe, expect, it } from "vitest";
import { routeTour } from "../helpers/tour";
import { makeBank } from "../helpers/setup";

describe("database round-trips per request", () => {
  it("every API route of the OpenAPI document is toured and stays within its budget", async () => {
    const stops = await routeTour();
    const bank = await makeBank();
    const doc = (await bank.call("GET", "/openapi.json")).body as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ":$1")}`),
    );
    const toured = new Set(stops.map((s) => s.route.replace(/ \(.*\)$/, "")));
    expect(documented.filter((r) => !toured.has(r))).toEqual([]);

    const over = stops.filter((s) => s.roundTrips > s.budget);
    expect(over, JSON.stringify(over)).toEqual([]);
    // counting works: writes and reads reach the database
    expect(stops.find((s) => s.route === "POST /v1/service-records/:id/approve")!.roundTrips).toBeGreaterThanOrEqual(1);
    expect(stops.find((s) => s.route === "GET /v1/public/summary")!.roundTrips).toBe(1);
  });
});
