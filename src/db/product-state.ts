import type { Queryable } from "./database.ts";

// The listing hashes each of a roaster's products had when it was last written
// (coffee_scraper.product_state), read once per run.

export interface ProductState {
  rawHash: string | null;
  offerHash: string | null;
  isCoffee: boolean;
  /**
   * What was written is still there: a coffee's row exists (the users' client may delete one)
   * and has not been marked discontinued since (its product left the listing: when it comes
   * back as it was, it must be written active again). A product whose row is gone or marked
   * goes the full way again, whatever its hashes say.
   */
  intact: boolean;
}

export type ProductStates = Map<string, ProductState>;

export async function loadProductStates(db: Queryable, roasterId: string): Promise<ProductStates> {
  const rows = await db.query<{ id: string; raw_hash: string | null; offer_hash: string | null; is_coffee: boolean; intact: boolean }>(
    `SELECT s.platform_product_id AS id, s.raw_hash, s.offer_hash, s.is_coffee,
            (NOT s.is_coffee OR EXISTS (SELECT 1 FROM public.coffees c
                                         WHERE c.roaster_id = s.roaster_id AND c.platform_product_id = s.platform_product_id
                                           AND c.status IS DISTINCT FROM 'discontinued')) AS intact
       FROM coffee_scraper.product_state s WHERE s.roaster_id = $1`,
    [roasterId],
  );
  return new Map(rows.map((r) => [r.id, { rawHash: r.raw_hash, offerHash: r.offer_hash, isCoffee: r.is_coffee, intact: r.intact }]));
}
