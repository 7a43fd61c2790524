import type { Client, InStatement } from "@libsql/client";
import { expect } from "vitest";
import type { Db } from "../../src/db/client";
import { verifyStoredChain } from "../../src/ledger/chain";
import { wishBody } from "../helpers/earning";
import { grantPoints, merchantWithType } from "../helpers/spending";
import type { TestBank } from "../helpers/setup";
import { recordKinds } from "../../src/vocabulary";

// Shared by the reliability tests: table dumps, the ledger's invariants as SQL, a database client
// that fails on purpose, and a scene with two communities, members, merchants and money.

export { wishBody };

// ---- dumps ----

export type Dump = Record<string, unknown[][]>;

/** Every row of every table (in rowid order), to prove that a refused or failed write changed nothing. */
export async function dumpDatabase(db: Db, opts: { except?: string[] } = {}): Promise<Dump> {
  const names = (await db.client.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")).rows
    .map((r) => String(r.name))
    .filter((n) => !opts.except?.includes(n));
  const results = await db.client.batch(
    names.map((n) => `SELECT * FROM "${n}" ORDER BY rowid`),
    "read",
  );
  return Object.fromEntries(names.map((n, i) => [n, results[i]!.rows.map((row) => results[i]!.columns.map((_, c) => row[c]))]));
}

// ---- invariants ----

const NEVER_NEGATIVE_KINDS = "'member_passbook', 'fund_cash', 'vouchers_outstanding', 'goods_stock'";

/**
 * The ledger's invariants, each a query that returns the rows breaking it. An empty answer from
 * all of them is a healthy ledger; each broken row is reported with the invariant's name.
 */
const INVARIANTS: Record<string, string> = {
  "each asset's balances sum to zero": "SELECT asset, SUM(balance) AS total FROM accounts GROUP BY asset HAVING total != 0",
  "no passbook, fund cash, vouchers outstanding or goods stock below zero": `SELECT code, balance FROM accounts
     WHERE balance < 0 AND (non_negative = 1 OR kind IN (${NEVER_NEGATIVE_KINDS}))`,
  "the database itself guards those balances (CHECK via non_negative)": `SELECT code FROM accounts
     WHERE kind IN (${NEVER_NEGATIVE_KINDS}) AND non_negative = 0`,
  "each stored balance equals the sum of its postings": `SELECT a.code, a.balance, IFNULL(SUM(p.amount), 0) AS posted
     FROM accounts a LEFT JOIN postings p ON p.account_id = a.id GROUP BY a.id HAVING a.balance != posted`,
  "each posting's balance_after is the running sum of its account": `SELECT id, account_id, balance_after, running FROM (
       SELECT p.id, p.account_id, p.balance_after,
              SUM(p.amount) OVER (PARTITION BY p.account_id ORDER BY p.id ROWS UNBOUNDED PRECEDING) AS running
       FROM postings p) WHERE balance_after != running`,
  "each transaction balances per asset": `SELECT transaction_id, asset, SUM(amount) AS total FROM postings
     GROUP BY transaction_id, asset HAVING total != 0`,
  "each transaction has at least two postings, a record (a receipt's hash) none": `SELECT t.id FROM ledger_transactions t
     WHERE CASE WHEN t.kind IN (${recordKinds.map((k) => `'${k}'`).join(", ")})
                THEN (SELECT COUNT(*) FROM postings p WHERE p.transaction_id = t.id) != 0
                ELSE (SELECT COUNT(*) FROM postings p WHERE p.transaction_id = t.id) < 2 END`,
  "a posting's asset is its account's asset": `SELECT p.id FROM postings p JOIN accounts a ON a.id = p.account_id WHERE p.asset != a.asset`,
  "chain positions run 1..n without gaps": `SELECT COUNT(*) AS n, IFNULL(MAX(seq), 0) AS top, IFNULL(MIN(seq), 1) AS bottom
     FROM ledger_transactions HAVING n != top OR bottom != 1`,
  "a reversal is the exact negation of what it reverses": `SELECT r.id FROM ledger_transactions r WHERE r.reverses_id IS NOT NULL AND EXISTS (
       SELECT 1 FROM postings p WHERE p.transaction_id IN (r.id, r.reverses_id) GROUP BY p.account_id HAVING SUM(p.amount) != 0)`,
  "points held for vouchers equal the cost of the issued vouchers": `SELECT held, issued FROM (SELECT
       (SELECT balance FROM accounts WHERE id = 'points:vouchers_outstanding') AS held,
       (SELECT IFNULL(SUM(points_cost), 0) FROM vouchers WHERE status = 'issued') AS issued) WHERE held != issued`,
  "a member's earned total is what the issuer credited them, net of reversals": `SELECT passbook_no, earned_total, earned FROM (
       SELECT m.passbook_no, m.earned_total, (SELECT IFNULL(SUM(p.amount), 0) FROM postings p WHERE p.account_id = m.account_id
         AND EXISTS (SELECT 1 FROM postings i WHERE i.transaction_id = p.transaction_id AND i.account_id = 'points:issuer')) AS earned
       FROM members m) WHERE earned != earned_total`,
  "the years' ranking points add up to the earned total": `SELECT m.passbook_no FROM members m
     WHERE m.earned_total != (SELECT IFNULL(SUM(s.points_earned), 0) FROM member_year_stats s WHERE s.member_id = m.id)`,
};

/** The invariants that do not hold, with the rows that break them; [] when the ledger is healthy. */
export async function ledgerProblems(db: Db): Promise<string[]> {
  const names = Object.keys(INVARIANTS);
  const results = await db.client.batch(
    names.map((n) => INVARIANTS[n]!),
    "read",
  );
  return names.flatMap((n, i) => (results[i]!.rows.length ? [`${n}: ${JSON.stringify(results[i]!.rows)}`] : []));
}

/** Seals what is pending, then checks every invariant and the whole hash chain; fails the test on any problem. */
export async function expectHealthyLedger(bank: TestBank): Promise<void> {
  await bank.settle();
  expect(await ledgerProblems(bank.db)).toEqual([]);
  expect(await verifyStoredChain(bank.db)).toBeNull();
  const unsealed = await bank.db.client.execute("SELECT COUNT(*) AS n FROM ledger_transactions WHERE hash IS NULL");
  expect(Number(unsealed.rows[0]!.n)).toBe(0);
}

// ---- a database client that fails on purpose ----

/** An error the database itself raises at run time (malformed JSON), put in place of one statement. */
export const FAULT_STATEMENT: InStatement = { sql: "SELECT json('injected fault')", args: [] };

export class FaultInjector {
  private statementAt: number | undefined;
  private callAt: number | undefined;
  private calls = 0;
  private loseAnswer = false;
  /** Statements in the write batch the last armed statement fault saw. */
  lastWriteSize = 0;
  /** Faults that actually fired. */
  fired = 0;

  /** The next write batch fails at its statement k (0-based), replaced by one that errors. */
  failStatement(k: number): void {
    this.statementAt = k;
    this.lastWriteSize = 0;
  }

  /** Call k (0-based, counting reads and writes from now) never reaches the database: it throws. */
  failCall(k: number): void {
    this.callAt = k;
    this.calls = 0;
  }

  /** The next write batch commits, and then its answer is lost on the way back. */
  loseNextCommitAnswer(): void {
    this.loseAnswer = true;
  }

  disarm(): void {
    this.statementAt = undefined;
    this.callAt = undefined;
    this.loseAnswer = false;
  }

  get armed(): boolean {
    return this.statementAt !== undefined || this.callAt !== undefined || this.loseAnswer;
  }

  wrap = (client: Client): Client => {
    const batch = async (stmts: InStatement[], mode?: string) => {
      this.beforeCall();
      if (mode === "write" && this.statementAt !== undefined) {
        const k = this.statementAt;
        this.statementAt = undefined;
        this.lastWriteSize = stmts.length;
        if (k < stmts.length) {
          this.fired++;
          return client.batch(stmts.map((s, i) => (i === k ? FAULT_STATEMENT : s)), "write");
        }
      }
      const results = await client.batch(stmts, mode as "write");
      if (mode === "write" && this.loseAnswer) {
        this.loseAnswer = false;
        this.fired++;
        throw new Error("injected fault: the connection dropped after the commit");
      }
      return results;
    };
    const execute = async (...args: unknown[]) => {
      this.beforeCall();
      return (client.execute as (...a: unknown[]) => unknown)(...args);
    };
    return new Proxy(client, {
      get(target, prop, receiver) {
        if (prop === "batch") return batch;
        if (prop === "execute") return execute;
        const value = Reflect.get(target, prop, receiver);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  };

  private beforeCall(): void {
    if (this.callAt === undefined) return;
    if (this.calls++ === this.callAt) {
      this.callAt = undefined;
      this.fired++;
      throw new Error("injected fault: the database could not be reached");
    }
  }
}

// ---- a scene: two communities, staff, members, merchants and money ----

export interface Person {
  id: string;
  passbookNo: string;
  token: string;
}

export interface Scene {
  bank: TestBank;
  a: string;
  b: string;
  staffA: string;
  staffB: string;
  /** Members of community A (alice is "the member" of most tests, bob "another member"); carol is in B. */
  alice: Person;
  bob: Person;
  carol: Person;
  /** The merchant whose voucher type alice redeems, and a second one. */
  merchant: { id: string; token: string; typeId: string };
  otherMerchant: { id: string; token: string; typeId: string };
}

export async function buildScene(bank: TestBank, opts: { points?: number; fundFen?: number; stock?: number } = {}): Promise<Scene> {
  const a = (await bank.community("东门社区")).id;
  const b = (await bank.community("金川社区")).id;
  const staffA = await bank.staff(a);
  const alice = await bank.member(a, { name: "王建国" });
  const scene: Scene = {
    bank,
    a,
    b,
    staffA,
    staffB: await bank.staff(b),
    alice,
    bob: await bank.member(a, { name: "李秀英" }),
    carol: await bank.member(b, { name: "刘芳" }),
    merchant: await merchant(bank, opts.stock ?? 1000),
    otherMerchant: await merchant(bank, opts.stock ?? 1000),
  };
  if (opts.points) await grantPoints(bank, alice.id, opts.points);
  if (opts.fundFen) {
    const res = await bank.call("POST", "/v1/donations", {
      token: staffA,
      body: { donor: { type: "company", name: "常山村镇银行" }, kind: "money", amountFen: opts.fundFen },
    });
    if (res.status !== 201) throw new Error(JSON.stringify(res.body));
  }
  await bank.settle();
  return scene;
}

async function merchant(bank: TestBank, stock: number) {
  const m = await merchantWithType(bank, { pointsCost: 10, stock, validDays: 30 });
  return { id: m.merchantId, token: m.merchantToken, typeId: m.typeId };
}

/** A call that must succeed; returns the body. */
export async function must(bank: TestBank, method: string, path: string, token: string, body: unknown = {}) {
  const res = await bank.call(method, path, { token, body: method === "GET" ? undefined : body });
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}


/** A wish of community A taken to `state` (claimed and fulfilled by alice), made by staff of A. */
export async function wishIn(s: Scene, state: "open" | "claimed" | "fulfilled"): Promise<string> {
  const wish = await must(s.bank, "POST", "/v1/wishes", s.staffA, wishBody());
  if (state === "open") return wish.id;
  await must(s.bank, "POST", `/v1/wishes/${wish.id}/claim`, s.alice.token, {});
  if (state === "claimed") return wish.id;
  await must(s.bank, "POST", `/v1/wishes/${wish.id}/fulfil`, s.alice.token, {});
  return wish.id;
}

/** A pending service record of alice's (60 minutes today), entered by staff of A. */
export async function pendingRecord(s: Scene, minutes = 60): Promise<string> {
  const date = s.bank.clock.now().toISOString().slice(0, 10);
  const rec = await must(s.bank, "POST", "/v1/service-records", s.staffA, { memberId: s.alice.id, date, minutes, description: "清扫广场" });
  return rec.id;
}

/** A voucher alice redeemed from the scene's merchant; returns its code and issuing transaction. */
export async function voucherOf(s: Scene, who: Person = s.alice): Promise<{ code: string; transactionId: string }> {
  const v = await must(s.bank, "POST", "/v1/vouchers", who.token, { voucherTypeId: s.merchant.typeId });
  return { code: v.code, transactionId: v.transactionId };
}
