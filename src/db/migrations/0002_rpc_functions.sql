-- The RPC functions: our users' write contract. Parameter names are fixed (callers use
-- named notation). Invalid enum values, missing required values and unknown foreign keys
-- raise errors; each function is one statement or runs inside the caller's transaction,
-- so a failure writes nothing.

-- Columns the RPC parameters fill that docs/schema.md does not list among the core ones.
ALTER TABLE coffees ADD COLUMN IF NOT EXISTS region text;
ALTER TABLE coffees ADD COLUMN IF NOT EXISTS country text;
ALTER TABLE coffees ADD COLUMN IF NOT EXISTS altitude text;
ALTER TABLE coffees ADD COLUMN IF NOT EXISTS content_hash text;
ALTER TABLE coffees ADD COLUMN IF NOT EXISTS raw_hash text;
ALTER TABLE coffees ADD COLUMN IF NOT EXISTS title_cleaned text;
ALTER TABLE coffees ADD COLUMN IF NOT EXISTS description_cleaned text;
ALTER TABLE coffees ADD COLUMN IF NOT EXISTS flavors text[];
ALTER TABLE coffees ADD COLUMN IF NOT EXISTS acidity text;
ALTER TABLE coffees ADD COLUMN IF NOT EXISTS body text;

CREATE OR REPLACE FUNCTION rpc_upsert_roaster(
  p_name text,
  p_slug text,
  p_platform platform_enum,
  p_website text,
  p_instagram_handle text DEFAULT NULL,
  p_social_json jsonb DEFAULT NULL,
  p_support_email text DEFAULT NULL
) RETURNS uuid LANGUAGE plpgsql AS $$
DECLARE v_id uuid;
BEGIN
  IF p_slug IS NULL OR p_name IS NULL THEN
    RAISE EXCEPTION 'rpc_upsert_roaster: p_name and p_slug are required' USING ERRCODE = 'not_null_violation';
  END IF;
  INSERT INTO roasters (name, slug, platform, website, instagram_handle, social_json, support_email)
  VALUES (p_name, p_slug, p_platform, p_website, p_instagram_handle, p_social_json, p_support_email)
  ON CONFLICT (slug) DO UPDATE SET
    name = EXCLUDED.name,
    platform = COALESCE(EXCLUDED.platform, roasters.platform),
    website = EXCLUDED.website,
    instagram_handle = COALESCE(EXCLUDED.instagram_handle, roasters.instagram_handle),
    social_json = COALESCE(EXCLUDED.social_json, roasters.social_json),
    support_email = COALESCE(EXCLUDED.support_email, roasters.support_email),
    updated_at = CASE
      WHEN (roasters.name, roasters.platform, roasters.website) IS DISTINCT FROM
           (EXCLUDED.name, COALESCE(EXCLUDED.platform, roasters.platform), EXCLUDED.website)
      THEN now() ELSE roasters.updated_at END
  RETURNING id INTO v_id;
  RETURN v_id;
END $$;

