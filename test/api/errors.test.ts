import { createClient } from "@libsql/client";
import { describe, expect, it } from "vitest";
import { caller } from "../../src/http/caller";
import { createApp, MAX_BODY_BYTES } from "../../src/app";
import { ManualClock } from "../../src/clock";
import { createDb } from "../../src/db/client";
import { makeBank, TEST_JWT_SECRET } from "../helpers/setup";

describe("errors", () => {
  it("every error is the JSON error body with a request id that matches the header", async () => {
    const bank = await makeBank();
    const res = await bank.call("GET", "/v1/nothing-here");
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: "not_found", details: null });
    expect(res.body.error.requestId).toBe(res.headers.get("x-request-id"));
  });

  it("refuses non-JSON writes, malformed JSON and oversized bodies", async () => {
    const bank = await makeBank();
    const form = await bank.call("POST", "/v1/communities", {
      token: bank.admin,
      body: "name=x",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(form.status).toBe(415);
    expect(form.body.error.code).toBe("unsupported_media_type");
    const broken = await bank.call("POST", "/v1/communities", { token: bank.admin, body: "{not json" });
    expect(broken.status).toBe(400);
    expect(broken.body.error.code).toBe("validation_failed");
    const huge = await bank.call("POST", "/v1/communities", {
      token: bank.admin,
      body: JSON.stringify({ name: "x".repeat(MAX_BODY_BYTES), code: "big" }),
    });
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe("payload_too_large");
    expect((await bank.call("GET", "/v1/communities")).body.items).toHaveLength(0);
  });

  it("a state change needs no body at all, and the JSON media type is matched without regard to case", async () => {
    const bank = await makeBank();
    const c = await bank.community();
    const staff = await bank.staff(c.id);
    const m = await bank.member(c.id);
    const rec = await bank.call("POST", "/v1/service-records", {
      token: staff,
      body: { memberId: m.id, date: "2026-02-28", minutes: 60, description: "打扫" },
    });
    const bare = await bank.app.request(`/v1/service-records/${rec.body.id}/approve`, {
      method: "POST",
      headers: { authorization: `Bearer ${staff}` },
    });
    expect(bare.status).toBe(200);
    expect(((await bare.json()) as { status: string }).status).toBe("approved");
    const upper = await bank.call("POST", "/v1/communities", {
      token: bank.admin,
      body: { name: "大写", code: "upper" },
      headers: { "content-type": "Application/JSON; charset=UTF-8" },
    });
    expect(upper.status).toBe(201);
    // an empty body labelled as JSON is no body
    const rec2 = await bank.call("POST", "/v1/service-records", {
      token: staff,
      body: { memberId: m.id, date: "2026-02-27", minutes: 30, description: "打扫" },
    });
    const labelled = await bank.app.request(`/v1/service-records/${rec2.body.id}/approve`, {
      method: "POST",
      headers: { authorization: `Bearer ${staff}`, "content-type": "application/json" },
    });
    expect(labelled.status).toBe(200);
    // a body is still validated: nothing is not a community
    const empty = await bank.app.request("/v1/communities", { method: "POST", headers: { authorization: `Bearer ${bank.admin}` } });
    expect(empty.status).toBe(400);
    const lookalike = await bank.call("POST", "/v1/communities", {
      token: bank.admin,
      body: JSON.stringify({ name: "x", code: "jsonx" }),
      headers: { "content-type": "application/jsonx" },
    });
    expect(lookalike.status).toBe(415);
  });

  it("a failure inside is a 500 that names no internals", async () => {
    const client = createClient({ url: "file::memory:" }); // not migrated: every query fails
    const logged: unknown[] = [];
    const app = createApp({ db: createDb(client), clock: new ManualClock(), jwtSecret: TEST_JWT_SECRET, log: (...a) => logged.push(a) });
    const res = await caller(app)("GET", "/v1/public/summary");
    expect(res.status).toBe(500);
    expect(res.body.error).toMatchObject({ code: "internal", details: null });
    expect(JSON.stringify(res.body)).not.toMatch(/sqlite|no such table|counters|SELECT/i);
    expect(logged).toHaveLength(1);
  });

  it("off Workers, a client cannot choose the request id", async () => {
    const bank = await makeBank();
    const res = await bank.call("GET", "/v1/nothing-here", { headers: { "cf-ray": "chosen-by-client" } });
    expect(res.body.error.requestId).not.toBe("chosen-by-client");
    expect(res.headers.get("x-request-id")).toBe(res.body.error.requestId);
  });

  it("security headers are set", async () => {
    const bank = await makeBank();
    const res = await bank.call("GET", "/v1/public/summary");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("x-frame-options")).toBe("SAMEORIGIN");
  });
});

describe("OpenAPI", () => {
  it("serves an OpenAPI 3.1 document built from the route schemas, and a reader", async () => {
    const bank = await makeBank();
    const doc = await bank.call("GET", "/openapi.json");
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe("3.1.0");
    for (const path of ["/v1/auth/login", "/v1/me", "/v1/communities", "/v1/users", "/v1/members", "/v1/members/{id}/passbook", "/v1/rules", "/v1/public/summary", "/v1/public/ledger"]) {
      expect(doc.body.paths, path).toHaveProperty([path]);
    }
    const members = doc.body.paths["/v1/members"].post;
    expect(members.requestBody.content["application/json"].schema).toBeDefined();
    expect(members.security).toEqual([{ bearerAuth: [] }]);
    const docs = await bank.app.request("/docs");
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain("/openapi.json");
  });
});
