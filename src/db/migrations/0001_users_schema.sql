-- The users' own schema (their Supabase database, as test/fixtures/users-db/ holds it): on an
-- empty database this creates it exactly — tables, enums, NOT NULL columns, defaults, unique
-- keys, the updated_at trigger and their RPC functions with their argument names, order,
-- defaults and SECURITY DEFINER. On their existing installation every statement is a no-op:
-- nothing of theirs is dropped, replaced or rewritten, and a function is created only when
-- no function of that name exists at all (a second overload would make their client's
-- named-argument calls ambiguous). Their views, their other tables and functions are theirs
-- alone and are not created here.

DO $migration$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'coffee_status_enum' AND typnamespace = 'public'::regnamespace) THEN
    CREATE TYPE public.coffee_status_enum AS ENUM ('active','seasonal','discontinued','draft','hidden','coming_soon','archived');
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'grind_enum' AND typnamespace = 'public'::regnamespace) THEN
    CREATE TYPE public.grind_enum AS ENUM ('whole','filter','espresso','omni','other','turkish','moka','cold_brew','aeropress','channi',
      'coffee filter','cold brew','french press','home espresso','commercial espresso','inverted aeropress','south indian filter',
      'moka pot','pour over','syphon');
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'platform_enum' AND typnamespace = 'public'::regnamespace) THEN
    CREATE TYPE public.platform_enum AS ENUM ('shopify','woocommerce','custom','other');
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'process_enum' AND typnamespace = 'public'::regnamespace) THEN
    CREATE TYPE public.process_enum AS ENUM ('washed','natural','honey','pulped_natural','monsooned','wet_hulled','anaerobic',
      'carbonic_maceration','double_fermented','experimental','other');
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'roast_level_enum' AND typnamespace = 'public'::regnamespace) THEN
    CREATE TYPE public.roast_level_enum AS ENUM ('light','light_medium','medium','medium_dark','dark');
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'run_status_enum' AND typnamespace = 'public'::regnamespace) THEN
    CREATE TYPE public.run_status_enum AS ENUM ('ok','partial','fail');
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'sensory_confidence_enum' AND typnamespace = 'public'::regnamespace) THEN
    CREATE TYPE public.sensory_confidence_enum AS ENUM ('high','medium','low');
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'sensory_source_enum' AND typnamespace = 'public'::regnamespace) THEN
    CREATE TYPE public.sensory_source_enum AS ENUM ('roaster','icb_inferred','icb_manual');
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'species_enum' AND typnamespace = 'public'::regnamespace) THEN
    CREATE TYPE public.species_enum AS ENUM ('arabica','robusta','liberica','blend','arabica_80_robusta_20','arabica_70_robusta_30',
      'arabica_60_robusta_40','arabica_50_robusta_50','robusta_80_arabica_20','arabica_chicory','robusta_chicory','blend_chicory',
      'filter_coffee_mix');
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'update_updated_at_column' AND pronamespace = 'public'::regnamespace) THEN
    CREATE FUNCTION public.update_updated_at_column() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN NEW.updated_at = now(); RETURN NEW; END $fn$;
  END IF;
END $migration$;

CREATE TABLE IF NOT EXISTS public.roasters (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL,
  slug text NOT NULL UNIQUE,
  website text,
  platform platform_enum,
  is_active boolean NOT NULL DEFAULT true,
  hq_city text, hq_state text, hq_country text,
  lat numeric, lon numeric, phone text,
  support_email text, instagram_handle text, social_json jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  full_cadence text,
  price_cadence text,
  default_concurrency int DEFAULT 3,
  use_firecrawl_fallback boolean DEFAULT false,
  firecrawl_budget_limit int DEFAULT 0,
  last_etag text,
  last_modified timestamptz,
  use_llm boolean DEFAULT false,
  alert_price_delta_pct numeric DEFAULT 0.10,
  robots_allow boolean,
  robots_checked_at timestamptz
);

