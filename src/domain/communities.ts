import { asc, gt } from "drizzle-orm";
import { communities } from "../../db/schema";
import type { Db } from "../db/client";
import { commit, Write } from "../db/write";
import { newId } from "../ids";
import { decodeCursor, toPage, type PageQuery } from "./pagination";

export type Community = typeof communities.$inferSelect;

export async function createCommunity(db: Db, input: { name: string; code: string }, at: string): Promise<Community> {
  const row: Community = { id: newId(), name: input.name, code: input.code, createdAt: at };
  await commit(db, new Write().add(db.orm.insert(communities).values(row)).onConstraint("communities.code", "already_exists"));
  return row;
}

export async function listCommunities(db: Db, page: PageQuery) {
  const after = decodeCursor<string>(page.cursor, "string");
  const rows = await db.orm
    .select()
    .from(communities)
    .where(after ? gt(communities.id, after) : undefined)
    .orderBy(asc(communities.id))
    .limit(page.limit + 1);
  return toPage(rows, page.limit, (r) => r.id, (r) => r);
}
