-- What a listing page's body said, remembered by its digest: the product ids it listed and
-- the listing hashes each had. A later run that receives the same bytes again (a store
-- without ETags serves an unchanged page in full) need not parse the page nor hash its
-- products: it compares these hashes with product_state, as it would have compared the
-- hashes it computed. A cache of a computation, never of the database: stale rows are
-- harmless, since every product is checked against what product_state holds now.
CREATE TABLE coffee_scraper.listing_pages (
  roaster_id uuid NOT NULL REFERENCES public.roasters (id) ON DELETE CASCADE,
  url text NOT NULL,
  digest text NOT NULL,
  -- [[platform_product_id, raw_hash, offer_hash], …] in the page's order.
  products jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (roaster_id, url)
);
ALTER TABLE coffee_scraper.listing_pages ENABLE ROW LEVEL SECURITY;
