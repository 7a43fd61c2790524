import type { InArgs, InStatement, ResultSet } from "@libsql/client";
import { AppError, type ErrorCode } from "../errors";
import type { Db } from "./client";
import { isSql, type Sql } from "./sql";

export interface Stmt {
  sql: string;
  args: InArgs;
}

type SqlSource = Stmt | { toSQL(): { sql: string; params: unknown[] } };

/** An idempotency record stored in the same batch as the write it belongs to. */
export interface IdempotencyRecord {
  scope: string;
  key: string;
  requestHash: string;
  status: number;
}

type ReplySql = { sql: string; args: unknown[] };

const replyStatement = (record: IdempotencyRecord, at: string, body: ReplySql): Stmt => ({
  sql: `INSERT INTO idempotency_keys (scope, key, request_hash, status, created_at, body) SELECT ?, ?, ?, ?, ?, ${body.sql}`,
  args: [record.scope, record.key, record.requestHash, record.status, at, ...body.args] as InArgs,
});

/**
 * Every statement of one write, sent to the database as a single atomic batch (one round-trip).
 * Conditions the write depends on are checked inside the batch by guards, so races are decided
 * by the database, not by an earlier read.
 */
export class Write {
  readonly statements: Stmt[] = [];
  private readonly guardCodes = new Map<number, Guard>();
  /** CHECK constraint name → error code, for constraints this write may trip. */
  readonly constraintCodes: Partial<Record<string, ErrorCode>> = {};

  add(source: SqlSource): this {
    if ("toSQL" in source) {
      const { sql, params } = source.toSQL();
      this.statements.push({ sql, args: params as InArgs });
    } else {
      this.statements.push(source);
    }
    return this;
  }

  /** Fails the whole write with `code` unless the previous statement changed at least one row. */
  expectChanged(code: ErrorCode): this {
    this.guardCodes.set(this.statements.length, { code });
    this.statements.push({ sql: "INSERT INTO guards (code) SELECT ? WHERE changes() = 0", args: [code] });
    return this;
  }

  /**
   * Fails the whole write with `code` unless the SQL condition holds when this statement runs.
   * Guards that stand for a read the write no longer makes (does the record exist, may this caller
   * touch it, is it still pending) go first, in the order the reads would have refused, and may
   * carry the message and details that refusal had.
   */
  expect(code: ErrorCode, condition: string | Sql, args: InArgs = [], refusal: string | { message?: string; details?: unknown } = {}): this {
    this.guardCodes.set(this.statements.length, { code, ...(typeof refusal === "string" ? { message: refusal } : refusal) });
    const cond = isSql(condition) ? condition : { sql: condition, args: args as unknown[] };
    this.statements.push({
      sql: `INSERT INTO guards (code) SELECT ? WHERE NOT (${cond.sql})`,
      args: [code, ...cond.args] as InArgs,
    });
    return this;
  }

  /** Adds a SELECT whose rows the caller reads from commit()'s results; returns its index there. */
  select(source: Stmt | Sql): number {
    this.statements.push({ sql: source.sql, args: source.args as InArgs });
    return this.statements.length - 1;
  }

  /**
   * Stores the reply to an Idempotency-Key request in this same write. `body` is the SQL that
   * gives the reply's JSON — a bound "?" for a reply known up front, or an expression with its
   * FROM clause when the database fills part of it in (a passbook number, a new stock count).
   */
  storeReply(record: IdempotencyRecord, at: string, body: ReplySql): this {
    return this.add(replyStatement(record, at, body));
  }

  onConstraint(name: string, code: ErrorCode): this {
    this.constraintCodes[name] = code;
    return this;
  }

  guardAt(index: number): Guard | undefined {
    return this.guardCodes.get(index);
  }
}

interface Guard {
  code: ErrorCode;
  message?: string;
  details?: unknown;
}

