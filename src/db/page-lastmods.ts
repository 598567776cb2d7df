import type { Queryable } from "./database.ts";

// Per product page of a sitemap store, the sitemap `lastmod` it had when a full run last read
// and wrote it (coffee_scraper.page_lastmods). The adapter sees it through the PageMemory
// interface (platforms/adapter.ts); only the pipeline writes it, after the page is persisted.

/** Lastmods recorded for `urls` (absent: never read by a full run, or it failed). */
export async function loadLastmods(db: Queryable, roasterId: string, urls: readonly string[]): Promise<Map<string, string>> {
  if (urls.length === 0) return new Map();
  const rows = await db.query<{ url: string; lastmod: string }>(
    `SELECT url, lastmod FROM coffee_scraper.page_lastmods WHERE roaster_id = $1 AND url = ANY($2::text[])`,
    [roasterId, urls],
  );
  return new Map(rows.map((r) => [r.url, r.lastmod]));
}

/** Records the lastmods of pages just written (one statement for the batch). */
export async function saveLastmods(
  db: Queryable,
  roasterId: string,
  entries: readonly { url: string; lastmod: string }[],
): Promise<void> {
  if (entries.length === 0) return;
  await db.query(
    `INSERT INTO coffee_scraper.page_lastmods AS p (roaster_id, url, lastmod)
     SELECT $1, e.url, e.lastmod FROM unnest($2::text[], $3::text[]) AS e(url, lastmod)
     ON CONFLICT (roaster_id, url) DO UPDATE SET lastmod = EXCLUDED.lastmod, updated_at = now()`,
    [roasterId, entries.map((e) => e.url), entries.map((e) => e.lastmod)],
  );
}

/** When a full run last read every product page of the roaster's sitemaps, or null. */
export async function lastFullSweep(db: Queryable, roasterId: string): Promise<Date | null> {
  const rows = await db.query<{ last_full_sweep_at: Date | null }>(
    `SELECT last_full_sweep_at FROM coffee_scraper.roaster_options WHERE roaster_id = $1`,
    [roasterId],
  );
  const at = rows[0]?.last_full_sweep_at;
  return at ? new Date(at) : null;
}

export async function recordFullSweep(db: Queryable, roasterId: string, at: Date): Promise<void> {
  await db.query(
    `INSERT INTO coffee_scraper.roaster_options (roaster_id, last_full_sweep_at) VALUES ($1, $2)
     ON CONFLICT (roaster_id) DO UPDATE SET last_full_sweep_at = EXCLUDED.last_full_sweep_at, updated_at = now()`,
    [roasterId, at],
  );
}
