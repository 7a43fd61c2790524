import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { wishBody } from "../helpers/earning";
import { makeBank, serveBank, type TestBank } from "../helpers/setup";
import { auditAccessibility, auditContext, DESKTOP, launch, PHONE, SCREENSHOTS, shot, strictContext, watch } from "./browser";

// The annual report page in Chromium: reached from /fund, in Chinese and English, on a phone,
// accessible, and printed to PDF the way a community office would print it for its notice board.

let bank: TestBank;
let server: { url: string; close: () => Promise<void> };
let browser: Browser;

beforeAll(async () => {
  bank = await makeBank({ clockStart: "2025-06-01T02:00:00.000Z" });
  const must = async (method: string, path: string, token: string, body?: unknown) => {
    const res = await bank.call(method, path, { token, body });
    if (res.status >= 300) throw new Error(`${method} ${path}: ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const a = await bank.community("东门社区");
  const staff = await bank.staff(a.id);
  const staff2 = await bank.staff(a.id);
  const member = await bank.member(a.id);
  await must("POST", "/v1/fund/budgets", bank.admin, { year: 2025, purpose: "hardship_aid", amountFen: 100_000 });
  await must("POST", "/v1/fund/budgets", bank.admin, { year: 2025, purpose: "operations", amountFen: 20_000 });
  await must("POST", "/v1/donations", staff, { donor: { type: "company", name: "县建材公司" }, kind: "money", amountFen: 200_000 });
  await must("POST", "/v1/donations", staff, { donor: { type: "individual", name: "李女士" }, kind: "money", amountFen: 12_000 });
  await must("POST", "/v1/donations", staff, {
    donor: { type: "company", name: "爱心药店" },
    kind: "money",
    amountFen: 50_000,
    restriction: { purpose: "hardship_aid", communityId: a.id },
  });
  await must("POST", "/v1/fund/expenses", staff, { amountFen: 40_000, purpose: "hardship_aid", description: "困难家庭冬季慰问", payee: "县民政局", receiptRef: "FP-1" });
  await must("POST", "/v1/fund/expenses", staff, { amountFen: 5_000, purpose: "operations", description: "宣传单印制", payee: "城南打印店", receiptRef: "FP-2" });
  const wish = await must("POST", "/v1/wishes", staff, wishBody());
  await must("POST", `/v1/wishes/${wish.id}/claim`, member.token, {});
  await must("POST", `/v1/wishes/${wish.id}/fulfil`, member.token, {});
  const record = await must("POST", "/v1/service-records", staff, { memberId: member.id, date: "2025-06-01", minutes: 150, description: "陪伴老人" });
  await must("POST", `/v1/service-records/${record.id}/approve`, staff2, {});
  await must("POST", "/v1/awards", bank.admin, { year: 2025, memberId: member.id, title: "优秀志愿者", citation: "全年陪伴独居老人" });
  await bank.settle();
  server = await serveBank(bank);
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe("the annual report page", () => {
  it("is linked from /fund, shows the year in Chinese, fits a phone, and switches to English", async () => {
    const context = await strictContext(browser, PHONE);
    const page = await context.newPage();
    const problems = watch(page);
    await page.goto(`${server.url}/fund`);
    await page.getByRole("link", { name: "年度报告" }).click();
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("爱心储蓄银行 2025 年度报告");
    expect(new URL(page.url()).search).toBe("?year=2025");
    const fund = await page.locator("#annual-fund + .figures li").allTextContents();
    expect(fund).toEqual([
      expect.stringMatching(/^0\.00\s*年初余额/),
      expect.stringMatching(/^2,620\.00\s*本年收入/),
      expect.stringMatching(/^450\.00\s*本年支出/),
      expect.stringMatching(/^2,170\.00\s*年末余额/),
    ]);
    const restricted = page.getByRole("region", { name: "定向捐赠及其使用" });
    await expect(restricted.getByText("爱心药店").count()).resolves.toBe(1);
    await expect(restricted.getByText(/县民政局 · 困难家庭冬季慰问 · ¥400\.00/).count()).resolves.toBe(1);
    await expect(page.getByText("全年陪伴独居老人").count()).resolves.toBe(1);
    const wishes = await page.locator("#annual-wishes + .figures li").allTextContents();
    expect(wishes).toEqual([
      expect.stringMatching(/^1\s*收集心愿$/),
      expect.stringMatching(/^1\s*完成心愿$/),
      expect.stringMatching(/^2\.5\s*志愿服务时长/),
      expect.stringMatching(/^1\s*参与服务的志愿者$/),
    ]);
    const api = (await bank.call("GET", "/v1/public/annual-report?year=2025")).body;
    await expect(page.locator(".checkpoint code.hash").textContent()).resolves.toBe(api.checkpoint.rootHash);
    await expect(page.getByText("本年度尚未结束：这是目前最新的检查点。").count()).resolves.toBe(1);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await shot(page, "annual-report-phone-zh");

    await page.getByRole("link", { name: "English" }).click();
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Love Savings Bank annual report 2025");
    await expect(page.getByRole("heading", { name: "Restricted donations and their use" }).count()).resolves.toBe(1);
    await expect(page.getByText("Wishes fulfilled").count()).resolves.toBe(1);
    expect(problems).toEqual([]);
    await context.close();
  });

  it("prints to a PDF without the navigation and the year form; a year with nothing says so", async () => {
    const context = await strictContext(browser, DESKTOP);
    const page = await context.newPage();
    await page.goto(`${server.url}/annual-report?year=2025`);
    await page.emulateMedia({ media: "print" });
    await expect(page.locator("nav.main").isVisible()).resolves.toBe(false);
    await expect(page.locator("form").isVisible()).resolves.toBe(false);
    await expect(page.getByRole("heading", { level: 1 }).isVisible()).resolves.toBe(true);
    await shot(page, "annual-report-print-zh");
    const pdfPath = join(SCREENSHOTS, "annual-report-2025.pdf");
    await page.pdf({ path: pdfPath, format: "A4", printBackground: true });
    const pdf = readFileSync(pdfPath);
    expect(pdf.subarray(0, 5).toString("latin1")).toBe("%PDF-");
    expect(statSync(pdfPath).size).toBeGreaterThan(10_000);

    await page.emulateMedia({ media: "screen" });
    await page.goto(`${server.url}/annual-report?year=2014`);
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("爱心储蓄银行 2014 年度报告");
    await expect(page.getByText("本年没有收到定向捐赠。").count()).resolves.toBe(1);
    await expect(page.getByText("本年没有表彰。").count()).resolves.toBe(1);
    await expect(page.getByText("年末时账本还没有交易（空账本的检查点）。").count()).resolves.toBe(1);
    const bad = await page.goto(`${server.url}/annual-report?year=1999`);
    expect(bad!.status()).toBe(400);
    await context.close();
  });

  it("passes the accessibility audit", async () => {
    const context = await auditContext(browser);
    const page = await context.newPage();
    await page.goto(`${server.url}/annual-report?year=2025`);
    await auditAccessibility(page, "/annual-report");
    await context.close();
  });
});
