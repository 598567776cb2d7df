import { databaseSafe } from "./database-safe.ts";
import type { Queryable } from "./database.ts";

/** One product's inferred sensory values as written (the enricher's InferredSensory fits it). */
export interface InferredSensoryRow {
  platform_product_id: string;
  acidity: number | null;
  body: number | null;
  notes: string | null;
  /** The model's own confidence: low, medium or high. */
  confidence: string;
}

/**
 * Writes a page's inferred sensory values (coffee_scraper.write_inferred_sensory, migration
 * 0009) as `source = 'icb_inferred'` rows: a row that is the roaster's or an editor's is never
 * touched. Returns the number of rows written.
 */
export async function writeInferredSensory(db: Queryable, roasterId: string, items: InferredSensoryRow[]): Promise<number> {
  if (items.length === 0) return 0;
  const rows = await db.query<{ n: number }>(`SELECT coffee_scraper.write_inferred_sensory($1, $2::jsonb) AS n`, [
    roasterId,
    JSON.stringify(databaseSafe(items)),
  ]);
  return Number(rows[0]?.n ?? 0);
}

/**
 * Before a page is written: coffees whose page now states tasting notes lose the inferred
 * acidity and body of their 'icb_inferred' row, which the write makes the roaster's.
 */
export async function clearInferredSensory(db: Queryable, roasterId: string, platformProductIds: string[]): Promise<void> {
  if (platformProductIds.length === 0) return;
  await db.query(`SELECT coffee_scraper.clear_inferred_sensory($1, $2::text[])`, [roasterId, platformProductIds]);
}
