import { AppError } from "../errors";

export interface PageQuery {
  limit: number;
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export const encodeCursor = (key: string | number): string =>
  btoa(JSON.stringify([key])).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

// The keys this API puts in a cursor: record ids, and offsets or row numbers. Anything else in a
// cursor was made by hand (an offset of 1.5 or 1e300 reached SQLite and came back as a 500).
const ID_KEY = /^[A-Za-z0-9_:-]{1,64}$/;
const isKey = (key: unknown, type: "string" | "number") =>
  type === "string" ? typeof key === "string" && ID_KEY.test(key) : Number.isSafeInteger(key) && (key as number) >= 0;

export function decodeCursor<T extends string | number>(cursor: string | undefined, type: "string" | "number"): T | undefined {
  if (cursor === undefined) return undefined;
  try {
    const parsed = JSON.parse(atob(cursor.replace(/-/g, "+").replace(/_/g, "/"))) as unknown;
    if (Array.isArray(parsed) && parsed.length === 1 && isKey(parsed[0], type)) return parsed[0] as T;
  } catch {
    // fall through to the error below
  }
  throw new AppError("validation_failed", "The cursor is not one this API returned", { field: "cursor" });
}

/** Lists fetch limit+1 rows; the extra one tells whether there is a next page. */
export function toPage<R, T>(rows: R[], limit: number, key: (row: R) => string | number, map: (row: R) => T): Page<T> {
  const more = rows.length > limit;
  const items = more ? rows.slice(0, limit) : rows;
  return { items: items.map(map), nextCursor: more ? encodeCursor(key(items[items.length - 1]!)) : null };
}
