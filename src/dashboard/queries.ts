import { artifactOrder } from "../db/artifacts.ts";
import type { JobType } from "../core/job-kinds.ts";
import type { Queryable } from "../db/database.ts";
import { ROASTER_FROM } from "../db/roasters.ts";
import { FIRECRAWL_THIS_MONTH, READING_COLUMNS, type Reading } from "../db/store-reading.ts";
import { DEFAULT_FULL_CADENCE, DEFAULT_PRICE_CADENCE } from "../config/roaster.ts";
import type { DayRuns, PricePoint } from "./charts.ts";

// Every query the dashboard's pages run. Each is bounded (LIMIT, a date range, or one
// roaster/coffee/run) and served by an index: migrations 0001, 0003, 0006 and 0010.

export const HEALTHS = ["failing", "partial", "robots", "never", "ok"] as const;
export type Health = (typeof HEALTHS)[number];

/** One page of a list: `hasMore` from fetching one row more than shown. */
export interface Page<T> {
  rows: T[];
  page: number;
  hasMore: boolean;
}

async function paged<T>(db: Queryable, sql: string, params: unknown[], page: number, size: number): Promise<Page<T>> {
  const n = params.length;
  const rows = await db.query<T>(`${sql} LIMIT $${n + 1} OFFSET $${n + 2}`, [...params, size + 1, (page - 1) * size]);
  return { rows: rows.slice(0, size), page, hasMore: rows.length > size };
}

type When = Date | string;

// --- overview ------------------------------------------------------------------------------

/** Each roaster's last finished run, and the health it gives the roaster. */
const HEALTH_CTE = `
  WITH last AS (
    SELECT r.id, r.slug, r.name, r.platform::text AS platform, r.is_active, r.robots_allow,
           (SELECT o.read_via FROM coffee_scraper.roaster_options o WHERE o.roaster_id = r.id) AS read_via,
           lr.id AS run_id, lr.status::text AS status, lr.job_type, lr.started_at, lr.finished_at
      FROM public.roasters r
      LEFT JOIN LATERAL (
        -- Per store first, then per roaster: each store's newest run is one step down the
        -- (source_id, started_at DESC) index, where a join of stores and runs read every run.
        SELECT x.* FROM public.product_sources ps
         CROSS JOIN LATERAL (
           SELECT sr.id, sr.status, sr.job_type, sr.started_at, sr.finished_at FROM coffee_scraper.runs sr
            WHERE sr.source_id = ps.id AND sr.status IS NOT NULL
            ORDER BY sr.started_at DESC LIMIT 1
         ) x
         WHERE ps.roaster_id = r.id
         ORDER BY x.started_at DESC LIMIT 1
      ) lr ON true
  ), health AS (
    SELECT last.*, CASE WHEN robots_allow IS FALSE THEN 'robots' WHEN status IS NULL THEN 'never'
                        WHEN status = 'fail' THEN 'failing' ELSE status END AS health
      FROM last
  )`;

export async function healthCounts(db: Queryable): Promise<Record<Health, number>> {
  const rows = await db.query<{ health: Health; n: number }>(
    `${HEALTH_CTE} SELECT health, count(*)::int AS n FROM health GROUP BY health`,
  );
  const counts = Object.fromEntries(HEALTHS.map((h) => [h, 0])) as Record<Health, number>;
  for (const r of rows) counts[r.health] = r.n;
  return counts;
}

export interface RoasterHealthRow {
  id: string;
  slug: string;
  name: string;
  platform: string | null;
  read_via: Reading["read_via"];
  is_active: boolean;
  health: Health;
  run_id: string | null;
  status: string | null;
  job_type: string | null;
  started_at: When | null;
  finished_at: When | null;
  coffees: number;
}

