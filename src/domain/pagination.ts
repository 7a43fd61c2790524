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

export function decodeCursor<T extends string | number>(cursor: string | undefined, type: "string" | "number"): T | undefined {
  if (cursor === undefined) return undefined;
  try {
    const [key] = JSON.parse(atob(cursor.replace(/-/g, "+").replace(/_/g, "/"))) as [unknown];
    if (typeof key === type) return key as T;
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
