export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock tests move by hand, so deadlines and expiry are tested without sleeping. */
export class ManualClock implements Clock {
  private current: number;
  constructor(start: string | Date = "2026-03-01T08:00:00.000Z") {
    this.current = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.current);
  }
  set(at: string | Date): void {
    this.current = new Date(at).getTime();
  }
  advance(ms: number): void {
    this.current += ms;
  }
}

export const DAY_MS = 24 * 60 * 60 * 1000;

export const iso = (d: Date): string => d.toISOString();
