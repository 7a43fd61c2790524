import { beforeAll, describe, expect, it } from "vitest";
import { dictionaries } from "../../src/i18n";
import { publicPaths } from "../../src/web/public";
import { publicTables } from "../../src/web/tables";
import { webScene, type WebScene } from "../helpers/web";
import { visible, webClient } from "./client";

// The public pages over HTTP: what they show, the headers that let a Worker serve them cheaply
// (Cache-Control, ETag, 304), the content security policy, the language switch, strict
// query validation, the CSV downloads, and one database round-trip per page.

let scene: WebScene;

beforeAll(async () => {
  scene = await webScene();
});

const get = (path: string, headers: Record<string, string> = {}) => scene.bank.app.request(path, { headers });

describe("what the public pages show", () => {
  it("home: the headline figures and the programme's story", async () => {
    const text = visible(await (await get("/")).text());
    expect(text).toContain("2 个 征集微心愿");
    expect(text).toContain("1 个 认领完成微心愿");
    expect(text).toContain("2 本 办理爱心存折");
    expect(text).toContain("7 志愿服务时长（小时）");
    expect(text).toContain("1 次 志愿者服务队出动");
    expect(text).toContain("50,250.00 爱心储蓄基金筹集（元）");
    expect(text).toContain("3,000.00 基金支出（元）");
    expect(text).toContain("47,250.00 基金结余（元）");
    expect(text).toContain("常山：社区“爱心储蓄银行”探索服务群众新模式");
    expect(text).toContain("现已办理党员干部“爱心存折”1336本");
  });

  it("fund: income by source and spending by purpose as SVG charts and tables, and the expenses", async () => {
    const html = await (await get("/fund")).text();
    expect(html.match(/<svg class="chart"/g)).toHaveLength(3); // income, spending, and budget against actual (v2)
    expect(html).toContain("<desc id=\"income-chart-desc\">会员: ¥50.00; 企业: ¥50,000.00; 个人: ¥0.00; 匿名: ¥200.00</desc>");
    const text = visible(html);
    expect(text).toContain("助残 3,000.00");
    expect(text).toContain("为残疾人家庭购买轮椅两台 3,000.00 FP-2026-001");
  });

  it("donations: donors who opted out and anonymous donors appear as 匿名", async () => {
    const text = visible(await (await get("/donations")).text());
    expect(text).toContain("常山村镇银行 企业 善款 50,000.00");
    expect(text).toContain("匿名 会员 善款 10.00");
    expect(text).toContain("匿名 匿名 善款 200.00");
    expect(text).toContain("冬衣 5 老人");
  });

  it("honours: awards, rankings and star levels of the chosen year", async () => {
    const text = visible(await (await get("/honours?year=2026")).text());
    expect(text).toContain("王建国 天马街道东门社区 优秀义工 常年义务清扫社区广场");
    expect(text).toContain("1 王建国 天马街道东门社区 120");
    expect(text).toContain("2 匿名 紫港街道金川社区 20");
    expect(text).toContain("2 星 1 1 星 1");
    const empty = visible(await (await get("/honours?year=2025")).text());
    expect(empty).not.toContain("王建国");
  });

  it("quality: per community and overall", async () => {
    const text = visible(await (await get("/quality")).text());
    expect(text).toContain("天马街道东门社区 1 1 100% 5 100% 0 0");
    expect(text).toContain("全县合计 2 1 100% 5 100% 0 0");
  });

  it("ledger: sealed transactions with their hashes, and the verifier", async () => {
    const html = await (await get("/ledger")).text();
    const published = (await scene.bank.call("GET", "/v1/public/ledger")).body.items as { hash: string }[];
    for (const t of published) expect(html).toContain(`<code>${t.hash}</code>`);
    expect(html).toContain('id="verifier"');
  });

  it("pages long lists with a next link", async () => {
    for (let i = 0; i < 21; i++) {
      await scene.bank.call("POST", "/v1/activities", { token: scene.staffB, body: { title: `巡逻 ${i}`, date: "2026-02-01", place: "金川" } });
    }
    const first = await (await get("/service")).text();
    const next = /href="(\/service\?cursor=[^"]+)" rel="next"/.exec(first)![1]!;
    const secondHtml = await (await get(next.replace(/&amp;/g, "&"))).text();
    const second = visible(secondHtml);
    expect(visible(first)).toContain("巡逻 20 ");
    expect(visible(first)).not.toContain("巡逻 0 ");
    expect(second).toContain("巡逻 0 ");
    expect(second).not.toContain("巡逻 20 ");
    expect(secondHtml).not.toContain('rel="next"');
  });
});

