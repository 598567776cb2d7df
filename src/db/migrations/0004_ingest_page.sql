-- One round trip per page of products. The worker and the database may be tens of
-- milliseconds apart (Fly.io ↔ Supabase), so a page is sent as one JSON document and
-- written here, product by product, through the RPC functions (still the contract).
-- Each product runs in its own subtransaction: a database error on one product is
-- reported back and loses no other product's data.

CREATE OR REPLACE FUNCTION cs_jsonb_text_array(p jsonb) RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN jsonb_typeof(p) = 'array' THEN ARRAY(SELECT jsonb_array_elements_text(p)) END
$$;

-- p_mode 'full': upsert coffees, images, variants; price rows on change.
-- p_mode 'price': only prices, stock and price_last_checked_at of variants already known;
--   coffees and variants never seen before are counted for the next full refresh.
-- Returns {"coffees": n, "variants": n, "prices": n, "unchanged_prices": n, "unknown_products": n,
--          "unknown_variants": n, "alerts": [...], "errors": [{"product": id, "message": ...}]}.
CREATE OR REPLACE FUNCTION cs_ingest_page(
  p_roaster_id uuid,
  p_run_id uuid,
  p_mode text,
  p_products jsonb,
  p_source_url text,
  p_scraped_at timestamptz DEFAULT now()
) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_threshold numeric;
  v_product jsonb;
  v_variant jsonb;
  v_image jsonb;
  v_coffee_id uuid;
  v_variant_id uuid;
  v_existing record;
  v_last_sale boolean;
  v_price numeric;
  v_currency text;
  v_is_sale boolean;
  v_delta numeric;
  v_coffees int := 0;
  v_variants int := 0;
  v_prices int := 0;
  v_unchanged int := 0;
  v_unknown_products int := 0;
  v_unknown_variants int := 0;
  v_alerts jsonb := '[]'::jsonb;
  v_errors jsonb := '[]'::jsonb;
  v_product_alerts jsonb;
  v_counts int[];
