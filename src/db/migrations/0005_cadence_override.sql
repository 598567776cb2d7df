-- A roaster whose cadence fires more often than FULL_CADENCE_MIN_INTERVAL_MS /
-- PRICE_CADENCE_MIN_INTERVAL_MS on purpose says so here (roaster field
-- `allow_frequent_cadence`). Our per-roaster options live beside the users' roasters table,
-- which gets no columns of ours.
ALTER TABLE coffee_scraper.roaster_options ADD COLUMN allow_frequent_cadence boolean NOT NULL DEFAULT false;
