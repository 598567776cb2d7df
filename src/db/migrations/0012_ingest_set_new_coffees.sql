-- A store's first ingest, cheaper on the server (0010's function; the rows it writes are
-- unchanged, the property test keeping it equal to the per-row path still holds). Measured
-- (server CPU per listed product, a page of new products): most of it is writing the variants
-- and their price rows, which stays; what this removes is the round trip of every new
-- variant through the table of the page's variants:
--   - a coffee new on this page can have no stored variant, so its variants (~25 a coffee)
--     no longer go into the temporary table (each with its whole document), to be scanned,
--     sorted and joined back to the rows the insert returned: they are written straight
--     from the page, each price row from the variants' insert. Only held variants (few) and
--     those of coffees known before the page still go through the table, and a page with
--     no known coffee does not look for stored variants at all;
--   - a product's document is read by its position in the page (p_products->(ord - 1))
--     instead of all the page's documents being copied into a hash table to be joined
--     (twice per page).
-- What remains of a first ingest's cost is mostly inherent: the inserts themselves (seven
-- index entries per variant and its price), the foreign-key check of each variant and each
-- price row, and parsing the page's JSON.

CREATE OR REPLACE FUNCTION coffee_scraper.ingest_set_body(
  p_roaster_id uuid,
  p_run_id uuid,
  p_mode text,
  p_products jsonb,
  p_source_url text,
  p_scraped_at timestamptz,
  p_unchanged text[]
) RETURNS jsonb LANGUAGE plpgsql
-- Its statements are costed high (no statistics on its tables, a lookup per variant), enough
-- for the server to compile them (JIT): more time than running them, on every page.
SET jit = off AS $$
DECLARE
  v_threshold numeric;
  v_coffees int := 0;
  v_variants int := 0;
  v_prices int := 0;
  v_unchanged int := 0;
  v_unknown_products int := 0;
  v_unknown_variants int := 0;
  v_stored int := 0;
  v_new_variants int := 0;
  v_new_prices int := 0;
  v_new_held int := 0;
  v_held jsonb := '[]'::jsonb;
  v_alerts jsonb := '[]'::jsonb;
