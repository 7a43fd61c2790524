import type { Clock } from "./clock";

// The bank's day. Storage is UTC; what a person calls "today", the date of a service, the end of a
// deadline date and every time shown on a page or in a CSV are in the bank's time zone
// (BANK_TIME_ZONE, default Asia/Shanghai): a county's day starts at 00:00 Beijing time, which is
// 16:00 UTC the evening before.

export const DEFAULT_BANK_TIME_ZONE = "Asia/Shanghai";

const DAY_MS = 24 * 60 * 60 * 1000;

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export interface BankTime {
  readonly zone: string;
  /** The calendar date (YYYY-MM-DD) of an instant in the bank's zone. */
  dateOf(at: string | Date): string;
  /** Today's date in the bank's zone, by the injected clock. */
  today(clock: Clock): string;
  /** The instants a bank date covers: `from` its first millisecond, `to` the first of the next date (UTC ISO). */
  bounds(date: string): { from: string; to: string };
  /** The last millisecond of a bank date (UTC ISO): where a deadline given as a date ends. */
  endOf(date: string): string;
  /** "YYYY-MM-DD HH:mm" in the bank's zone, for people. */
  formatDateTime(at: string | Date): string;
  /** "HH:mm" in the bank's zone. */
  formatTime(at: string | Date): string;
}

interface Wall {
  date: string;
  time: string;
  /** The wall-clock reading as if it were UTC, in ms: the zone's offset is this minus the instant. */
  asUtc: number;
}

export function bankTime(zone: string = DEFAULT_BANK_TIME_ZONE): BankTime {
  if (!isTimeZone(zone)) throw new Error(`Not a time zone: ${zone}`);
  const format = new Intl.DateTimeFormat("en-US", {
    timeZone: zone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  });
  const wall = (at: string | Date | number): Wall => {
    const instant = typeof at === "number" ? at : new Date(at).getTime();
    const p: Record<string, string> = {};
    for (const part of format.formatToParts(instant)) p[part.type] = part.value;
    const date = `${p.year}-${p.month}-${p.day}`;
    const time = `${p.hour}:${p.minute}`;
    const asUtc = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second));
    return { date, time, asUtc: asUtc + (instant % 1000 + 1000) % 1000 };
  };
  const offsetAt = (instant: number) => wall(instant).asUtc - instant;
  /** The instant a date's midnight falls on in the zone; twice refined, which settles across a DST change. */
  const startOf = (date: string): number => {
    const midnight = Date.parse(`${date}T00:00:00.000Z`);
    const guess = midnight - offsetAt(midnight);
    return midnight - offsetAt(guess);
  };
  const nextDate = (date: string) => new Date(Date.parse(`${date}T00:00:00.000Z`) + DAY_MS).toISOString().slice(0, 10);
  return {
    zone,
    dateOf: (at) => wall(at).date,
    today: (clock) => wall(clock.now()).date,
    bounds: (date) => ({ from: new Date(startOf(date)).toISOString(), to: new Date(startOf(nextDate(date))).toISOString() }),
    endOf: (date) => new Date(startOf(nextDate(date)) - 1).toISOString(),
    formatDateTime: (at) => {
      const w = wall(at);
      return `${w.date} ${w.time}`;
    },
    formatTime: (at) => wall(at).time,
  };
}

/** The default zone, for code that runs outside a request (demo data, pages not yet given the configured zone). */
export const defaultBankTime = bankTime();
