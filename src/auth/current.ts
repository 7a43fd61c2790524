import type { Client, InStatement, ResultSet } from "@libsql/client";
import { createDb, type Db } from "../db/client";
import { AppError } from "../errors";
import type { Principal } from "./tokens";

// A token is only as good as the login behind it now: a user disabled, deleted, moved to another
// community, given another role, whose password changed, or whose session was logged out, must
// stop at once. The check rides on the request's own database traffic instead of costing a
// round-trip of its own: its statements go first in the request's first batch. A read batch
// carries a SELECT of the user, judged when the answer comes back (a read changes nothing); a
// write batch carries guards, so a write by a stale token is refused inside its own transaction.

const USER_STATE = `SELECT role, community_id, member_id, merchant_id, disabled_at, token_version,
  EXISTS (SELECT 1 FROM revoked_sessions WHERE session_id = ?) AS revoked FROM users WHERE id = ?`;

const guards = (p: Principal): InStatement[] => [
  {
    sql: "INSERT INTO guards (code) SELECT 'user_disabled' WHERE EXISTS (SELECT 1 FROM users WHERE id = ? AND disabled_at IS NOT NULL)",
    args: [p.userId],
  },
  {
    sql: `INSERT INTO guards (code) SELECT 'unauthorized'
          WHERE NOT EXISTS (SELECT 1 FROM users WHERE id = ? AND role = ? AND community_id IS ? AND member_id IS ? AND merchant_id IS ?
                            AND token_version = ?)
             OR EXISTS (SELECT 1 FROM revoked_sessions WHERE session_id = ?)`,
    args: [p.userId, p.role, p.communityId, p.memberId, p.merchantId, p.tokenVersion ?? 0, p.sessionId ?? ""],
  },
];

const disabled = () => new AppError("user_disabled", "This login has been disabled");
const stale = () => new AppError("unauthorized", "This login changed since the token was issued (or was logged out); log in again");

/** Judges the user's row as read now against the token's claims. */
function judge(p: Principal, state: ResultSet): void {
  const row = state.rows[0];
  if (!row) throw stale();
  if (row.disabled_at !== null) throw disabled();
  const same =
    row.role === p.role &&
    (row.community_id ?? null) === p.communityId &&
    (row.member_id ?? null) === p.memberId &&
    (row.merchant_id ?? null) === p.merchantId &&
    Number(row.token_version) === (p.tokenVersion ?? 0) &&
    Number(row.revoked) === 0;
  if (!same) throw stale();
}

const isRead = (stmt: InStatement) => /^\s*(SELECT|WITH)\b/i.test(typeof stmt === "string" ? stmt : stmt.sql);

/** The guard statements come first: a failure there is the token's, later ones are the write's own. */
function shiftError(err: unknown, by: number): unknown {
  const e = err as { statementIndex?: unknown; message?: string };
  if (typeof e?.statementIndex !== "number") return err;
  if (e.statementIndex < by && String(e.message).includes("guard_failed")) return e.statementIndex === 0 ? disabled() : stale();
  e.statementIndex -= by;
  return err;
}

export interface CheckedDb {
  db: Db;
  /** Whether the user's state has been checked by a read or a write of this request. */
  checked: () => boolean;
  /** Checks now, for a request that reached the database in no other way. */
  check: () => Promise<void>;
}

/** The database as one request of `p` sees it: every call carries the check of `p`'s current state. */
export function checkedDb(db: Db, p: Principal): CheckedDb {
  let checked = false;
  const raw = db.client;
  const readState = (): InStatement => ({ sql: USER_STATE, args: [p.sessionId ?? "", p.userId] });

  async function batch(stmts: InStatement[], mode?: Parameters<Client["batch"]>[1]): Promise<ResultSet[]> {
    if (mode === "read" || (mode === undefined && stmts.every(isRead))) {
      if (checked) return raw.batch(stmts, mode);
      const [state, ...results] = await raw.batch([readState(), ...stmts], mode ?? "read");
      judge(p, state!);
      checked = true;
      return results;
    }
    const pre = guards(p);
    try {
      const results = await raw.batch([...pre, ...stmts], mode);
      checked = true;
      return results.slice(pre.length);
    } catch (err) {
      // A statement after the guards failed: the guards ran first and held.
      const at = (err as { statementIndex?: unknown }).statementIndex;
      if (typeof at === "number" && at >= pre.length) checked = true;
      throw shiftError(err, pre.length);
    }
  }

  const client = new Proxy(raw, {
    get(target, prop, receiver) {
      if (prop === "batch") return batch;
      if (prop === "execute") {
        return async (stmt: InStatement | string, args?: unknown) => {
          const one: InStatement = typeof stmt === "string" ? (args === undefined ? stmt : { sql: stmt, args: args as never }) : stmt;
          return (await batch([one], isRead(one) ? "read" : "write"))[0]!;
        };
      }
      return Reflect.get(target, prop, receiver);
    },
  });
  return {
    db: createDb(client, db),
    checked: () => checked,
    check: async () => {
      if (checked) return;
      judge(p, await raw.execute(readState()));
      checked = true;
    },
  };
}
