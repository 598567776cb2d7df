-- A coffee the store stopped listing was marked discontinued (mark_unlisted, at a full
-- refresh). When the store lists it again, a full refresh makes it active again (the upsert's
-- status rule, 0007); a price-only run wrote its prices and stock but left it discontinued
-- until the next full refresh — up to a month, by default, of a coffee on sale shown as gone.
-- Now a price-only run brings it back too: a discontinued coffee on the page whose variants
-- this write saw (last_seen_at is the statement's now(), on either path) is active again. Any
-- other status (an editor's 'hidden', 'draft', …) is theirs and stays, as on a full refresh.
-- Written here, after either path, so that the set-based and the per-row write stay equal.

CREATE OR REPLACE FUNCTION coffee_scraper.ingest_page_set(
  p_roaster_id uuid,
  p_run_id uuid,
  p_mode text,
  p_products jsonb,
  p_source_url text,
  p_scraped_at timestamptz DEFAULT now(),
  p_unchanged text[] DEFAULT '{}'
) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_result jsonb;
BEGIN
  IF coffee_scraper.reference_functions() THEN
    BEGIN
      v_result := coffee_scraper.ingest_set_body(p_roaster_id, p_run_id, p_mode, p_products, p_source_url, p_scraped_at, p_unchanged);
    EXCEPTION WHEN OTHERS THEN
      v_result := NULL;
    END;
  END IF;
  IF v_result IS NULL THEN
    v_result := coffee_scraper.ingest_page(p_roaster_id := p_roaster_id, p_run_id := p_run_id, p_mode := p_mode,
      p_products := p_products, p_source_url := p_source_url, p_scraped_at := p_scraped_at, p_unchanged := p_unchanged);
  END IF;
  IF p_mode = 'price' THEN
    UPDATE public.coffees c SET status = 'active'
     WHERE c.roaster_id = p_roaster_id AND c.status = 'discontinued'
       AND c.platform_product_id IN (SELECT e.doc->>'platform_product_id' FROM jsonb_array_elements(p_products) AS e (doc)
                                      WHERE NOT COALESCE((e.doc->>'state_only')::boolean, false))
       AND EXISTS (SELECT 1 FROM public.variants v WHERE v.coffee_id = c.id AND v.last_seen_at = now());
  END IF;
  RETURN v_result;
END $$;
