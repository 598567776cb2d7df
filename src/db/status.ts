import type { Queryable } from "./database.ts";
import type { RunStatus } from "./enums.ts";
import { FIRECRAWL_THIS_MONTH, READING_COLUMNS, type Reading } from "./store-reading.ts";

// The `status` command's one query: each roaster with its latest run, how its store is read,
// the variants held back from the users' tables, and a marking of vanished coffees held back.

export interface LastRunRow extends Reading {
  id: string;
  slug: string;
  is_active: boolean;
  run_id: string | null;
  status: RunStatus | null;
  job_type: string | null;
  started_at: Date | null;
  finished_at: Date | null;
  stats_json: Record<string, unknown> | null;
  held_count: number;
  held_reasons: Record<string, number> | null;
  held_examples: { product: string; variant: string; reason: string }[] | null;
  unlisting_hold: { missing: number; active: number; held_at: string } | null;
}

export async function lastRunPerRoaster(db: Queryable): Promise<LastRunRow[]> {
  return db.query<LastRunRow>(
    `SELECT r.id, r.slug, r.is_active, r.platform::text AS platform, ${READING_COLUMNS}, lr.id AS run_id, lr.status::text AS status, lr.job_type, lr.started_at,
            lr.finished_at, lr.stats_json,
            COALESCE(h.n, 0) AS held_count, h.reasons AS held_reasons, h.examples AS held_examples,
            (SELECT jsonb_build_object('missing', u.missing, 'active', u.active, 'held_at', u.held_at)
               FROM coffee_scraper.unlisting_holds u WHERE u.roaster_id = r.id) AS unlisting_hold
     FROM public.roasters r
     LEFT JOIN coffee_scraper.roaster_options o ON o.roaster_id = r.id
     ${FIRECRAWL_THIS_MONTH}
     LEFT JOIN LATERAL (
       SELECT sr.* FROM coffee_scraper.runs sr JOIN public.product_sources ps ON ps.id = sr.source_id
       WHERE ps.roaster_id = r.id ORDER BY sr.started_at DESC LIMIT 1
     ) lr ON true
     LEFT JOIN LATERAL (
       SELECT sum(n)::int AS n, jsonb_object_agg(reason, n) AS reasons,
              (SELECT jsonb_agg(x) FROM (
                 SELECT COALESCE(product_name, platform_product_id) AS product,
                        COALESCE(variant_title, platform_variant_id) AS variant, reason
                   FROM coffee_scraper.held_variants WHERE roaster_id = r.id
                  ORDER BY product_name, variant_title LIMIT 3) x) AS examples
         FROM (SELECT reason, count(*)::int AS n FROM coffee_scraper.held_variants WHERE roaster_id = r.id GROUP BY reason) g
       HAVING count(*) > 0
     ) h ON true
     ORDER BY r.slug`,
  );
}
