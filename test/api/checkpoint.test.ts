import { describe, expect, it } from "vitest";
import { leafHashOf, type PublishedTransaction } from "../../src/ledger/chain";
import { factCommitment } from "../../src/ledger/leaf";
import { fromHex, rootOf, toHex, verifyConsistency, verifyInclusion } from "../../src/ledger/merkle";
import { openNote, parseCheckpoint, parseVerifierKey } from "../../src/ledger/note";
import { makeBank, type TestBank } from "../helpers/setup";
import { grantPoints } from "../helpers/spending";

async function bankWithLedger(): Promise<{ bank: TestBank; staff: string }> {
  const bank = await makeBank();
  const c = await bank.community();
  const staff = await bank.staff(c.id);
  const m = await bank.member(c.id);
  for (let i = 1; i <= 3; i++) await grantPoints(bank, m.id, i * 10);
  await bank.settle();
  const gift = await bank.call("POST", "/v1/donations", { token: staff, body: { donor: { type: "company", name: "爱心企业甲" }, kind: "money", amountFen: 50_000 } });
  expect(gift.status).toBe(201);
  await bank.settle();
  const spend = await bank.call("POST", "/v1/fund/expenses", {
    token: staff,
    body: { amountFen: 20_000, purpose: "hardship_aid", description: "慰问困难家庭", receiptRef: "RC-1", payee: "爱心超市" },
  });
  expect(spend.status).toBe(201);
  await bank.settle();
  return { bank, staff };
}

async function ledger(bank: TestBank): Promise<PublishedTransaction[]> {
  return (await bank.call("GET", "/v1/public/ledger?limit=1000")).body.items;
}

async function checkpoint(bank: TestBank, query = "") {
  const res = await bank.call("GET", `/v1/public/checkpoint${query}`);
  const vkey = await parseVerifierKey((await bank.call("GET", "/v1/public/ledger-key")).body as string);
  const opened = await openNote(res.body as string, vkey);
  if (!("text" in opened)) throw new Error(opened.problem);
  return { res, ...parseCheckpoint(opened.text)! };
}

describe("GET /v1/public/checkpoint, /ledger-key and the proofs", () => {
  it("signs the tree of every published transaction; each inclusion and consistency proof verifies against kept checkpoints", async () => {
    const { bank } = await bankWithLedger();
    const txs = await ledger(bank);
    const head = await checkpoint(bank);
    expect(head.res.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(head.size).toBe(txs.length);
    expect(head.origin).toBe("localhost/love-savings-bank-unconfigured");
    expect(toHex(await rootOf(await Promise.all(txs.map(leafHashOf))))).toBe(toHex(head.root));

    for (const tx of txs) {
      const proof = await bank.call("GET", `/v1/public/proof/inclusion?seq=${tx.seq}&size=${head.size}`);
      expect(proof.status).toBe(200);
      expect(proof.body.transaction).toEqual(tx);
      expect(proof.body.leafHash).toBe(toHex(await leafHashOf(tx)));
      expect(await verifyInclusion(tx.seq - 1, head.size, fromHex(proof.body.leafHash), proof.body.path.map(fromHex), head.root)).toBe(true);
    }
    // One checkpoint per sealing run is kept: each earlier one is consistent with the head.
    for (let size = 1; size < head.size; size++) {
      const kept = await bank.call("GET", `/v1/public/checkpoint?size=${size}`);
      if (kept.status === 404) continue;
      expect(kept.headers.get("cache-control")).toMatch(/immutable/);
      const old = await checkpoint(bank, `?size=${size}`);
      const proof = await bank.call("GET", `/v1/public/proof/consistency?from=${size}&to=${head.size}`);
      expect(await verifyConsistency(size, head.size, old.root, head.root, proof.body.path.map(fromHex))).toBe(true);
    }
    // the day-end checkpoint of the bank date (Beijing time) is the last sealed that day
    expect((await checkpoint(bank, "?day=2026-03-01")).size).toBe(head.size);
    expect((await bank.call("GET", "/v1/public/checkpoint?day=2026-02-28")).body).toContain("\n0\n");
  });

  it("commits the public record: the donor's name and the expense's description as withdrawable facts, with salts", async () => {
    const { bank } = await bankWithLedger();
    const txs = await ledger(bank);
    const gift = txs.find((t) => t.kind === "donation")!;
    expect(gift.facts).toEqual({ donorType: "company", kind: "money", community: expect.any(String) });
    const name = gift.withdrawable.donorName!;
    expect(name.value).toBe("爱心企业甲");
    expect(name.commitment).toBe(await factCommitment("donorName", name.salt!, "爱心企业甲"));
    const spend = txs.find((t) => t.kind === "fund_expense")!;
    expect(spend.facts).toMatchObject({ purpose: "hardship_aid" });
    expect(Object.keys(spend.withdrawable).sort()).toEqual(["description", "payee", "receiptRef"]);
    expect(spend.withdrawable.payee!.value).toBe("爱心超市");
    expect(spend.withdrawable.description!.value).toBe("慰问困难家庭");
  });

  it("refuses proofs outside the tree and bad parameters", async () => {
    const { bank } = await bankWithLedger();
    const size = (await ledger(bank)).length;
    const code = async (path: string) => {
      const r = await bank.call("GET", path);
      return [r.status, r.body?.error?.code];
    };
    expect(await code(`/v1/public/proof/inclusion?seq=${size + 1}&size=${size + 1}`)).toEqual([404, "not_found"]);
    expect(await code(`/v1/public/proof/inclusion?seq=3&size=2`)).toEqual([400, "validation_failed"]);
    expect(await code(`/v1/public/proof/inclusion?seq=0&size=2`)).toEqual([400, "validation_failed"]);
    expect(await code(`/v1/public/proof/inclusion?seq=1`)).toEqual([400, "validation_failed"]);
    expect(await code(`/v1/public/proof/inclusion?seq=1&size=2&x=1`)).toEqual([400, "validation_failed"]);
    expect(await code(`/v1/public/proof/consistency?from=2&to=1`)).toEqual([400, "validation_failed"]);
    expect(await code(`/v1/public/proof/consistency?from=1&to=${size + 1}`)).toEqual([404, "not_found"]);
    expect(await code(`/v1/public/proof/consistency?from=a&to=2`)).toEqual([400, "validation_failed"]);
    expect(await code(`/v1/public/checkpoint?size=${size + 5}`)).toEqual([404, "not_found"]);
    expect(await code(`/v1/public/checkpoint?day=2026-13-01`)).toEqual([400, "validation_failed"]);
  });

  it("is public: no login needed, and a write verb is not a route", async () => {
    const { bank, staff } = await bankWithLedger();
    expect((await bank.call("GET", "/v1/public/checkpoint", { token: staff })).status).toBe(200);
    expect((await bank.call("POST", "/v1/public/checkpoint", { token: bank.admin, body: {} })).status).toBe(404);
    expect((await bank.call("GET", "/v1/public/ledger-key")).body).toMatch(/^localhost\/love-savings-bank-unconfigured\+[0-9a-f]{8}\+/);
  });
});
