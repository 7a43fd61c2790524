import { describe, expect, it } from "vitest";
import { DAY_MS } from "../../src/clock";
import { csvCell, fenToYuan, toCsv } from "../../src/domain/csv";
import { makeBank, type TestBank } from "../helpers/setup";
import { giveToFund, grantPoints, merchantWithType } from "../helpers/spending";

/** An RFC 4180 reader, written independently of the writer, to read back what we produced. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"' && cell === "") quoted = true;
    else if (ch === ",") row.push(cell), (cell = "");
    else if (ch === "\r" && text[i + 1] === "\n") row.push(cell), rows.push(row), (row = []), (cell = ""), i++;
    else if (ch === "\n" || ch === "\r") throw new Error(`bare line break at ${i}`);
    else cell += ch;
  }
  if (cell !== "" || row.length) throw new Error("last line not ended by CRLF");
  return rows;
}

/** The raw response: bytes (to see the BOM, which text decoding strips) and headers. */
async function download(bank: TestBank, path: string, token?: string) {
  const res = await bank.app.request(path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const bytes = new Uint8Array(await res.arrayBuffer());
  const text = new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes);
  return { status: res.status, headers: res.headers, bytes, text, rows: res.status === 200 ? parseCsv(text.slice(1)) : [] };
}

const expectCsvFile = (d: Awaited<ReturnType<typeof download>>, filename: string) => {
  expect(d.status).toBe(200);
  expect([...d.bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  expect(d.headers.get("content-type")).toBe("text/csv; charset=utf-8");
  expect(d.headers.get("content-disposition")).toContain(`filename="${filename}"`);
};

describe("the CSV helper", () => {
  it("quotes commas, quotes and line breaks, and reads back exactly", () => {
    const nasty = ['a,b', 'say "hi"', "two\nlines", "cr\rlf\r\n", "  spaced  ", "中文，全角逗号", "", "plain"];
    const file = toCsv(["h1", "h2"], [nasty.slice(0, 4), nasty.slice(4)]);
    expect(file.startsWith("\uFEFF")).toBe(true);
    expect(parseCsv(file.slice(1))).toEqual([["h1", "h2"], nasty.slice(0, 4), nasty.slice(4)]);
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell(null)).toBe("");
    expect(csvCell(undefined)).toBe("");
    expect(csvCell(-42)).toBe("-42");
  });

  it("defuses formulas: = + - @ tab and CR at the start get an apostrophe; plain numbers stay numbers", () => {
    expect(csvCell("=1+2")).toBe("'=1+2");
    expect(csvCell("+86 138")).toBe("'+86 138");
    expect(csvCell("-2+3")).toBe("'-2+3");
    expect(csvCell("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvCell("\t=1")).toBe("'\t=1");
    expect(csvCell("=HYPERLINK(\"http://x\",\"y\")")).toBe('"\'=HYPERLINK(""http://x"",""y"")"');
    expect(csvCell("-12.50")).toBe("-12.50");
    expect(csvCell("a=b")).toBe("a=b");
    expect(() => csvCell(Number.NaN)).toThrow();
  });

  it("writes fen as yuan without floating point", () => {
    expect(fenToYuan(0)).toBe("0.00");
    expect(fenToYuan(5)).toBe("0.05");
    expect(fenToYuan(123_405)).toBe("1234.05");
    expect(fenToYuan(-50)).toBe("-0.50");
    expect(fenToYuan(99_999_999_999)).toBe("999999999.99");
    expect(() => fenToYuan(1.5)).toThrow();
  });
});

describe("passbook.csv", () => {
  it("has every entry, oldest first, with the passbook number in the file name", async () => {
    const bank = await makeBank();
    const c = await bank.community();
    const member = await bank.member(c.id);
    const credit = await grantPoints(bank, member.id, 120);
    const shop = await merchantWithType(bank, { name: "=cmd|' /C calc'!A0", pointsCost: 50 });
    const v = (await bank.call("POST", "/v1/vouchers", { token: member.token, body: { voucherTypeId: shop.typeId } })).body;
    const d = await download(bank, `/v1/members/${member.id}/passbook.csv`, member.token);
    expectCsvFile(d, `passbook-${member.passbookNo}.csv`);
    expect(d.headers.get("cache-control")).toBe("private, no-store");
    expect(d.rows).toEqual([
      ["时间", "类型", "摘要", "积分变动", "余额", "交易号"],
      ["2026-03-01T08:00:00.000Z", "志愿服务", "test credit", "120", "120", credit],
      ["2026-03-01T08:00:00.000Z", "兑换服务券", "兑换服务券：=cmd|' /C calc'!A0", "-50", "70", v.transactionId],
    ]);
  });

  it("is for the member, staff of the community and the admin only", async () => {
    const bank = await makeBank();
    const c = await bank.community();
    const member = await bank.member(c.id);
    const path = `/v1/members/${member.id}/passbook.csv`;
    for (const token of [member.token, await bank.staff(c.id), bank.admin]) expect((await download(bank, path, token)).status).toBe(200);
    expect((await download(bank, path)).status).toBe(401);
    const elsewhere = (await bank.community()).id;
    for (const token of [(await bank.member(c.id)).token, await bank.staff(elsewhere), await bank.token({ role: "merchant", merchantId: "m" })]) {
      expect((await download(bank, path, token)).status).toBe(403);
    }
    expect((await download(bank, "/v1/members/nope/passbook.csv", bank.admin)).status).toBe(404);
  });
});

describe("fund/statement.csv", () => {
  it("is public, in yuan and fen, and matches the JSON statement for the same period", async () => {
    const bank = await makeBank();
    bank.clock.set("2026-01-15T00:00:00.000Z");
    await giveToFund(bank, 123_405, "company");
    bank.clock.set("2026-02-15T00:00:00.000Z");
    await giveToFund(bank, 50, "anonymous");
    await bank.call("POST", "/v1/fund/expenses", {
      token: await bank.token({ role: "admin" }),
      body: { amountFen: 3_000, purpose: "operations", description: "打印", receiptRef: "R1", payee: "爱心商店" },
    });
    const d = await download(bank, "/v1/fund/statement.csv?from=2026-02-01&to=2026-02-28");
    expectCsvFile(d, "fund-statement.csv");
    const json = (await bank.call("GET", "/v1/fund/statement?from=2026-02-01&to=2026-02-28")).body;
    expect(d.rows[0]).toEqual(["项目", "类别", "金额（元）", "金额（分）"]);
    expect(d.rows[1]).toEqual(["期间", "2026-02-01T00:00:00.000Z — 2026-03-01T00:00:00.000Z", "", ""]);
    expect(d.rows[2]).toEqual(["期初余额", "", "1234.05", String(json.openingBalanceFen)]);
    expect(d.rows).toContainEqual(["收入", "匿名捐款", "0.50", "50"]);
    expect(d.rows).toContainEqual(["支出", "运营", "30.00", "3000"]);
    expect(d.rows.at(-1)).toEqual(["期末余额", "", "1204.55", String(json.closingBalanceFen)]);
    expect(d.rows).toHaveLength(3 + 4 + 5 + 1);
    const all = await download(bank, "/v1/fund/statement.csv");
    expect(all.rows[1]).toEqual(["期间", "开始 — 至今", "", ""]);
    expect((await download(bank, "/v1/fund/statement.csv?from=2026-03-01&to=2026-01-01")).status).toBe(400);
  });
});

describe("vouchers.csv (台账)", () => {
  it("lists the register for staff of the community (theirs only) and the admin; codes of unused vouchers masked", async () => {
    const bank = await makeBank();
    const c = await bank.community();
    const staff = await bank.staff(c.id);
    const member = await bank.member(c.id);
    const other = await bank.member((await bank.community()).id);
    await grantPoints(bank, member.id, 500);
    await grantPoints(bank, other.id, 500);
    const shop = await merchantWithType(bank, { name: '=HYPERLINK("http://evil","点我")', pointsCost: 50 });
    await bank.db.client.execute({ sql: "UPDATE merchants SET name = ? WHERE id = ?", args: ['Tony "剪刀手", 理发', shop.merchantId] });
    const redeem = (token: string) => bank.call("POST", "/v1/vouchers", { token, body: { voucherTypeId: shop.typeId } });
    const used = (await redeem(member.token)).body;
    const open = (await redeem(member.token)).body;
    const theirs = (await redeem(other.token)).body;
    await bank.call("POST", `/v1/vouchers/${used.code}/accept`, { token: shop.merchantToken, body: {} });

    const d = await download(bank, "/v1/vouchers.csv", staff);
    expectCsvFile(d, "voucher-register.csv");
    expect(d.rows[0]).toEqual(["编号", "券码", "券种", "商户", "存折号", "积分", "状态", "兑换时间", "到期时间", "结束时间", "兑换交易号", "结束交易号"]);
    expect(d.rows.slice(1).map((r) => r[0])).toEqual([used.id, open.id]);
    const [usedRow, openRow] = d.rows.slice(1);
    expect(usedRow).toEqual([
      used.id,
      used.code,
      `'=HYPERLINK("http://evil","点我")`,
      'Tony "剪刀手", 理发',
      member.passbookNo,
      "50",
      "已核销",
      used.issuedAt,
      used.expiresAt,
      "2026-03-01T08:00:00.000Z",
      used.transactionId,
      expect.any(String),
    ]);
    expect(openRow![1]).toBe(`****-****-****-${open.code.slice(-4)}`);
    expect(openRow![6]).toBe("未使用");
    expect(d.text).not.toContain(open.code);

    const all = await download(bank, "/v1/vouchers.csv", bank.admin);
    expect(all.rows.slice(1).map((r) => r[0])).toEqual([used.id, open.id, theirs.id]);
    const none = await download(bank, "/v1/vouchers.csv?from=2026-03-02", bank.admin);
    expect(none.rows).toHaveLength(1);

    bank.clock.advance(31 * DAY_MS);
    const later = await download(bank, "/v1/vouchers.csv", await bank.token({ role: "admin" }));
    expect(later.rows[2]![6]).toBe("已过期");
    expect(later.rows[2]![1]).toBe(open.code); // no longer usable: shown whole for the audit
  });

  it("is not for members, merchants or the public", async () => {
    const bank = await makeBank();
    const c = await bank.community();
    expect((await download(bank, "/v1/vouchers.csv")).status).toBe(401);
    for (const token of [(await bank.member(c.id)).token, await bank.token({ role: "merchant", merchantId: "m" })]) {
      expect((await download(bank, "/v1/vouchers.csv", token)).status).toBe(403);
    }
    expect((await download(bank, "/v1/vouchers.csv?from=soon", bank.admin)).status).toBe(400);
  });
});
