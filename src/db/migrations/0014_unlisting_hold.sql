-- A full refresh marks the coffees its store no longer lists as discontinued. When most of a
-- roaster's coffees vanish at once, that is more often the store than the roaster: a listing
-- that comes back empty or cut short (a storefront password, a broken app proxy, a market with
-- no products, a maintenance page served as JSON) would otherwise discontinue the whole range
-- until the next full refresh — a month, by default. So such a run holds the marking back and
-- records the hold here; the roaster's next full refresh that finds them missing too confirms
-- it (marks them), one that finds them listed again lifts it.
CREATE TABLE coffee_scraper.unlisting_holds (
  roaster_id uuid PRIMARY KEY REFERENCES public.roasters (id) ON DELETE CASCADE,
  -- The run that held it back, and what it saw.
  run_id uuid,
  missing integer NOT NULL,
  active integer NOT NULL,
  held_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE coffee_scraper.unlisting_holds ENABLE ROW LEVEL SECURITY;

-- mark_unlisted (0004) behind that check: the roaster's active coffees with a product id, how
-- many of them the listing lacks, and whether that is at least p_min_missing and more than
-- p_max_share of them. Returns what it did: marked, held (coffees held back), active, and
-- confirmed (a hold of an earlier run confirmed by this one).
CREATE FUNCTION coffee_scraper.mark_unlisted_checked(
  p_roaster_id uuid,
  p_listed_product_ids text[],
  p_run_id uuid,
  p_min_missing integer,
  p_max_share numeric
) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_active integer;
  v_missing integer;
  v_sweeping boolean;
  v_was_held boolean;
BEGIN
  SELECT count(*), count(*) FILTER (WHERE NOT (platform_product_id = ANY (p_listed_product_ids)))
    INTO v_active, v_missing
    FROM public.coffees
   WHERE roaster_id = p_roaster_id AND status = 'active' AND platform_product_id IS NOT NULL;
  v_sweeping := v_missing >= p_min_missing AND v_missing > v_active * p_max_share;
  DELETE FROM coffee_scraper.unlisting_holds WHERE roaster_id = p_roaster_id RETURNING true INTO v_was_held;
  v_was_held := COALESCE(v_was_held, false);
  IF v_sweeping AND NOT v_was_held THEN
    INSERT INTO coffee_scraper.unlisting_holds (roaster_id, run_id, missing, active)
    VALUES (p_roaster_id, p_run_id, v_missing, v_active);
    RETURN jsonb_build_object('marked', 0, 'held', v_missing, 'active', v_active, 'confirmed', false);
  END IF;
  RETURN jsonb_build_object('marked', coffee_scraper.mark_unlisted(p_roaster_id, p_listed_product_ids), 'held', 0,
    'active', v_active, 'confirmed', v_sweeping AND v_was_held);
END $$;

REVOKE ALL ON FUNCTION coffee_scraper.mark_unlisted_checked(uuid, text[], uuid, integer, numeric) FROM PUBLIC;
