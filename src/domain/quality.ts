import type { Db } from "../db/client";
import { SYSTEM_ACTOR } from "./wishes";

// Service quality figures, from the programme's own standards, per community and overall:
// - 办结率 (completionRate): of the wishes that are due — not cancelled, with a deadline that has
//   passed or already confirmed — the share confirmed by their deadline. A wish registered
//   without a deadline made no promise and is not counted.
// - 满意率: the average satisfaction score (1–5) of confirmed wishes and the share scoring 4 or 5.
// - overdue claims: claims past their claim deadline still waiting for the release job, and the
//   claims the job has released because their deadline passed.

interface Figures {
  wishes: number;
  confirmed: number;
  due: number;
  confirmedOnTime: number;
  rated: number;
  satisfactionSum: number;
  satisfied: number;
  overdueClaims: number;
  claimsReleasedOverdue: number;
}

const zero = (): Figures => ({
  wishes: 0,
  confirmed: 0,
  due: 0,
  confirmedOnTime: 0,
  rated: 0,
  satisfactionSum: 0,
  satisfied: 0,
  overdueClaims: 0,
  claimsReleasedOverdue: 0,
});

const ratio = (n: number, d: number, digits = 4) => (d === 0 ? null : Math.round((n / d) * 10 ** digits) / 10 ** digits);

function present(f: Figures) {
  return {
    wishes: f.wishes,
    confirmed: f.confirmed,
    due: f.due,
    confirmedOnTime: f.confirmedOnTime,
    completionRate: ratio(f.confirmedOnTime, f.due),
    rated: f.rated,
    averageSatisfaction: ratio(f.satisfactionSum, f.rated, 2),
    satisfiedShare: ratio(f.satisfied, f.rated),
    overdueClaims: f.overdueClaims,
    claimsReleasedOverdue: f.claimsReleasedOverdue,
  };
}

/** One read round-trip: the wish figures and the automatic releases, grouped by community, and the communities. */
export async function qualityReport(db: Db, at: string, communityId?: string) {
  const [wishRes, releaseRes, communityRes] = await db.client.batch(
    [
      {
        sql: `SELECT community_id,
                COUNT(*) AS wishes,
                SUM(status = 'confirmed') AS confirmed,
                SUM(deadline IS NOT NULL AND status <> 'cancelled' AND (deadline <= ? OR status = 'confirmed')) AS due,
                SUM(deadline IS NOT NULL AND status = 'confirmed' AND confirmed_at <= deadline) AS on_time,
                COUNT(satisfaction) AS rated,
                IFNULL(SUM(satisfaction), 0) AS satisfaction_sum,
                SUM(satisfaction >= 4) AS satisfied,
                SUM(status = 'claimed' AND claim_deadline < ?) AS overdue_claims
              FROM wishes GROUP BY community_id`,
        args: [at, at],
      },
      {
        sql: `SELECT w.community_id, COUNT(*) AS released FROM wish_events e JOIN wishes w ON w.id = e.wish_id
              WHERE e.actor_user_id = ? AND e.from_status = 'claimed' GROUP BY w.community_id`,
        args: [SYSTEM_ACTOR],
      },
      { sql: "SELECT id, name FROM communities ORDER BY id", args: [] },
    ],
    "read",
  );
  const byCommunity = new Map<string, Figures>();
  const figuresOf = (id: string) => byCommunity.get(id) ?? byCommunity.set(id, zero()).get(id)!;
  for (const r of wishRes!.rows) {
    Object.assign(figuresOf(String(r.community_id)), {
      wishes: Number(r.wishes),
      confirmed: Number(r.confirmed),
      due: Number(r.due),
      confirmedOnTime: Number(r.on_time),
      rated: Number(r.rated),
      satisfactionSum: Number(r.satisfaction_sum),
      satisfied: Number(r.satisfied),
      overdueClaims: Number(r.overdue_claims),
    });
  }
  for (const r of releaseRes!.rows) figuresOf(String(r.community_id)).claimsReleasedOverdue = Number(r.released);
  const overall = zero();
  for (const f of byCommunity.values()) {
    for (const k of Object.keys(overall) as (keyof Figures)[]) overall[k] += f[k];
  }
  const list = communityRes!.rows
    .filter((c) => communityId === undefined || c.id === communityId)
    .map((c) => ({ communityId: String(c.id), name: String(c.name), ...present(byCommunity.get(String(c.id)) ?? zero()) }));
  return { at, overall: present(overall), communities: list };
}