/** Roasters, worst health first, then by slug; optionally one health only or a slug/name search. */
export async function roastersByHealth(
  db: Queryable,
  filter: { health?: Health | undefined; search?: string | undefined },
  page: number,
  size: number,
): Promise<Page<RoasterHealthRow>> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.health) {
    params.push(filter.health);
    where.push(`health = $${params.length}`);
  }
  if (filter.search) {
    params.push(`%${filter.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    where.push(`(slug ILIKE $${params.length} OR name ILIKE $${params.length})`);
  }
  const order = HEALTHS.map((h, i) => `WHEN '${h}' THEN ${i}`).join(" ");
  const result = await paged<Omit<RoasterHealthRow, "coffees">>(
    db,
    `${HEALTH_CTE} SELECT * FROM health ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
      ORDER BY CASE health ${order} END, slug`,
    params,
    page,
    size,
  );
  const ids = result.rows.map((r) => r.id);
  const counts = ids.length
    ? await db.query<{ roaster_id: string; n: number }>(
        `SELECT roaster_id, count(*)::int AS n FROM public.coffees WHERE roaster_id = ANY($1::uuid[]) AND is_coffee GROUP BY roaster_id`,
        [ids],
      )
    : [];
  const byId = new Map(counts.map((c) => [c.roaster_id, c.n]));
  return { ...result, rows: result.rows.map((r) => ({ ...r, coffees: byId.get(r.id) ?? 0 })) };
}

export async function runsPerDay(db: Queryable, now: Date, days = 30): Promise<DayRuns[]> {
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - (days - 1)));
  const rows = await db.query<{ day: string; ok: number; partial: number; fail: number }>(
    `SELECT to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day,
            count(*) FILTER (WHERE status = 'ok')::int AS ok,
            count(*) FILTER (WHERE status = 'partial')::int AS partial,
            count(*) FILTER (WHERE status = 'fail')::int AS fail
       FROM public.scrape_runs WHERE started_at >= $1 GROUP BY 1`,
    [start],
  );
  const byDay = new Map(rows.map((r) => [r.day, r]));
  return Array.from({ length: days }, (_, i) => {
    const day = new Date(start.getTime() + i * 86_400_000).toISOString().slice(0, 10);
    const r = byDay.get(day);
    return { day, ok: r?.ok ?? 0, partial: r?.partial ?? 0, fail: r?.fail ?? 0 };
  });
}

export interface Totals {
  roasters: number;
  active_roasters: number;
  coffees: number;
  variants: number;
  price_changes_week: number;
  alerts_week: number;
  held_variants: number;
}

/**
 * Counts for the overview. Price changes: a variant's first price row is written with the
 * variant, every later one is a change (a price row only on change), so the week's changes
 * are its price rows less the priced variants first seen in it: two cheap counts instead of
 * a per-row look-back over millions of rows.
 */
export async function totals(db: Queryable, now: Date): Promise<Totals> {
  const weekAgo = new Date(now.getTime() - 7 * 86_400_000);
  const [row] = await db.query<Totals>(
    `SELECT (SELECT count(*)::int FROM public.roasters) AS roasters,
            (SELECT count(*)::int FROM public.roasters WHERE is_active) AS active_roasters,
            (SELECT count(*)::int FROM public.coffees WHERE is_coffee) AS coffees,
            (SELECT count(*)::int FROM public.variants) AS variants,
            greatest(0, (SELECT count(*)::int FROM public.prices WHERE scraped_at >= $1)
                      - (SELECT count(*)::int FROM public.variants WHERE created_at >= $1 AND price_current IS NOT NULL)) AS price_changes_week,
            (SELECT count(*)::int FROM coffee_scraper.price_alerts WHERE created_at >= $1) AS alerts_week,
            (SELECT count(*)::int FROM coffee_scraper.held_variants) AS held_variants`,
    [weekAgo],
  );
  return row!;
}

// --- roaster -------------------------------------------------------------------------------

/** The roaster page's view of one roaster: its stored options with their defaults applied. */
export interface RoasterDetail {
  id: string;
  slug: string;
  name: string;
  website: string | null;
  platform: string | null;
  currency: string | null;
  is_active: boolean;
  full_cadence: string;
  price_cadence: string;
  default_concurrency: number;
  alert_price_delta_pct: number;
  use_llm: boolean;
  use_firecrawl_fallback: boolean;
  firecrawl_budget_limit: number | null;
  read_via: Reading["read_via"];
  firecrawl_used: number;
  robots_allow: boolean | null;
  robots_checked_at: When | null;
  created_at: When;
  updated_at: When;
}

export async function roasterBySlug(db: Queryable, slug: string): Promise<RoasterDetail | null> {
  const [row] = await db.query<RoasterDetail>(
    `SELECT r.id, r.slug, r.name, r.website, r.platform::text AS platform, o.currency, r.is_active,
            COALESCE(r.full_cadence, '${DEFAULT_FULL_CADENCE}') AS full_cadence,
            COALESCE(r.price_cadence, '${DEFAULT_PRICE_CADENCE}') AS price_cadence,
            COALESCE(r.default_concurrency, 3) AS default_concurrency, COALESCE(r.alert_price_delta_pct, 10) AS alert_price_delta_pct,
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

export interface RunRow {
  id: string;
  status: string | null;
  job_type: string | null;
  job_id: string | null;
  started_at: When;
  finished_at: When | null;
  slug: string;
  roaster_name: string;
  duration_ms: number | null;
  pages: number | null;
  products_seen: number | null;
  variants_upserted: number | null;
  prices_inserted: number | null;
  requests: number | null;
  error_count: number | null;
  first_error: string | null;
}

const RUN_COLUMNS = `sr.id, sr.status::text AS status, sr.job_type, sr.job_id, sr.started_at, sr.finished_at,
  r.slug, r.name AS roaster_name,
  (sr.stats_json->>'duration_ms')::float8 AS duration_ms, (sr.stats_json->>'pages')::int AS pages,
  (sr.stats_json->>'products_seen')::int AS products_seen, (sr.stats_json->>'variants_upserted')::int AS variants_upserted,
  (sr.stats_json->>'prices_inserted')::int AS prices_inserted, (sr.stats_json->>'requests')::int AS requests,
  CASE WHEN jsonb_typeof(sr.stats_json->'errors') = 'array' THEN jsonb_array_length(sr.stats_json->'errors') END AS error_count,
  sr.stats_json->'errors'->0->>'message' AS first_error`;

export interface RunFilter {
  roaster?: string | undefined;
  status?: "ok" | "partial" | "fail" | "running" | undefined;
  type?: JobType | undefined;
}

export async function listRuns(db: Queryable, filter: RunFilter, page: number, size: number): Promise<Page<RunRow>> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.roaster) {
    params.push(filter.roaster);
    where.push(`sr.source_id IN (SELECT ps.id FROM public.product_sources ps JOIN public.roasters x ON x.id = ps.roaster_id WHERE x.slug = $${params.length})`);
  }
  if (filter.status === "running") where.push("sr.status IS NULL");
  else if (filter.status) {
    params.push(filter.status);
    where.push(`sr.status = $${params.length}::run_status_enum`);
  }
  if (filter.type) {
    params.push(filter.type);
    where.push(`sr.job_type = $${params.length}`);
  }
  return paged<RunRow>(
    db,
    `SELECT ${RUN_COLUMNS}
       FROM coffee_scraper.runs sr JOIN public.product_sources ps ON ps.id = sr.source_id JOIN public.roasters r ON r.id = ps.roaster_id
      ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
      ORDER BY sr.started_at DESC, sr.id`,
    params,
    page,
    size,
  );
}

