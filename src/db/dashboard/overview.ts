import type { Queryable } from "../database.ts";
import type { Reading } from "../store-reading.ts";
import { paged, type Page, type When } from "./paging.ts";

// The overview page: roasters by health, runs per day, totals.

export const HEALTHS = ["failing", "partial", "robots", "never", "ok"] as const;
export type Health = (typeof HEALTHS)[number];

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

/** A day's finished runs by outcome (the overview's chart). */
export interface DayRuns {
  /** YYYY-MM-DD (UTC). */
  day: string;
  ok: number;
  partial: number;
  fail: number;
}

/** The last `days` days (UTC) up to `now`, each with its runs by outcome; days without runs count zero. */
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
