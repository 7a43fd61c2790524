import type { Browser, Page } from "playwright-core";
import { renderSVG } from "uqr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveBank } from "../helpers/setup";
import { PASSWORDS, webScene, type WebScene } from "../helpers/web";
import { auditAccessibility, auditContext, DESKTOP, launch, logIn, PHONE, shot, strictContext, watch } from "./browser";

// The member's own desk in Chromium, under the pages' real CSP: a member claims a wish of the
// community and reports hours on the passbook page, holds a voucher shown with its QR code, and
// a merchant opens the QR code's address, logs in and accepts the voucher. On a phone in Chinese
// and on a desktop in English; axe-core on each page; screenshots in test-results/screenshots.

let scene: WebScene;
let server: { url: string; close: () => Promise<void> };
let browser: Browser;

beforeAll(async () => {
  scene = await webScene();
  for (const title of ["帮王奶奶买菜", "Fix a bicycle"]) {
    const res = await scene.bank.call("POST", "/v1/wishes", {
      token: scene.staffA,
      body: { title, description: "每周一次 / once a week", kind: "service", beneficiaryGroup: "elderly", beneficiary: { name: "王奶奶" } },
    });
    if (res.status !== 201) throw new Error(JSON.stringify(res.body));
  }
  server = await serveBank(scene.bank);
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const fitsPhone = async (page: Page, what: string) =>
  expect(await page.evaluate(() => document.documentElement.scrollWidth), what).toBeLessThanOrEqual(PHONE.width);

/** Whether the QR code on the page is the one of this address (its SVG as the server renders it, both read back by the browser). */
async function qrHolds(page: Page, testId: string, text: string): Promise<boolean> {
  const shown = await page.getByTestId(testId).first().locator("figure.qr").innerHTML();
  const expected = await page.evaluate((svg) => {
    const box = document.createElement("div");
    box.innerHTML = svg;
    return box.innerHTML;
  }, renderSVG(text, { border: 2 }));
  return shown === expected;
}

let voucherCode = "";

describe("the member's own desk in a browser", () => {
  it("on a phone, in Chinese: claims a wish, fulfils it, reports hours, redeems a voucher shown with its QR code", async () => {
    const context = await strictContext(browser, PHONE);
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const problems = watch(page);
    await logIn(page, server.url, "/passbook", scene.alice.username, PASSWORDS.member);
    await shot(page, "self-passbook-phone-zh");
    await fitsPhone(page, "passbook");

    const wish = page.getByTestId("open-wish").filter({ hasText: "帮王奶奶买菜" });
    await wish.getByRole("button", { name: "我来认领" }).click();
    await page.getByText("已认领，请按时完成。").waitFor();
    const claim = page.getByTestId("my-claim").filter({ hasText: "帮王奶奶买菜" });
    await claim.getByLabel("完成情况（选填）").fill("菜已送到家");
    await shot(page, "self-claimed-phone-zh");
    await claim.getByRole("button", { name: "我已完成" }).click();
    await page.getByText("已登记完成，等待社区回访确认后记入积分。").waitFor();

    await page.getByLabel("服务时长（分钟）").fill("90");
    await page.getByLabel("服务内容").fill("陪老人下棋");
    await page.getByRole("button", { name: "提交申报" }).click();
    await page.getByText("已提交申报，等待社区审核。").waitFor();
    await expect(page.getByTestId("my-record").first().textContent()).resolves.toContain("90 分钟 · 陪老人下棋 · 待审核");

    await page.getByLabel("服务券", { exact: true }).selectOption({ label: "公益理发券（阳光理发店）— 30 积分" });
    await page.getByRole("button", { name: "兑换", exact: true }).click();
    await page.getByRole("status").filter({ hasText: "兑换成功" }).waitFor();
    voucherCode = (await page.getByTestId("held-code").first().textContent()) ?? "";
    expect(voucherCode).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/);
    expect(await qrHolds(page, "held-voucher", `${server.url}/merchant?code=${voucherCode}`)).toBe(true);
    expect(await qrHolds(page, "held-voucher", `${server.url}/merchant?code=X${voucherCode}`), "a QR code of another address differs").toBe(false);
    await fitsPhone(page, "passbook with a voucher");
    await page.getByTestId("held-voucher").first().scrollIntoViewIfNeeded();
    await shot(page, "self-voucher-qr-phone-zh");

    const wishes = await scene.bank.call("GET", "/v1/wishes?status=fulfilled", { token: scene.staffA });
    expect(wishes.body.items.find((w: { title: string }) => w.title === "帮王奶奶买菜")).toMatchObject({ claimedBy: scene.alice.id, fulfilNote: "菜已送到家" });
    const records = await scene.bank.call("GET", `/v1/service-records?memberId=${scene.alice.id}&status=pending`, { token: scene.staffA });
    expect(records.body.items.filter((r: { description: string; method: string }) => r.description === "陪老人下棋" && r.method === "member_claim")).toHaveLength(1);
    expect(problems).toEqual([]);
    await context.close();
  }, 90_000);

  it("a merchant's phone opens the QR code's address, logs in, sees the voucher and accepts it", async () => {
    expect(voucherCode).not.toBe("");
    const context = await strictContext(browser, PHONE);
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const problems = watch(page);
    await page.goto(`${server.url}/merchant?code=${voucherCode}&from=singlemessage&isappinstalled=0`);
    await page.getByLabel("用户名").fill(scene.merchant.username);
    await page.getByLabel("密码").fill(PASSWORDS.merchant);
    await page.getByRole("button", { name: "登录" }).click();
    await page.getByRole("heading", { level: 2, name: "公益理发券（阳光理发店）" }).waitFor();
    await expect(page.getByLabel("券码").inputValue()).resolves.toBe(voucherCode);
    await expect(page.getByTestId("voucher-status").textContent()).resolves.toBe("未使用");
    await fitsPhone(page, "merchant");
    await shot(page, "self-merchant-from-qr-phone-zh");
    await page.getByRole("button", { name: "确认核销" }).click();
    await expect(page.getByRole("status").textContent()).resolves.toBe(`核销成功：公益理发券 · ${voucherCode}`);
    expect((await scene.bank.call("GET", `/v1/vouchers/${voucherCode}`, { token: scene.bank.admin })).body.status).toBe("used");
    expect(problems).toEqual([]);
    await context.close();
  }, 60_000);

  it("on a desktop, in English: the passbook desk, the merchant desk from a QR address and the outing's sign-in code pass axe-core", async () => {
    const v = await scene.bank.call("POST", "/v1/vouchers", { token: scene.alice.token, body: { voucherTypeId: scene.voucherType.id } });
    expect(v.status).toBe(201);
    const context = await auditContext(browser, DESKTOP);
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    await logIn(page, server.url, "/passbook", scene.alice.username, PASSWORDS.member);
    await page.goto(`${server.url}/passbook?lang=en`);
    await page.getByRole("heading", { name: "Open wishes in your community" }).waitFor();
    await page.getByTestId("open-wish").filter({ hasText: "Fix a bicycle" }).getByRole("button", { name: "I'll do it" }).click();
    await page.getByText("Claimed; please fulfil it in time.").waitFor();
    // A refused report keeps what was typed and says why, in English.
    await page.getByLabel("Minutes of service").fill("30");
    await page.getByLabel("What you did").fill("Swept the stairs");
    await page.getByLabel("Date of service").fill("2030-01-01");
    await page.getByRole("button", { name: "Send report" }).click();
    await page.getByText(/^Please check: /).waitFor();
    await expect(page.getByLabel("What you did").inputValue()).resolves.toBe("Swept the stairs");
    await auditAccessibility(page, "/passbook (en)");
    await shot(page, "self-passbook-desktop-en");

    // The outing's sign-in code, opened by staff; the member arrives by its QR code's address.
    const outing = await scene.bank.call("POST", "/v1/activities", { token: scene.staffA, body: { title: "Park clean-up", date: "2026-03-01", place: "East park" } });
    const opened = await scene.bank.call("POST", `/v1/activities/${outing.body.id}/checkin-code`, { token: scene.staffA, body: {} });
    await page.goto(`${server.url}/passbook?activity=${outing.body.id}&code=${opened.body.code}`);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.getByText("Signed in. Please sign out when you leave.").waitFor();
    await auditAccessibility(page, "/passbook sign-in (en)");
    await shot(page, "self-checkin-desktop-en");
    await page.getByRole("button", { name: "Log out" }).click();

    await page.goto(`${server.url}/merchant?code=${v.body.code}`);
    await page.getByLabel("Username").fill(scene.merchant.username);
    await page.getByLabel("Password").fill(PASSWORDS.merchant);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByTestId("voucher-status").waitFor();
    await auditAccessibility(page, "/merchant?code= (en)");
    await shot(page, "self-merchant-desktop-en");
    await context.close();
  }, 90_000);

  it("the staff roster shows the outing's sign-in code with its QR code, on a phone, and passes axe-core", async () => {
    const staff = { username: "roster-e2e", password: "roster-password" };
    await scene.bank.call("POST", "/v1/users", { token: scene.bank.admin, body: { ...staff, role: "staff", communityId: scene.communities.a.id } });
    const outing = await scene.bank.call("POST", "/v1/activities", { token: scene.staffA, body: { title: "敬老院包饺子", date: "2026-03-01", place: "城东敬老院" } });
    const context = await auditContext(browser, PHONE);
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(`${server.url}/staff?lang=zh`);
    await page.getByLabel("用户名").fill(staff.username);
    await page.getByLabel("密码").fill(staff.password);
    await page.getByRole("button", { name: "登录" }).click();
    await page.getByRole("button", { name: "退出登录" }).waitFor();
    await page.goto(`${server.url}/staff/activities/${outing.body.id}`);
    await page.getByRole("button", { name: "开启现场签到" }).click();
    await page.getByText("现场签到已开启").waitFor();
    const code = (await page.getByTestId("checkin-code").locator("code").textContent()) ?? "";
    expect(code).toMatch(/^[0-9A-Z]{6}$/);
    expect(await qrHolds(page, "checkin-code", `${server.url}/passbook?activity=${outing.body.id}&code=${code}`)).toBe(true);
    await fitsPhone(page, "roster with the code");
    await auditAccessibility(page, "/staff/activities/:id with the code");
    await shot(page, "staff-checkin-code-phone-zh");
    await context.close();
  }, 60_000);
});
