-- Stores that are neither Shopify nor WooCommerce (issue 17): read from their schema.org
-- JSON-LD product pages found through their sitemaps, or, as the paid last resort, through
-- Firecrawl. The users' platform_enum has no value for either: such a store is `custom` on
-- their rows, and how its products are read is said here, beside their roaster.

-- How the roaster's products are read: 'api' (Shopify / WooCommerce), 'jsonld' (product pages'
-- schema.org data), 'firecrawl' (Firecrawl's structured extraction). NULL: not decided yet
-- (the next run detects it).
ALTER TABLE coffee_scraper.roaster_options
  ADD COLUMN read_via text CHECK (read_via IS NULL OR read_via IN ('api', 'jsonld', 'firecrawl')),
  -- When a full run last read every product page of a sitemap store (not only those whose
  -- lastmod changed); the next sweep is due SITEMAP_FULL_SWEEP_DAYS after it.
  ADD COLUMN last_full_sweep_at timestamptz;

-- The sitemap `lastmod` of each product page when a full run last read and wrote it. A full
-- run skips a page whose lastmod is unchanged; a page that failed is not recorded (read again).
CREATE TABLE coffee_scraper.page_lastmods (
  roaster_id uuid NOT NULL REFERENCES public.roasters (id) ON DELETE CASCADE,
  url text NOT NULL,
  lastmod text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (roaster_id, url)
);

-- Firecrawl credits spent per roaster and calendar month (UTC). A call is counted here BEFORE
-- it is made, by a conditional upsert that only succeeds while the month's total stays within
-- the roaster's firecrawl_budget_limit: no crash, retry or second worker can overspend.
CREATE TABLE coffee_scraper.firecrawl_credits (
  roaster_id uuid NOT NULL REFERENCES public.roasters (id) ON DELETE CASCADE,
  month date NOT NULL CHECK (extract(day FROM month) = 1),
  used integer NOT NULL DEFAULT 0 CHECK (used >= 0),
  calls integer NOT NULL DEFAULT 0 CHECK (calls >= 0),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (roaster_id, month)
);

ALTER TABLE coffee_scraper.page_lastmods ENABLE ROW LEVEL SECURITY;
ALTER TABLE coffee_scraper.firecrawl_credits ENABLE ROW LEVEL SECURITY;