describe("headers for cheap serving", () => {
  it("every public page: public Cache-Control, an ETag that answers 304, Vary: Cookie", async () => {
    for (const path of publicPaths) {
      const res = await get(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/html; charset=UTF-8");
      expect(res.headers.get("cache-control"), path).toBe("public, max-age=60");
      expect(res.headers.get("vary")).toBe("Cookie");
      const tag = res.headers.get("etag");
      expect(tag, path).toMatch(/^"[0-9a-f]{40}"$/);
      const again = await get(path, { "if-none-match": tag! });
      expect(again.status, path).toBe(304);
      expect(await again.text()).toBe("");
    }
  });

  it("a logged-in page is never stored; its login state does not leak into public pages", async () => {
    const member = { cookie: `lsb_session=${scene.alice.token}` };
    expect((await get("/passbook", member)).headers.get("cache-control")).toBe("no-store");
    expect((await get("/merchant")).headers.get("cache-control")).toBe("no-store");
    const anonymous = await (await get("/")).text();
    const loggedIn = await (await get("/", member)).text();
    expect(loggedIn).toBe(anonymous);
  });

  it("public JSON: Cache-Control and an ETag for anonymous reads; logged-in reads are left alone", async () => {
    for (const path of ["/v1/rules", "/v1/communities", "/v1/voucher-types", "/v1/public/summary", "/v1/fund/statement"]) {
      const res = await get(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("cache-control"), path).toMatch(/^public, max-age=\d+$/);
      const tag = res.headers.get("etag")!;
      expect(tag, path).toMatch(/^"[0-9a-f]{40}"$/);
      expect((await get(path, { "if-none-match": tag })).status, path).toBe(304);
    }
    const authed = await get("/v1/rules", { authorization: `Bearer ${scene.alice.token}` });
    expect(authed.headers.get("etag")).toBeNull();
    const member = await get(`/v1/members/${scene.alice.id}/passbook`, { authorization: `Bearer ${scene.alice.token}` });
    expect(member.headers.get("cache-control")).toBeNull();
    expect(member.headers.get("etag")).toBeNull();
  });

  it("a strict CSP: only the page's own stylesheet and scripts, by hash", async () => {
    const home = await get("/");
    const csp = home.headers.get("content-security-policy")!;
    expect(csp).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/]+=*'; script-src 'none'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'$/);
    const ledger = (await get("/ledger")).headers.get("content-security-policy")!;
    expect(ledger).toMatch(/script-src 'sha256-[A-Za-z0-9+/]+=*';/);
    expect(ledger).not.toContain("unsafe");
    // The hash allows exactly the stylesheet the page carries.
    const html = await home.text();
    const css = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!;
    const digest = Buffer.from(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(css))).toString("base64");
    expect(csp).toContain(`'sha256-${digest}'`);
  });
});

describe("language", () => {
  it("?lang=en switches to English and remembers it in a cookie; ?lang=zh switches back", async () => {
    const client = webClient(scene.bank);
    const en = await client.get("/?lang=en");
    expect(en.text).toContain('<html lang="en">');
    expect(visible(en.text)).toContain("Micro-wishes collected");
    expect(en.headers.get("cache-control")).toBe("private, no-cache");
    expect(en.headers.getSetCookie()[0]).toMatch(/^lsb_lang=en; Max-Age=31536000; Path=\/; HttpOnly; SameSite=Lax$/);
    const fund = await client.get("/fund");
    expect(visible(fund.text)).toContain("Income by source");
    expect(fund.headers.get("cache-control")).toBe("public, max-age=60");
    const zh = await client.get("/fund?lang=zh");
    expect(zh.text).toContain('<html lang="zh-CN">');
    expect(visible((await client.get("/")).text)).toContain("征集微心愿");
  });

  it("defaults to Chinese, and an unknown language is a 400", async () => {
    expect(await (await get("/")).text()).toContain('<html lang="zh-CN">');
    expect((await get("/?lang=fr")).status).toBe(400);
  });
});

