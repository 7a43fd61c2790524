import { describe, expect, it } from "vitest";
import { auditPublishedLedger, type LedgerState } from "../../scripts/verify-ledger";
import { auditLog } from "../../src/ledger/audit";
import { leafHashOf, sealPending, withdrawPublicFact, type PublishedTransaction } from "../../src/ledger/chain";
import { memberCommitment } from "../../src/ledger/leaf";
import { rootOf } from "../../src/ledger/merkle";
import { checkpointText, generateSignerKey, loadSigner } from "../../src/ledger/note";
import { makeBank, type TestBank } from "../helpers/setup";
import { grantPoints } from "../helpers/spending";

// Each way an operator (or anyone with the database file) could change the published history,
// and the verifier catching it: `npm run verify-ledger`'s audit, run in process against the app.

interface Scene {
  bank: TestBank;
  member: { id: string; passbookNo: string; token: string };
  f: typeof fetch;
}

async function scene(): Promise<Scene> {
  const bank = await makeBank();
  const c = await bank.community();
  const staff = await bank.staff(c.id);
  const member = await bank.member(c.id);
  await grantPoints(bank, member.id, 30);
  await grantPoints(bank, member.id, 50);
  const ok = async (path: string, body: unknown, token = staff) => {
    const r = await bank.call("POST", path, { token, body });
    if (r.status >= 300) throw new Error(JSON.stringify(r.body));
    await bank.settle();
    return r.body;
  };
  await ok("/v1/donations", { donor: { type: "company", name: "爱心企业甲" }, kind: "money", amountFen: 80_000 });
  const wrong = await ok("/v1/donations", { donor: { type: "individual", name: "张三" }, kind: "money", amountFen: 1_000 });
  await ok(`/v1/transactions/${wrong.transactionId}/reverse`, { reason: "录入错误" }, bank.admin);
  await ok("/v1/fund/expenses", { amountFen: 30_000, purpose: "hardship_aid", description: "慰问困难家庭", receiptRef: "RC-7", payee: "爱心超市" });
  await grantPoints(bank, member.id, 20);
  await bank.settle();
  const f: typeof fetch = (input, init) => Promise.resolve(bank.app.request(String(input), init));
  return { bank, member, f };
}

const BASE = "http://bank.test";
const codes = (r: { findings: { code: string }[] }) => r.findings.map((x) => x.code);
const sql = (bank: TestBank, text: string, args: (string | number)[] = []) => bank.db.client.execute({ sql: text, args });
const dropTriggers = async (bank: TestBank, ...names: string[]) => {
  for (const n of names) await sql(bank, `DROP TRIGGER ${n}`);
};
const txAt = async (bank: TestBank, seq: number) => String((await sql(bank, "SELECT id FROM ledger_transactions WHERE seq = ?", [seq])).rows[0]!.id);

async function remembered(s: Scene): Promise<LedgerState> {
  const r = await auditPublishedLedger(BASE, { fetch: s.f });
  expect(r.findings).toEqual([]);
  return { verifierKey: r.verifierKey, checkpoint: r.checkpoint! };
}

