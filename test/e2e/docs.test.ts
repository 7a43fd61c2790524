import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeBank, serveBank, type TestBank } from "../helpers/setup";
import { DESKTOP, launch, shot, strictContext, watch } from "./browser";

// The API reader in a real browser under its real policy, with every request outside this
// origin refused: it must render the API from /openapi.json with nothing from a CDN.

let bank: TestBank;
let server: { url: string; close: () => Promise<void> };
let browser: Browser;

beforeAll(async () => {
  bank = await makeBank();
  server = await serveBank(bank);
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe("/docs", () => {
  it("renders the API offline, from this origin only, with no policy refusals", async () => {
    const context = await strictContext(browser, DESKTOP);
    const page = await context.newPage();
    const problems = watch(page);
    const elsewhere: string[] = [];
    await page.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith(server.url) || url.startsWith("data:")) return route.continue();
      elsewhere.push(url);
      return route.abort();
    });
    await page.goto(`${server.url}/docs`);
    await page.locator(".opblock").first().waitFor();
    await expect(page.locator(".info .title").textContent()).resolves.toContain("Love Savings Bank API");
    expect(await page.locator(".opblock").count()).toBeGreaterThan(20);
    await shot(page, "docs-desktop");
    expect(elsewhere).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  });
});
