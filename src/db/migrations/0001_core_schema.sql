-- The schema our users already run (docs/schema.md). IF NOT EXISTS throughout, so that
-- pointing coffee-scraper at an existing installation adopts it instead of failing.

DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'platform_enum') THEN
    CREATE TYPE platform_enum AS ENUM ('shopify', 'woocommerce', 'custom', 'other');
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'coffee_status_enum') THEN
    CREATE TYPE coffee_status_enum AS ENUM ('active', 'seasonal', 'discontinued', 'draft', 'hidden', 'coming_soon', 'archived');
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'roast_level_enum') THEN
    CREATE TYPE roast_level_enum AS ENUM ('light', 'light_medium', 'medium', 'medium_dark', 'dark');
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'process_enum') THEN
    CREATE TYPE process_enum AS ENUM ('washed', 'natural', 'honey', 'pulped_natural', 'monsooned', 'wet_hulled',
      'anaerobic', 'carbonic_maceration', 'double_fermented', 'experimental', 'other');
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'species_enum') THEN
    CREATE TYPE species_enum AS ENUM ('arabica', 'robusta', 'liberica', 'blend', 'arabica_80_robusta_20',
      'arabica_70_robusta_30', 'arabica_60_robusta_40', 'arabica_50_robusta_50', 'robusta_80_arabica_20',
      'arabica_chicory', 'robusta_chicory', 'blend_chicory', 'filter_coffee_mix');
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'grind_enum') THEN
    CREATE TYPE grind_enum AS ENUM ('whole', 'filter', 'espresso', 'omni', 'other', 'turkish', 'moka', 'cold_brew',
      'aeropress', 'channi', 'coffee filter', 'cold brew', 'french press', 'home espresso', 'commercial espresso',
      'inverted aeropress', 'south indian filter', 'moka pot', 'pour over', 'syphon');
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'run_status_enum') THEN
    CREATE TYPE run_status_enum AS ENUM ('ok', 'partial', 'fail');
  END IF;
END $$;

CREATE TABLE IF NOT EXISTS roasters (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL,
  slug text NOT NULL UNIQUE,
  website text,
  platform platform_enum,
  is_active boolean NOT NULL DEFAULT true,
  hq_city text,
  hq_state text,
  hq_country text,
  instagram_handle text,
  social_json jsonb,
  support_email text,
  full_cadence text NOT NULL DEFAULT '0 3 1 * *',
  price_cadence text NOT NULL DEFAULT '0 4 * * 0',
  default_concurrency integer NOT NULL DEFAULT 3 CHECK (default_concurrency BETWEEN 1 AND 20),
  use_firecrawl_fallback boolean NOT NULL DEFAULT false,
  firecrawl_budget_limit numeric CHECK (firecrawl_budget_limit >= 0),
  last_etag text,
  last_modified timestamptz,
  robots_allow boolean,
  robots_checked_at timestamptz,
  use_llm boolean NOT NULL DEFAULT false,
  alert_price_delta_pct numeric NOT NULL DEFAULT 10 CHECK (alert_price_delta_pct BETWEEN 0 AND 1000),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS product_sources (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  roaster_id uuid NOT NULL REFERENCES roasters (id) ON DELETE CASCADE,
  base_url text NOT NULL,
  platform platform_enum,
  products_endpoint text,
  sitemap_url text,
  robots_ok boolean,
  last_ok_ping timestamptz,
  UNIQUE (roaster_id, base_url)
);

CREATE TABLE IF NOT EXISTS scrape_runs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  source_id uuid NOT NULL REFERENCES product_sources (id) ON DELETE CASCADE,
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  status run_status_enum,
  stats_json jsonb
);
CREATE INDEX IF NOT EXISTS scrape_runs_source_started_idx ON scrape_runs (source_id, started_at DESC);

CREATE TABLE IF NOT EXISTS scrape_artifacts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  run_id uuid NOT NULL REFERENCES scrape_runs (id) ON DELETE CASCADE,
  url text NOT NULL,
  http_status integer,
  body_len integer,
  saved_html_path text,
  saved_json jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS scrape_artifacts_run_idx ON scrape_artifacts (run_id);

CREATE TABLE IF NOT EXISTS coffees (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  roaster_id uuid NOT NULL REFERENCES roasters (id) ON DELETE CASCADE,
  name text NOT NULL,
  slug text NOT NULL,
  platform_product_id text NOT NULL,
  description_md text,
  direct_buy_url text,
  vendor_sku text,
  status coffee_status_enum NOT NULL DEFAULT 'active',
  is_coffee boolean NOT NULL DEFAULT true,
  is_limited boolean NOT NULL DEFAULT false,
  decaf boolean NOT NULL DEFAULT false,
  crop_year integer,
  harvest_window text,
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  notes_raw jsonb,
  source_raw jsonb,
  roast_level roast_level_enum,
  roast_level_raw text,
  roast_style_raw text,
  process process_enum,
  process_raw text,
  bean_species species_enum,
  default_grind grind_enum,
  varieties text[],
  tags text[],
  rating_avg numeric,
  rating_count integer,
  UNIQUE (roaster_id, platform_product_id)
);

CREATE TABLE IF NOT EXISTS variants (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  coffee_id uuid NOT NULL REFERENCES coffees (id) ON DELETE CASCADE,
  platform_variant_id text NOT NULL,
  sku text,
  barcode text,
  weight_g integer NOT NULL,
  grind grind_enum,
  pack_count integer NOT NULL DEFAULT 1,
  currency text,
  price_current numeric,
  compare_at_price numeric,
  in_stock boolean,
  stock_qty integer,
  subscription_available boolean NOT NULL DEFAULT false,
  status text,
  source_raw jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz,
  price_last_checked_at timestamptz,
  UNIQUE (coffee_id, platform_variant_id)
);

CREATE TABLE IF NOT EXISTS prices (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  variant_id uuid NOT NULL REFERENCES variants (id) ON DELETE CASCADE,
  price numeric NOT NULL CHECK (price >= 0),
  currency text,
  is_sale boolean NOT NULL DEFAULT false,
  scraped_at timestamptz NOT NULL DEFAULT now(),
  source_url text,
  source_raw jsonb
);
CREATE INDEX IF NOT EXISTS prices_variant_scraped_idx ON prices (variant_id, scraped_at DESC);

CREATE TABLE IF NOT EXISTS coffee_images (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  coffee_id uuid NOT NULL REFERENCES coffees (id) ON DELETE CASCADE,
  url text NOT NULL,
  imagekit_url text,
  alt text,
  width integer,
  height integer,
  sort_order integer NOT NULL DEFAULT 0,
  content_hash text,
  source_raw jsonb,
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (coffee_id, url)
);
