import { beforeAll, describe, expect, it } from "vitest";
import { publicPaths } from "../../src/web/public";
import { publicTables } from "../../src/web/tables";
import { PRIVATE, webScene, type WebScene } from "../helpers/web";

// Privacy by design: a bank full of data whose private details are distinctive strings (a
// beneficiary's name and contact, a member's phone, the name of a member who opted out of
// publication, a staff note about a delivery), then every public response — every page in both
// languages, every CSV download, and every GET of the API a caller without a login may read,
// enumerated from the OpenAPI document — is searched for them.

let scene: WebScene;
let donationId: string;
let certificateNumber: string;
const privateStrings = Object.values(PRIVATE);

beforeAll(async () => {
  scene = await webScene();
  const list = await scene.bank.call("GET", "/v1/donations?limit=100");
  donationId = list.body.items.find((d: { kind: string }) => d.kind === "goods").id;
  // alice has a phone on file: her certificate's verification must not carry it
  const issued = await scene.bank.call("POST", `/v1/members/${scene.alice.id}/certificates`, { token: scene.staffA, body: { from: "2026-01-01", to: "2026-03-01" } });
  if (issued.status !== 201) throw new Error(JSON.stringify(issued.body));
  certificateNumber = issued.body.number;
});

/** Real ids for public routes with path parameters; a new public route with one must be added here. */
const pathParams = (path: string): string | undefined =>
  ({ "/v1/donations/{id}": `/v1/donations/${donationId}`, "/v1/public/certificates/{number}": `/v1/public/certificates/${certificateNumber}` })[path];

/** Queries a public route cannot answer without (a proof needs its tree sizes). */
const requiredQuery: Record<string, string> = {
  "/v1/public/proof/inclusion": "?seq=1&size=2",
  "/v1/public/proof/consistency": "?from=1&to=2",
};

/** Extra query variants worth reading (different rows and columns come back). */
const variants: Record<string, string[]> = {
  "/v1/rankings": ["?by=points", "?by=minutes", "?year=2026&by=minutes"],
  "/v1/awards": ["?year=2026"],
  "/v1/donations": ["?kind=goods", "?kind=money"],
  // every published transaction, as a member's proof brings it
  "/v1/public/proof/inclusion": Array.from({ length: 10 }, (_, i) => `?seq=${i + 1}&size=${i + 1}`),
};

function leaks(text: string): string[] {
  return privateStrings.filter((s) => text.includes(s));
}

describe("no private detail in any public response", () => {
  it("the private details exist: staff see them, so a clean public result means something", async () => {
    const wish = await scene.bank.call("GET", `/v1/wishes/${scene.confirmedWishId}`, { token: scene.staffA });
    expect(JSON.stringify(wish.body)).toContain(PRIVATE.beneficiaryName);
    expect(JSON.stringify(wish.body)).toContain(PRIVATE.beneficiaryContact);
    const member = await scene.bank.call("GET", `/v1/members/${scene.alice.id}`, { token: scene.staffA });
    expect(member.body.phone).toBe(PRIVATE.memberPhone);
    const optedOut = await scene.bank.call("GET", `/v1/members/${scene.optedOut.id}`, { token: scene.staffB });
    expect(optedOut.body.name).toBe(PRIVATE.optedOutName);
    const donation = await scene.bank.call("GET", `/v1/donations/${donationId}`, { token: scene.staffA });
    expect(JSON.stringify(donation.body)).toContain(PRIVATE.usageNote);
  });

  it("every public page, in Chinese and in English", async () => {
    const pages = [...publicPaths, "/passbook", "/merchant", "/honours?year=2026"];
    expect(pages.length).toBeGreaterThanOrEqual(10);
    for (const path of pages) {
      for (const lang of ["zh", "en"]) {
        const res = await scene.bank.app.request(`${path}${path.includes("?") ? "&" : "?"}lang=${lang}`);
        const text = await res.text();
        expect(res.status, path).toBe(200);
        expect(leaks(text), `${path} (${lang})`).toEqual([]);
      }
    }
    // The pages do show the public side of the same records.
    const wishes = await (await scene.bank.app.request("/wishes")).text();
    expect(wishes).toContain("给留守儿童的新书包");
    expect(wishes).toContain("留守儿童");
    const service = await (await scene.bank.app.request("/service")).text();
    expect(service).toContain("王建国");
    expect(service).toContain("匿名");
  });

  it("every CSV download of every public table", async () => {
    const names = Object.keys(publicTables);
    expect(names.length).toBeGreaterThanOrEqual(15);
    for (const name of names) {
      for (const lang of ["zh", "en"]) {
        const res = await scene.bank.app.request(`/csv/${name}.csv?lang=${lang}&year=2026`);
        const bytes = new Uint8Array(await res.arrayBuffer());
        const text = new TextDecoder().decode(bytes);
        expect(res.status, name).toBe(200);
        expect([...bytes.slice(0, 3)], `${name}: UTF-8 BOM`).toEqual([0xef, 0xbb, 0xbf]);
        expect(leaks(text), `${name}.csv (${lang})`).toEqual([]);
      }
    }
  });

  it("every GET of the API that answers without a login (enumerated from the OpenAPI document)", async () => {
    const doc = (await scene.bank.call("GET", "/openapi.json")).body as { paths: Record<string, { get?: { security?: unknown[] } }> };
    const read: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths)) {
      if (!ops.get) continue;
      const concrete = path.includes("{") ? pathParams(path) : `${path}${requiredQuery[path] ?? ""}`;
      if (!concrete) {
        // A route with a path parameter we have no id for must at least refuse the public.
        const res = await scene.bank.call("GET", path.replace(/\{\w+\}/g, "01ZZZZZZZZZZZZZZZZZZZZZZZZ"));
        expect([401, 403], `${path} is public: give pathParams an id for it`).toContain(res.status);
        continue;
      }
      for (const url of [concrete, ...(variants[path] ?? []).map((q) => `${requiredQuery[path] ? path : concrete}${q}`)]) {
        const res = await scene.bank.app.request(url);
        const text = await res.text();
        if (ops.get.security) {
          expect(res.status, `${url} is documented as needing a login`).toBe(401);
          continue;
        }
        expect(res.status, url).toBe(200);
        expect(leaks(text), url).toEqual([]);
        read.push(url);
      }
    }
    for (const known of ["/v1/public/summary", "/v1/public/ledger", "/v1/donations", "/v1/rankings", "/v1/awards", "/v1/reports/quality", "/v1/fund/statement"]) {
      expect(read).toContain(known);
    }
    expect(read).toContain(`/v1/donations/${donationId}`);
    // The API documentation pages are public too.
    for (const url of ["/openapi.json", "/docs"]) expect(leaks(await (await scene.bank.app.request(url)).text())).toEqual([]);
  });
});
