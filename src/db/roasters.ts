import { cronProblem, DEFAULT_ALERT_PCT, DEFAULT_CONCURRENCY, DEFAULT_FULL_CADENCE, DEFAULT_PRICE_CADENCE, type Roaster, type RoasterConfig } from "../config/roaster.ts";
import { isConfiguredPlatform, recordedPlatformOf, type StorePlatform } from "../core/platform.ts";
import type { Queryable } from "./database.ts";

// Roasters live in the users' `roasters` table (written by their client too, so any column
// may be NULL or out of our range); what that table has no column for lives in
// coffee_scraper.roaster_options. Reads fill the gaps with the documented defaults.

export const ROASTER_COLUMNS = `r.id, r.slug, r.name, r.website, r.platform::text AS platform, o.currency, o.read_via, r.is_active,
  r.full_cadence, r.price_cadence, r.default_concurrency, r.use_firecrawl_fallback, r.firecrawl_budget_limit, r.use_llm,
  r.alert_price_delta_pct, r.last_etag, r.last_modified, r.robots_allow, r.robots_checked_at,
  COALESCE(o.allow_frequent_cadence, false) AS allow_frequent_cadence,
  (SELECT s.id FROM public.product_sources s WHERE s.roaster_id = r.id ORDER BY s.base_url = r.website DESC, s.id LIMIT 1)
    AS source_id`;

/** `FROM` clause that ROASTER_COLUMNS reads (alias r). */
export const ROASTER_FROM = `public.roasters r LEFT JOIN coffee_scraper.roaster_options o ON o.roaster_id = r.id`;

export interface RoasterRow {
  id: string;
  slug: string;
  name: string;
  website: string | null;
  platform: string | null;
  currency: string | null;
  read_via: ReadVia | null;
  is_active: boolean;
  full_cadence: string | null;
  price_cadence: string | null;
  default_concurrency: number | null;
  use_firecrawl_fallback: boolean | null;
  firecrawl_budget_limit: number | null;
  use_llm: boolean | null;
  alert_price_delta_pct: number | null;
  last_etag: string | null;
  last_modified: Date | null;
  robots_allow: boolean | null;
  robots_checked_at: Date | null;
  allow_frequent_cadence: boolean;
  source_id: string | null;
}


/** A cadence as stored, or the default when the row has none or one that is not a valid cron. */
function cadence(value: string | null, fallback: string): string {
  return value !== null && value.trim() !== "" && cronProblem(value) === null ? value : fallback;
}

export function toRoaster(row: RoasterRow): Roaster {
  const concurrency = row.default_concurrency;
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    website: row.website ?? "",
    ...(isConfiguredPlatform(row.platform) ? { platform: row.platform } : {}),
    read_via: row.read_via ?? null,
    ...(row.currency ? { currency: row.currency } : {}),
    is_active: row.is_active,
    full_cadence: cadence(row.full_cadence, DEFAULT_FULL_CADENCE),
    price_cadence: cadence(row.price_cadence, DEFAULT_PRICE_CADENCE),
    default_concurrency:
      concurrency !== null && Number.isInteger(concurrency) && concurrency >= 1
        ? Math.min(concurrency, 20)
        : DEFAULT_CONCURRENCY,
    use_firecrawl_fallback: row.use_firecrawl_fallback ?? false,
    ...(row.firecrawl_budget_limit !== null ? { firecrawl_budget_limit: row.firecrawl_budget_limit } : {}),
    use_llm: row.use_llm ?? false,
    alert_price_delta_pct: row.alert_price_delta_pct ?? DEFAULT_ALERT_PCT,
    ...(row.last_etag !== null ? { last_etag: row.last_etag } : {}),
    ...(row.last_modified !== null ? { last_modified: row.last_modified } : {}),
    allow_frequent_cadence: row.allow_frequent_cadence,
    robots_allow: row.robots_allow,
    robots_checked_at: row.robots_checked_at,
    source_id: row.source_id,
  };
}

export async function listRoasters(db: Queryable, options: { activeOnly?: boolean } = {}): Promise<Roaster[]> {
  const rows = await db.query<RoasterRow>(
    `SELECT ${ROASTER_COLUMNS} FROM ${ROASTER_FROM} ${options.activeOnly ? "WHERE r.is_active" : ""} ORDER BY r.slug`,
  );
  return rows.map(toRoaster);
}

export async function findRoaster(db: Queryable, slug: string): Promise<Roaster | null> {
  const rows = await db.query<RoasterRow>(`SELECT ${ROASTER_COLUMNS} FROM ${ROASTER_FROM} WHERE r.slug = $1`, [slug]);
  return rows[0] ? toRoaster(rows[0]) : null;
}

/**
 * Writes one roaster: its identity through their `rpc_upsert_roaster` (which, on a slug it
 * knows, updates only the name), its website and scraping configuration on their row, our
 * options beside it, and its `product_sources` row. Returns whether the roaster was new.
 */
