import { describe, expect, it } from "vitest";
import { makeBank } from "../helpers/setup";
import { grantPoints } from "../helpers/spending";
import { visible } from "./client";

// The member's pages for points that move: the yearly statement (年度对账单, printable, with its
// CSV), what expires next on the passbook, and entries made on the member's behalf.

async function scene() {
  const bank = await makeBank({ clockStart: "2026-03-01T08:00:00.000Z" });
  const { version: _v, versions: _vs, ...current } = (await bank.call("GET", "/v1/rules")).body;
  await bank.call("POST", "/v1/rules", { token: bank.admin, body: { ...current, pointsValidYears: 2, effectiveFrom: "2026-03-01T08:00:00.000Z" } });
  const c = await bank.community();
  const staff = await bank.staff(c.id);
  const alice = await bank.member(c.id);
  const bob = await bank.member(c.id);
  await grantPoints(bank, alice.id, 120);
  const gift = await bank.call("POST", "/v1/transfers", { token: staff, body: { fromMemberId: alice.id, to: { memberId: bob.id }, points: 20 } });
  expect(gift.status).toBe(201);
  const page = (path: string) => bank.app.request(path, { headers: { cookie: `lsb_session=${alice.token}` } });
  return { bank, alice, page };
}

describe("member pages: statement, expiry, on behalf", () => {
  it("the passbook says what expires next and when, links the statement, and marks the gift staff made for her", async () => {
    const { page } = await scene();
    const res = await page("/passbook");
    expect(res.status).toBe(200);
    const text = visible(await res.text());
    expect(text).toContain("即将过期 100 积分将于 2028-12-31 到期");
    expect(text).toContain("年度对账单");
    expect(text).toContain("（代办）");
  });

  it("the yearly statement: opening, in, out, closing and entries, printable, with its CSV; English too", async () => {
    const { alice, page } = await scene();
    const res = await page("/passbook/statement?year=2026");
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const html = await res.text();
    const text = visible(html);
    expect(text).toContain("年度对账单 · 2026 年度");
    expect(text).toContain("年初余额 0");
    expect(text).toContain("本年收入 120");
    expect(text).toContain("本年支出 20");
    expect(text).toContain("年末余额 100");
    expect(html).toContain(`/v1/members/${alice.id}/statement.csv?year=2026`);
    const en = visible(await (await page("/passbook/statement?year=2026&lang=en")).text());
    expect(en).toContain("Yearly statement");
    expect(en).toContain("Closing balance 100");
    expect((await page("/passbook/statement?year=1999")).status).toBe(400);
    const empty = visible(await (await page("/passbook/statement?year=2025")).text());
    expect(empty).toContain("年末余额 0");
  });
});
