import { beforeAll, describe, expect, it } from "vitest";
import { makeBank, type TestBank } from "../helpers/setup";
import { merchantWithType, stockOf } from "../helpers/spending";

describe("merchants", () => {
  let bank: TestBank;
  beforeAll(async () => {
    bank = await makeBank();
  });

  it("the admin registers one; anyone lists names only", async () => {
    const res = await bank.call("POST", "/v1/merchants", { token: bank.admin, body: { name: "家政公司" } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: "家政公司" });
    const list = await bank.call("GET", "/v1/merchants");
    expect(list.status).toBe(200);
    expect(list.body.items).toContainEqual({ id: res.body.id, name: "家政公司" });
    expect(Object.keys(list.body.items[0]).sort()).toEqual(["id", "name"]);
  });

  it("a merchant login is made for it, and logs in with its merchantId", async () => {
    const m = await bank.call("POST", "/v1/merchants", { token: bank.admin, body: { name: "停车场" } });
    const u = await bank.call("POST", "/v1/users", {
      token: bank.admin,
      body: { username: "carpark", password: "carpark-password", role: "merchant", merchantId: m.body.id },
    });
    expect(u.status).toBe(201);
    const login = await bank.call("POST", "/v1/auth/login", { body: { username: "carpark", password: "carpark-password" } });
    expect(login.body.user).toMatchObject({ role: "merchant", merchantId: m.body.id });
  });

  it("only the admin registers, with a valid name", async () => {
    const c = await bank.community();
    const body = { name: "理发店" };
    expect((await bank.call("POST", "/v1/merchants", { body })).status).toBe(401);
    for (const token of [await bank.staff(c.id), (await bank.member(c.id)).token, await bank.token({ role: "merchant", merchantId: "x" })]) {
      const res = await bank.call("POST", "/v1/merchants", { token, body });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe("forbidden");
    }
    for (const bad of [{ name: "" }, { name: "x".repeat(101) }, {}, { name: "理发店", id: "chosen" }]) {
      const res = await bank.call("POST", "/v1/merchants", { token: bank.admin, body: bad });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("validation_failed");
    }
  });
});

describe("voucher types", () => {
  it("the admin offers one; the public lists it with its merchant and stock, by merchant too", async () => {
    const bank = await makeBank();
    const a = await merchantWithType(bank, { name: "公益理发券", pointsCost: 50, stock: 20, validDays: 30 });
    await merchantWithType(bank, { name: "家政服务券" });
    const list = await bank.call("GET", "/v1/voucher-types");
    expect(list.status).toBe(200);
    expect(list.body.items).toHaveLength(2);
    expect(list.body.items[0]).toMatchObject({
      id: a.typeId,
      merchantId: a.merchantId,
      merchantName: "理发店",
      name: "公益理发券",
      pointsCost: 50,
      stock: 20,
      validDays: 30,
    });
    const mine = await bank.call("GET", `/v1/voucher-types?merchantId=${a.merchantId}`);
    expect(mine.body.items.map((t: { id: string }) => t.id)).toEqual([a.typeId]);
    const page = await bank.call("GET", "/v1/voucher-types?limit=1");
    expect(page.body.items).toHaveLength(1);
    const next = await bank.call("GET", `/v1/voucher-types?limit=1&cursor=${page.body.nextCursor}`);
    expect(next.body.items[0].id).not.toBe(page.body.items[0].id);
    expect(next.body.nextCursor).toBeNull();
  });

  it("refuses an unknown merchant, bad numbers, unknown fields and anyone but the admin", async () => {
    const bank = await makeBank();
    const c = await bank.community();
    const { merchantId } = await merchantWithType(bank);
    const good = { merchantId, name: "券", pointsCost: 10, stock: 5, validDays: 7 };
    const unknown = await bank.call("POST", "/v1/voucher-types", { token: bank.admin, body: { ...good, merchantId: "nope" } });
    expect(unknown.status).toBe(404);
    for (const bad of [
      { ...good, pointsCost: 0 },
      { ...good, pointsCost: 1.5 },
      { ...good, stock: -1 },
      { ...good, validDays: 0 },
      { ...good, validDays: 100_000 },
      { ...good, name: "" },
      { ...good, stock: "5" },
      { ...good, merchantName: "x" },
    ]) {
      const res = await bank.call("POST", "/v1/voucher-types", { token: bank.admin, body: bad });
      expect(res.status, JSON.stringify(bad)).toBe(400);
    }
    expect((await bank.call("POST", "/v1/voucher-types", { body: good })).status).toBe(401);
    expect((await bank.call("POST", "/v1/voucher-types", { token: await bank.staff(c.id), body: good })).status).toBe(403);
    const merchant = await bank.token({ role: "merchant", merchantId });
    expect((await bank.call("POST", "/v1/voucher-types", { token: merchant, body: good })).status).toBe(403);
    expect((await bank.call("GET", "/v1/voucher-types")).body.items).toHaveLength(1);
  });

  it("restock adds units (admin), once per Idempotency-Key", async () => {
    const bank = await makeBank();
    const c = await bank.community();
    const { typeId } = await merchantWithType(bank, { stock: 2 });
    const path = `/v1/voucher-types/${typeId}/restock`;
    const headers = { "idempotency-key": "restock-1" };
    const first = await bank.call("POST", path, { token: bank.admin, body: { quantity: 5 }, headers });
    expect(first.status).toBe(200);
    expect(first.body.stock).toBe(7);
    const again = await bank.call("POST", path, { token: bank.admin, body: { quantity: 5 }, headers });
    expect(again.status).toBe(200);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body).toEqual(first.body);
    expect(await stockOf(bank, typeId)).toBe(7);
    expect((await bank.call("POST", path, { token: bank.admin, body: { quantity: 1 } })).body.stock).toBe(8);
    expect((await bank.call("POST", "/v1/voucher-types/nope/restock", { token: bank.admin, body: { quantity: 1 } })).status).toBe(404);
    expect((await bank.call("POST", path, { token: bank.admin, body: { quantity: 0 } })).status).toBe(400);
    expect((await bank.call("POST", path, { token: await bank.staff(c.id), body: { quantity: 1 } })).status).toBe(403);
    expect((await bank.call("POST", path, { body: { quantity: 1 } })).status).toBe(401);
    expect(await stockOf(bank, typeId)).toBe(8);
  });
});
