import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveBank } from "../helpers/setup";
import { PASSWORDS, webScene, type WebScene } from "../helpers/web";
import { auditAccessibility, auditContext, DESKTOP, launch, PHONE, shot, strictContext, watch } from "./browser";

// A community office's day in Chromium, under the pages' real CSP: log in, register a wish,
// claim it for a member, fulfil, confirm with satisfaction 5; create an outing, enter ten
// members' attendance on one screen, approve once, see the points on the passbooks; record a
// company donation and an expense; redeem a voucher at the counter. On a phone in Chinese and
// on a desktop in English; axe-core on every console page; every field has a visible label.

let scene: WebScene;
let server: { url: string; close: () => Promise<void> };
let browser: Browser;
const STAFF = { username: "office-e2e", password: "office-password" };
const team: { id: string; passbookNo: string }[] = [];

beforeAll(async () => {
  scene = await webScene();
  const { bank } = scene;
  const made = await bank.call("POST", "/v1/users", { token: bank.admin, body: { ...STAFF, role: "staff", communityId: scene.communities.a.id } });
  if (made.status !== 201) throw new Error(JSON.stringify(made.body));
  for (let i = 1; i <= 10; i++) team.push(await bank.member(scene.communities.a.id, { name: `志愿者${i}号` }));
  server = await serveBank(bank);
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function logIn(page: Page) {
  await page.goto(`${server.url}/staff`);
  await page.getByLabel(/用户名|Username/).fill(STAFF.username);
  await page.getByLabel(/密码|Password/).fill(STAFF.password);
  await page.getByRole("button", { name: /登录|Log in/ }).click();
  await page.getByRole("button", { name: /退出登录|Log out/ }).waitFor();
}

/** Every input, select and textarea has a label a person can see. */
async function everyFieldLabelled(page: Page, what: string) {
  const unlabelled = await page.evaluate(() =>
    Array.from(document.querySelectorAll("input:not([type=hidden]), select, textarea"))
      .filter((el) => {
        const label = el.id ? document.querySelector(`label[for="${el.id}"]`) : el.closest("label");
        return !label || !(label as HTMLElement).offsetParent || !(label.textContent ?? "").trim();
      })
      .map((el) => (el as HTMLInputElement).name),
  );
  expect(unlabelled, what).toEqual([]);
}

const fitsPhone = async (page: Page, what: string) =>
  expect(await page.evaluate(() => document.documentElement.scrollWidth), what).toBeLessThanOrEqual(PHONE.width);

describe("a staff day in the browser", () => {
  it("on a phone, in Chinese: a wish from registration to 回访, an outing of ten, a donation, an expense, a voucher", async () => {
    const context = await strictContext(browser, PHONE);
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const problems = watch(page);
    await logIn(page);
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("社区工作台");
    await fitsPhone(page, "worklist");
    await shot(page, "staff-worklist-phone-zh");

    // The wish.
    await page.getByRole("navigation", { name: "工作台导航" }).getByRole("link", { name: "微心愿" }).click();
    await page.waitForURL(/\/staff\/wishes/);
    await shot(page, "staff-wishes-phone-zh");
    await page.getByLabel("心愿", { exact: true }).fill("助听器");
    await page.getByLabel("说明").fill("独居的王奶奶需要一副助听器");
    await page.getByLabel("受助群体").selectOption("elderly");
    await page.getByLabel("受助人姓名").fill("王奶奶");
    await page.getByLabel("估计价值（元，选填）").fill("350");
    await page.getByRole("button", { name: "登记", exact: true }).click();
    await page.getByText("已登记。").waitFor();
    const card = page.locator('[data-testid="wish"]', { hasText: "助听器" });
    await card.getByLabel("会员存折号或姓名").fill(scene.alice.passbookNo);
    await card.getByRole("button", { name: "认领" }).click();
    await page.getByText("已认领。").waitFor();
    await fitsPhone(page, "wishes");
    await shot(page, "staff-wish-claimed-phone-zh");
    await page.locator('[data-testid="wish"]', { hasText: "助听器" }).getByRole("button", { name: "登记完成" }).click();
    await page.getByText("已登记完成，等待回访确认。").waitFor();
    const toConfirm = page.locator('[data-testid="wish"]', { hasText: "助听器" });
    await toConfirm.getByLabel("满意度（回访）").selectOption("5");
    await toConfirm.getByLabel("回访意见（选填）").fill("王奶奶很满意");
    await toConfirm.getByRole("button", { name: "回访确认" }).click();
    await page.getByText("已回访确认，积分已记入存折。").waitFor();
    const wishes = await scene.bank.call("GET", "/v1/wishes?status=confirmed", { token: scene.staffA });
    expect(wishes.body.items.find((w: { title: string }) => w.title === "助听器")).toMatchObject({ satisfaction: 5, claimedByName: "王建国" });

    // The outing: ten members on one screen, approved at once.
    await page.getByRole("navigation", { name: "工作台导航" }).getByRole("link", { name: "志愿活动" }).click();
    await page.getByLabel("活动名称").fill("城东敬老院探访");
    await page.getByLabel("地点").fill("城东敬老院");
    await page.getByRole("button", { name: "创建" }).click();
    await page.getByText("活动已创建。").waitFor();
    for (let i = 1; i <= team.length; i++) await page.getByLabel(`志愿者${i}号`, { exact: true }).fill("90");
    await page.getByLabel("服务内容").press("Enter");
    await page.getByText("出勤已登记，等待审核。").waitFor();
    await page.getByRole("button", { name: /全部审核通过/ }).click();
    await page.getByText("已审核通过，积分已记入存折。").waitFor();
    await shot(page, "staff-roster-approved-phone-zh");
    // 90 minutes at 10 points an hour: 15 points on each passbook, read on the console's passbook page.
    await page.getByRole("navigation", { name: "工作台导航" }).getByRole("link", { name: "会员" }).click();
    await page.getByLabel("姓名、电话或存折号").fill(team[9]!.passbookNo);
    await page.getByRole("button", { name: "查找" }).click();
    await page.getByRole("link", { name: "志愿者10号" }).click();
    await expect(page.getByTestId("balance").textContent()).resolves.toBe("15");
    for (const m of team) expect((await scene.bank.call("GET", `/v1/members/${m.id}/passbook`, { token: scene.staffA })).body.balance).toBe(15);

    // A company's donation and an expense.
    await page.getByRole("navigation", { name: "工作台导航" }).getByRole("link", { name: "捐赠与基金" }).click();
    const before = Number((await page.getByTestId("fund-balance").textContent())!.replace(/,/g, ""));
    await page.getByLabel("捐赠人类型").selectOption("company");
    await page.getByLabel("捐赠人名称").fill("常山村镇银行");
    await page.getByLabel("金额（元）").first().fill("2000");
    await page.getByRole("button", { name: "登记" }).first().click();
    await page.getByText("捐赠已登记。").waitFor();
    await page.locator("#expense-amountYuan").fill("500");
    await page.getByLabel("用途").selectOption("hardship_aid");
    await page.locator("#expense-description").fill("春节困难户慰问");
    await page.getByLabel("收款方").fill("城东困难户");
    await page.getByLabel("票据号").fill("SJ-2026-001");
    await page.getByRole("button", { name: "登记" }).last().click();
    await page.getByText("支出已登记。").waitFor();
    await expect(page.getByTestId("fund-balance").textContent()).resolves.toBe((before + 1500).toLocaleString("en-US", { minimumFractionDigits: 2 }));
    await fitsPhone(page, "money");
    await shot(page, "staff-money-phone-zh");

    // The voucher counter.
    await page.getByRole("navigation", { name: "工作台导航" }).getByRole("link", { name: "服务券柜台" }).click();
    await page.getByLabel("会员存折号或姓名").fill(scene.alice.passbookNo);
    await page.getByRole("button", { name: "兑换" }).click();
    await page.getByText(/已兑换服务券/).waitFor();
    await page.getByTestId("voucher").waitFor();
    await shot(page, "staff-counter-phone-zh");
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);

  it("on a desktop, in English, every console page passes axe-core and labels every field", async () => {
    const context = await auditContext(browser, DESKTOP);
    const page = await context.newPage();
    await logIn(page);
    await page.goto(`${server.url}/staff?lang=en`);
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Community office");
    const activities = await scene.bank.call("GET", "/v1/activities", { token: scene.staffA });
    const paths = ["/staff", "/staff/members", `/staff/members/${scene.alice.id}`, "/staff/wishes", "/staff/activities", `/staff/activities/${activities.body.items[0].id}`, "/staff/money", "/staff/counter"];
    for (const path of paths) {
      await page.goto(`${server.url}${path}`);
      await auditAccessibility(page, path);
      await everyFieldLabelled(page, path);
      await shot(page, `staff${path.replace(/\//g, "-").replace(/-[0-9A-Z]{26}$/, "-one")}-desktop-en`);
    }
    // A refusal in English keeps what was typed.
    await page.goto(`${server.url}/staff/money`);
    await page.locator("#expense-amountYuan").fill("99999999");
    await page.locator("#expense-description").fill("Too much");
    await page.locator("#expense-payee").fill("Someone");
    await page.locator("#expense-receiptRef").fill("X-1");
    await page.getByRole("button", { name: "Record" }).last().click();
    await page.getByText("The fund does not have enough money for this.").waitFor();
    await expect(page.locator("#expense-description").inputValue()).resolves.toBe("Too much");
    await shot(page, "staff-refused-desktop-en");
    await context.close();
  }, 120_000);

  it("a member cannot open the console", async () => {
    const context = await strictContext(browser, PHONE);
    const page = await context.newPage();
    await page.goto(`${server.url}/staff`);
    await page.getByLabel("用户名").fill(scene.alice.username);
    await page.getByLabel("密码").fill(PASSWORDS.member);
    await page.getByRole("button", { name: "登录" }).click();
    await page.getByText("这个工作台只供社区工作人员和管理员使用").waitFor();
    await context.close();
  });
});
