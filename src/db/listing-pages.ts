import type { Queryable } from "./database.ts";

// Listing pages remembered by the digest of their body (coffee_scraper.listing_pages,
// migration 0011): read once per run; a page the run parsed is remembered by the statement
// that writes its products (db/ingest.ts), so only a page whose write succeeded is.

/** One product as a remembered page listed it: its id and the listing hashes it had. */
export type RememberedProduct = [id: string, rawHash: string, offerHash: string];

export interface RememberedPage {
  digest: string;
  products: RememberedProduct[];
}

export async function loadListingPages(db: Queryable, roasterId: string): Promise<Map<string, RememberedPage>> {
  const rows = await db.query<{ url: string; digest: string; products: RememberedProduct[] }>(
    "SELECT url, digest, products FROM coffee_scraper.listing_pages WHERE roaster_id = $1",
    [roasterId],
  );
  return new Map(rows.map((r) => [r.url, { digest: r.digest, products: r.products }]));
}

/** Remembers a page, as a part of a statement whose $1 is the roaster, $5 the page's URL, $8 the digest and $9 the products. */
export const REMEMBER_PAGE = `INSERT INTO coffee_scraper.listing_pages AS l (roaster_id, url, digest, products, updated_at)
  VALUES ($1, $5, $8, $9::jsonb, now())
  ON CONFLICT (roaster_id, url) DO UPDATE SET digest = EXCLUDED.digest, products = EXCLUDED.products, updated_at = now()`;