const messages: Partial<Record<ErrorCode, string>> = {
  insufficient_points: "Not enough points in the passbook",
  insufficient_funds: "The Love Savings Fund does not hold enough money",
  insufficient_goods: "Not enough of these goods left in stock",
  out_of_stock: "This voucher type is out of stock",
  already_reversed: "This transaction has already been reversed",
  reversal_would_overdraw: "Reversing this transaction would make a balance negative",
  conflict: "The request conflicts with the current state",
  already_exists: "It already exists",
  wish_not_open: "Only an open wish can be claimed or cancelled",
  wish_not_claimed: "Only a claimed wish can be released or fulfilled",
  wish_not_fulfilled: "Only a fulfilled wish can be confirmed",
  claim_not_yours: "This wish was claimed by another member",
  record_not_pending: "This service record has already been decided",
  limit_reached: "This member has redeemed as many of these vouchers as the year allows",
  expense_not_pending: "This expense has already been decided",
  same_person: "The person who recorded it cannot also decide it",
  already_recorded: "This member already has hours recorded on this activity",
  checkin_closed: "Signing in and out is not open for this activity: ask staff for the current code",
  not_checked_in: "Sign in first: there is no open sign-in for you on this activity",
  certificate_revoked: "This certificate was revoked",
};

export class IdempotencyConflict extends Error {
  constructor() {
    super("idempotency key already used");
  }
}

function rootMessage(err: unknown): { message: string; statementIndex?: number } {
  let e: unknown = err;
  let statementIndex: number | undefined;
  let message = "";
  for (let depth = 0; e && depth < 5; depth++) {
    const obj = e as { message?: string; statementIndex?: number; cause?: unknown };
    if (typeof obj.statementIndex === "number") statementIndex = obj.statementIndex;
    if (obj.message) message += ` ${obj.message}`;
    e = obj.cause;
  }
  return { message, statementIndex };
}

/** Maps a failed batch to the domain error it stands for; unknown failures are rethrown as they are. */
export function mapWriteError(write: Write, err: unknown): unknown {
  const { message, statementIndex } = rootMessage(err);
  if (message.includes("guard_failed") && statementIndex !== undefined) {
    const guard = write.guardAt(statementIndex);
    if (guard) return new AppError(guard.code, guard.message ?? messages[guard.code] ?? `Refused: ${guard.code}`, guard.details);
  }
  const check = /CHECK constraint failed: (\w+)/.exec(message);
  if (check) {
    const code = write.constraintCodes[check[1]!] ?? defaultConstraintCodes[check[1]!];
    if (code) return new AppError(code, messages[code] ?? `Refused: ${code}`);
  }
  if (message.includes("UNIQUE constraint failed: idempotency_keys")) return new IdempotencyConflict();
  // A posting to an account that does not exist has no balance to add to.
  if (message.includes("NOT NULL constraint failed: postings.balance_after")) return new AppError("not_found", "Account not found");
  if (message.includes("FOREIGN KEY constraint failed")) return new AppError("not_found", "Something this request refers to does not exist");
  if (message.includes("UNIQUE constraint failed: ledger_transactions.reverses_id")) {
    return new AppError("already_reversed", messages.already_reversed!);
  }
  const unique = /UNIQUE constraint failed: ([\w.]+)/.exec(message);
  if (unique) {
    const code = write.constraintCodes[unique[1]!] ?? "already_exists";
    return new AppError(code, messages[code] ?? "It already exists", { constraint: unique[1] });
  }
  return err;
}

const defaultConstraintCodes: Record<string, ErrorCode> = {
  balance_non_negative: "conflict",
  stock_non_negative: "out_of_stock",
  goods_remaining_non_negative: "insufficient_goods",
};

/** Sends the write as one atomic batch; with an idempotency record, the response is stored in the same batch. */
export async function commit(
  db: Db,
  write: Write,
  idempotency?: { record: IdempotencyRecord; body: unknown; at: string },
): Promise<ResultSet[]> {
  const statements: InStatement[] = idempotency
    ? [...write.statements, replyStatement(idempotency.record, idempotency.at, { sql: "?", args: [JSON.stringify(idempotency.body)] })]
    : write.statements;
  try {
    return await db.client.batch(statements, "write");
  } catch (err) {
    throw mapWriteError(write, err);
  }
}
