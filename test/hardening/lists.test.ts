import { beforeAll, describe, expect, it } from "vitest";
import { makeBank, type TestBank } from "../helpers/setup";

// Every list the public (and a logged-in reader) can page through, fed cursors and query
// parameters an attacker would craft: each is a 400 validation_failed, never a 500.

const b64 = (v: unknown) => Buffer.from(typeof v === "string" ? v : JSON.stringify(v)).toString("base64url");
const CRAFTED_CURSORS = [
  b64([-1]),
  b64([1.5]),
  b64([1e300]),
  b64("[1e400]"),
  b64([2 ** 62]),
  b64(["x".repeat(150)]),
  b64([null]),
  b64([{}]),
  b64([[1]]),
  b64([true]),
  b64([]),
  b64({}),
  b64("null"),
  b64("[\"\\u0000\"]"),
  "!!!",
  "%00",
  "%FF%FE",
  "a".repeat(201),
  b64([""]),
  b64(["2026-03-01T00:00:00.000Z|"]),
  b64([1]).slice(0, 3),
];
const CRAFTED_QUERIES = ["limit=0", "limit=-1", "limit=1e309", "limit=abc", "limit=1.5", "limit=101", "limit=1&limit=2", "nope=1", "cursor=", "cursor&limit"];

let bank: TestBank;
let lists: string[];
beforeAll(async () => {
  bank = await makeBank();
  const doc = (await bank.call("GET", "/openapi.json")).body as { paths: Record<string, Record<string, { parameters?: { name: string; in: string }[] }>> };
  lists = Object.entries(doc.paths)
    .filter(([path, ops]) => ops.get && !path.includes("{") && (ops.get.parameters ?? []).some((p) => p.name === "cursor"))
    .map(([path]) => path);
});

describe("crafted cursors and query parameters on every list", () => {
  it("finds the lists", () => expect(lists.length).toBeGreaterThanOrEqual(8));

  it("every crafted cursor is a 400, never a 500, for the public and for the administrator", async () => {
    const bad: string[] = [];
    for (const path of lists) {
      for (const token of [undefined, bank.admin]) {
        for (const cursor of CRAFTED_CURSORS) {
          const res = await bank.call("GET", `${path}?cursor=${cursor.includes("%") ? cursor : encodeURIComponent(cursor)}`, { token });
          if (res.status !== 400 && !(res.status === 401 || res.status === 403)) bad.push(`${path} ${cursor} → ${res.status}`);
          else if (res.status === 400) expect(res.body.error.code).toBe("validation_failed");
        }
        for (const q of CRAFTED_QUERIES) {
          const res = await bank.call("GET", `${path}?${q}`, { token });
          if (res.status >= 500) bad.push(`${path}?${q} → ${res.status}`);
        }
      }
    }
    expect(bad).toEqual([]);
  });
});
