-- What the operations dashboard queries (src/dashboard/queries.ts), indexed so that its pages
-- stay fast with thousands of roasters and millions of price rows.

-- The runs page (newest first, any filter) and the overview's runs-per-day chart.
CREATE INDEX IF NOT EXISTS scrape_runs_started_idx ON scrape_runs (started_at DESC);

-- The overview's "price changes this week".
CREATE INDEX IF NOT EXISTS prices_scraped_idx ON prices (scraped_at);

-- The alerts page filtered by roaster, newest first.
CREATE INDEX IF NOT EXISTS price_alerts_roaster_created_idx ON price_alerts (roaster_id, created_at DESC);