/** A roaster to write: its config, where the override of the cadence floor may be left out (off). */
export type RoasterWrite = Omit<RoasterConfig, "allow_frequent_cadence"> & { allow_frequent_cadence?: boolean };

export async function upsertRoaster(tx: Queryable, config: RoasterWrite): Promise<{ id: string; added: boolean }> {
  const existed = await tx.query("SELECT 1 FROM public.roasters WHERE slug = $1", [config.slug]);
  const [row] = await tx.query<{ id: string }>(
    `SELECT public.rpc_upsert_roaster(p_name := $1, p_slug := $2, p_website := $3, p_platform := $4::platform_enum) AS id`,
    [config.name, config.slug, config.website, config.platform ?? null],
  );
  const id = row!.id;
  await tx.query(
    `UPDATE public.roasters SET
       website = $2, platform = COALESCE($3::platform_enum, platform), is_active = $4, full_cadence = $5,
       price_cadence = $6, default_concurrency = $7, use_firecrawl_fallback = $8,
       firecrawl_budget_limit = COALESCE($9, firecrawl_budget_limit), use_llm = $10, alert_price_delta_pct = $11,
       last_etag = COALESCE($12, last_etag), last_modified = COALESCE($13, last_modified), updated_at = now()
     WHERE id = $1`,
    [
      id,
      config.website,
      config.platform ?? null,
      config.is_active,
      config.full_cadence,
      config.price_cadence,
      config.default_concurrency,
      config.use_firecrawl_fallback,
      config.firecrawl_budget_limit ?? null,
      config.use_llm,
      config.alert_price_delta_pct,
      config.last_etag ?? null,
      config.last_modified ?? null,
    ],
  );
  await tx.query(
    `INSERT INTO coffee_scraper.roaster_options (roaster_id, currency, allow_frequent_cadence) VALUES ($1, $2, $3)
     ON CONFLICT (roaster_id) DO UPDATE
       SET currency = EXCLUDED.currency, allow_frequent_cadence = EXCLUDED.allow_frequent_cadence, updated_at = now()`,
    [id, config.currency ?? null, config.allow_frequent_cadence ?? false],
  );
  await ensureSource(tx, { id, website: config.website, platform: config.platform });
  return { id, added: existed.length === 0 };
}

/** The roaster's store row (found by roaster and base URL, or created). */
export async function ensureSource(
  db: Queryable,
  roaster: { id: string; website: string; platform?: string | undefined },
): Promise<string> {
  const [row] = await db.query<{ id: string }>(
    "SELECT coffee_scraper.ensure_source($1, $2, $3::platform_enum) AS id",
    [roaster.id, roaster.website, roaster.platform ?? null],
  );
  return row!.id;
}

/** How a roaster's products are read: its platform's API, its pages' JSON-LD, or Firecrawl. */
export type ReadVia = "api" | "jsonld" | "firecrawl";

export const readViaOf = (platform: StorePlatform): ReadVia =>
  platform === "jsonld" || platform === "firecrawl" ? platform : "api";

/**
 * Records the platform found by detection on the roaster and its store (their enum), and how
 * its products are read (ours, in roaster_options).
 */
export async function savePlatform(db: Queryable, roasterId: string, platform: StorePlatform): Promise<void> {
  const theirs = recordedPlatformOf(platform);
  await db.query(`UPDATE public.roasters SET platform = $2::platform_enum, updated_at = now() WHERE id = $1`, [roasterId, theirs]);
  await db.query(`UPDATE public.product_sources SET platform = $2::platform_enum WHERE roaster_id = $1`, [roasterId, theirs]);
  await saveReadVia(db, roasterId, readViaOf(platform));
}

export async function saveReadVia(db: Queryable, roasterId: string, readVia: ReadVia): Promise<void> {
  await db.query(
    `INSERT INTO coffee_scraper.roaster_options (roaster_id, read_via) VALUES ($1, $2)
     ON CONFLICT (roaster_id) DO UPDATE SET read_via = EXCLUDED.read_via, updated_at = now()
       WHERE roaster_options.read_via IS DISTINCT FROM EXCLUDED.read_via`,
    [roasterId, readVia],
  );
}

/** robots.txt's verdict, on the roaster and its store (their columns), in one statement: every run writes it. */
export async function saveRobotsResult(db: Queryable, roasterId: string, allowed: boolean): Promise<void> {
  await db.query(
    `WITH source AS (UPDATE public.product_sources SET robots_ok = $2 WHERE roaster_id = $1)
     UPDATE public.roasters SET robots_allow = $2, robots_checked_at = now() WHERE id = $1`,
    [roasterId, allowed],
  );
}

/** Whether the roaster has the LLM enricher on (their `roasters.use_llm`). */
export async function usesLlm(db: Queryable, roasterId: string): Promise<boolean> {
  const rows = await db.query<{ use_llm: boolean | null }>(`SELECT use_llm FROM public.roasters WHERE id = $1`, [roasterId]);
  return rows[0]?.use_llm === true;
}
