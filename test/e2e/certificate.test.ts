import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveBank } from "../helpers/setup";
import { webScene, type WebScene } from "../helpers/web";
import { auditAccessibility, auditContext, DESKTOP, launch, PHONE, SCREENSHOTS, shot, strictContext, watch } from "./browser";

// A 志愿服务记录证明 in Chromium: staff issue it from the member's console page, print it to an
// A4 PDF, and whoever holds the paper follows the address its QR code carries (taken from the
// page's data, not scanned) to the public verification page: valid. An administrator revokes it
// from its console page; the same address then says revoked.

let scene: WebScene;
let server: { url: string; close: () => Promise<void> };
let browser: Browser;
const STAFF = { username: "cert-e2e", password: "office-password" };

beforeAll(async () => {
  scene = await webScene();
  const { bank } = scene;
  const made = await bank.call("POST", "/v1/users", { token: bank.admin, body: { ...STAFF, role: "staff", communityId: scene.communities.a.id } });
  if (made.status !== 201) throw new Error(JSON.stringify(made.body));
  // Hours entered a week late are back-filled, and the paper says so.
  const late = await bank.call("POST", "/v1/service-records", {
    token: scene.staffA,
    body: { memberId: scene.alice.id, date: "2026-02-20", minutes: 90, description: "陪老人就医" },
  });
  await bank.call("POST", `/v1/service-records/${late.body.id}/approve`, { token: scene.staffA, body: {} });
  server = await serveBank(bank);
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function logIn(page: Page, username: string, password: string) {
  await page.goto(`${server.url}/staff`);
  await page.getByLabel(/用户名|Username/).fill(username);
  await page.getByLabel(/密码|Password/).fill(password);
  await page.getByRole("button", { name: /登录|Log in/ }).click();
  await page.getByRole("button", { name: /退出登录|Log out/ }).waitFor();
}

/** The PDF's pages and the size of the first, in points. */
function pdfPages(pdf: Buffer): { pages: number; width: number; height: number } {
  const text = pdf.toString("latin1");
  const box = /\/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]/.exec(text);
  return { pages: (text.match(/\/Type\s*\/Page(?!s)/g) ?? []).length, width: Number(box?.[1]), height: Number(box?.[2]) };
}

describe("a certificate on paper and its verification", () => {
  it("is issued from the console, prints on one A4 page, verifies valid by its QR address, and revoked after revocation", async () => {
    const context = await strictContext(browser, DESKTOP);
    const page = await context.newPage();
    const problems = watch(page);
    await logIn(page, STAFF.username, STAFF.password);
    await page.goto(`${server.url}/staff/members/${scene.alice.id}`);
    await page.getByRole("heading", { name: "志愿服务记录证明" }).waitFor();
    await page.getByLabel("服务起始日期").fill("2026-01-01");
    await page.getByLabel("服务截止日期").fill("2026-03-01");
    await page.getByLabel(/负责人/).fill("张主任");
    await page.getByLabel(/单位联系电话/).fill("0571-88880000");
    await page.getByRole("button", { name: "出具并打印" }).click();
    await page.getByText("证明已出具").waitFor();
    expect(page.url()).toMatch(/\/staff\/certificates\/\w+/);

    const paper = page.locator("article.certificate");
    const number = await paper.getAttribute("data-number");
    const verifyUrl = await paper.getAttribute("data-verify-url");
    expect(number).toMatch(/^CS-ZM-2026-00001-[0-9A-Z]{4}$/);
    expect(verifyUrl).toBe(`${server.url}/certificates/${number}`);
    await expect(paper.getByText("王建国", { exact: false }).first().isVisible()).resolves.toBe(true);
    expect(await paper.getByTestId("certificate-hours").innerText()).toMatch(/7\.5 小时[\s\S]*其中补录 1\.5 小时/);
    expect(await paper.locator("tr[data-method=backfill]").innerText()).toContain("补录");
    expect(await paper.innerText()).toContain("张主任");
    expect(await paper.locator("figure.qr svg").count()).toBe(1);
    await shot(page, "certificate-console");

    // The printed paper: one A4 page (595 × 842 pt), with no console navigation or forms
    await page.emulateMedia({ media: "print" });
    await shot(page, "certificate-print");
    expect(await page.locator("nav.console").isVisible()).toBe(false);
    expect(await page.locator("main > h1").isVisible()).toBe(false);
    const pdf = await page.pdf({ path: join(SCREENSHOTS, "certificate.pdf"), preferCSSPageSize: true, printBackground: true });
    expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");
    const size = pdfPages(readFileSync(join(SCREENSHOTS, "certificate.pdf")));
    expect(size.pages).toBe(1);
    expect(Math.round(size.width)).toBeGreaterThanOrEqual(594);
    expect(Math.round(size.width)).toBeLessThanOrEqual(596);
    expect(Math.round(size.height)).toBeGreaterThanOrEqual(841);
    expect(Math.round(size.height)).toBeLessThanOrEqual(843);
    expect(problems).toEqual([]);

    // Whoever holds the paper, on a phone, not logged in, follows the QR address
    const visitor = await strictContext(browser, PHONE);
    const phone = await visitor.newPage();
    const phoneProblems = watch(phone);
    const first = await phone.goto(verifyUrl!);
    expect(first?.status()).toBe(200);
    expect(await phone.getByTestId("certificate-status").getAttribute("data-state")).toBe("valid");
    expect(await phone.getByTestId("certificate-number").innerText()).toBe(number);
    const shown = await phone.locator("main").innerText();
    expect(shown).toContain("王建国");
    expect(shown).not.toContain("155-0000-9999"); // alice's phone
    expect(shown).not.toContain(scene.alice.passbookNo);
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await shot(phone, "certificate-verify-valid");

    // An administrator revokes it from its console page
    const adminContext = await strictContext(browser, DESKTOP);
    const adminPage = await adminContext.newPage();
    await logIn(adminPage, "admin", "admin-password");
    await adminPage.goto(page.url().replace(/\?.*$/, ""));
    await adminPage.getByLabel("撤销原因").fill("服务时长登记有误");
    await adminPage.getByRole("button", { name: "撤销" }).click();
    await adminPage.getByText("证明已撤销。", { exact: true }).waitFor();
    expect(await adminPage.getByTestId("certificate-status").getAttribute("data-state")).toBe("revoked");
    await shot(adminPage, "certificate-console-revoked");

    await phone.goto(verifyUrl!);
    expect(await phone.getByTestId("certificate-status").getAttribute("data-state")).toBe("revoked");
    expect(await phone.getByTestId("certificate-status").innerText()).toContain("已撤销");
    expect(await phone.locator("main").innerText()).not.toContain("服务时长登记有误");
    await shot(phone, "certificate-verify-revoked");
    expect(phoneProblems).toEqual([]);

    const unknown = await phone.goto(`${server.url}/certificates/CS-ZM-2026-00001-0000`);
    expect(unknown?.status()).toBe(number!.endsWith("-0000") ? 200 : 404);
    await Promise.all([context.close(), visitor.close(), adminContext.close()]);
  });

  it("the certificate pages pass axe-core", async () => {
    const { bank } = scene;
    const issued = await bank.call("POST", `/v1/members/${scene.alice.id}/certificates`, { token: scene.staffA, body: { from: "2026-02-01", to: "2026-03-01" } });
    expect(issued.status).toBe(201);
    const context = await auditContext(browser, PHONE);
    const page = await context.newPage();
    await page.goto(`${server.url}/certificates/${issued.body.number}`);
    await auditAccessibility(page, "verification page");
    await logIn(page, STAFF.username, STAFF.password);
    await page.goto(`${server.url}/staff/certificates/${issued.body.id}`);
    await auditAccessibility(page, "certificate console page");
    await page.goto(`${server.url}/staff/members/${scene.alice.id}`);
    await auditAccessibility(page, "member page with certificates");
    await context.close();
  });
});
