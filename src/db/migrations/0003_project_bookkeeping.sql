-- What coffee-scraper needs beyond the users' core schema.

-- An unknown bag size is stored as NULL, never as 0 or a guess (the original had NOT NULL).
ALTER TABLE variants ALTER COLUMN weight_g DROP NOT NULL;
ALTER TABLE variants ADD CONSTRAINT variants_weight_g_positive CHECK (weight_g IS NULL OR weight_g > 0);

-- A roaster may pin its store's currency (Shopify payloads carry none).
ALTER TABLE roasters ADD COLUMN IF NOT EXISTS currency text CHECK (currency IS NULL OR currency ~ '^[A-Z]{3}$');

-- HTTP validators per full URL (page number included), for conditional requests.
CREATE TABLE IF NOT EXISTS http_validators (
  url text PRIMARY KEY,
  roaster_id uuid REFERENCES roasters (id) ON DELETE CASCADE,
  etag text,
  last_modified text,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- One job per roaster at a time, across processes and machines: a lease that expires
-- when its holder dies and is renewed while the holder works.
CREATE TABLE IF NOT EXISTS roaster_leases (
  roaster_id uuid PRIMARY KEY REFERENCES roasters (id) ON DELETE CASCADE,
  holder text NOT NULL,
  job_id text NOT NULL,
  acquired_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);

-- The scheduler's memory: which slot of which cadence was enqueued, and whether it finished.
CREATE TABLE IF NOT EXISTS schedule_slots (
  roaster_id uuid NOT NULL REFERENCES roasters (id) ON DELETE CASCADE,
  job_type text NOT NULL CHECK (job_type IN ('full_refresh', 'price_only')),
  slot_at timestamptz NOT NULL,
  job_id text NOT NULL,
  enqueued_at timestamptz NOT NULL DEFAULT now(),
  served_by text,
  run_id uuid REFERENCES scrape_runs (id) ON DELETE SET NULL,
  finished_at timestamptz,
  PRIMARY KEY (roaster_id, job_type, slot_at)
);
CREATE INDEX IF NOT EXISTS schedule_slots_unfinished_idx ON schedule_slots (roaster_id) WHERE finished_at IS NULL;

-- Which job a run belongs to (also in stats_json; a column so that lookups can use an index).
ALTER TABLE scrape_runs ADD COLUMN IF NOT EXISTS job_id text;
ALTER TABLE scrape_runs ADD COLUMN IF NOT EXISTS job_type text;
CREATE INDEX IF NOT EXISTS scrape_runs_job_idx ON scrape_runs (job_id);

-- Price moves of at least the roaster's alert_price_delta_pct.
CREATE TABLE IF NOT EXISTS price_alerts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  roaster_id uuid NOT NULL REFERENCES roasters (id) ON DELETE CASCADE,
  coffee_id uuid NOT NULL REFERENCES coffees (id) ON DELETE CASCADE,
  variant_id uuid NOT NULL REFERENCES variants (id) ON DELETE CASCADE,
  run_id uuid REFERENCES scrape_runs (id) ON DELETE SET NULL,
  old_price numeric NOT NULL,
  new_price numeric NOT NULL,
  currency text,
  delta_pct numeric NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS price_alerts_created_idx ON price_alerts (created_at DESC);
