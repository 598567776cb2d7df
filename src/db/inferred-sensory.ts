import type { InferredSensory } from "../enrich/apply.ts";
import { databaseSafe } from "../pipeline/database-safe.ts";
import type { Queryable } from "./database.ts";

/**
 * Writes a page's inferred sensory values (coffee_scraper.write_inferred_sensory, migration
 * 0009) as `source = 'icb_inferred'` rows: a row that is the roaster's or an editor's is never
 * touched. Returns the number of rows written.
 */
export async function writeInferredSensory(db: Queryable, roasterId: string, items: InferredSensory[]): Promise<number> {
  if (items.length === 0) return 0;
  const rows = await db.query<{ n: number }>(`SELECT coffee_scraper.write_inferred_sensory($1, $2::jsonb) AS n`, [
    roasterId,
    JSON.stringify(databaseSafe(items)),
  ]);
  return Number(rows[0]?.n ?? 0);
}
