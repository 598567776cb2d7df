-- coffee-scraper's own tables, in a schema of their own: Supabase serves only `public` over
-- its REST API, so nothing here is reachable with the project's public key, and nothing of
-- ours changes the shape of the users' tables (their client and views keep working).
-- References into the users' tables cascade or clear, so our rows never block their deletes.
-- Row-level security is on for every table here as well (no policies: only the owner, which
-- is what coffee-scraper connects as, reads and writes them).

CREATE SCHEMA IF NOT EXISTS coffee_scraper;
REVOKE ALL ON SCHEMA coffee_scraper FROM PUBLIC;

-- Per-roaster settings that the users' roasters table has no column for.
CREATE TABLE coffee_scraper.roaster_options (
  roaster_id uuid PRIMARY KEY REFERENCES public.roasters (id) ON DELETE CASCADE,
  -- Pins the store's currency (Shopify payloads carry none).
  currency text CHECK (currency IS NULL OR currency ~ '^[A-Z]{3}$'),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Which job a run of theirs (public.scrape_runs) belongs to. The run's stats_json says it too;
-- a table so that lookups by job use an index.
CREATE TABLE coffee_scraper.run_jobs (
  run_id uuid PRIMARY KEY REFERENCES public.scrape_runs (id) ON DELETE CASCADE,
  job_id text NOT NULL,
  job_type text NOT NULL CHECK (job_type IN ('full_refresh', 'price_only'))
);
CREATE INDEX run_jobs_job_idx ON coffee_scraper.run_jobs (job_id);

-- Runs as our code reads them: theirs, with the job each belongs to.
CREATE VIEW coffee_scraper.runs AS
  SELECT sr.id, sr.source_id, sr.started_at, sr.finished_at, sr.status, sr.stats_json, j.job_id, j.job_type
    FROM public.scrape_runs sr LEFT JOIN coffee_scraper.run_jobs j ON j.run_id = sr.id;

-- HTTP validators per roaster and full URL (page number included), and which kind of run
-- applied the body they describe: a full refresh never trusts a 304 earned by a price-only run.
CREATE TABLE coffee_scraper.http_validators (
  roaster_id uuid NOT NULL REFERENCES public.roasters (id) ON DELETE CASCADE,
  url text NOT NULL,
  etag text,
  last_modified text,
  applied_by text NOT NULL DEFAULT 'full' CHECK (applied_by IN ('full', 'price')),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (roaster_id, url)
);

-- One job per roaster at a time, across processes and machines. Unlogged: a lease lives
-- seconds to minutes, and a database crash that empties the table frees every roaster —
-- what the holders' deaths would have done once their leases expired.
CREATE UNLOGGED TABLE coffee_scraper.roaster_leases (
  roaster_id uuid PRIMARY KEY REFERENCES public.roasters (id) ON DELETE CASCADE,
  holder text NOT NULL,
  job_id text NOT NULL,
  acquired_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);

-- The scheduler's memory: which slot of which cadence was enqueued, and whether it finished.
CREATE TABLE coffee_scraper.schedule_slots (
  roaster_id uuid NOT NULL REFERENCES public.roasters (id) ON DELETE CASCADE,
  job_type text NOT NULL CHECK (job_type IN ('full_refresh', 'price_only')),
  slot_at timestamptz NOT NULL,
  job_id text NOT NULL,
  enqueued_at timestamptz NOT NULL DEFAULT now(),
  served_by text,
  run_id uuid REFERENCES public.scrape_runs (id) ON DELETE SET NULL,
  finished_at timestamptz,
  PRIMARY KEY (roaster_id, job_type, slot_at)
);
CREATE INDEX schedule_slots_unfinished_idx ON coffee_scraper.schedule_slots (roaster_id) WHERE finished_at IS NULL;
CREATE INDEX schedule_slots_job_idx ON coffee_scraper.schedule_slots (job_id);

-- Price moves of at least the roaster's alert_price_delta_pct.
CREATE TABLE coffee_scraper.price_alerts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  roaster_id uuid NOT NULL REFERENCES public.roasters (id) ON DELETE CASCADE,
  coffee_id uuid NOT NULL REFERENCES public.coffees (id) ON DELETE CASCADE,
  variant_id uuid NOT NULL REFERENCES public.variants (id) ON DELETE CASCADE,
  run_id uuid REFERENCES public.scrape_runs (id) ON DELETE SET NULL,
  old_price numeric NOT NULL,
  new_price numeric NOT NULL,
  currency text,
  delta_pct numeric NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX price_alerts_created_idx ON coffee_scraper.price_alerts (created_at DESC);
CREATE INDEX price_alerts_roaster_created_idx ON coffee_scraper.price_alerts (roaster_id, created_at DESC);

-- Variants the store lists that cannot be rows of the users' `variants`: its weight_g is NOT
-- NULL and an unknown bag size is never written as 0 or a guess; a price without a currency
-- is not written either. Held here, named in the run's stats, shown by `status` and the
-- dashboard, and removed as soon as the store says what they are.
CREATE TABLE coffee_scraper.held_variants (
  roaster_id uuid NOT NULL REFERENCES public.roasters (id) ON DELETE CASCADE,
  platform_product_id text NOT NULL,
  platform_variant_id text NOT NULL,
  coffee_id uuid REFERENCES public.coffees (id) ON DELETE CASCADE,
  product_name text,
  variant_title text,
  reason text NOT NULL,
  price numeric,
  currency text,
  source_raw jsonb,
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  last_run_id uuid REFERENCES public.scrape_runs (id) ON DELETE SET NULL,
  PRIMARY KEY (roaster_id, platform_product_id, platform_variant_id)
);

ALTER TABLE coffee_scraper.roaster_options ENABLE ROW LEVEL SECURITY;
ALTER TABLE coffee_scraper.run_jobs ENABLE ROW LEVEL SECURITY;
ALTER TABLE coffee_scraper.http_validators ENABLE ROW LEVEL SECURITY;
ALTER TABLE coffee_scraper.roaster_leases ENABLE ROW LEVEL SECURITY;
ALTER TABLE coffee_scraper.schedule_slots ENABLE ROW LEVEL SECURITY;
ALTER TABLE coffee_scraper.price_alerts ENABLE ROW LEVEL SECURITY;
ALTER TABLE coffee_scraper.held_variants ENABLE ROW LEVEL SECURITY;