CREATE OR REPLACE FUNCTION rpc_upsert_coffee(
  p_roaster_id uuid,
  p_platform_product_id text,
  p_name text,
  p_slug text,
  p_description_md text,
  p_direct_buy_url text,
  p_bean_species species_enum,
  p_process process_enum,
  p_process_raw text,
  p_roast_level roast_level_enum,
  p_roast_level_raw text,
  p_roast_style_raw text,
  p_status coffee_status_enum DEFAULT 'active',
  p_decaf boolean DEFAULT false,
  p_notes_raw jsonb DEFAULT NULL,
  p_source_raw jsonb DEFAULT NULL,
  p_tags text[] DEFAULT NULL,
  p_varieties text[] DEFAULT NULL,
  p_region text DEFAULT NULL,
  p_country text DEFAULT NULL,
  p_altitude text DEFAULT NULL,
  p_default_grind grind_enum DEFAULT NULL,
  p_content_hash text DEFAULT NULL,
  p_raw_hash text DEFAULT NULL,
  p_title_cleaned text DEFAULT NULL,
  p_description_cleaned text DEFAULT NULL,
  p_flavors text[] DEFAULT NULL,
  p_acidity text DEFAULT NULL,
  p_body text DEFAULT NULL
) RETURNS uuid LANGUAGE plpgsql AS $$
DECLARE v_id uuid;
BEGIN
  INSERT INTO coffees AS c (
    roaster_id, platform_product_id, name, slug, description_md, direct_buy_url, bean_species, process,
    process_raw, roast_level, roast_level_raw, roast_style_raw, status, decaf, notes_raw, source_raw, tags,
    varieties, region, country, altitude, default_grind, content_hash, raw_hash, title_cleaned,
    description_cleaned, flavors, acidity, body
  ) VALUES (
    p_roaster_id, p_platform_product_id, p_name, p_slug, p_description_md, p_direct_buy_url, p_bean_species,
    p_process, p_process_raw, p_roast_level, p_roast_level_raw, p_roast_style_raw, COALESCE(p_status, 'active'),
    COALESCE(p_decaf, false), p_notes_raw, p_source_raw, p_tags, p_varieties, p_region, p_country, p_altitude,
    p_default_grind, p_content_hash, p_raw_hash, p_title_cleaned, p_description_cleaned, p_flavors, p_acidity, p_body
  )
  ON CONFLICT (roaster_id, platform_product_id) DO UPDATE SET
    name = EXCLUDED.name, slug = EXCLUDED.slug, description_md = EXCLUDED.description_md,
    direct_buy_url = EXCLUDED.direct_buy_url, bean_species = EXCLUDED.bean_species, process = EXCLUDED.process,
    process_raw = EXCLUDED.process_raw, roast_level = EXCLUDED.roast_level, roast_level_raw = EXCLUDED.roast_level_raw,
    roast_style_raw = EXCLUDED.roast_style_raw, status = EXCLUDED.status, decaf = EXCLUDED.decaf,
    notes_raw = EXCLUDED.notes_raw, source_raw = EXCLUDED.source_raw, tags = EXCLUDED.tags,
    varieties = EXCLUDED.varieties, region = EXCLUDED.region, country = EXCLUDED.country,
    altitude = EXCLUDED.altitude, default_grind = EXCLUDED.default_grind, content_hash = EXCLUDED.content_hash,
    raw_hash = EXCLUDED.raw_hash, title_cleaned = EXCLUDED.title_cleaned,
    description_cleaned = EXCLUDED.description_cleaned, flavors = EXCLUDED.flavors, acidity = EXCLUDED.acidity,
    body = EXCLUDED.body,
    -- Only a real change moves updated_at, so a repeated run leaves the row as it was.
    updated_at = CASE WHEN c.raw_hash IS NOT DISTINCT FROM EXCLUDED.raw_hash AND EXCLUDED.raw_hash IS NOT NULL
                      THEN c.updated_at ELSE now() END
  RETURNING id INTO v_id;
  RETURN v_id;
END $$;

CREATE OR REPLACE FUNCTION rpc_upsert_variant(
  p_coffee_id uuid,
  p_platform_variant_id text,
  p_sku text,
  p_weight_g integer,
  p_grind grind_enum DEFAULT NULL,
  p_currency text DEFAULT NULL,
  p_in_stock boolean DEFAULT NULL,
  p_pack_count integer DEFAULT NULL,
  p_compare_at_price numeric DEFAULT NULL,
  p_stock_qty integer DEFAULT NULL,
  p_subscription_available boolean DEFAULT NULL,
  p_source_raw jsonb DEFAULT NULL
) RETURNS uuid LANGUAGE plpgsql AS $$
DECLARE v_id uuid;
BEGIN
  INSERT INTO variants AS v (
    coffee_id, platform_variant_id, sku, weight_g, grind, currency, in_stock, pack_count, compare_at_price,
    stock_qty, subscription_available, source_raw, last_seen_at
  ) VALUES (
    p_coffee_id, p_platform_variant_id, p_sku, p_weight_g, p_grind, p_currency, p_in_stock,
    COALESCE(p_pack_count, 1), p_compare_at_price, p_stock_qty, COALESCE(p_subscription_available, false),
    p_source_raw, now()
  )
  ON CONFLICT (coffee_id, platform_variant_id) DO UPDATE SET
    sku = EXCLUDED.sku, weight_g = EXCLUDED.weight_g, grind = EXCLUDED.grind,
    currency = COALESCE(EXCLUDED.currency, v.currency), in_stock = EXCLUDED.in_stock,
    pack_count = EXCLUDED.pack_count, compare_at_price = EXCLUDED.compare_at_price,
    stock_qty = EXCLUDED.stock_qty, subscription_available = EXCLUDED.subscription_available,
    source_raw = EXCLUDED.source_raw, last_seen_at = now(),
    updated_at = CASE
      WHEN (v.sku, v.weight_g, v.grind, v.in_stock, v.pack_count, v.compare_at_price, v.stock_qty)
           IS NOT DISTINCT FROM
           (EXCLUDED.sku, EXCLUDED.weight_g, EXCLUDED.grind, EXCLUDED.in_stock, EXCLUDED.pack_count,
            EXCLUDED.compare_at_price, EXCLUDED.stock_qty)
      THEN v.updated_at ELSE now() END
  RETURNING id INTO v_id;
  RETURN v_id;