describe("the verifier catches each tampering", () => {
  it("passes the honest bank, and again with what it remembered", async () => {
    const s = await scene();
    const state = await remembered(s);
    expect(state.checkpoint.size).toBe(7);
    await grantPoints(s.bank, s.member.id, 5);
    await s.bank.settle();
    const again = await auditPublishedLedger(BASE, { fetch: s.f, state });
    expect(again.chain.problem).toBeNull();
    expect(again.findings).toEqual([]);
    expect(again.checkpoint!.size).toBe(8);
  });

  it("an amount or a time changed in the database", async () => {
    const s = await scene();
    await dropTriggers(s.bank, "postings_no_update", "ledger_transactions_seal_only");
    await sql(s.bank, "UPDATE postings SET amount = amount * 10 WHERE transaction_id = ?", [await txAt(s.bank, 2)]);
    expect((await auditPublishedLedger(BASE, { fetch: s.f })).chain.problem).toMatchObject({ seq: 2, problem: "hash_mismatch" });
    const t = await scene();
    await dropTriggers(t.bank, "ledger_transactions_seal_only");
    await sql(t.bank, "UPDATE ledger_transactions SET at = '2026-02-01T08:00:00.000Z' WHERE seq = 3");
    expect((await auditPublishedLedger(BASE, { fetch: t.f })).chain.problem).toMatchObject({ seq: 3, problem: "hash_mismatch" });
  });

  it("a middle transaction deleted", async () => {
    const s = await scene();
    await dropTriggers(s.bank, "postings_no_delete", "ledger_transactions_no_delete");
    const victim = await txAt(s.bank, 2);
    await sql(s.bank, "DELETE FROM postings WHERE transaction_id = ?", [victim]);
    await sql(s.bank, "DELETE FROM ledger_transactions WHERE id = ?", [victim]);
    expect((await auditPublishedLedger(BASE, { fetch: s.f })).chain.problem).toMatchObject({ seq: 3, problem: "seq_gap" });
  });

  it("the last transaction deleted: the signed checkpoint still counts it, and with its checkpoints gone the remembered one does", async () => {
    const s = await scene();
    const state = await remembered(s);
    await dropTriggers(s.bank, "postings_no_delete", "ledger_transactions_no_delete", "ledger_checkpoints_no_delete", "merkle_nodes_no_delete");
    const last = await txAt(s.bank, 7);
    await sql(s.bank, "DELETE FROM postings WHERE transaction_id = ?", [last]);
    await sql(s.bank, "DELETE FROM ledger_transactions WHERE id = ?", [last]);
    expect(codes(await auditPublishedLedger(BASE, { fetch: s.f }))).toContain("log_incomplete");
    // the operator also drops the tree's newest checkpoints and nodes: the log is self-consistent
    // again, and only a verifier that remembered the head sees the truncation
    await sql(s.bank, "DELETE FROM ledger_checkpoints WHERE size >= 7");
    await sql(s.bank, "DELETE FROM merkle_nodes WHERE (id / 64 + 1) * (1 << (id % 64)) > 6");
    expect(await auditPublishedLedger(BASE, { fetch: s.f }).then(codes)).toEqual([]);
    expect(codes(await auditPublishedLedger(BASE, { fetch: s.f, state }))).toEqual(["truncated"]);
  });

  it("history rewritten and sealed again after a checkpoint was remembered", async () => {
    const s = await scene();
    const state = await remembered(s);
    await dropTriggers(s.bank, "postings_no_update", "ledger_transactions_seal_only", "ledger_checkpoints_no_delete", "merkle_nodes_no_delete");
    // a points credit of seq 2 made ten times larger, both postings, and everything sealed anew
    await sql(s.bank, "UPDATE postings SET amount = amount * 10 WHERE transaction_id = ?", [await txAt(s.bank, 2)]);
    await sql(s.bank, "UPDATE ledger_transactions SET hash = NULL, prev_hash = NULL WHERE seq >= 2");
    await sql(s.bank, "DELETE FROM merkle_nodes");
    await sql(s.bank, "DELETE FROM ledger_checkpoints WHERE size > 0");
    await sealPending(s.bank.db);
    const fresh = await auditPublishedLedger(BASE, { fetch: s.f });
    expect(fresh.chain.problem).toBeNull();
    expect(fresh.findings).toEqual([]); // a newcomer sees a whole, signed, balanced log
    const r = await auditPublishedLedger(BASE, { fetch: s.f, state });
    expect(codes(r)).toEqual(["inconsistent"]);
  });

  it("a donor's name or an expense's description edited", async () => {
    for (const name of ["donorName", "description"]) {
      const s = await scene();
      await dropTriggers(s.bank, "ledger_disclosures_withdraw_only");
      await sql(s.bank, "UPDATE ledger_disclosures SET value = value || '（改）' WHERE name = ?", [name]);
      expect(codes(await auditPublishedLedger(BASE, { fetch: s.f })), name).toEqual(["root_mismatch"]);
    }
  });

  it("a forged signature, and a checkpoint signed by another key", async () => {
    const s = await scene();
    const state = await remembered(s);
    const serving = (rewrite: (note: string) => Promise<string>): typeof fetch => async (input, init) => {
      const res = await s.f(input, init);
      if (!String(input).includes("/v1/public/checkpoint")) return res;
      return new Response(await rewrite(await res.text()), { status: 200, headers: { "content-type": "text/plain" } });
    };
    const forged = serving(async (note) => note.replace(/ (\S{10})(\S+)\n$/, (_, a: string, b: string) => ` ${a}${b.startsWith("A") ? "B" : "A"}${b.slice(1)}\n`));
    expect(codes(await auditPublishedLedger(BASE, { fetch: forged, state }))).toEqual(["bad_checkpoint_signature"]);
    const other = await loadSigner(await generateSignerKey("localhost/love-savings-bank-unconfigured"));
    const otherKey = serving(async (note) => other.signNote(note.slice(0, note.indexOf("\n\n") + 1)));
    expect(codes(await auditPublishedLedger(BASE, { fetch: otherKey, state }))).toEqual(["checkpoint_other_key"]);
    // a bank that swaps its key and its published key together still fails against the remembered one
    const swapped: typeof fetch = async (input, init) =>
      String(input).includes("ledger-key") ? new Response(other.verifierKey) : otherKey(input, init);
    expect(codes(await auditPublishedLedger(BASE, { fetch: swapped, state }))).toEqual(["checkpoint_other_key"]);
  });

  it("unbalanced postings sealed by the bank", async () => {
    const s = await scene();
    const acc = String((await sql(s.bank, "SELECT account_id FROM members WHERE id = ?", [s.member.id])).rows[0]!.account_id);
    // written past the application's checks, straight into the database, then sealed as usual
    await sql(s.bank, "INSERT INTO ledger_transactions (id, seq, kind, at) VALUES ('01FORGED', 8, 'service_approved', '2026-03-01T09:00:00.000Z')");
    await sql(s.bank, "INSERT INTO postings (transaction_id, account_id, asset, amount, balance_after, salt) VALUES ('01FORGED', ?, 'PTS', 1000, 1100, 'aa')", [acc]);
    await sql(s.bank, "INSERT INTO postings (transaction_id, account_id, asset, amount, balance_after) VALUES ('01FORGED', 'points:issuer', 'PTS', -10, 0)");
    await s.bank.settle();
    const r = await auditPublishedLedger(BASE, { fetch: s.f });
    expect(r.chain.problem).toBeNull();
    expect(r.findings).toContainEqual({ code: "unbalanced", seq: 8, detail: "its PTS postings sum to 990" });
  });

  it("a double reversal, an inexact one, a reversal of a reversal and a negative fund, in a log the bank signed", async () => {
    const s = await scene();
    const txs: PublishedTransaction[] = (await s.bank.call("GET", "/v1/public/ledger?limit=100")).body.items;
    const reversal = txs.find((t) => t.reversesId !== null)!;
    const next = (t: PublishedTransaction, extra: Partial<PublishedTransaction>): PublishedTransaction => ({ ...t, seq: txs.length + 1, id: "01EXTRA", ...extra });
    const audit = async (extra: PublishedTransaction) => {
      const log = [...txs, extra];
      const root = await rootOf(await Promise.all(log.map(leafHashOf)));
      return (await auditLog(log, { origin: "x", size: log.length, root })).findings.map((f) => f.code);
    };
    // reversing the mistaken gift twice also takes its income account past zero
    expect(await audit(next(reversal, {}))).toEqual(["double_reversal", "balance_sign"]);
    expect(await audit(next(reversal, { reversesId: reversal.id }))).toEqual(expect.arrayContaining(["reversal_of_reversal", "reversal_not_exact"]));
    const original = txs.find((t) => t.id === reversal.reversesId)!;
    const halved = reversal.postings.map((p) => ({ ...p, amount: p.amount / 2 }));
    expect(await audit(next(original, { reversesId: original.id, postings: halved }))).toContain("reversal_not_exact");
    const overspend = next(txs.find((t) => t.kind === "fund_expense")!, {
      postings: [
        { account: "fund:cash", asset: "CNY", amount: -1_000_000, commitment: null },
        { account: "fund:spending:operations", asset: "CNY", amount: 1_000_000, commitment: null },
      ],
    });
    expect(await audit(overspend)).toEqual(["balance_sign"]);
  });

  it("a fund statement or summary that disagrees with the ledger", async () => {
    const s = await scene();
    const lying: typeof fetch = async (input, init) => {
      const res = await s.f(input, init);
      if (!String(input).endsWith("/v1/fund/statement")) return res;
      const body = (await res.json()) as { balanceFen: number };
      body.balanceFen += 100;
      return Response.json(body);
    };
    expect(codes(await auditPublishedLedger(BASE, { fetch: lying }))).toEqual(["statement_mismatch"]);
  });
});