/** The runs a job made (one per attempt), newest first. */
export async function runsOfJob(db: Queryable, jobId: string): Promise<RunRow[]> {
  return db.query<RunRow>(
    `SELECT ${RUN_COLUMNS}
       FROM coffee_scraper.runs sr JOIN public.product_sources ps ON ps.id = sr.source_id JOIN public.roasters r ON r.id = ps.roaster_id
      WHERE sr.job_id = $1 ORDER BY sr.started_at DESC LIMIT 20`,
    [jobId],
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

// --- coffee --------------------------------------------------------------------------------

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
  roaster_slug: string;
  roaster_name: string;
}

export async function coffeeById(db: Queryable, id: string): Promise<CoffeeRow | null> {
  const [row] = await db.query<CoffeeRow>(
    `SELECT c.id, c.name, c.slug, c.status::text AS status, c.direct_buy_url, c.roast_level::text AS roast_level,
            c.process::text AS process, c.bean_species::text AS bean_species, c.decaf, c.varieties, c.tags,
            c.first_seen_at, c.updated_at, r.slug AS roaster_slug, r.name AS roaster_name
       FROM public.coffees c JOIN public.roasters r ON r.id = c.roaster_id WHERE c.id = $1`,
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

// --- run -----------------------------------------------------------------------------------

export interface RunDetail {
  id: string;
  status: string | null;
  job_type: string | null;
  job_id: string | null;
  started_at: When;
  finished_at: When | null;
  stats_json: Record<string, unknown> | null;
  slug: string;
  roaster_name: string;
  base_url: string;
}

export async function runById(db: Queryable, id: string): Promise<RunDetail | null> {
  const [row] = await db.query<RunDetail>(
    `SELECT sr.id, sr.status::text AS status, sr.job_type, sr.job_id, sr.started_at, sr.finished_at, sr.stats_json,
            r.slug, r.name AS roaster_name, ps.base_url
       FROM coffee_scraper.runs sr JOIN public.product_sources ps ON ps.id = sr.source_id JOIN public.roasters r ON r.id = ps.roaster_id
      WHERE sr.id = $1`,
    [id],
  );
  return row ?? null;
}

export interface ArtifactRow {
  id: string;
  url: string;
  http_status: number | null;
  body_len: number | null;
  saved_html_path: string | null;
  created_at: When;
}

export async function artifactsOfRun(db: Queryable, runId: string, page: number, size: number): Promise<Page<ArtifactRow>> {
  return paged<ArtifactRow>(
    db,
    `SELECT a.id, a.url, a.http_status, a.body_len, a.saved_html_path, r.started_at AS created_at
       FROM public.scrape_artifacts a JOIN public.scrape_runs r ON r.id = a.run_id
      WHERE a.run_id = $1 ${artifactOrder("a")}`,
    [runId],
    page,
    size,
  );
}

export async function artifactById(db: Queryable, runId: string, id: string): Promise<ArtifactRow | null> {
  const [row] = await db.query<ArtifactRow>(
    `SELECT a.id, a.url, a.http_status, a.body_len, a.saved_html_path, r.started_at AS created_at
       FROM public.scrape_artifacts a JOIN public.scrape_runs r ON r.id = a.run_id WHERE a.run_id = $1 AND a.id = $2`,
    [runId, id],
  );
  return row ?? null;
}

// --- alerts --------------------------------------------------------------------------------

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