describe("bad addresses", () => {
  it("parameters a page does not know are ignored: links shared through WeChat or Weibo open", async () => {
    for (const path of ["/?from=singlemessage&isappinstalled=0", "/wishes?utm_source=weibo&utm_medium=share", "/fund?from=timeline&lang=en", "/honours?year=2026&isappinstalled=1", "/passbook?from=groupmessage"]) {
      const res = await get(path);
      expect(res.status, path).toBe(200);
    }
    expect(await (await get("/fund?from=timeline&lang=en")).text()).toContain("Love Savings Fund");
  });

  it("an address nobody serves is a 404 page in the reader's language; under /v1 it stays JSON", async () => {
    const page = await get("/no-such-page?from=singlemessage");
    expect(page.status).toBe(404);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(await page.text()).toContain("没有这个页面");
    const api = await get("/v1/no-such-thing");
    expect(api.status).toBe(404);
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe("not_found");
  });

  it("bad cursors and out-of-range years are a 400 page, not a crash", async () => {
    for (const path of ["/wishes?cursor=garbage", "/honours?year=1999", "/honours?year=2099", "/ledger?cursor=%5B%5D", "/csv/wishes.csv?limit=5000"]) {
      const res = await get(path);
      expect(res.status, path).toBe(400);
      expect(res.headers.get("content-type"), path).toContain("text/html");
      expect(res.headers.get("cache-control")).toBe("no-store");
    }
  });

  it("an unknown CSV table is a 404 page", async () => {
    const res = await get("/csv/members.csv");
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toContain("text/html");
  });
});

describe("CSV downloads", () => {
  it("every table links its CSV, which holds the same rows as a UTF-8 file with a BOM", async () => {
    const html = await (await get("/donations")).text();
    expect(html).toContain('href="/csv/donations.csv"');
    expect(html).toContain('href="/csv/goods-use.csv"');
    const res = await get("/csv/donations.csv");
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="donations.csv"; filename*=UTF-8''donations.csv`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = new TextDecoder().decode(bytes).split("\r\n");
    expect(lines[0]).toBe("日期,捐赠人,捐赠人类型,物品/金额,价值（元）,社区,状态");
    expect(lines).toContain("2026-03-01,常山村镇银行,企业,善款,50000.00,天马街道东门社区,");
    expect(lines).toContain("2026-03-01,匿名,匿名,善款,200.00,紫港街道金川社区,");
  });

  it("English headers with ?lang=en, a year for the yearly tables, and a Link to the next part", async () => {
    const en = new TextDecoder().decode(await (await get("/csv/fund-spending.csv?lang=en")).arrayBuffer());
    expect(en.split("\r\n")[0]).toBe("Purpose,Amount (yuan)");
    expect(en).toContain("Disability aid,3000.00");
    const awards = await get("/csv/awards.csv?year=2026");
    expect(awards.headers.get("content-disposition")).toContain('filename="awards-2026.csv"');
    const part = await get("/csv/wishes.csv?limit=1");
    const link = part.headers.get("link")!;
    expect(link).toMatch(/^<\/csv\/wishes\.csv\?cursor=[^&]+&limit=1&year=2026>; rel="next"$/);
    const rest = new TextDecoder().decode(await (await get(link.slice(1, link.indexOf(">")))).arrayBuffer());
    expect(rest).toContain("给留守儿童的新书包");
  });

  it("every table in the registry serves a CSV with its header row", async () => {
    for (const [name, table] of Object.entries(publicTables)) {
      const text = new TextDecoder().decode(await (await get(`/csv/${name}.csv`)).arrayBuffer());
      expect(text.split("\r\n")[0], name).toBe(table.def.columns.map((c) => c.label(dictionaries.zh)).join(","));
    }
  });
});

describe("one database round-trip per page", () => {
  it("each public page and the passbook read everything they show in one round-trip", async () => {
    const pages: [string, Record<string, string>][] = [
      ...publicPaths.map((p): [string, Record<string, string>] => [p, {}]),
      ["/csv/donations.csv", {}],
      ["/passbook", { cookie: `lsb_session=${scene.alice.token}` }],
    ];
    for (const [path, headers] of pages) {
      scene.bank.roundTrips.reset();
      const res = await get(path, headers);
      expect(res.status, path).toBe(200);
      expect(scene.bank.roundTrips.count(), path).toBe(1);
    }
  });
});