describe("a member's proof of their entries", () => {
  it("every passbook entry is proven in the signed log, and the public ledger cannot link two postings of one member", async () => {
    const s = await scene();
    const passbook = (await s.bank.call("GET", `/v1/members/${s.member.id}/passbook?limit=100`, { token: s.member.token })).body;
    expect(passbook.entries).toHaveLength(3);
    const r = await auditPublishedLedger(BASE, { fetch: s.f, passbook });
    expect(r.findings).toEqual([]);
    expect(r.passbookEntries).toEqual({ proven: 3, pending: 0 });

    const ledger = JSON.stringify((await s.bank.call("GET", "/v1/public/ledger?limit=100")).body);
    expect(ledger).not.toContain(s.member.passbookNo);
    const commitments = await Promise.all(passbook.entries.map((e: { salt: string }) => memberCommitment(s.member.passbookNo, e.salt)));
    expect(new Set(commitments).size).toBe(3); // a fresh salt per posting: nothing in common to link them by
    for (const c of commitments) expect(ledger.split(c).length - 1).toBe(1);

    const wrongSalt = { ...passbook, entries: [{ ...passbook.entries[0], salt: "00".repeat(16) }] };
    expect(codes(await auditPublishedLedger(BASE, { fetch: s.f, passbook: wrongSalt }))).toEqual(["passbook_entry_not_proven"]);
    const wrongAmount = { ...passbook, entries: [{ ...passbook.entries[0], amount: 999 }] };
    expect(codes(await auditPublishedLedger(BASE, { fetch: s.f, passbook: wrongAmount }))).toEqual(["passbook_entry_not_proven"]);
  });

  it("checkpoint text is what is signed", async () => {
    const signer = await loadSigner(await generateSignerKey("a/b"));
    expect(await signer.signNote(checkpointText({ origin: "a/b", size: 0, root: new Uint8Array(32) }))).toMatch(/^a\/b\n0\nA{43}=\n\n— a\/b /);
  });
});