-- An installation older than their architecture doc's scraping columns gets them (nullable,
-- with the doc's defaults): additions only.
ALTER TABLE public.roasters ADD COLUMN IF NOT EXISTS full_cadence text;
ALTER TABLE public.roasters ADD COLUMN IF NOT EXISTS price_cadence text;
ALTER TABLE public.roasters ADD COLUMN IF NOT EXISTS default_concurrency int DEFAULT 3;
ALTER TABLE public.roasters ADD COLUMN IF NOT EXISTS use_firecrawl_fallback boolean DEFAULT false;
ALTER TABLE public.roasters ADD COLUMN IF NOT EXISTS firecrawl_budget_limit int DEFAULT 0;
ALTER TABLE public.roasters ADD COLUMN IF NOT EXISTS last_etag text;
ALTER TABLE public.roasters ADD COLUMN IF NOT EXISTS last_modified timestamptz;
ALTER TABLE public.roasters ADD COLUMN IF NOT EXISTS use_llm boolean DEFAULT false;
ALTER TABLE public.roasters ADD COLUMN IF NOT EXISTS alert_price_delta_pct numeric DEFAULT 0.10;
ALTER TABLE public.roasters ADD COLUMN IF NOT EXISTS robots_allow boolean;
ALTER TABLE public.roasters ADD COLUMN IF NOT EXISTS robots_checked_at timestamptz;

CREATE TABLE IF NOT EXISTS public.product_sources (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  roaster_id uuid NOT NULL REFERENCES public.roasters(id) ON DELETE CASCADE,
  base_url text NOT NULL,
  platform platform_enum,
  products_endpoint text,
  sitemap_url text,
  robots_ok boolean,
  last_ok_ping timestamptz
);

CREATE TABLE IF NOT EXISTS public.scrape_runs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  source_id uuid REFERENCES public.product_sources(id),
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  status run_status_enum,
  stats_json jsonb NOT NULL DEFAULT '{}'::jsonb
);

CREATE TABLE IF NOT EXISTS public.scrape_artifacts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  run_id uuid REFERENCES public.scrape_runs(id),
  url text,
  http_status integer,
  body_len integer,
  saved_html_path text,
  saved_json jsonb
);

CREATE TABLE IF NOT EXISTS public.coffees (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL,
  slug text NOT NULL,
  roaster_id uuid NOT NULL REFERENCES public.roasters(id),
  description_md text,
  direct_buy_url text,
  platform_product_id text,
  vendor_sku text,
  status coffee_status_enum NOT NULL DEFAULT 'active',
  is_coffee boolean DEFAULT true,
  is_limited boolean NOT NULL DEFAULT false,
  decaf boolean NOT NULL DEFAULT false,
  crop_year integer,
  harvest_window text,
  first_seen_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  seo_title text, seo_desc text, notes_lang text,
  notes_raw jsonb NOT NULL DEFAULT '{}'::jsonb,
  source_raw jsonb NOT NULL DEFAULT '{}'::jsonb,
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
  rating_count integer NOT NULL DEFAULT 0,
  CONSTRAINT coffees_slug_roaster_id_key UNIQUE (slug, roaster_id)
);
CREATE INDEX IF NOT EXISTS coffees_roaster_id_idx ON public.coffees (roaster_id);

CREATE TABLE IF NOT EXISTS public.variants (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  coffee_id uuid NOT NULL REFERENCES public.coffees(id),
  platform_variant_id text,
  sku text,
  barcode text,
  weight_g integer NOT NULL,
  grind grind_enum NOT NULL DEFAULT 'whole',
  pack_count integer NOT NULL DEFAULT 1,
  currency text NOT NULL DEFAULT 'INR',
  price_current numeric,
  compare_at_price numeric,
  in_stock boolean NOT NULL DEFAULT true,
  stock_qty integer,
  subscription_available boolean NOT NULL DEFAULT false,
  status text DEFAULT 'active',
  source_raw jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz,
  price_last_checked_at timestamptz,
  CONSTRAINT variants_coffee_id_platform_variant_id_key UNIQUE (coffee_id, platform_variant_id)
);
CREATE INDEX IF NOT EXISTS variants_coffee_id_idx ON public.variants (coffee_id);

CREATE TABLE IF NOT EXISTS public.prices (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  variant_id uuid NOT NULL REFERENCES public.variants(id),
  price numeric NOT NULL,
  currency text NOT NULL DEFAULT 'INR',
  is_sale boolean NOT NULL DEFAULT false,
  scraped_at timestamptz NOT NULL DEFAULT now(),
  source_url text,
  source_raw jsonb NOT NULL DEFAULT '{}'::jsonb,
  CONSTRAINT prices_variant_id_scraped_at_key UNIQUE (variant_id, scraped_at)
);

CREATE TABLE IF NOT EXISTS public.coffee_images (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  coffee_id uuid NOT NULL REFERENCES public.coffees(id),
  url text NOT NULL,
  imagekit_url text,
  alt text,
  width integer,
  height integer,
  sort_order integer NOT NULL DEFAULT 0,
  content_hash text,
  source_raw jsonb NOT NULL DEFAULT '{}'::jsonb,
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT coffee_images_coffee_id_url_key UNIQUE (coffee_id, url)
);
CREATE INDEX IF NOT EXISTS coffee_images_coffee_id_idx ON public.coffee_images (coffee_id);