END $$;

CREATE OR REPLACE FUNCTION rpc_insert_price(
  p_variant_id uuid,
  p_price numeric,
  p_currency text DEFAULT NULL,
  p_is_sale boolean DEFAULT false,
  p_scraped_at timestamptz DEFAULT now(),
  p_source_url text DEFAULT NULL,
  p_source_raw jsonb DEFAULT NULL
) RETURNS uuid LANGUAGE plpgsql AS $$
DECLARE v_id uuid;
BEGIN
  IF p_price IS NULL OR p_price < 0 OR p_price = 'NaN'::numeric THEN
    RAISE EXCEPTION 'rpc_insert_price: price must be a non-negative number, got %', p_price
      USING ERRCODE = 'check_violation';
  END IF;
  INSERT INTO prices (variant_id, price, currency, is_sale, scraped_at, source_url, source_raw)
  VALUES (p_variant_id, p_price, p_currency, COALESCE(p_is_sale, false), COALESCE(p_scraped_at, now()),
          p_source_url, p_source_raw)
  RETURNING id INTO v_id;
  UPDATE variants
     SET price_current = p_price,
         currency = COALESCE(p_currency, currency),
         price_last_checked_at = COALESCE(p_scraped_at, now())
   WHERE id = p_variant_id;
  RETURN v_id;
END $$;

CREATE OR REPLACE FUNCTION rpc_upsert_coffee_image(
  p_coffee_id uuid,
  p_url text,
  p_alt text DEFAULT NULL,
  p_width integer DEFAULT NULL,
  p_height integer DEFAULT NULL,
  p_sort_order integer DEFAULT NULL,
  p_content_hash text DEFAULT NULL,
  p_imagekit_url text DEFAULT NULL,
  p_source_raw jsonb DEFAULT NULL
) RETURNS uuid LANGUAGE plpgsql AS $$
DECLARE v_id uuid;
BEGIN
  INSERT INTO coffee_images AS i (coffee_id, url, alt, width, height, sort_order, content_hash, imagekit_url, source_raw)
  VALUES (p_coffee_id, p_url, p_alt, p_width, p_height, COALESCE(p_sort_order, 0), p_content_hash, p_imagekit_url,
          p_source_raw)
  ON CONFLICT (coffee_id, url) DO UPDATE SET
    alt = EXCLUDED.alt, width = EXCLUDED.width, height = EXCLUDED.height, sort_order = EXCLUDED.sort_order,
    content_hash = COALESCE(EXCLUDED.content_hash, i.content_hash),
    imagekit_url = COALESCE(EXCLUDED.imagekit_url, i.imagekit_url),
    source_raw = EXCLUDED.source_raw,
    updated_at = CASE
      WHEN (i.alt, i.width, i.height, i.sort_order) IS NOT DISTINCT FROM
           (EXCLUDED.alt, EXCLUDED.width, EXCLUDED.height, EXCLUDED.sort_order)
      THEN i.updated_at ELSE now() END
  RETURNING id INTO v_id;
  RETURN v_id;
END $$;

CREATE OR REPLACE FUNCTION rpc_scrape_run_start(p_source_id uuid) RETURNS uuid LANGUAGE plpgsql AS $$
DECLARE v_id uuid;
BEGIN
  INSERT INTO scrape_runs (source_id, started_at) VALUES (p_source_id, now()) RETURNING id INTO v_id;
  RETURN v_id;
END $$;

CREATE OR REPLACE FUNCTION rpc_scrape_run_finish(p_run_id uuid, p_status run_status_enum, p_stats jsonb)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF p_status IS NULL THEN
    RAISE EXCEPTION 'rpc_scrape_run_finish: p_status is required' USING ERRCODE = 'not_null_violation';
  END IF;
  UPDATE scrape_runs SET finished_at = now(), status = p_status, stats_json = p_stats WHERE id = p_run_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'rpc_scrape_run_finish: no scrape run %', p_run_id USING ERRCODE = 'foreign_key_violation';
  END IF;
END $$;

CREATE OR REPLACE FUNCTION rpc_record_artifact(
  p_run_id uuid,
  p_url text,
  p_http_status integer,
  p_body_len integer,
  p_saved_html_path text DEFAULT NULL,
  p_saved_json jsonb DEFAULT NULL
) RETURNS uuid LANGUAGE plpgsql AS $$
DECLARE v_id uuid;
BEGIN
  INSERT INTO scrape_artifacts (run_id, url, http_status, body_len, saved_html_path, saved_json)
  VALUES (p_run_id, p_url, p_http_status, p_body_len, p_saved_html_path, p_saved_json)
  RETURNING id INTO v_id;
  RETURN v_id;
END $$;