describe("withdrawing a public fact", () => {
  it("deletes the donor's name and salt, keeps the commitment: the log verifies as before, and the name is no longer published", async () => {
    const s = await scene();
    const state = await remembered(s);
    const gift = String((await sql(s.bank, "SELECT transaction_id FROM ledger_disclosures WHERE value = '爱心企业甲'")).rows[0]!.transaction_id);
    expect(await withdrawPublicFact(s.bank.db, gift, "donorName", "捐赠人要求不公开", s.bank.clock.now().toISOString())).toBe(true);
    expect(await withdrawPublicFact(s.bank.db, gift, "donorName", "again", s.bank.clock.now().toISOString())).toBe(false);
    const ledger = (await s.bank.call("GET", "/v1/public/ledger?limit=100")).body.items as PublishedTransaction[];
    expect(JSON.stringify(ledger)).not.toContain("爱心企业甲");
    expect(ledger.find((t) => t.id === gift)!.withdrawable.donorName).toEqual({ commitment: expect.stringMatching(/^[0-9a-f]{64}$/), salt: null, value: null });
    const r = await auditPublishedLedger(BASE, { fetch: s.f, state });
    expect(r.findings).toEqual([]);
    expect(r.checkpoint!.rootHash).toBe(state.checkpoint.rootHash);
    // a withdrawn fact cannot come back, nor be changed
    await expect(sql(s.bank, "UPDATE ledger_disclosures SET value = 'x', salt = 'y' WHERE transaction_id = ?", [gift])).rejects.toThrow(/ledger_immutable/);
    await expect(sql(s.bank, "DELETE FROM ledger_disclosures WHERE transaction_id = ?", [gift])).rejects.toThrow(/ledger_immutable/);
  });
});
