-- Unchanged is free: the hashes of each product's listing as last written, so that a run
-- over a store that changed nothing neither normalizes nor rewrites it.
--   raw_hash   — everything the normalizers read, as the store sent it (a full refresh
--                compares this one);
--   offer_hash — its variants' prices, stock and currency (a price-only run compares this).
-- A price-only run records only offer_hash: what it did not apply (descriptions, sizes)
-- still differs for the next full refresh.
CREATE TABLE coffee_scraper.product_state (
  roaster_id uuid NOT NULL REFERENCES public.roasters (id) ON DELETE CASCADE,
  platform_product_id text NOT NULL,
  raw_hash text,
  offer_hash text,
  is_coffee boolean NOT NULL,
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (roaster_id, platform_product_id)
);
ALTER TABLE coffee_scraper.product_state ENABLE ROW LEVEL SECURITY;

CREATE FUNCTION coffee_scraper.record_product_state(p_roaster_id uuid, p_mode text, p_doc jsonb, p_seen timestamptz)
RETURNS void LANGUAGE sql AS $$
  INSERT INTO coffee_scraper.product_state AS s (roaster_id, platform_product_id, raw_hash, offer_hash, is_coffee, first_seen_at, last_seen_at)
  VALUES (p_roaster_id, p_doc->>'platform_product_id', CASE WHEN p_mode = 'full' THEN p_doc->>'raw_hash' END,
          p_doc->>'offer_hash', COALESCE((p_doc->>'is_coffee')::boolean, true), p_seen, p_seen)
  ON CONFLICT (roaster_id, platform_product_id) DO UPDATE SET
    raw_hash = CASE WHEN p_mode = 'full' THEN EXCLUDED.raw_hash ELSE s.raw_hash END,
    offer_hash = EXCLUDED.offer_hash,
    is_coffee = CASE WHEN p_mode = 'full' THEN EXCLUDED.is_coffee ELSE s.is_coffee END,
    last_seen_at = EXCLUDED.last_seen_at
$$;

DROP FUNCTION coffee_scraper.ingest_page(uuid, uuid, text, jsonb, text, timestamptz);

-- p_mode 'full': coffees, images, variants; price rows on change.
-- p_mode 'price': only prices and stock of variants already known; products and variants
--   never seen before are counted for the next full refresh.
-- Each product document (src/pipeline/persist.ts) carries the values to pass; a variant
-- without a bag size, or with a price but no currency, is held back (held_variants).
-- A document with "state_only" (a product that is not coffee) records only its hashes.
-- p_unchanged: products whose listing is as it was when last written: not rewritten; only
--   when they were seen (their state's and their variants' last_seen_at) moves.
-- Each product written records the hashes of its listing in product_state, in its own
-- subtransaction: a product that failed is read in full again next time.
-- Returns {"coffees", "variants", "prices", "unchanged_prices", "unknown_products",
--          "unknown_variants", "held": [...], "alerts": [...], "errors": [...]}.
CREATE FUNCTION coffee_scraper.ingest_page(
  p_roaster_id uuid,
  p_run_id uuid,
  p_mode text,
  p_products jsonb,
  p_source_url text,
  p_scraped_at timestamptz DEFAULT now(),
  p_unchanged text[] DEFAULT '{}'
) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_threshold numeric;
  v_product jsonb;
  v_variant jsonb;
  v_image jsonb;
  v_pid text;
  v_vid text;
  v_found record;
  v_known_id uuid;
  v_known_slug text;
  v_known_status text;
  v_matches int;
  v_slug text;
  v_coffee_id uuid;
  v_variant_id uuid;
  v_existing record;
  v_last_sale boolean;
  v_weight integer;
  v_price numeric;
  v_currency text;
  v_is_sale boolean;
  v_hold text;
  v_delta numeric;
  v_coffees int := 0;
  v_variants int := 0;
  v_prices int := 0;
  v_unchanged int := 0;
  v_unknown_products int := 0;
  v_unknown_variants int := 0;
  v_held jsonb := '[]'::jsonb;
  v_alerts jsonb := '[]'::jsonb;
  v_errors jsonb := '[]'::jsonb;
  v_product_alerts jsonb;
  v_product_held jsonb;
  v_counts int[];
  v_any_held boolean;
