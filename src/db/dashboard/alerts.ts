import type { Queryable } from "../database.ts";
import { paged, type Page, type When } from "./paging.ts";

// The alerts page: price alerts, newest first, optionally of one roaster.

export interface AlertRow {
  id: string;
  created_at: When;
  old_price: number;
  new_price: number;
  currency: string | null;
  delta_pct: number;
  run_id: string | null;
  slug: string;
  roaster_name: string;
  coffee_id: string;
  coffee_name: string;
  weight_g: number | null;
  grind: string | null;
}

export async function listAlerts(db: Queryable, filter: { roaster?: string | undefined }, page: number, size: number): Promise<Page<AlertRow>> {
  const params: unknown[] = [];
  let where = "";
  if (filter.roaster) {
    params.push(filter.roaster);
    where = `WHERE a.roaster_id = (SELECT id FROM public.roasters WHERE slug = $1)`;
  }
  return paged<AlertRow>(
    db,
    `SELECT a.id, a.created_at, a.old_price, a.new_price, a.currency, a.delta_pct, a.run_id,
            r.slug, r.name AS roaster_name, c.id AS coffee_id, c.name AS coffee_name, v.weight_g, v.grind::text AS grind
       FROM coffee_scraper.price_alerts a JOIN public.roasters r ON r.id = a.roaster_id JOIN public.coffees c ON c.id = a.coffee_id
       JOIN public.variants v ON v.id = a.variant_id
      ${where}
      ORDER BY a.created_at DESC, a.id`,
    params,
    page,
    size,
  );
}
