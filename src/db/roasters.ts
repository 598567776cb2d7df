import type { Roaster, RoasterConfig } from "../config/roaster.ts";
import type { Queryable } from "./database.ts";

export const ROASTER_COLUMNS = `r.id, r.slug, r.name, r.website, r.platform, r.currency, r.is_active, r.full_cadence,
  r.price_cadence, r.default_concurrency, r.use_firecrawl_fallback, r.firecrawl_budget_limit, r.use_llm,
  r.alert_price_delta_pct, r.last_etag, r.last_modified, r.robots_allow, r.robots_checked_at,
  (SELECT s.id FROM product_sources s WHERE s.roaster_id = r.id ORDER BY s.base_url = r.website DESC, s.id LIMIT 1)
    AS source_id`;

export type RoasterRow = Omit<Roaster, "platform" | "currency" | "firecrawl_budget_limit" | "last_etag" | "last_modified"> & {
  platform: string | null;
  currency: string | null;
  firecrawl_budget_limit: number | null;
  last_etag: string | null;
  last_modified: Date | null;
};

export function toRoaster(row: RoasterRow): Roaster {
  const { platform, currency, firecrawl_budget_limit, last_etag, last_modified, ...rest } = row;
  return {
    ...rest,
    ...(platform === "shopify" || platform === "woocommerce" ? { platform } : {}),
    ...(currency ? { currency } : {}),
    ...(firecrawl_budget_limit !== null ? { firecrawl_budget_limit } : {}),
    ...(last_etag !== null ? { last_etag } : {}),
    ...(last_modified !== null ? { last_modified } : {}),
  };
}

export async function listRoasters(db: Queryable, options: { activeOnly?: boolean } = {}): Promise<Roaster[]> {
  const rows = await db.query<RoasterRow>(
    `SELECT ${ROASTER_COLUMNS} FROM roasters r ${options.activeOnly ? "WHERE r.is_active" : ""} ORDER BY r.slug`,
  );
  return rows.map(toRoaster);
}

export async function findRoaster(db: Queryable, slug: string): Promise<Roaster | null> {
  const rows = await db.query<RoasterRow>(`SELECT ${ROASTER_COLUMNS} FROM roasters r WHERE r.slug = $1`, [slug]);
  return rows[0] ? toRoaster(rows[0]) : null;
}

/**
 * Writes one roaster's identity through `rpc_upsert_roaster`, its scraping configuration,
 * and its `product_sources` row. Returns whether the roaster was new.
 */
export async function upsertRoaster(tx: Queryable, config: RoasterConfig): Promise<{ id: string; added: boolean }> {
  const existed = await tx.query("SELECT 1 FROM roasters WHERE slug = $1", [config.slug]);
  const [row] = await tx.query<{ id: string }>(
    `SELECT rpc_upsert_roaster(p_name := $1, p_slug := $2, p_platform := $3, p_website := $4) AS id`,
    [config.name, config.slug, config.platform ?? null, config.website],
  );
  const id = row!.id;
  await tx.query(
    `UPDATE roasters SET
       currency = $2, is_active = $3, full_cadence = $4, price_cadence = $5, default_concurrency = $6,
       use_firecrawl_fallback = $7, firecrawl_budget_limit = $8, use_llm = $9, alert_price_delta_pct = $10,
       last_etag = COALESCE($11, last_etag), last_modified = COALESCE($12, last_modified)
     WHERE id = $1`,
    [
      id,
      config.currency ?? null,
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
    `INSERT INTO product_sources (roaster_id, base_url, platform) VALUES ($1, $2, $3)
     ON CONFLICT (roaster_id, base_url) DO UPDATE SET platform = COALESCE(EXCLUDED.platform, product_sources.platform)`,
    [id, config.website, config.platform ?? null],
  );
  return { id, added: existed.length === 0 };
}

/** Records the platform found by detection on the roaster and its store. */
export async function savePlatform(db: Queryable, roasterId: string, platform: "shopify" | "woocommerce"): Promise<void> {
  await db.query(`UPDATE roasters SET platform = $2, updated_at = now() WHERE id = $1`, [roasterId, platform]);
  await db.query(`UPDATE product_sources SET platform = $2 WHERE roaster_id = $1`, [roasterId, platform]);
}

export async function saveRobotsResult(db: Queryable, roasterId: string, allowed: boolean): Promise<void> {
  await db.query(`UPDATE roasters SET robots_allow = $2, robots_checked_at = now() WHERE id = $1`, [roasterId, allowed]);
  await db.query(`UPDATE product_sources SET robots_ok = $2 WHERE roaster_id = $1`, [roasterId, allowed]);
}
