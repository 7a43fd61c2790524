import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveBank } from "../helpers/setup";
import { PASSWORDS, webScene, type WebScene } from "../helpers/web";
import { auditAccessibility, auditContext, DESKTOP, launch, logIn, PHONE, shot, strictContext, watch } from "./browser";

// The pages in a real headless Chromium against the app on a real HTTP server: the figures on
// the home page, a member's passbook and a redemption, a merchant accepting the voucher, the
// ledger verified by the page's own script (and a tampered one caught), accessibility by axe.

let scene: WebScene;
let server: { url: string; close: () => Promise<void> };
let browser: Browser;
let voucherCode = "";

beforeAll(async () => {
  scene = await webScene();
  server = await serveBank(scene.bank);
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe("the public pages in a browser", () => {
  it("the home page shows the headline figures, on a phone, and switches to English", async () => {
    const context = await strictContext(browser, PHONE);
    const page = await context.newPage();
    const problems = watch(page);
    await page.goto(`${server.url}/`);
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("爱心储蓄银行");
    const figures = await page.locator(".figures li").allTextContents();
    expect(figures).toEqual([
      expect.stringMatching(/^2 个\s*征集微心愿$/),
      expect.stringMatching(/^1 个\s*认领完成微心愿$/),
      expect.stringMatching(/^2 本\s*办理爱心存折$/),
      expect.stringMatching(/^7\s*志愿服务时长/),
      expect.stringMatching(/^1 次\s*志愿者服务队出动$/),
      expect.stringMatching(/^1 人次\s*参与人次$/),
      expect.stringMatching(/^50,250\.00\s*爱心储蓄基金筹集/),
      expect.stringMatching(/^3,000\.00\s*基金支出/),
      expect.stringMatching(/^47,250\.00\s*基金结余/),
    ]);
    await expect(page.getByText("全县共征集微心愿1500多个").count()).resolves.toBe(1);
    // The page fits the phone: nothing wider than the screen.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await shot(page, "home-phone-zh");

    await page.getByRole("link", { name: "English" }).click();
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Love Savings Bank");
    await page.getByRole("link", { name: "Fund" }).click();
    // The language is remembered (cookie) on the next page.
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Love Savings Fund");
    await expect(page.locator("svg.chart").count()).resolves.toBe(3); // income, spending, budget against actual
    await shot(page, "fund-phone-en");
    await page.getByRole("link", { name: "中文" }).click();
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("爱心储蓄基金");
    // The CSP is real: an inline script the page did not ship does not run.
    await page.addScriptTag({ content: "window.__injected = 1" }).catch(() => undefined);
    expect(await page.evaluate(() => (window as unknown as { __injected?: number }).__injected)).toBeUndefined();
    expect(problems.filter((p) => !p.includes("Content Security Policy"))).toEqual([]);
    await context.close();
  });

  it("the public ledger verifies in the page, and a tampered download is caught at its first broken link", async () => {
    const context = await strictContext(browser, DESKTOP);
    const page = await context.newPage();
    const problems = watch(page);
    await page.goto(`${server.url}/ledger`);
    const status = page.locator(".verify-status");
    await expect(status.textContent()).resolves.toBe("尚未核验。");
    await page.getByRole("button", { name: "在本页核验全部账本" }).click();
    await page.locator('.verify-status[data-state="ok"]').waitFor();
    const published = (await scene.bank.call("GET", "/v1/public/ledger?limit=1000")).body.items as { seq: number; hash: string }[];
    expect(published.length).toBeGreaterThan(5);
    const verified = new RegExp(
      `^核验通过：${published.length} 笔交易，链条完整，与签名检查点（${published.length} 笔，根 [0-9a-f]{64}）一致；.+最新哈希：${published[published.length - 1]!.hash}$`,
    );
    await expect(status.textContent()).resolves.toMatch(verified);
    // the key it checked with is on the footer, and a second run checks consistency with the first
    await expect(page.locator("footer .ledger-key code").textContent()).resolves.toMatch(/^localhost\/love-savings-bank-unconfigured\+[0-9a-f]{8}\+/);
    await page.getByRole("button", { name: "在本页核验全部账本" }).click();
    await page.locator('.verify-status[data-state="ok"]').waitFor();
    await expect(status.textContent()).resolves.toMatch(verified);
    await shot(page, "ledger-verified");

    // Someone serves a ledger where transaction 3 moved one more point: the page names seq 3.
    await page.route("**/v1/public/ledger?*", async (route) => {
      const res = await route.fetch();
      const body = await res.json();
      body.items[2].postings[0].amount += 1;
      await route.fulfill({ response: res, json: body });
    });
    await page.getByRole("button", { name: "在本页核验全部账本" }).click();
    await page.locator('.verify-status[data-state="broken"]').waitFor();
    await expect(status.textContent()).resolves.toBe(`链条在第 3 笔交易（${(published[2] as unknown as { id: string }).id}）处断开：哈希不符（内容被改动）`);
    await shot(page, "ledger-tampered");
    expect(problems).toEqual([]);
    await context.close();
  });
});

describe("a member and a merchant in a browser", () => {
  it("a member logs in, sees the passbook and redeems a voucher", async () => {
    const context = await strictContext(browser, PHONE);
    const page = await context.newPage();
    const problems = watch(page);
    await page.goto(`${server.url}/passbook`);
    await expect(page.getByRole("heading", { name: "登录" }).count()).resolves.toBe(1);
    await shot(page, "passbook-login");
    await logIn(page, server.url, "/passbook", scene.alice.username, PASSWORDS.member);

    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === "lsb_session")!;
    expect(session).toMatchObject({ httpOnly: true, sameSite: "Strict", path: "/" });

    await expect(page.getByTestId("balance").textContent()).resolves.toBe("120");
    await expect(page.getByRole("img", { name: "2 星" }).count()).resolves.toBe(1);
    await expect(page.locator("#t-levels").locator("xpath=ancestor::table//tbody/tr").count()).resolves.toBe(2);
    await expect(page.getByText("微心愿：给留守儿童的新书包").count()).resolves.toBe(1);
    await shot(page, "passbook-phone");

    await page.getByLabel("服务券", { exact: true }).selectOption({ label: "公益理发券（阳光理发店）— 30 积分" });
    await page.getByRole("button", { name: "兑换" }).click();
    await page.getByRole("status").filter({ hasText: "兑换成功" }).waitFor();
    await expect(page.getByTestId("balance").textContent()).resolves.toBe("90");
    voucherCode = (await page.getByTestId("voucher-code").first().textContent()) ?? "";
    expect(voucherCode).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/);
    await expect(page.getByRole("status").textContent()).resolves.toBe(`兑换成功，券码：${voucherCode}`);
    // Reloading the result page redeems nothing more (it was a redirect after the POST).
    await page.reload();
    await expect(page.getByTestId("balance").textContent()).resolves.toBe("90");

    await page.emulateMedia({ media: "print" });
    await shot(page, "passbook-print");
    await page.emulateMedia({ media: "screen" });

    await page.getByRole("button", { name: "退出登录" }).click();
    await page.getByRole("heading", { level: 1, name: "爱心储蓄银行" }).waitFor();
    expect((await context.cookies()).find((c) => c.name === "lsb_session")).toBeUndefined();
    expect(problems).toEqual([]);
    await context.close();
  });

  it("the merchant logs in, pastes the code, sees what it is for and accepts it once", async () => {
    expect(voucherCode).not.toBe("");
    const context = await strictContext(browser, PHONE);
    const page = await context.newPage();
    const problems = watch(page);
    await logIn(page, server.url, "/merchant", scene.merchant.username, PASSWORDS.merchant);
    // Typed as a person would: lower case, spaces instead of dashes.
    await page.getByLabel("券码").fill(voucherCode.toLowerCase().replace(/-/g, " "));
    await page.getByRole("button", { name: "查询" }).click();
    await expect(page.getByRole("heading", { level: 2, name: "公益理发券（阳光理发店）" }).count()).resolves.toBe(1);
    await expect(page.getByTestId("voucher-status").textContent()).resolves.toBe("未使用");
    await shot(page, "merchant-found");
    await page.getByRole("button", { name: "确认核销" }).click();
    await expect(page.getByRole("status").textContent()).resolves.toBe(`核销成功：公益理发券 · ${voucherCode}`);
    await shot(page, "merchant-accepted");

    await page.getByLabel("券码").fill(voucherCode);
    await page.getByRole("button", { name: "查询" }).click();
    await expect(page.getByTestId("voucher-status").textContent()).resolves.toBe("已核销");
    await expect(page.getByRole("button", { name: "确认核销" }).count()).resolves.toBe(0);
    const v = await scene.bank.call("GET", `/v1/vouchers/${voucherCode}`, { token: scene.bank.admin });
    expect(v.body.status).toBe("used");
    expect(problems).toEqual([]);
    await context.close();
  });
});

