import { describe, expect, it } from "vitest";
import { DUMMY_HASH, hashPassword } from "../../src/auth/password";
import { nodeConfigSchema, parseConfig, workerConfigSchema } from "../../src/env";

// The Worker's configuration: read once per isolate from its bindings, with messages an operator
// can act on. test/worker/workerd.test.ts shows the same messages coming out of the deployed bundle.

const SECRET = "a-jwt-secret-of-at-least-32-characters!";

describe("Worker configuration", () => {
  it("accepts a Turso URL with its token and coerces the vars", () => {
    const config = parseConfig(workerConfigSchema, {
      DATABASE_URL: "libsql://bank-org.turso.io",
      DATABASE_AUTH_TOKEN: "token",
      JWT_SECRET: SECRET,
      CLAIM_DAYS: "14",
    });
    expect(config).toMatchObject({ DATABASE_URL: "libsql://bank-org.turso.io", DATABASE_AUTH_TOKEN: "token", CLAIM_DAYS: 14 });
    expect(parseConfig(workerConfigSchema, { DATABASE_URL: "https://bank-org.turso.io", JWT_SECRET: SECRET }).CLAIM_DAYS).toBe(7);
  });

  it("names every missing secret and the command that sets it", () => {
    const run = () => parseConfig(workerConfigSchema, { CLAIM_DAYS: "7" });
    expect(run).toThrow(/DATABASE_URL: DATABASE_URL secret is missing .*wrangler secret put DATABASE_URL/);
    expect(run).toThrow(/JWT_SECRET: JWT_SECRET secret is missing: wrangler secret put JWT_SECRET/);
  });

  it("refuses a local file database, a short secret and an out-of-range claim period, without echoing values", () => {
    const run = (env: Record<string, string>) => () =>
      parseConfig(workerConfigSchema, { DATABASE_URL: "libsql://bank-org.turso.io", JWT_SECRET: SECRET, ...env });
    expect(run({ DATABASE_URL: "file:data/lsb.db" })).toThrow(/must be a libsql:\/\/ or https:\/\/ URL on Workers/);
    expect(run({ JWT_SECRET: "short-secret-value" })).toThrow(/JWT_SECRET must be at least 32 characters/);
    expect(run({ JWT_SECRET: "short-secret-value" })).not.toThrow(/short-secret-value/);
    expect(run({ CLAIM_DAYS: "0" })).toThrow(/CLAIM_DAYS/);
  });

  it("keeps the local defaults for the Node server", () => {
    expect(parseConfig(nodeConfigSchema, {})).toMatchObject({ DATABASE_URL: "file:data/lsb.db", PORT: 8787, DEMO_DATA: "1" });
  });
});

// Workers' WebCrypto refuses PBKDF2 above 100,000 iterations; workerd run locally does not, so this is the guard.
describe("PBKDF2 within Workers' cap", () => {
  it("new hashes by default, and the hash a login checks for an unknown user, stay at or below 100,000 iterations", async () => {
    const iterations = (stored: string) => Number(stored.split("$")[1]);
    expect(iterations(await hashPassword("a password"))).toBeLessThanOrEqual(100_000);
    expect(iterations(DUMMY_HASH)).toBeLessThanOrEqual(100_000);
  });
});
