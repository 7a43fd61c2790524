import { asc } from "drizzle-orm";
import { serviceCategories } from "../../db/schema";
import type { Principal } from "../auth/tokens";
import type { Db } from "../db/client";
import { Write } from "../db/write";
import { newId } from "../ids";
import { assertRole } from "./access";
import { commitWith, type WriteCtx } from "./writes";

// The catalogue of service categories (as 苏州 DB3205/T1001-2020 sets one); each rule version
// may give a category its own hourly points rate (categoryRates).

export type ServiceCategoryRow = typeof serviceCategories.$inferSelect;

const categoryJson = ({ createdBy: _b, ...c }: ServiceCategoryRow) => c;

export async function createServiceCategory(db: Db, actor: Principal, input: { code: string; name: string }, ctx: WriteCtx) {
  assertRole(actor, "admin");
  const row: ServiceCategoryRow = { id: newId(), code: input.code, name: input.name, createdAt: ctx.at, createdBy: actor.userId };
  const write = new Write().add(db.orm.insert(serviceCategories).values(row)).onConstraint("service_categories.code", "already_exists");
  return commitWith(db, write, ctx, categoryJson(row));
}

/** A short catalogue: the whole of it, by code. */
export async function listServiceCategories(db: Db) {
  const rows = await db.orm.select().from(serviceCategories).orderBy(asc(serviceCategories.code));
  return { items: rows.map(categoryJson), nextCursor: null };
}