describe("accessibility (axe-core: no serious or critical violations)", () => {
  const publicPages = ["/", "/wishes", "/service", "/donations", "/fund", "/honours", "/quality", "/ledger", "/?lang=en", "/passbook", "/merchant"];

  it("the audit itself fails on a page with violations (so a pass means something)", async () => {
    const context = await auditContext(browser);
    const page = await context.newPage();
    await page.setContent('<html><body><img src="data:,"><input type="text"><div style="color:#ccc;background:#fff">faint</div></body></html>');
    await expect(auditAccessibility(page, "bad page")).rejects.toThrow(/image-alt|label|color-contrast/);
    await context.close();
  });

  it("every public page and both login pages", async () => {
    const context = await auditContext(browser);
    const page = await context.newPage();
    for (const path of publicPages) {
      await page.goto(`${server.url}${path}`);
      await auditAccessibility(page, path);
      await shot(page, `desktop${path.replace(/[/?=]+/g, "-").replace(/-$/, "") || "-home"}`);
    }
    await context.close();
  });

  it("the passbook and the merchant desk, logged in", async () => {
    const context = await auditContext(browser, PHONE);
    const page = await context.newPage();
    await logIn(page, server.url, "/passbook", scene.alice.username, PASSWORDS.member);
    await auditAccessibility(page, "/passbook");
    await page.getByRole("button", { name: "退出登录" }).click();
    await logIn(page, server.url, "/merchant", scene.merchant.username, PASSWORDS.merchant);
    await auditAccessibility(page, "/merchant");
    await context.close();
  });
});
