import { DEFAULT_ALERT_PCT, DEFAULT_CONCURRENCY, DEFAULT_FULL_CADENCE, DEFAULT_PRICE_CADENCE } from "../../config/roaster.ts";
import type { Queryable } from "../database.ts";
import { ROASTER_FROM, type RoasterRow } from "../roasters.ts";
import { FIRECRAWL_THIS_MONTH, READING_COLUMNS, type Reading } from "../store-reading.ts";
import { paged, type Page, type When } from "./paging.ts";

// The roaster page: its settings as stored, its last slots, its coffees and held variants
// (its runs come from db/dashboard/runs.ts).

/** The roaster page's view of one roaster: its stored options with their defaults applied. */
export interface RoasterDetail
  extends Pick<RoasterRow, "id" | "slug" | "name" | "website" | "platform" | "currency" | "is_active" | "firecrawl_budget_limit" | "robots_allow"> {
  full_cadence: string;
  price_cadence: string;
  default_concurrency: number;
  alert_price_delta_pct: number;
  use_llm: boolean;
  use_firecrawl_fallback: boolean;
  read_via: Reading["read_via"];
  firecrawl_used: number;
  robots_checked_at: When | null;
  created_at: When;
  updated_at: When;
}

export async function roasterBySlug(db: Queryable, slug: string): Promise<RoasterDetail | null> {
  const [row] = await db.query<RoasterDetail>(
    `SELECT r.id, r.slug, r.name, r.website, r.platform::text AS platform, o.currency, r.is_active,
            COALESCE(r.full_cadence, '${DEFAULT_FULL_CADENCE}') AS full_cadence,
            COALESCE(r.price_cadence, '${DEFAULT_PRICE_CADENCE}') AS price_cadence,
            COALESCE(r.default_concurrency, ${DEFAULT_CONCURRENCY}) AS default_concurrency, COALESCE(r.alert_price_delta_pct, ${DEFAULT_ALERT_PCT}) AS alert_price_delta_pct,
            COALESCE(r.use_llm, false) AS use_llm, ${READING_COLUMNS},
            r.robots_allow, r.robots_checked_at, r.created_at, r.updated_at
       FROM ${ROASTER_FROM} ${FIRECRAWL_THIS_MONTH} WHERE r.slug = $1`,
    [slug],
  );
  return row ?? null;
}

export interface SlotRow {
  job_type: string;
  slot_at: When;
  job_id: string;
  finished_at: When | null;
}

/** The latest recorded schedule slot of each job type. */
export async function lastSlots(db: Queryable, roasterId: string): Promise<SlotRow[]> {
  return db.query<SlotRow>(
    `SELECT DISTINCT ON (job_type) job_type, slot_at, job_id, finished_at
       FROM coffee_scraper.schedule_slots WHERE roaster_id = $1 ORDER BY job_type, slot_at DESC`,
    [roasterId],
  );
}

export interface CoffeeListRow {
  id: string;
  name: string;
  status: string;
  roast_level: string | null;
  process: string | null;
  decaf: boolean;
  variants: number;
  in_stock: number;
  min_price: number | null;
  max_price: number | null;
  currency: string | null;
  updated_at: When;
}

export async function coffeesOfRoaster(db: Queryable, roasterId: string, page: number, size: number): Promise<Page<CoffeeListRow>> {
  return paged<CoffeeListRow>(
    db,
    `SELECT c.id, c.name, c.status::text AS status, c.roast_level::text AS roast_level, c.process::text AS process, c.decaf,
            count(v.id)::int AS variants, count(v.id) FILTER (WHERE v.in_stock)::int AS in_stock,
            min(v.price_current) AS min_price, max(v.price_current) AS max_price, min(v.currency) AS currency, c.updated_at
       FROM public.coffees c LEFT JOIN public.variants v ON v.coffee_id = c.id
      WHERE c.roaster_id = $1 AND c.is_coffee
      GROUP BY c.id ORDER BY c.name, c.id`,
    [roasterId],
    page,
    size,
  );
}

export interface HeldVariantRow {
  platform_product_id: string;
  platform_variant_id: string;
  product_name: string | null;
  variant_title: string | null;
  reason: string;
  price: number | null;
  currency: string | null;
  coffee_id: string | null;
  first_seen_at: When;
  last_seen_at: When;
}

/** Variants the store lists that are not rows of `variants` (size unknown, price without currency): the first `limit`, and how many. */
export async function heldVariantsOfRoaster(db: Queryable, roasterId: string, limit: number): Promise<{ rows: HeldVariantRow[]; total: number }> {
  const rows = await db.query<HeldVariantRow & { total: number }>(
    `SELECT platform_product_id, platform_variant_id, product_name, variant_title, reason, price, currency, coffee_id,
            first_seen_at, last_seen_at, count(*) OVER ()::int AS total
       FROM coffee_scraper.held_variants WHERE roaster_id = $1
      ORDER BY product_name, variant_title, platform_variant_id LIMIT $2`,
    [roasterId, limit],
  );
  return { rows, total: rows[0]?.total ?? 0 };
}

/** A marking of vanished coffees held back (pipeline/unlisted.ts), when the roaster has one. */
export interface UnlistingHoldRow {
  missing: number;
  active: number;
  run_id: string | null;
  held_at: When;
}

export async function unlistingHoldOf(db: Queryable, roasterId: string): Promise<UnlistingHoldRow | null> {
  const [row] = await db.query<UnlistingHoldRow>(
    "SELECT missing, active, run_id, held_at FROM coffee_scraper.unlisting_holds WHERE roaster_id = $1",
    [roasterId],
  );
  return row ?? null;
}
