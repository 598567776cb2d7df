import type { Queryable } from "./database.ts";

/** One round trip to the database; throws when it cannot be reached (readiness checks). */
export async function ping(db: Queryable): Promise<void> {
  await db.query("SELECT 1");
}
