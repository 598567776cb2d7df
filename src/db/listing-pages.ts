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

