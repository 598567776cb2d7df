-- Keys and indexes on the users' tables. Additions only, each named cs_* so that they are
-- recognisable as ours (and can be dropped without touching anything of theirs).
--
-- Unique keys their RPC functions upsert by (documented): where an installation lacks one,
-- it is added — `migrate` first checks there are no duplicates and refuses, naming them,
-- when there are (src/db/catalog.ts), so this never fails half-way.
DO $migration$
DECLARE
  k record;
BEGIN
  FOR k IN SELECT * FROM (VALUES
      ('roasters', ARRAY['slug']),
      ('coffees', ARRAY['slug', 'roaster_id']),
      ('variants', ARRAY['coffee_id', 'platform_variant_id']),
      ('coffee_images', ARRAY['coffee_id', 'url'])
    ) AS t (tbl, cols)
  LOOP
    IF NOT EXISTS (
      SELECT 1 FROM pg_index i
       WHERE i.indrelid = format('public.%I', k.tbl)::regclass AND i.indisunique AND i.indpred IS NULL
         AND (SELECT array_agg(a.attname::text ORDER BY a.attname)
                FROM unnest(i.indkey) AS c(attnum)
                JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = c.attnum)
             = (SELECT array_agg(x ORDER BY x) FROM unnest(k.cols) AS x)
    ) THEN
      EXECUTE format('CREATE UNIQUE INDEX %I ON public.%I (%s)',
        'cs_' || k.tbl || '_' || array_to_string(k.cols, '_') || '_key', k.tbl,
        (SELECT string_agg(format('%I', x), ', ') FROM unnest(k.cols) AS x));
    END IF;
  END LOOP;
END $migration$;

-- How coffee-scraper finds its rows: a coffee by (roaster, platform product id), a store by
-- (roaster, base URL). Not unique keys of theirs (a unique index could refuse a write of
-- their client's): plain indexes, with `migrate` refusing when duplicates exist and the
-- writer refusing a product whose id matches two coffees.
CREATE INDEX IF NOT EXISTS cs_coffees_roaster_product_idx ON public.coffees (roaster_id, platform_product_id);
CREATE INDEX IF NOT EXISTS cs_product_sources_roaster_idx ON public.product_sources (roaster_id, base_url);

-- What the scheduler, `status` and the dashboard read.
CREATE INDEX IF NOT EXISTS cs_scrape_runs_source_started_idx ON public.scrape_runs (source_id, started_at DESC);
CREATE INDEX IF NOT EXISTS cs_scrape_runs_started_idx ON public.scrape_runs (started_at DESC);
CREATE INDEX IF NOT EXISTS cs_scrape_artifacts_run_idx ON public.scrape_artifacts (run_id);
CREATE INDEX IF NOT EXISTS cs_prices_scraped_idx ON public.prices (scraped_at);
CREATE INDEX IF NOT EXISTS cs_variants_created_idx ON public.variants (created_at);