CREATE TABLE IF NOT EXISTS public.sensory_params (
  coffee_id uuid PRIMARY KEY REFERENCES public.coffees(id),
  acidity numeric, sweetness numeric, bitterness numeric, body numeric, aftertaste numeric, clarity numeric,
  confidence sensory_confidence_enum, source sensory_source_enum, notes text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz DEFAULT now()
);

DO $migration$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['coffees', 'variants', 'coffee_images'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = format('public.%I', t)::regclass
                    AND tgname = 'update_updated_at_column') THEN
      EXECUTE format('CREATE TRIGGER update_updated_at_column BEFORE UPDATE ON public.%I
                      FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column()', t);
    END IF;
  END LOOP;
END $migration$;

-- Their RPC functions, each created only when the name is free. The bodies are plain
-- implementations of their documented behaviour (see test/fixtures/users-db/functions.sql):
-- an omitted argument keeps the stored value; region / country / altitude go to notes_raw;
-- acidity / body / flavors to sensory_params.
DO $migration$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'rpc_upsert_coffee' AND pronamespace = 'public'::regnamespace) THEN
    CREATE FUNCTION public.rpc_upsert_coffee(
      p_bean_species species_enum, p_name text, p_slug text, p_roaster_id uuid, p_process process_enum,
      p_process_raw text, p_roast_level roast_level_enum, p_roast_level_raw text, p_roast_style_raw text,
      p_description_md text, p_direct_buy_url text, p_platform_product_id text,
      p_status coffee_status_enum DEFAULT 'active', p_decaf boolean DEFAULT false,
      p_notes_raw jsonb DEFAULT NULL, p_source_raw jsonb DEFAULT NULL,
      p_tags text[] DEFAULT NULL, p_default_grind grind_enum DEFAULT NULL, p_varieties text[] DEFAULT NULL,
      p_region text DEFAULT NULL, p_country text DEFAULT NULL, p_altitude integer DEFAULT NULL,
      p_acidity numeric DEFAULT NULL, p_body numeric DEFAULT NULL, p_flavors text[] DEFAULT NULL,
      p_content_hash text DEFAULT NULL, p_raw_hash text DEFAULT NULL, p_title_cleaned text DEFAULT NULL,
      p_description_cleaned text DEFAULT NULL
    ) RETURNS uuid LANGUAGE plpgsql SECURITY DEFINER AS $fn$
    DECLARE
      v_id uuid;
      v_notes jsonb := COALESCE(p_notes_raw, '{}'::jsonb)
        || jsonb_strip_nulls(jsonb_build_object('region', p_region, 'country', p_country, 'altitude_m', p_altitude));
      v_source jsonb := COALESCE(p_source_raw, '{}'::jsonb)
        || jsonb_strip_nulls(jsonb_build_object('content_hash', p_content_hash, 'raw_hash', p_raw_hash));
    BEGIN
      INSERT INTO coffees (bean_species, name, slug, roaster_id, process, process_raw, roast_level, roast_level_raw,
        roast_style_raw, description_md, direct_buy_url, platform_product_id, status, decaf, notes_raw, source_raw,
        tags, default_grind, varieties, first_seen_at)
      VALUES (p_bean_species, p_name, p_slug, p_roaster_id, p_process, p_process_raw, p_roast_level, p_roast_level_raw,
        p_roast_style_raw, p_description_md, p_direct_buy_url, p_platform_product_id, COALESCE(p_status, 'active'),
        COALESCE(p_decaf, false), v_notes, v_source, p_tags, p_default_grind, p_varieties, now())
      ON CONFLICT (slug, roaster_id) DO UPDATE SET
        name = EXCLUDED.name, bean_species = EXCLUDED.bean_species, process = EXCLUDED.process,
        process_raw = EXCLUDED.process_raw, roast_level = EXCLUDED.roast_level, roast_level_raw = EXCLUDED.roast_level_raw,
        roast_style_raw = EXCLUDED.roast_style_raw, description_md = EXCLUDED.description_md,
        direct_buy_url = EXCLUDED.direct_buy_url, platform_product_id = EXCLUDED.platform_product_id,
        status = COALESCE(p_status, coffees.status), decaf = COALESCE(p_decaf, coffees.decaf),
        notes_raw = coffees.notes_raw || v_notes, source_raw = coffees.source_raw || v_source,
        tags = COALESCE(p_tags, coffees.tags), default_grind = COALESCE(p_default_grind, coffees.default_grind),
        varieties = COALESCE(p_varieties, coffees.varieties)
      RETURNING id INTO v_id;
      IF p_acidity IS NOT NULL OR p_body IS NOT NULL OR p_flavors IS NOT NULL THEN
        INSERT INTO sensory_params (coffee_id, acidity, body, confidence, source, notes)
        VALUES (v_id, p_acidity, p_body, 'high', 'icb_inferred', array_to_string(p_flavors, ', '))
        ON CONFLICT (coffee_id) DO UPDATE SET acidity = COALESCE(EXCLUDED.acidity, sensory_params.acidity),
          body = COALESCE(EXCLUDED.body, sensory_params.body), notes = COALESCE(EXCLUDED.notes, sensory_params.notes),
          updated_at = now();
      END IF;
      RETURN v_id;
    END $fn$;
  END IF;

  IF NOT EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'rpc_insert_price' AND pronamespace = 'public'::regnamespace) THEN
    CREATE FUNCTION public.rpc_insert_price(
      p_variant_id uuid, p_price numeric, p_currency text DEFAULT 'USD', p_is_sale boolean DEFAULT false,
      p_scraped_at timestamptz DEFAULT now(), p_source_url text DEFAULT NULL, p_source_raw jsonb DEFAULT NULL
    ) RETURNS uuid LANGUAGE plpgsql SECURITY DEFINER AS $fn$
    DECLARE v_id uuid;
    BEGIN
      INSERT INTO prices (variant_id, price, currency, is_sale, scraped_at, source_url, source_raw)
      VALUES (p_variant_id, p_price, p_currency, p_is_sale, p_scraped_at, p_source_url, COALESCE(p_source_raw, '{}'::jsonb))
      RETURNING id INTO v_id;
      UPDATE variants SET price_current = p_price, price_last_checked_at = p_scraped_at WHERE id = p_variant_id;
      RETURN v_id;
    END $fn$;
  END IF;

  IF NOT EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'rpc_upsert_variant' AND pronamespace = 'public'::regnamespace) THEN
    CREATE FUNCTION public.rpc_upsert_variant(
      p_coffee_id uuid, p_platform_variant_id text, p_sku text, p_weight_g integer,
      p_grind grind_enum DEFAULT NULL, p_currency text DEFAULT NULL, p_in_stock boolean DEFAULT NULL,
      p_source_raw jsonb DEFAULT NULL, p_compare_at_price numeric DEFAULT NULL, p_pack_count integer DEFAULT NULL,
      p_stock_qty integer DEFAULT NULL, p_subscription_available boolean DEFAULT NULL
    ) RETURNS uuid LANGUAGE plpgsql SECURITY DEFINER AS $fn$
    DECLARE v_id uuid;
    BEGIN
      INSERT INTO variants (coffee_id, platform_variant_id, sku, weight_g, grind, currency, in_stock, source_raw,
        compare_at_price, pack_count, stock_qty, subscription_available, last_seen_at)
      VALUES (p_coffee_id, p_platform_variant_id, p_sku, p_weight_g, COALESCE(p_grind, 'whole'), COALESCE(p_currency, 'INR'),
        COALESCE(p_in_stock, true), COALESCE(p_source_raw, '{}'::jsonb), p_compare_at_price, COALESCE(p_pack_count, 1),
        p_stock_qty, COALESCE(p_subscription_available, false), now())
      ON CONFLICT (coffee_id, platform_variant_id) DO UPDATE SET
        sku = EXCLUDED.sku, weight_g = EXCLUDED.weight_g,
        grind = COALESCE(p_grind, variants.grind), currency = COALESCE(p_currency, variants.currency),
        in_stock = COALESCE(p_in_stock, variants.in_stock), source_raw = COALESCE(p_source_raw, variants.source_raw),
        compare_at_price = COALESCE(p_compare_at_price, variants.compare_at_price),
        pack_count = COALESCE(p_pack_count, variants.pack_count), stock_qty = COALESCE(p_stock_qty, variants.stock_qty),
        subscription_available = COALESCE(p_subscription_available, variants.subscription_available),
        last_seen_at = now()
      RETURNING id INTO v_id;
      RETURN v_id;
    END $fn$;
  END IF;

  IF NOT EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'rpc_upsert_coffee_image' AND pronamespace = 'public'::regnamespace) THEN
    CREATE FUNCTION public.rpc_upsert_coffee_image(
      p_coffee_id uuid, p_url text, p_alt text DEFAULT NULL, p_width integer DEFAULT NULL, p_height integer DEFAULT NULL,
      p_sort_order integer DEFAULT NULL, p_source_raw jsonb DEFAULT NULL, p_content_hash text DEFAULT NULL,
      p_imagekit_url text DEFAULT NULL
    ) RETURNS uuid LANGUAGE plpgsql SECURITY DEFINER AS $fn$
    DECLARE v_id uuid;
    BEGIN
      INSERT INTO coffee_images (coffee_id, url, alt, width, height, sort_order, source_raw, content_hash, imagekit_url)
      VALUES (p_coffee_id, p_url, p_alt, p_width, p_height, COALESCE(p_sort_order, 0), COALESCE(p_source_raw, '{}'::jsonb),
        p_content_hash, p_imagekit_url)
      ON CONFLICT (coffee_id, url) DO UPDATE SET alt = COALESCE(p_alt, coffee_images.alt),
        width = COALESCE(p_width, coffee_images.width), height = COALESCE(p_height, coffee_images.height),
        sort_order = COALESCE(p_sort_order, coffee_images.sort_order), source_raw = COALESCE(p_source_raw, coffee_images.source_raw),
        content_hash = COALESCE(p_content_hash, coffee_images.content_hash),
        imagekit_url = COALESCE(p_imagekit_url, coffee_images.imagekit_url), updated_at = now()
      RETURNING id INTO v_id;
      RETURN v_id;
    END $fn$;
  END IF;

  IF NOT EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'rpc_upsert_roaster' AND pronamespace = 'public'::regnamespace) THEN
    CREATE FUNCTION public.rpc_upsert_roaster(
      p_name text, p_slug text, p_website text, p_platform platform_enum,
      p_instagram_handle text DEFAULT NULL, p_support_email text DEFAULT NULL, p_social_json jsonb DEFAULT NULL
    ) RETURNS uuid LANGUAGE plpgsql SECURITY DEFINER AS $fn$
    DECLARE v_id uuid;
    BEGIN
      INSERT INTO roasters (name, slug, website, platform, instagram_handle, support_email, social_json)
      VALUES (p_name, p_slug, p_website, p_platform, p_instagram_handle, p_support_email, COALESCE(p_social_json, '{}'::jsonb))
      ON CONFLICT (slug) DO UPDATE SET name = EXCLUDED.name RETURNING id INTO v_id;
      RETURN v_id;
    END $fn$;
  END IF;

  IF NOT EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'rpc_scrape_run_start' AND pronamespace = 'public'::regnamespace) THEN
    CREATE FUNCTION public.rpc_scrape_run_start(p_source_id uuid) RETURNS uuid LANGUAGE plpgsql SECURITY DEFINER AS $fn$
    DECLARE v_id uuid;
    BEGIN INSERT INTO scrape_runs (source_id) VALUES (p_source_id) RETURNING id INTO v_id; RETURN v_id; END $fn$;
  END IF;

  IF NOT EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'rpc_scrape_run_finish' AND pronamespace = 'public'::regnamespace) THEN
    CREATE FUNCTION public.rpc_scrape_run_finish(p_run_id uuid, p_status run_status_enum, p_stats jsonb) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER AS $fn$
    BEGIN UPDATE scrape_runs SET finished_at = now(), status = p_status, stats_json = COALESCE(p_stats, '{}'::jsonb) WHERE id = p_run_id; END $fn$;
  END IF;

  IF NOT EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'rpc_record_artifact' AND pronamespace = 'public'::regnamespace) THEN
    CREATE FUNCTION public.rpc_record_artifact(p_run_id uuid, p_url text, p_http_status integer, p_body_len integer,
      p_saved_html_path text DEFAULT NULL, p_saved_json jsonb DEFAULT NULL) RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER AS $fn$
    DECLARE v_id uuid;
    BEGIN INSERT INTO scrape_artifacts (run_id, url, http_status, body_len, saved_html_path, saved_json)
      VALUES (p_run_id, p_url, p_http_status, p_body_len, p_saved_html_path, p_saved_json) RETURNING id INTO v_id; RETURN v_id; END $fn$;
  END IF;

  IF NOT EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'rpc_check_content_hash' AND pronamespace = 'public'::regnamespace) THEN
    CREATE FUNCTION public.rpc_check_content_hash(p_content_hash text) RETURNS uuid LANGUAGE sql SECURITY DEFINER AS $fn$
      SELECT id FROM coffee_images WHERE content_hash = p_content_hash LIMIT 1
    $fn$;
  END IF;
END $migration$;