BEGIN
  IF p_mode NOT IN ('full', 'price') THEN
    RAISE EXCEPTION 'ingest_page: p_mode must be full or price, got %', p_mode;
  END IF;
  -- Percent; a roaster row without a threshold alerts at 10 %.
  SELECT COALESCE(alert_price_delta_pct, 10) INTO v_threshold FROM public.roasters WHERE id = p_roaster_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'ingest_page: no roaster %', p_roaster_id USING ERRCODE = 'foreign_key_violation';
  END IF;

  -- Most roasters have nothing held back: then no variant needs looking up there.
  v_any_held := EXISTS (SELECT 1 FROM coffee_scraper.held_variants WHERE roaster_id = p_roaster_id);

  IF cardinality(p_unchanged) > 0 THEN
    UPDATE coffee_scraper.product_state SET last_seen_at = p_scraped_at
     WHERE roaster_id = p_roaster_id AND platform_product_id = ANY (p_unchanged);
    UPDATE public.variants v SET last_seen_at = p_scraped_at, price_last_checked_at = p_scraped_at
      FROM public.coffees c
     WHERE c.roaster_id = p_roaster_id AND c.platform_product_id = ANY (p_unchanged) AND v.coffee_id = c.id;
  END IF;

  FOR v_product IN SELECT * FROM jsonb_array_elements(p_products) LOOP
    BEGIN
      -- this product's counts: coffees, variants, prices, unchanged prices, unknown variants
      v_counts := ARRAY[0, 0, 0, 0, 0];
      v_product_alerts := '[]'::jsonb;
      v_product_held := '[]'::jsonb;
      v_pid := v_product->>'platform_product_id';
      IF (v_product->>'state_only')::boolean THEN
        PERFORM coffee_scraper.record_product_state(p_roaster_id, p_mode, v_product, p_scraped_at);
        CONTINUE;
      END IF;

      -- The coffee this product is, by (roaster, platform product id). Two coffees carrying
      -- the same id (written by someone else) make the product ambiguous: it fails alone.
      v_matches := 0;
      v_known_id := NULL;
      v_known_status := NULL;
      FOR v_found IN SELECT id, slug, status::text AS status FROM public.coffees
                      WHERE roaster_id = p_roaster_id AND platform_product_id = v_pid ORDER BY created_at, id LOOP
        v_matches := v_matches + 1;
        IF v_matches = 1 THEN
          v_known_id := v_found.id;
          v_known_slug := v_found.slug;
          v_known_status := v_found.status;
        END IF;
      END LOOP;
      IF v_matches > 1 THEN
        RAISE EXCEPTION 'coffees % carry the same platform product id %; resolve the duplicate to update it',
          (SELECT string_agg(c.slug, ', ' ORDER BY c.slug) FROM public.coffees c
            WHERE c.roaster_id = p_roaster_id AND c.platform_product_id = v_pid), v_pid
          USING ERRCODE = 'unique_violation';
      END IF;

      IF p_mode = 'price' THEN
        IF v_known_id IS NULL THEN
          v_unknown_products := v_unknown_products + 1;
          CONTINUE;
        END IF;
        v_coffee_id := v_known_id;
      ELSE
        IF v_known_id IS NOT NULL THEN
          -- A coffee's slug is its address in the directory: once given, it is kept.
          v_slug := v_known_slug;
        ELSE
          v_slug := v_product->>'slug';
          -- A row of that slug with no product id is the same product entered by hand: it is
          -- adopted, status and all. One that belongs to another product leaves this one a
          -- slug of its own.
          SELECT id, status::text AS status, platform_product_id IS NULL AS adoptable INTO v_found
            FROM public.coffees WHERE roaster_id = p_roaster_id AND slug = v_slug;
          IF v_found.id IS NOT NULL AND v_found.adoptable THEN
            v_known_status := v_found.status;
          ELSIF v_found.id IS NOT NULL THEN
            v_slug := v_slug || '-' || trim(both '-' from lower(regexp_replace(v_pid, '[^a-zA-Z0-9]+', '-', 'g')));
          END IF;
        END IF;
        v_coffee_id := public.rpc_upsert_coffee(
          p_bean_species := (v_product->>'bean_species')::species_enum,
          p_name := v_product->>'name',
          p_slug := v_slug,
          p_roaster_id := p_roaster_id,
          p_process := (v_product->>'process')::process_enum,
          p_process_raw := v_product->>'process_raw',
          p_roast_level := (v_product->>'roast_level')::roast_level_enum,
          p_roast_level_raw := v_product->>'roast_level_raw',
          p_roast_style_raw := v_product->>'roast_style_raw',
          p_description_md := v_product->>'description_md',
          p_direct_buy_url := v_product->>'direct_buy_url',
          p_platform_product_id := v_pid,
          -- The store listing it again brings back a coffee we marked discontinued; any other
          -- status (an editor's 'hidden', 'draft', …) is theirs and stays.
          p_status := CASE WHEN v_known_status IS NULL OR v_known_status = 'discontinued' THEN 'active'
                           ELSE v_known_status END::coffee_status_enum,
          p_decaf := COALESCE((v_product->>'decaf')::boolean, false),
          p_notes_raw := v_product->'notes_raw',
          p_source_raw := v_product->'source_raw',
          p_tags := coffee_scraper.text_array(v_product->'tags'),
          p_default_grind := (v_product->>'default_grind')::grind_enum,
          p_varieties := coffee_scraper.text_array(v_product->'varieties'),
          p_region := v_product->>'region',
          p_country := v_product->>'country',
          p_altitude := (v_product->>'altitude_m')::integer,
          p_flavors := coffee_scraper.text_array(v_product->'flavors'),
          p_raw_hash := v_product->>'raw_hash',
          p_title_cleaned := v_product->>'title_cleaned'
        );
        -- Tasting notes read from the roaster's own page are the roaster's statement.
        IF coffee_scraper.text_array(v_product->'flavors') IS NOT NULL THEN
          UPDATE public.sensory_params SET source = 'roaster', confidence = 'high'
           WHERE coffee_id = v_coffee_id AND (source, confidence) IS DISTINCT FROM ('roaster', 'high');
        END IF;
        v_counts[1] := 1;
        FOR v_image IN SELECT * FROM jsonb_array_elements(COALESCE(v_product->'images', '[]'::jsonb)) LOOP
          PERFORM public.rpc_upsert_coffee_image(
            p_coffee_id := v_coffee_id,
            p_url := v_image->>'url',
            p_alt := v_image->>'alt',
            p_width := (v_image->>'width')::integer,
            p_height := (v_image->>'height')::integer,
            p_sort_order := (v_image->>'sort_order')::integer
          );
        END LOOP;
      END IF;

      FOR v_variant IN SELECT * FROM jsonb_array_elements(COALESCE(v_product->'variants', '[]'::jsonb)) LOOP
        v_vid := v_variant->>'platform_variant_id';
        v_weight := (v_variant->>'weight_g')::integer;
        v_price := (v_variant->>'price')::numeric;
        v_currency := v_variant->>'currency';
        -- Locked from here to the page's commit, so that the price compared is the price
        -- replaced even while the users' client writes the same variant.
        SELECT v.id, v.sku, v.weight_g, v.price_current, v.currency INTO v_existing
          FROM public.variants v WHERE v.coffee_id = v_coffee_id AND v.platform_variant_id = v_vid FOR UPDATE;
        v_hold := CASE
          WHEN v_weight IS NULL THEN 'bag size unknown'
          WHEN v_price IS NOT NULL AND v_currency IS NULL THEN 'price without a currency' END;

        IF p_mode = 'full' AND v_hold IS NOT NULL THEN
          INSERT INTO coffee_scraper.held_variants AS h (roaster_id, platform_product_id, platform_variant_id, coffee_id,
            product_name, variant_title, reason, price, currency, source_raw, last_run_id)
          VALUES (p_roaster_id, v_pid, v_vid, v_coffee_id, v_product->>'name', v_variant->>'title', v_hold, v_price,
            v_currency, v_variant->'source_raw', p_run_id)
          ON CONFLICT (roaster_id, platform_product_id, platform_variant_id) DO UPDATE SET
            coffee_id = EXCLUDED.coffee_id, product_name = EXCLUDED.product_name, variant_title = EXCLUDED.variant_title,
            reason = EXCLUDED.reason, price = EXCLUDED.price, currency = EXCLUDED.currency,
            source_raw = EXCLUDED.source_raw, last_seen_at = now(), last_run_id = EXCLUDED.last_run_id;
          v_any_held := true;
          v_product_held := v_product_held || jsonb_build_object('product', v_pid, 'variant', v_vid,
            'name', v_product->>'name', 'title', v_variant->>'title', 'reason', v_hold,
            'kept_stored_row', v_existing.id IS NOT NULL);
          -- A row that exists already (written when its size was known, or by the users'
          -- client) keeps its size as stored; its stock and price stay current below.
          IF v_existing.id IS NULL THEN
            CONTINUE;
          END IF;
        ELSIF p_mode = 'full' THEN
          IF v_any_held THEN
            DELETE FROM coffee_scraper.held_variants
             WHERE roaster_id = p_roaster_id AND platform_product_id = v_pid AND platform_variant_id = v_vid;
          END IF;
        ELSIF v_existing.id IS NULL THEN
          v_counts[5] := v_counts[5] + 1;
          CONTINUE;
        END IF;

        IF p_mode = 'full' AND v_hold IS NULL THEN
          -- p_stock_qty and p_subscription_available are always passed: their generated types
          -- show an older 10-argument overload without them, which must never be chosen.
          v_variant_id := public.rpc_upsert_variant(
            p_coffee_id := v_coffee_id,
            p_platform_variant_id := v_vid,
            p_sku := v_variant->>'sku',
            p_weight_g := v_weight,
            p_grind := (v_variant->>'grind')::grind_enum,
            p_currency := v_currency,
            p_in_stock := (v_variant->>'in_stock')::boolean,
            p_source_raw := v_variant->'source_raw',
            p_compare_at_price := (v_variant->>'compare_at_price')::numeric,
            p_pack_count := (v_variant->>'pack_count')::integer,
            p_stock_qty := (v_variant->>'stock_qty')::integer,
            p_subscription_available := (v_variant->>'subscription_available')::boolean
          );
        ELSE
          -- Price-only (or a held variant with a stored row): what a full refresh decided —
          -- size, grind, sku — is kept as stored; stock moves.
          v_variant_id := public.rpc_upsert_variant(
            p_coffee_id := v_coffee_id,
            p_platform_variant_id := v_vid,
            p_sku := v_existing.sku,
            p_weight_g := v_existing.weight_g,
            p_currency := v_currency,
            p_in_stock := (v_variant->>'in_stock')::boolean,
            p_compare_at_price := (v_variant->>'compare_at_price')::numeric,
            p_stock_qty := (v_variant->>'stock_qty')::integer,
            p_subscription_available := NULL
          );
        END IF;
        v_counts[2] := v_counts[2] + 1;

        IF v_price IS NULL OR v_currency IS NULL THEN
          CONTINUE;
        END IF;
        v_is_sale := COALESCE((v_variant->>'is_sale')::boolean, false);
        v_last_sale := NULL;
        IF v_existing.id IS NOT NULL THEN
          SELECT is_sale INTO v_last_sale FROM public.prices WHERE variant_id = v_existing.id
           ORDER BY scraped_at DESC, id DESC LIMIT 1;
        END IF;

        IF v_existing.id IS NULL OR v_existing.price_current IS NULL
           OR v_existing.price_current IS DISTINCT FROM v_price
           OR v_existing.currency IS DISTINCT FROM v_currency
           OR v_last_sale IS DISTINCT FROM v_is_sale THEN
          PERFORM public.rpc_insert_price(
            p_variant_id := v_variant_id,
            p_price := v_price,
            p_currency := v_currency,
            p_is_sale := v_is_sale,
            p_scraped_at := p_scraped_at,
            p_source_url := p_source_url
          );
          v_counts[3] := v_counts[3] + 1;
          -- An alert compares like with like: a currency switch is a change, not a price move.
          IF v_existing.price_current IS NOT NULL AND v_existing.price_current > 0
             AND v_existing.currency IS NOT DISTINCT FROM v_currency THEN
            v_delta := round((v_price - v_existing.price_current) / v_existing.price_current * 100, 2);
            IF abs(v_delta) >= v_threshold AND v_delta <> 0 THEN
              INSERT INTO coffee_scraper.price_alerts (roaster_id, coffee_id, variant_id, run_id, old_price, new_price, currency, delta_pct)
              VALUES (p_roaster_id, v_coffee_id, v_variant_id, p_run_id, v_existing.price_current, v_price, v_currency, v_delta);
              v_product_alerts := v_product_alerts || jsonb_build_object(
                'coffee_id', v_coffee_id, 'variant_id', v_variant_id,
                'platform_product_id', v_pid, 'platform_variant_id', v_vid,
                'coffee', COALESCE(v_product->>'name', (SELECT name FROM public.coffees WHERE id = v_coffee_id)),
                'old_price', v_existing.price_current, 'new_price', v_price, 'currency', v_currency,
                'delta_pct', v_delta);
            END IF;
          END IF;
        ELSE
          UPDATE public.variants SET price_last_checked_at = p_scraped_at WHERE id = v_variant_id;
          v_counts[4] := v_counts[4] + 1;
        END IF;
      END LOOP;

      PERFORM coffee_scraper.record_product_state(p_roaster_id, p_mode, v_product, p_scraped_at);

      -- Only now, with the product's subtransaction about to commit, do its numbers count.
      v_coffees := v_coffees + v_counts[1];
      v_variants := v_variants + v_counts[2];
      v_prices := v_prices + v_counts[3];
      v_unchanged := v_unchanged + v_counts[4];
      v_unknown_variants := v_unknown_variants + v_counts[5];
      v_alerts := v_alerts || v_product_alerts;
      v_held := v_held || v_product_held;
    EXCEPTION WHEN OTHERS THEN
      v_errors := v_errors || jsonb_build_object(
        'product', v_product->>'platform_product_id', 'message', SQLERRM, 'sqlstate', SQLSTATE);
    END;
  END LOOP;

  RETURN jsonb_build_object(
    'coffees', v_coffees, 'variants', v_variants, 'prices', v_prices, 'unchanged_prices', v_unchanged,
    'unknown_products', v_unknown_products, 'unknown_variants', v_unknown_variants,
    'held', v_held, 'alerts', v_alerts, 'errors', v_errors);
END $$;

REVOKE ALL ON ALL FUNCTIONS IN SCHEMA coffee_scraper FROM PUBLIC;