BEGIN
  IF p_mode NOT IN ('full', 'price') THEN
    RAISE EXCEPTION 'ingest_page: p_mode must be full or price, got %', p_mode;
  END IF;
  SELECT COALESCE(alert_price_delta_pct, 10) INTO v_threshold FROM public.roasters WHERE id = p_roaster_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'ingest_page: no roaster %', p_roaster_id USING ERRCODE = 'foreign_key_violation';
  END IF;

  IF cardinality(p_unchanged) > 0 THEN
    UPDATE coffee_scraper.product_state SET last_seen_at = p_scraped_at
     WHERE roaster_id = p_roaster_id AND platform_product_id = ANY (p_unchanged);
    UPDATE public.variants v SET last_seen_at = p_scraped_at, price_last_checked_at = p_scraped_at
      FROM public.coffees c
     WHERE c.roaster_id = p_roaster_id AND c.platform_product_id = ANY (p_unchanged) AND v.coffee_id = c.id;
  END IF;
  IF COALESCE(jsonb_array_length(p_products), 0) = 0 THEN
    RETURN jsonb_build_object(
      'coffees', 0, 'variants', 0, 'prices', 0, 'unchanged_prices', 0, 'unknown_products', 0, 'unknown_variants', 0,
      'held', '[]'::jsonb, 'alerts', '[]'::jsonb, 'errors', '[]'::jsonb, 'path', 'set');
  END IF;

  -- (A later version that changes their columns needs tables of other names: a session may
  -- still have these.)
  IF to_regclass('pg_temp.cs_set_products') IS NULL THEN
    CREATE TEMP TABLE cs_set_products (
      ord int, pid text, state_only boolean, name text, slug text, raw_hash text, offer_hash text, is_coffee text,
      flavors text[], images jsonb, known_id uuid, known_status text, matches bigint, coffee_id uuid
    ) ON COMMIT DELETE ROWS;
  END IF;
  IF to_regclass('pg_temp.cs_set_variants') IS NULL THEN
    CREATE TEMP TABLE cs_set_variants (
      ord int, vord int, pid text, coffee_id uuid, product_name text, vdoc jsonb, vid text, weight_g integer, price numeric,
      currency text, is_sale boolean, hold text, existing_id uuid, existing_sku text, existing_weight integer,
      existing_price numeric, existing_currency text, last_sale boolean
    ) ON COMMIT DELETE ROWS;
  END IF;
  -- (Another page written earlier in this transaction.)
  DELETE FROM pg_temp.cs_set_products;
  DELETE FROM pg_temp.cs_set_variants;

  -- The page's products, in order; state_only ones (not coffee) only record their hashes.
  INSERT INTO pg_temp.cs_set_products (ord, pid, state_only, name, slug, raw_hash, offer_hash, is_coffee, flavors, images)
  SELECT d.ord, d.pid, d.state_only, d.doc->>'name', CASE WHEN NOT d.state_only THEN d.doc->>'slug' END,
         d.doc->>'raw_hash', d.doc->>'offer_hash', d.doc->>'is_coffee', coffee_scraper.text_array(d.doc->'flavors'), d.doc->'images'
    FROM (SELECT e.ord::int AS ord, e.doc, e.doc->>'platform_product_id' AS pid,
                 COALESCE((e.doc->>'state_only')::boolean, false) AS state_only
            FROM jsonb_array_elements(p_products) WITH ORDINALITY AS e (doc, ord)) d;
  -- Each one's coffee by (roaster, platform product id): the page's coffees found in one
  -- lookup, whatever plan it gets.
  UPDATE pg_temp.cs_set_products p SET known_id = m.id, known_status = m.status, matches = m.n, coffee_id = m.id, slug = m.slug
    FROM (SELECT c.platform_product_id AS pid, (array_agg(c.id ORDER BY c.created_at, c.id))[1] AS id,
                 (array_agg(c.slug ORDER BY c.created_at, c.id))[1] AS slug,
                 (array_agg(c.status::text ORDER BY c.created_at, c.id))[1] AS status, count(*) AS n
            FROM public.coffees c
           WHERE c.roaster_id = p_roaster_id
             AND c.platform_product_id = ANY (ARRAY(SELECT q.pid FROM pg_temp.cs_set_products q WHERE NOT q.state_only))
           GROUP BY c.platform_product_id) m
   WHERE m.pid = p.pid AND NOT p.state_only;
  IF EXISTS (SELECT 1 FROM pg_temp.cs_set_products WHERE matches > 1) THEN
    RAISE EXCEPTION 'two coffees carry one product id' USING ERRCODE = 'unique_violation';
  END IF;

  IF p_mode = 'price' THEN
    v_unknown_products := (SELECT count(*) FROM pg_temp.cs_set_products WHERE NOT state_only AND known_id IS NULL);
    DELETE FROM pg_temp.cs_set_products WHERE NOT state_only AND known_id IS NULL;
  ELSE
    -- A coffee keeps its slug; a new one takes its handle only where that slug is free (the
    -- per-row path decides the rest: adopting a hand-made row, or a slug of its own).
    IF EXISTS (SELECT 1 FROM public.coffees c WHERE c.roaster_id = p_roaster_id
                  AND c.slug = ANY (ARRAY(SELECT p.slug FROM pg_temp.cs_set_products p WHERE NOT p.state_only AND p.known_id IS NULL)))
       OR EXISTS (SELECT 1 FROM pg_temp.cs_set_products WHERE NOT state_only GROUP BY slug HAVING count(*) > 1) THEN
      RAISE EXCEPTION 'a slug needs the per-row path' USING ERRCODE = 'unique_violation';
    END IF;

    -- rpc_upsert_coffee, for every product at once.
    WITH written AS (
      INSERT INTO public.coffees AS c (bean_species, name, slug, roaster_id, process, process_raw, roast_level, roast_level_raw,
        roast_style_raw, description_md, direct_buy_url, platform_product_id, status, decaf, notes_raw, source_raw,
        tags, default_grind, varieties, first_seen_at)
      SELECT (e.doc->>'bean_species')::species_enum, e.doc->>'name', p.slug, p_roaster_id, (e.doc->>'process')::process_enum,
             e.doc->>'process_raw', (e.doc->>'roast_level')::roast_level_enum, e.doc->>'roast_level_raw',
             e.doc->>'roast_style_raw', e.doc->>'description_md', e.doc->>'direct_buy_url', p.pid,
             (CASE WHEN p.known_status IS NULL OR p.known_status = 'discontinued' THEN 'active' ELSE p.known_status END)::coffee_status_enum,
             COALESCE((e.doc->>'decaf')::boolean, false),
             COALESCE(e.doc->'notes_raw', '{}'::jsonb) || jsonb_strip_nulls(jsonb_build_object('region', e.doc->>'region',
               'country', e.doc->>'country', 'altitude_m', (e.doc->>'altitude_m')::integer)),
             COALESCE(e.doc->'source_raw', '{}'::jsonb) || jsonb_strip_nulls(jsonb_build_object('content_hash', NULL::text,
               'raw_hash', e.doc->>'raw_hash')),
             coffee_scraper.text_array(e.doc->'tags'), (e.doc->>'default_grind')::grind_enum,
             coffee_scraper.text_array(e.doc->'varieties'), now()
        FROM pg_temp.cs_set_products p CROSS JOIN LATERAL (SELECT p_products->(p.ord - 1) AS doc) e
       WHERE NOT p.state_only ORDER BY p.ord
      ON CONFLICT (slug, roaster_id) DO UPDATE SET
        name = EXCLUDED.name, bean_species = EXCLUDED.bean_species, process = EXCLUDED.process,
        process_raw = EXCLUDED.process_raw, roast_level = EXCLUDED.roast_level, roast_level_raw = EXCLUDED.roast_level_raw,
        roast_style_raw = EXCLUDED.roast_style_raw, description_md = EXCLUDED.description_md,
        direct_buy_url = EXCLUDED.direct_buy_url, platform_product_id = EXCLUDED.platform_product_id,
        status = EXCLUDED.status, decaf = EXCLUDED.decaf,
        notes_raw = c.notes_raw || EXCLUDED.notes_raw, source_raw = c.source_raw || EXCLUDED.source_raw,
        tags = COALESCE(EXCLUDED.tags, c.tags), default_grind = COALESCE(EXCLUDED.default_grind, c.default_grind),
        varieties = COALESCE(EXCLUDED.varieties, c.varieties)
      RETURNING c.id, c.platform_product_id
    )
    UPDATE pg_temp.cs_set_products p SET coffee_id = w.id FROM written w WHERE w.platform_product_id = p.pid AND NOT p.state_only;
    v_coffees := (SELECT count(*) FROM pg_temp.cs_set_products WHERE NOT state_only);

    -- Tasting notes (their function's sensory_params write), marked as the roaster's.
    INSERT INTO public.sensory_params AS s (coffee_id, acidity, body, confidence, source, notes)
    SELECT p.coffee_id, NULL, NULL, 'high', 'roaster', array_to_string(p.flavors, ', ')
      FROM pg_temp.cs_set_products p WHERE NOT p.state_only AND p.flavors IS NOT NULL ORDER BY p.ord
    ON CONFLICT (coffee_id) DO UPDATE SET acidity = COALESCE(EXCLUDED.acidity, s.acidity), body = COALESCE(EXCLUDED.body, s.body),
      notes = COALESCE(EXCLUDED.notes, s.notes), updated_at = now(), source = 'roaster', confidence = 'high';

    -- rpc_upsert_coffee_image, for every image at once.
    INSERT INTO public.coffee_images AS i (coffee_id, url, alt, width, height, sort_order, source_raw, content_hash, imagekit_url)
    SELECT p.coffee_id, img->>'url', img->>'alt', (img->>'width')::integer, (img->>'height')::integer,
           COALESCE((img->>'sort_order')::integer, 0), '{}'::jsonb, NULL, NULL
      FROM pg_temp.cs_set_products p
     CROSS JOIN LATERAL jsonb_array_elements(COALESCE(p.images, '[]'::jsonb)) WITH ORDINALITY AS x (img, n)
     WHERE NOT p.state_only
     ORDER BY p.ord, x.n
    ON CONFLICT (coffee_id, url) DO UPDATE SET alt = COALESCE(EXCLUDED.alt, i.alt),
      width = COALESCE(EXCLUDED.width, i.width), height = COALESCE(EXCLUDED.height, i.height),
      sort_order = EXCLUDED.sort_order,
      updated_at = now();
  END IF;


  -- A new coffee's variants (a full refresh's only: a price-only run writes no new coffee)
  -- cannot have stored rows: written straight from the page, each with its price row; only
  -- the held ones go through the table of the page's variants, as a known coffee's do (a
  -- variant listed twice fails the variants' unique key, or is found below when one of the
  -- two is held).
  IF p_mode = 'full' THEN
    WITH src AS MATERIALIZED (
      SELECT p.ord, x.n::int AS vord, p.pid, p.coffee_id, p.name, x.v, x.v->>'platform_variant_id' AS vid,
             (x.v->>'weight_g')::integer AS weight_g, (x.v->>'price')::numeric AS price, x.v->>'currency' AS currency,
             COALESCE((x.v->>'is_sale')::boolean, false) AS is_sale,
             CASE WHEN (x.v->>'weight_g') IS NULL THEN 'bag size unknown'
                  WHEN (x.v->>'price') IS NOT NULL AND (x.v->>'currency') IS NULL THEN 'price without a currency' END AS hold
        FROM pg_temp.cs_set_products p
       CROSS JOIN LATERAL jsonb_array_elements(COALESCE(p_products->(p.ord - 1)->'variants', '[]'::jsonb)) WITH ORDINALITY AS x (v, n)
       WHERE NOT p.state_only AND p.known_id IS NULL
    ), fresh AS MATERIALIZED (
      -- (The id their column's default gives, drawn here so that the price row needs no join
      -- back to the variant's: a join the planner, blind to these rows' count, may loop.)
      SELECT s.*, gen_random_uuid() AS id FROM src s WHERE s.hold IS NULL
    ), inserted AS (
      INSERT INTO public.variants (id, coffee_id, platform_variant_id, sku, weight_g, grind, currency, in_stock, source_raw,
        compare_at_price, pack_count, stock_qty, subscription_available, last_seen_at, price_current, price_last_checked_at)
      SELECT f.id, f.coffee_id, f.vid, f.v->>'sku', f.weight_g, COALESCE((f.v->>'grind')::grind_enum, 'whole'),
             COALESCE(f.currency, 'INR'), COALESCE((f.v->>'in_stock')::boolean, true), COALESCE(f.v->'source_raw', '{}'::jsonb),
             (f.v->>'compare_at_price')::numeric, COALESCE((f.v->>'pack_count')::integer, 1), (f.v->>'stock_qty')::integer,
             COALESCE((f.v->>'subscription_available')::boolean, false), now(),
             CASE WHEN f.price IS NOT NULL AND f.currency IS NOT NULL THEN f.price END,
             CASE WHEN f.price IS NOT NULL AND f.currency IS NOT NULL THEN p_scraped_at END
        FROM fresh f ORDER BY f.ord, f.vord
      RETURNING 1
    ), priced AS (
      INSERT INTO public.prices (variant_id, price, currency, is_sale, scraped_at, source_url, source_raw)
      SELECT f.id, f.price, f.currency, f.is_sale, p_scraped_at, p_source_url, '{}'::jsonb
        FROM fresh f WHERE f.price IS NOT NULL AND f.currency IS NOT NULL ORDER BY f.ord, f.vord
      RETURNING 1
    ), held AS (
      INSERT INTO pg_temp.cs_set_variants (ord, vord, pid, coffee_id, product_name, vdoc, vid, weight_g, price, currency, is_sale, hold)
      SELECT s.ord, s.vord, s.pid, s.coffee_id, s.name, s.v, s.vid, s.weight_g, s.price, s.currency, s.is_sale, s.hold
        FROM src s WHERE s.hold IS NOT NULL
      RETURNING 1
    )
    SELECT (SELECT count(*) FROM inserted), (SELECT count(*) FROM priced), (SELECT count(*) FROM held)
      INTO v_new_variants, v_new_prices, v_new_held;
  END IF;
  -- The page's other variants, with the row each has (locked; only a coffee known before
  -- this page can have one), its last price row's sale state, and whether it is held back.
  IF p_mode <> 'full' OR EXISTS (SELECT 1 FROM pg_temp.cs_set_products WHERE NOT state_only AND known_id IS NOT NULL) THEN
    INSERT INTO pg_temp.cs_set_variants (ord, vord, pid, coffee_id, product_name, vdoc, vid, weight_g, price, currency, is_sale,
      hold, existing_id, existing_sku, existing_weight, existing_price, existing_currency, last_sale)
    SELECT p.ord, x.n::int, p.pid, p.coffee_id, p.name, x.v, x.v->>'platform_variant_id',
           (x.v->>'weight_g')::integer, (x.v->>'price')::numeric, x.v->>'currency', COALESCE((x.v->>'is_sale')::boolean, false),
           CASE WHEN p_mode = 'full' AND (x.v->>'weight_g') IS NULL THEN 'bag size unknown'
                WHEN p_mode = 'full' AND (x.v->>'price') IS NOT NULL AND (x.v->>'currency') IS NULL THEN 'price without a currency' END,
           s.id, s.sku, s.weight_g, s.price_current, s.currency, s.last_sale
      FROM pg_temp.cs_set_products p
      CROSS JOIN LATERAL jsonb_array_elements(COALESCE(p_products->(p.ord - 1)->'variants', '[]'::jsonb)) WITH ORDINALITY AS x (v, n)
      LEFT JOIN LATERAL (
        SELECT w.id, w.sku, w.weight_g, w.price_current, w.currency,
               CASE WHEN (x.v->>'price') IS NOT NULL AND (x.v->>'currency') IS NOT NULL THEN
                 (SELECT pr.is_sale FROM public.prices pr WHERE pr.variant_id = w.id ORDER BY pr.scraped_at DESC, pr.id DESC LIMIT 1)
               END AS last_sale
          FROM public.variants w
         WHERE p.known_id IS NOT NULL AND w.coffee_id = p.coffee_id AND w.platform_variant_id = x.v->>'platform_variant_id'
           FOR UPDATE OF w
      ) s ON true
     WHERE NOT p.state_only AND (p.known_id IS NOT NULL OR p_mode <> 'full');
  END IF;
  IF EXISTS (SELECT 1 FROM pg_temp.cs_set_variants GROUP BY coffee_id, vid HAVING count(*) > 1) THEN
    RAISE EXCEPTION 'a variant listed twice' USING ERRCODE = 'unique_violation';
  END IF;
  -- (A new coffee's variant listed twice, once held.)
  IF v_new_variants > 0 AND EXISTS (SELECT 1 FROM pg_temp.cs_set_variants c JOIN public.variants w
                ON w.coffee_id = c.coffee_id AND w.platform_variant_id = c.vid WHERE c.existing_id IS NULL) THEN
    RAISE EXCEPTION 'a variant listed twice' USING ERRCODE = 'unique_violation';
  END IF;
  v_stored := (SELECT count(*) FROM pg_temp.cs_set_variants WHERE existing_id IS NOT NULL);

  IF p_mode = 'full' THEN
    INSERT INTO coffee_scraper.held_variants AS h (roaster_id, platform_product_id, platform_variant_id, coffee_id,
      product_name, variant_title, reason, price, currency, source_raw, last_run_id)
    SELECT p_roaster_id, c.pid, c.vid, c.coffee_id, c.product_name, c.vdoc->>'title', c.hold, c.price, c.currency,
           c.vdoc->'source_raw', p_run_id
      FROM pg_temp.cs_set_variants c WHERE c.hold IS NOT NULL ORDER BY c.ord, c.vord
    ON CONFLICT (roaster_id, platform_product_id, platform_variant_id) DO UPDATE SET
      coffee_id = EXCLUDED.coffee_id, product_name = EXCLUDED.product_name, variant_title = EXCLUDED.variant_title,
      reason = EXCLUDED.reason, price = EXCLUDED.price, currency = EXCLUDED.currency,
      source_raw = EXCLUDED.source_raw, last_seen_at = now(), last_run_id = EXCLUDED.last_run_id;
    DELETE FROM coffee_scraper.held_variants h USING pg_temp.cs_set_variants c
     WHERE h.roaster_id = p_roaster_id AND h.platform_product_id = c.pid AND h.platform_variant_id = c.vid AND c.hold IS NULL;
    -- (A new coffee's variants written: no longer held, if ever they were.)
    DELETE FROM coffee_scraper.held_variants h USING pg_temp.cs_set_products p
     WHERE h.roaster_id = p_roaster_id AND h.platform_product_id = p.pid AND NOT p.state_only AND p.known_id IS NULL
       AND EXISTS (SELECT 1 FROM jsonb_array_elements(COALESCE(p_products->(p.ord - 1)->'variants', '[]'::jsonb)) AS x (v)
                    WHERE x.v->>'platform_variant_id' = h.platform_variant_id AND (x.v->>'weight_g') IS NOT NULL
                      AND NOT ((x.v->>'price') IS NOT NULL AND (x.v->>'currency') IS NULL));
  ELSE
    v_unknown_variants := (SELECT count(*) FROM pg_temp.cs_set_variants WHERE existing_id IS NULL);
  END IF;
  SELECT COALESCE(jsonb_agg(jsonb_build_object('product', c.pid, 'variant', c.vid, 'name', c.product_name,
           'title', c.vdoc->>'title', 'reason', c.hold, 'kept_stored_row', c.existing_id IS NOT NULL) ORDER BY c.ord, c.vord), '[]'::jsonb)
    INTO v_held FROM pg_temp.cs_set_variants c WHERE c.hold IS NOT NULL;

  -- rpc_upsert_variant on rows that exist: a full refresh's values, or (price-only, or a held
  -- variant with a stored row) only stock and currency, size and grind kept as stored.
  IF v_stored > 0 THEN
    UPDATE public.variants w SET
      sku = CASE WHEN p_mode = 'full' AND c.hold IS NULL THEN c.vdoc->>'sku' ELSE c.existing_sku END,
      weight_g = CASE WHEN p_mode = 'full' AND c.hold IS NULL THEN c.weight_g ELSE c.existing_weight END,
      grind = CASE WHEN p_mode = 'full' AND c.hold IS NULL THEN COALESCE((c.vdoc->>'grind')::grind_enum, w.grind) ELSE w.grind END,
      currency = COALESCE(c.currency, w.currency),
      in_stock = COALESCE((c.vdoc->>'in_stock')::boolean, w.in_stock),
      source_raw = CASE WHEN p_mode = 'full' AND c.hold IS NULL THEN COALESCE(c.vdoc->'source_raw', w.source_raw) ELSE w.source_raw END,
      compare_at_price = COALESCE((c.vdoc->>'compare_at_price')::numeric, w.compare_at_price),
      pack_count = CASE WHEN p_mode = 'full' AND c.hold IS NULL THEN COALESCE((c.vdoc->>'pack_count')::integer, w.pack_count) ELSE w.pack_count END,
      stock_qty = COALESCE((c.vdoc->>'stock_qty')::integer, w.stock_qty),
      subscription_available = CASE WHEN p_mode = 'full' AND c.hold IS NULL
        THEN COALESCE((c.vdoc->>'subscription_available')::boolean, w.subscription_available) ELSE w.subscription_available END,
      last_seen_at = now(),
      -- rpc_insert_price, when the price moved (below, a row of prices); else only checked.
      price_current = CASE WHEN c.price IS NOT NULL AND c.currency IS NOT NULL THEN c.price ELSE w.price_current END,
      price_last_checked_at = CASE WHEN c.price IS NOT NULL AND c.currency IS NOT NULL THEN p_scraped_at ELSE w.price_last_checked_at END
      FROM pg_temp.cs_set_variants c WHERE w.id = c.existing_id;
  END IF;

  -- rpc_upsert_variant on rows that do not exist yet (a full refresh only), then a row of
  -- prices for each written variant whose price, currency or sale state moved (a new one's
  -- always did).
  WITH inserted AS (
    INSERT INTO public.variants (coffee_id, platform_variant_id, sku, weight_g, grind, currency, in_stock, source_raw,
      compare_at_price, pack_count, stock_qty, subscription_available, last_seen_at, price_current, price_last_checked_at)
    SELECT c.coffee_id, c.vid, c.vdoc->>'sku', c.weight_g, COALESCE((c.vdoc->>'grind')::grind_enum, 'whole'),
           COALESCE(c.currency, 'INR'), COALESCE((c.vdoc->>'in_stock')::boolean, true), COALESCE(c.vdoc->'source_raw', '{}'::jsonb),
           (c.vdoc->>'compare_at_price')::numeric, COALESCE((c.vdoc->>'pack_count')::integer, 1), (c.vdoc->>'stock_qty')::integer,
           COALESCE((c.vdoc->>'subscription_available')::boolean, false), now(),
           CASE WHEN c.price IS NOT NULL AND c.currency IS NOT NULL THEN c.price END,
           CASE WHEN c.price IS NOT NULL AND c.currency IS NOT NULL THEN p_scraped_at END
      FROM pg_temp.cs_set_variants c WHERE p_mode = 'full' AND c.existing_id IS NULL AND c.hold IS NULL ORDER BY c.ord, c.vord
    RETURNING id, coffee_id, platform_variant_id
  ), written AS (
    SELECT c.ord, c.vord, COALESCE(c.existing_id, i.id) AS id, c.price, c.currency, c.is_sale,
           c.existing_price IS NULL OR c.existing_price IS DISTINCT FROM c.price
             OR c.existing_currency IS DISTINCT FROM c.currency OR c.last_sale IS DISTINCT FROM c.is_sale AS moved
      FROM pg_temp.cs_set_variants c
      LEFT JOIN inserted i ON c.existing_id IS NULL AND i.coffee_id = c.coffee_id AND i.platform_variant_id = c.vid
     WHERE c.existing_id IS NOT NULL OR i.id IS NOT NULL
  ), priced AS (
    INSERT INTO public.prices (variant_id, price, currency, is_sale, scraped_at, source_url, source_raw)
    SELECT w.id, w.price, w.currency, w.is_sale, p_scraped_at, p_source_url, '{}'::jsonb
      FROM written w WHERE w.price IS NOT NULL AND w.currency IS NOT NULL AND w.moved ORDER BY w.ord, w.vord
    RETURNING 1
  )
  SELECT (SELECT count(*) FROM written), (SELECT count(*) FROM priced),
         (SELECT count(*) FROM written w WHERE w.price IS NOT NULL AND w.currency IS NOT NULL AND NOT w.moved)
    INTO v_variants, v_prices, v_unchanged;
  v_variants := v_variants + v_new_variants;
  v_prices := v_prices + v_new_prices;

  -- Alerts past the threshold: a stored price that moved, in the same currency.
  IF v_stored > 0 THEN
    WITH alerts AS (
      SELECT c.*, round((c.price - c.existing_price) / c.existing_price * 100, 2) AS delta
        FROM pg_temp.cs_set_variants c
       WHERE c.existing_id IS NOT NULL AND c.price IS NOT NULL AND c.currency IS NOT NULL
         AND c.existing_price IS NOT NULL AND c.existing_price > 0 AND c.existing_currency IS NOT DISTINCT FROM c.currency
         AND c.existing_price IS DISTINCT FROM c.price
    ), raised AS (
      INSERT INTO coffee_scraper.price_alerts (roaster_id, coffee_id, variant_id, run_id, old_price, new_price, currency, delta_pct)
      SELECT p_roaster_id, a.coffee_id, a.existing_id, p_run_id, a.existing_price, a.price, a.currency, a.delta
        FROM alerts a WHERE abs(a.delta) >= v_threshold AND a.delta <> 0 ORDER BY a.ord, a.vord
      RETURNING 1
    )
    SELECT COALESCE(jsonb_agg(jsonb_build_object('coffee_id', a.coffee_id, 'variant_id', a.existing_id,
             'platform_product_id', a.pid, 'platform_variant_id', a.vid,
             'coffee', COALESCE(a.product_name, (SELECT name FROM public.coffees WHERE id = a.coffee_id)),
             'old_price', a.existing_price, 'new_price', a.price, 'currency', a.currency, 'delta_pct', a.delta) ORDER BY a.ord, a.vord),
             '[]'::jsonb)
      INTO v_alerts FROM alerts a WHERE abs(a.delta) >= v_threshold AND a.delta <> 0;
  END IF;

  -- Each product's listing hashes (and those of products that are not coffee).
  INSERT INTO coffee_scraper.product_state AS s (roaster_id, platform_product_id, raw_hash, offer_hash, is_coffee, first_seen_at, last_seen_at)
  SELECT p_roaster_id, p.pid, CASE WHEN p_mode = 'full' THEN p.raw_hash END, p.offer_hash,
         COALESCE(p.is_coffee::boolean, true), p_scraped_at, p_scraped_at
    FROM pg_temp.cs_set_products p ORDER BY p.ord
  ON CONFLICT (roaster_id, platform_product_id) DO UPDATE SET
    raw_hash = CASE WHEN p_mode = 'full' THEN EXCLUDED.raw_hash ELSE s.raw_hash END,
    offer_hash = EXCLUDED.offer_hash,
    is_coffee = CASE WHEN p_mode = 'full' THEN EXCLUDED.is_coffee ELSE s.is_coffee END,
    last_seen_at = EXCLUDED.last_seen_at;

  RETURN jsonb_build_object(
    'coffees', v_coffees, 'variants', v_variants, 'prices', v_prices, 'unchanged_prices', v_unchanged,
    'unknown_products', v_unknown_products, 'unknown_variants', v_unknown_variants,
    'held', v_held, 'alerts', v_alerts, 'errors', '[]'::jsonb, 'path', 'set');
END $$;

REVOKE ALL ON FUNCTION coffee_scraper.ingest_set_body(uuid, uuid, text, jsonb, text, timestamptz, text[]) FROM PUBLIC;