BEGIN
  IF p_mode NOT IN ('full', 'price') THEN
    RAISE EXCEPTION 'cs_ingest_page: p_mode must be full or price, got %', p_mode;
  END IF;
  SELECT alert_price_delta_pct INTO v_threshold FROM roasters WHERE id = p_roaster_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'cs_ingest_page: no roaster %', p_roaster_id USING ERRCODE = 'foreign_key_violation';
  END IF;

  FOR v_product IN SELECT * FROM jsonb_array_elements(p_products) LOOP
    BEGIN
      -- counts of this product: coffees, variants, prices, unchanged, unknown products, unknown variants
      v_counts := ARRAY[0, 0, 0, 0, 0, 0];
      v_product_alerts := '[]'::jsonb;
      IF p_mode = 'full' THEN
        v_coffee_id := rpc_upsert_coffee(
          p_roaster_id := p_roaster_id,
          p_platform_product_id := v_product->>'platform_product_id',
          p_name := v_product->>'name',
          p_slug := v_product->>'slug',
          p_description_md := v_product->>'description_md',
          p_direct_buy_url := v_product->>'direct_buy_url',
          p_bean_species := (v_product->>'bean_species')::species_enum,
          p_process := (v_product->>'process')::process_enum,
          p_process_raw := v_product->>'process_raw',
          p_roast_level := (v_product->>'roast_level')::roast_level_enum,
          p_roast_level_raw := v_product->>'roast_level_raw',
          p_roast_style_raw := v_product->>'roast_style_raw',
          p_status := COALESCE(v_product->>'status', 'active')::coffee_status_enum,
          p_decaf := COALESCE((v_product->>'decaf')::boolean, false),
          p_notes_raw := v_product->'notes_raw',
          p_source_raw := v_product->'source_raw',
          p_tags := cs_jsonb_text_array(v_product->'tags'),
          p_varieties := cs_jsonb_text_array(v_product->'varieties'),
          p_region := v_product->>'region',
          p_country := v_product->>'country',
          p_altitude := v_product->>'altitude',
          p_default_grind := (v_product->>'default_grind')::grind_enum,
          p_raw_hash := v_product->>'raw_hash',
          p_title_cleaned := v_product->>'title_cleaned',
          p_flavors := cs_jsonb_text_array(v_product->'flavors')
        );
        v_counts[1] := 1;
        FOR v_image IN SELECT * FROM jsonb_array_elements(COALESCE(v_product->'images', '[]'::jsonb)) LOOP
          PERFORM rpc_upsert_coffee_image(
            p_coffee_id := v_coffee_id,
            p_url := v_image->>'url',
            p_alt := v_image->>'alt',
            p_width := (v_image->>'width')::integer,
            p_height := (v_image->>'height')::integer,
            p_sort_order := (v_image->>'sort_order')::integer
          );
        END LOOP;
      ELSE
        SELECT id INTO v_coffee_id FROM coffees
         WHERE roaster_id = p_roaster_id AND platform_product_id = v_product->>'platform_product_id';
        IF NOT FOUND THEN
          v_unknown_products := v_unknown_products + 1;
          CONTINUE;
        END IF;
      END IF;

      FOR v_variant IN SELECT * FROM jsonb_array_elements(COALESCE(v_product->'variants', '[]'::jsonb)) LOOP
        SELECT v.id, v.sku, v.weight_g, v.grind, v.pack_count, v.subscription_available, v.source_raw,
               v.price_current, v.currency
          INTO v_existing
          FROM variants v
         WHERE v.coffee_id = v_coffee_id AND v.platform_variant_id = v_variant->>'platform_variant_id';

        IF p_mode = 'price' AND v_existing.id IS NULL THEN
          v_counts[6] := v_counts[6] + 1;
          CONTINUE;
        END IF;

        IF p_mode = 'full' THEN
          v_variant_id := rpc_upsert_variant(
            p_coffee_id := v_coffee_id,
            p_platform_variant_id := v_variant->>'platform_variant_id',
            p_sku := v_variant->>'sku',
            p_weight_g := (v_variant->>'weight_g')::integer,
            p_grind := (v_variant->>'grind')::grind_enum,
            p_currency := v_variant->>'currency',
            p_in_stock := (v_variant->>'in_stock')::boolean,
            p_pack_count := (v_variant->>'pack_count')::integer,
            p_compare_at_price := (v_variant->>'compare_at_price')::numeric,
            p_stock_qty := (v_variant->>'stock_qty')::integer,
            p_subscription_available := (v_variant->>'subscription_available')::boolean,
            p_source_raw := v_variant->'source_raw'
          );
        ELSE
          -- Price-only: what the last full refresh decided (size, grind, sku) is kept as it is.
          v_variant_id := rpc_upsert_variant(
            p_coffee_id := v_coffee_id,
            p_platform_variant_id := v_variant->>'platform_variant_id',
            p_sku := v_existing.sku,
            p_weight_g := v_existing.weight_g,
            p_grind := v_existing.grind,
            p_currency := v_variant->>'currency',
            p_in_stock := (v_variant->>'in_stock')::boolean,
            p_pack_count := v_existing.pack_count,
            p_compare_at_price := (v_variant->>'compare_at_price')::numeric,
            p_stock_qty := (v_variant->>'stock_qty')::integer,
            p_subscription_available := v_existing.subscription_available,
            p_source_raw := v_existing.source_raw
          );
        END IF;
        v_counts[2] := v_counts[2] + 1;

        v_price := (v_variant->>'price')::numeric;
        IF v_price IS NULL THEN
          CONTINUE;
        END IF;
        v_currency := v_variant->>'currency';
        v_is_sale := COALESCE((v_variant->>'is_sale')::boolean, false);
        v_last_sale := NULL;
        IF v_existing.id IS NOT NULL THEN
          SELECT is_sale INTO v_last_sale FROM prices WHERE variant_id = v_existing.id
           ORDER BY scraped_at DESC, id DESC LIMIT 1;
        END IF;

        IF v_existing.id IS NULL OR v_existing.price_current IS NULL
           OR v_existing.price_current IS DISTINCT FROM v_price
           OR v_existing.currency IS DISTINCT FROM v_currency
           OR v_last_sale IS DISTINCT FROM v_is_sale THEN
          PERFORM rpc_insert_price(
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
              INSERT INTO price_alerts (roaster_id, coffee_id, variant_id, run_id, old_price, new_price, currency, delta_pct)
              VALUES (p_roaster_id, v_coffee_id, v_variant_id, p_run_id, v_existing.price_current, v_price, v_currency, v_delta);
              v_product_alerts := v_product_alerts || jsonb_build_object(
                'coffee_id', v_coffee_id, 'variant_id', v_variant_id,
                'platform_product_id', v_product->>'platform_product_id',
                'platform_variant_id', v_variant->>'platform_variant_id',
                'coffee', COALESCE(v_product->>'name', (SELECT name FROM coffees WHERE id = v_coffee_id)),
                'old_price', v_existing.price_current, 'new_price', v_price, 'currency', v_currency,
                'delta_pct', v_delta);
            END IF;
          END IF;
        ELSE
          UPDATE variants SET price_last_checked_at = p_scraped_at WHERE id = v_variant_id;
          v_counts[4] := v_counts[4] + 1;
        END IF;
      END LOOP;

      -- Only now, with the product's subtransaction about to commit, do its numbers count.
      v_coffees := v_coffees + v_counts[1];
      v_variants := v_variants + v_counts[2];
      v_prices := v_prices + v_counts[3];
      v_unchanged := v_unchanged + v_counts[4];
      v_unknown_variants := v_unknown_variants + v_counts[6];
      v_alerts := v_alerts || v_product_alerts;
    EXCEPTION WHEN OTHERS THEN
      v_errors := v_errors || jsonb_build_object(
        'product', v_product->>'platform_product_id', 'message', SQLERRM, 'sqlstate', SQLSTATE);
    END;
  END LOOP;

  RETURN jsonb_build_object(
    'coffees', v_coffees, 'variants', v_variants, 'prices', v_prices, 'unchanged_prices', v_unchanged,
    'unknown_products', v_unknown_products, 'unknown_variants', v_unknown_variants,
    'alerts', v_alerts, 'errors', v_errors);
END $$;

-- After a complete full refresh: coffees and variants the store no longer lists are marked,
-- never deleted (they come back to life when the store lists them again).
CREATE OR REPLACE FUNCTION cs_mark_unlisted(p_roaster_id uuid, p_listed_product_ids text[])
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE v_count integer;
BEGIN
  WITH gone AS (
    UPDATE coffees SET status = 'discontinued', updated_at = now()
     WHERE roaster_id = p_roaster_id AND status <> 'discontinued'
       AND NOT (platform_product_id = ANY (p_listed_product_ids))
    RETURNING id
  ), stock AS (
    UPDATE variants SET in_stock = false, updated_at = now()
     WHERE coffee_id IN (SELECT id FROM gone) AND in_stock IS DISTINCT FROM false
    RETURNING 1
  )
  SELECT count(*) INTO v_count FROM gone;
  RETURN v_count;
END $$;
