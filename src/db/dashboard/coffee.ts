import type { Queryable } from "../database.ts";
import { paged, type Page, type When } from "./paging.ts";

// The coffee page: the coffee, its variants and their price histories.

export interface CoffeeRow {
  id: string;
  name: string;
  slug: string;
  status: string;
  direct_buy_url: string | null;
  roast_level: string | null;
  process: string | null;
  bean_species: string | null;
  decaf: boolean;
  varieties: string[] | null;
  tags: string[] | null;
  first_seen_at: When;
  updated_at: When;
  /** When a run last listed it, changed or not (its variants' rows move only when written). */
  last_seen_at: When | null;
  roaster_slug: string;
  roaster_name: string;
}

export async function coffeeById(db: Queryable, id: string): Promise<CoffeeRow | null> {
  const [row] = await db.query<CoffeeRow>(
    `SELECT c.id, c.name, c.slug, c.status::text AS status, c.direct_buy_url, c.roast_level::text AS roast_level,
            c.process::text AS process, c.bean_species::text AS bean_species, c.decaf, c.varieties, c.tags,
            c.first_seen_at, c.updated_at, s.last_seen_at, r.slug AS roaster_slug, r.name AS roaster_name
       FROM public.coffees c JOIN public.roasters r ON r.id = c.roaster_id
       LEFT JOIN coffee_scraper.product_state s ON s.roaster_id = c.roaster_id AND s.platform_product_id = c.platform_product_id
      WHERE c.id = $1`,
    [id],
  );
  return row ?? null;
}

export interface VariantRow {
  id: string;
  platform_variant_id: string;
  sku: string | null;
  weight_g: number | null;
  grind: string | null;
  pack_count: number;
  currency: string | null;
  price_current: number | null;
  compare_at_price: number | null;
  in_stock: boolean | null;
  last_seen_at: When | null;
  price_last_checked_at: When | null;
}

export async function variantsOfCoffee(db: Queryable, coffeeId: string, page: number, size: number): Promise<Page<VariantRow>> {
  return paged<VariantRow>(
    db,
    `SELECT id, platform_variant_id, sku, weight_g, grind::text AS grind, pack_count, currency, price_current,
            compare_at_price, in_stock, last_seen_at, price_last_checked_at
       FROM public.variants WHERE coffee_id = $1 ORDER BY weight_g NULLS LAST, grind NULLS FIRST, platform_variant_id`,
    [coffeeId],
    page,
    size,
  );
}

/** One price row of a variant (the coffee page's chart). */
export interface PricePoint {
  at: Date;
  price: number;
  isSale?: boolean;
}

/** The latest `perVariant` price rows of each variant, oldest first. */
export async function priceHistory(db: Queryable, variantIds: string[], perVariant: number): Promise<Map<string, PricePoint[]>> {
  const out = new Map<string, PricePoint[]>(variantIds.map((id) => [id, []]));
  if (variantIds.length === 0) return out;
  const rows = await db.query<{ variant_id: string; price: number; is_sale: boolean; scraped_at: When }>(
    `SELECT v.id AS variant_id, p.price, p.is_sale, p.scraped_at
       FROM unnest($1::uuid[]) AS v(id)
       CROSS JOIN LATERAL (
         SELECT price, is_sale, scraped_at FROM public.prices WHERE variant_id = v.id ORDER BY scraped_at DESC LIMIT $2
       ) p`,
    [variantIds, perVariant],
  );
  for (const r of rows) out.get(r.variant_id)?.push({ at: new Date(r.scraped_at), price: r.price, isSale: r.is_sale });
  for (const points of out.values()) points.sort((a, b) => a.at.getTime() - b.at.getTime());
  return out;
}
