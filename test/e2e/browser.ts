import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

// Browser tests drive Debian's chromium (apt-get install chromium fonts-noto-cjk; .ci/run does it)
// through playwright-core. Pages run under their real CSP; only the accessibility audit, which
// must inject axe-core as a script, uses a context that bypasses it.

export const CHROMIUM = "/usr/bin/chromium";
export const SCREENSHOTS = join(process.cwd(), "test-results", "screenshots");
const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 900 };

export function launch(): Promise<Browser> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** Problems a page reported: console errors, uncaught exceptions, CSP refusals. */
export function watch(page: Page): string[] {
  const problems: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  return problems;
}

export const shot = (page: Page, name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** axe-core on the page as it is now; serious and critical violations fail the test. */
export async function auditAccessibility(page: Page, what: string): Promise<void> {
  await page.addScriptTag({ path: AXE });
  const violations = (await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: unknown[] }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] } });
    return result.violations;
  })) as AxeViolation[];
  const bad = violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${what}: ${v.id} (${v.impact}) ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  if (bad.length) throw new Error(bad.join("\n"));
}

export async function auditContext(browser: Browser, viewport = DESKTOP): Promise<BrowserContext> {
  return browser.newContext({ bypassCSP: true, viewport, locale: "zh-CN" });
}

export async function strictContext(browser: Browser, viewport = PHONE): Promise<BrowserContext> {
  return browser.newContext({ viewport, locale: "zh-CN" });
}

export async function logIn(page: Page, baseUrl: string, path: "/passbook" | "/merchant", username: string, password: string) {
  await page.goto(`${baseUrl}${path}`);
  await page.getByLabel(/用户名|Username/).fill(username);
  await page.getByLabel(/密码|Password/).fill(password);
  await page.getByRole("button", { name: /登录|Log in/ }).click();
  await page.getByRole("button", { name: /退出登录|Log out/ }).waitFor();
}
