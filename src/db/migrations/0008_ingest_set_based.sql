-- A page's changed products written set-based: one statement per table instead of one
-- function call per coffee, image, variant and price. It writes exactly the rows the
-- per-row path (ingest_page, through the users' functions) writes — a property test keeps the
-- two equal on random pages — and is used only while the users' functions are the reference
-- ones (reference_functions(): their bodies as documented, which migrate creates on an empty
-- database); an installation whose functions differ is always written through them.
--
-- Per-product isolation: the whole page is tried set-based in a subtransaction; anything it
-- does not take (a database error on one product, two products wanting one slug, a product
-- whose id two coffees carry, an image listed twice, a row that must be adopted) rolls it
-- back and the page goes the per-row way, where such a product fails alone.

-- Whether the users' write functions are exactly the documented ones (white space aside).
CREATE FUNCTION coffee_scraper.reference_functions() RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT count(*) = 5 AND bool_and(md5(regexp_replace(p.prosrc, '\s+', ' ', 'g')) = r.md5)
    FROM (VALUES
      ('rpc_upsert_coffee', '34548b083903b04ed1b2177ff766ec8b'),
      ('rpc_upsert_variant', '718f520dcb756ecdbfe553291650e611'),
      ('rpc_insert_price', '8c1ec2b16446112dc3d8721fbc49c672'),
      ('rpc_upsert_coffee_image', 'c79852744e847fb80f52d535e7e7884a'),
      ('update_updated_at_column', '6bb477ea66764d4cd8d7864e62833400')
    ) AS r (name, md5)
    JOIN pg_proc p ON p.proname = r.name AND p.pronamespace = 'public'::regnamespace
   WHERE (SELECT count(*) FROM pg_proc q WHERE q.proname = r.name AND q.pronamespace = 'public'::regnamespace) = 1
$$;

-- What the pipeline calls: set-based when it may be, else (or when the set is refused) per row.
CREATE FUNCTION coffee_scraper.ingest_page_set(
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
    RETURN coffee_scraper.ingest_page(p_roaster_id := p_roaster_id, p_run_id := p_run_id, p_mode := p_mode,
      p_products := p_products, p_source_url := p_source_url, p_scraped_at := p_scraped_at, p_unchanged := p_unchanged);
  END IF;
  RETURN v_result;
END $$;

CREATE FUNCTION coffee_scraper.ingest_set_body(
  p_roaster_id uuid,
  p_run_id uuid,
  p_mode text,
  p_products jsonb,
  p_source_url text,
  p_scraped_at timestamptz,
  p_unchanged text[]
) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_threshold numeric;
  v_coffees int := 0;
  v_variants int := 0;
  v_prices int := 0;
  v_unchanged int := 0;
  v_unknown_products int := 0;
  v_unknown_variants int := 0;
  v_held jsonb;
  v_alerts jsonb;
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

  -- The page's products, in order; state_only ones (not coffee) only record their hashes.
  CREATE TEMP TABLE cs_docs ON COMMIT DROP AS
    SELECT e.ord::int AS ord, e.doc, e.doc->>'platform_product_id' AS pid,
           COALESCE((e.doc->>'state_only')::boolean, false) AS state_only
      FROM jsonb_array_elements(p_products) WITH ORDINALITY AS e (doc, ord);
  -- Temporary tables have no statistics until analysed: without them every join is a guess.
  ANALYZE cs_docs;

  -- Each product's coffee by (roaster, platform product id).
  CREATE TEMP TABLE cs_products ON COMMIT DROP AS
    SELECT d.ord, d.pid, d.doc, m.id AS known_id, m.slug AS known_slug, m.status AS known_status, m.n AS matches,
           NULL::uuid AS coffee_id, NULL::text AS slug
      FROM cs_docs d
      LEFT JOIN LATERAL (
        SELECT (array_agg(c.id ORDER BY c.created_at, c.id))[1] AS id, (array_agg(c.slug ORDER BY c.created_at, c.id))[1] AS slug,
               (array_agg(c.status::text ORDER BY c.created_at, c.id))[1] AS status, count(*) AS n
          FROM public.coffees c WHERE c.roaster_id = p_roaster_id AND c.platform_product_id = d.pid
      ) m ON true
     WHERE NOT d.state_only;
  ANALYZE cs_products;
  IF EXISTS (SELECT 1 FROM cs_products WHERE matches > 1) THEN
    RAISE EXCEPTION 'two coffees carry one product id' USING ERRCODE = 'unique_violation';
  END IF;

  IF p_mode = 'price' THEN
    v_unknown_products := (SELECT count(*) FROM cs_products WHERE known_id IS NULL);
    DELETE FROM cs_products WHERE known_id IS NULL;
    UPDATE cs_products SET coffee_id = known_id;
  ELSE
    -- A coffee keeps its slug; a new one takes its handle only where that slug is free (the
    -- per-row path decides the rest: adopting a hand-made row, or a slug of its own).
    UPDATE cs_products SET slug = COALESCE(known_slug, doc->>'slug');
    IF EXISTS (SELECT 1 FROM cs_products p WHERE p.known_id IS NULL
                  AND EXISTS (SELECT 1 FROM public.coffees c WHERE c.roaster_id = p_roaster_id AND c.slug = p.slug))
       OR EXISTS (SELECT 1 FROM cs_products GROUP BY slug HAVING count(*) > 1) THEN
      RAISE EXCEPTION 'a slug needs the per-row path' USING ERRCODE = 'unique_violation';
    END IF;

    -- rpc_upsert_coffee, for every product at once.
    WITH written AS (
      INSERT INTO public.coffees AS c (bean_species, name, slug, roaster_id, process, process_raw, roast_level, roast_level_raw,
        roast_style_raw, description_md, direct_buy_url, platform_product_id, status, decaf, notes_raw, source_raw,
        tags, default_grind, varieties, first_seen_at)
      SELECT (p.doc->>'bean_species')::species_enum, p.doc->>'name', p.slug, p_roaster_id, (p.doc->>'process')::process_enum,
             p.doc->>'process_raw', (p.doc->>'roast_level')::roast_level_enum, p.doc->>'roast_level_raw',
             p.doc->>'roast_style_raw', p.doc->>'description_md', p.doc->>'direct_buy_url', p.pid,
             (CASE WHEN p.known_status IS NULL OR p.known_status = 'discontinued' THEN 'active' ELSE p.known_status END)::coffee_status_enum,
             COALESCE((p.doc->>'decaf')::boolean, false),
             COALESCE(p.doc->'notes_raw', '{}'::jsonb) || jsonb_strip_nulls(jsonb_build_object('region', p.doc->>'region',
               'country', p.doc->>'country', 'altitude_m', (p.doc->>'altitude_m')::integer)),
             COALESCE(p.doc->'source_raw', '{}'::jsonb) || jsonb_strip_nulls(jsonb_build_object('content_hash', NULL::text,
               'raw_hash', p.doc->>'raw_hash')),
             coffee_scraper.text_array(p.doc->'tags'), (p.doc->>'default_grind')::grind_enum,
             coffee_scraper.text_array(p.doc->'varieties'), now()
        FROM cs_products p ORDER BY p.ord
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
    UPDATE cs_products p SET coffee_id = w.id FROM written w WHERE w.platform_product_id = p.pid;
    v_coffees := (SELECT count(*) FROM cs_products);

    -- Tasting notes (their function's sensory_params write), marked as the roaster's.
    INSERT INTO public.sensory_params AS s (coffee_id, acidity, body, confidence, source, notes)
    SELECT p.coffee_id, NULL, NULL, 'high', 'roaster', array_to_string(coffee_scraper.text_array(p.doc->'flavors'), ', ')
      FROM cs_products p WHERE coffee_scraper.text_array(p.doc->'flavors') IS NOT NULL ORDER BY p.ord
    ON CONFLICT (coffee_id) DO UPDATE SET acidity = COALESCE(EXCLUDED.acidity, s.acidity), body = COALESCE(EXCLUDED.body, s.body),
      notes = COALESCE(EXCLUDED.notes, s.notes), updated_at = now(), source = 'roaster', confidence = 'high';

    -- rpc_upsert_coffee_image, for every image at once.
    INSERT INTO public.coffee_images AS i (coffee_id, url, alt, width, height, sort_order, source_raw, content_hash, imagekit_url)
    SELECT p.coffee_id, img->>'url', img->>'alt', (img->>'width')::integer, (img->>'height')::integer,
           COALESCE((img->>'sort_order')::integer, 0), '{}'::jsonb, NULL, NULL
      FROM cs_products p CROSS JOIN LATERAL jsonb_array_elements(COALESCE(p.doc->'images', '[]'::jsonb)) WITH ORDINALITY AS x (img, n)
     ORDER BY p.ord, x.n
    ON CONFLICT (coffee_id, url) DO UPDATE SET alt = COALESCE(EXCLUDED.alt, i.alt),
      width = COALESCE(EXCLUDED.width, i.width), height = COALESCE(EXCLUDED.height, i.height),
      sort_order = EXCLUDED.sort_order,
      updated_at = now();
  END IF;

  -- The page's variants, with the row each has (locked) and whether it is held back.
  CREATE TEMP TABLE cs_variants ON COMMIT DROP AS
    SELECT p.ord, x.n::int AS vord, p.pid, p.coffee_id, p.doc->>'name' AS product_name, v AS vdoc, v->>'platform_variant_id' AS vid,
           (v->>'weight_g')::integer AS weight_g, (v->>'price')::numeric AS price, v->>'currency' AS currency,
           COALESCE((v->>'is_sale')::boolean, false) AS is_sale,
           CASE WHEN p_mode = 'full' AND (v->>'weight_g') IS NULL THEN 'bag size unknown'
                WHEN p_mode = 'full' AND (v->>'price') IS NOT NULL AND (v->>'currency') IS NULL THEN 'price without a currency' END AS hold,
           e.id AS existing_id, e.sku AS existing_sku, e.weight_g AS existing_weight, e.price_current AS existing_price,
           e.currency AS existing_currency, NULL::boolean AS last_sale
      FROM cs_products p
      CROSS JOIN LATERAL jsonb_array_elements(COALESCE(p.doc->'variants', '[]'::jsonb)) WITH ORDINALITY AS x (v, n)
      LEFT JOIN LATERAL (
        SELECT w.id, w.sku, w.weight_g, w.price_current, w.currency FROM public.variants w
         WHERE w.coffee_id = p.coffee_id AND w.platform_variant_id = v->>'platform_variant_id' FOR UPDATE
      ) e ON true;
  CREATE INDEX ON cs_variants (coffee_id, vid);
  ANALYZE cs_variants;
  IF EXISTS (SELECT 1 FROM cs_variants GROUP BY coffee_id, vid HAVING count(*) > 1) THEN
    RAISE EXCEPTION 'a variant listed twice' USING ERRCODE = 'unique_violation';
  END IF;
  UPDATE cs_variants c SET last_sale = (SELECT pr.is_sale FROM public.prices pr WHERE pr.variant_id = c.existing_id
                                          ORDER BY pr.scraped_at DESC, pr.id DESC LIMIT 1)
   WHERE c.existing_id IS NOT NULL AND c.price IS NOT NULL AND c.currency IS NOT NULL;

  IF p_mode = 'full' THEN
    INSERT INTO coffee_scraper.held_variants AS h (roaster_id, platform_product_id, platform_variant_id, coffee_id,
      product_name, variant_title, reason, price, currency, source_raw, last_run_id)
    SELECT p_roaster_id, c.pid, c.vid, c.coffee_id, c.product_name, c.vdoc->>'title', c.hold, c.price, c.currency,
           c.vdoc->'source_raw', p_run_id
      FROM cs_variants c WHERE c.hold IS NOT NULL ORDER BY c.ord, c.vord
    ON CONFLICT (roaster_id, platform_product_id, platform_variant_id) DO UPDATE SET
      coffee_id = EXCLUDED.coffee_id, product_name = EXCLUDED.product_name, variant_title = EXCLUDED.variant_title,
      reason = EXCLUDED.reason, price = EXCLUDED.price, currency = EXCLUDED.currency,
      source_raw = EXCLUDED.source_raw, last_seen_at = now(), last_run_id = EXCLUDED.last_run_id;
    DELETE FROM coffee_scraper.held_variants h USING cs_variants c
     WHERE h.roaster_id = p_roaster_id AND h.platform_product_id = c.pid AND h.platform_variant_id = c.vid AND c.hold IS NULL;
  ELSE
    v_unknown_variants := (SELECT count(*) FROM cs_variants WHERE existing_id IS NULL);
  END IF;
  SELECT COALESCE(jsonb_agg(jsonb_build_object('product', c.pid, 'variant', c.vid, 'name', c.product_name,
           'title', c.vdoc->>'title', 'reason', c.hold, 'kept_stored_row', c.existing_id IS NOT NULL) ORDER BY c.ord, c.vord), '[]'::jsonb)
    INTO v_held FROM cs_variants c WHERE c.hold IS NOT NULL;

  -- rpc_upsert_variant on rows that exist: a full refresh's values, or (price-only, or a held
  -- variant with a stored row) only stock and currency, size and grind kept as stored.
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
    FROM cs_variants c WHERE w.id = c.existing_id;

  -- rpc_upsert_variant on rows that do not exist yet (a full refresh only).
  WITH inserted AS (
    INSERT INTO public.variants (coffee_id, platform_variant_id, sku, weight_g, grind, currency, in_stock, source_raw,
      compare_at_price, pack_count, stock_qty, subscription_available, last_seen_at, price_current, price_last_checked_at)
    SELECT c.coffee_id, c.vid, c.vdoc->>'sku', c.weight_g, COALESCE((c.vdoc->>'grind')::grind_enum, 'whole'),
           COALESCE(c.currency, 'INR'), COALESCE((c.vdoc->>'in_stock')::boolean, true), COALESCE(c.vdoc->'source_raw', '{}'::jsonb),
           (c.vdoc->>'compare_at_price')::numeric, COALESCE((c.vdoc->>'pack_count')::integer, 1), (c.vdoc->>'stock_qty')::integer,
           COALESCE((c.vdoc->>'subscription_available')::boolean, false), now(),
           CASE WHEN c.price IS NOT NULL AND c.currency IS NOT NULL THEN c.price END,
           CASE WHEN c.price IS NOT NULL AND c.currency IS NOT NULL THEN p_scraped_at END
      FROM cs_variants c WHERE p_mode = 'full' AND c.existing_id IS NULL AND c.hold IS NULL ORDER BY c.ord, c.vord
    RETURNING id, coffee_id, platform_variant_id
  )
  UPDATE cs_variants c SET existing_id = i.id FROM inserted i
   WHERE c.coffee_id = i.coffee_id AND c.vid = i.platform_variant_id AND c.existing_id IS NULL;
  -- (existing_id now names every written row; a new one has no existing price.)
  v_variants := (SELECT count(*) FROM cs_variants WHERE existing_id IS NOT NULL);

  -- Price rows where the price, its currency or its sale state moved; alerts past the threshold.
  CREATE TEMP TABLE cs_moves ON COMMIT DROP AS
    SELECT c.*, (c.existing_price IS NOT NULL AND c.existing_price > 0 AND c.existing_currency IS NOT DISTINCT FROM c.currency
                 AND c.existing_price IS DISTINCT FROM c.price) AS comparable
      FROM cs_variants c
     WHERE c.existing_id IS NOT NULL AND c.price IS NOT NULL AND c.currency IS NOT NULL
       AND (c.existing_price IS NULL OR c.existing_price IS DISTINCT FROM c.price
            OR c.existing_currency IS DISTINCT FROM c.currency OR c.last_sale IS DISTINCT FROM c.is_sale);
  INSERT INTO public.prices (variant_id, price, currency, is_sale, scraped_at, source_url, source_raw)
  SELECT m.existing_id, m.price, m.currency, m.is_sale, p_scraped_at, p_source_url, '{}'::jsonb FROM cs_moves m ORDER BY m.ord, m.vord;
  v_prices := (SELECT count(*) FROM cs_moves);
  v_unchanged := (SELECT count(*) FROM cs_variants c WHERE c.existing_id IS NOT NULL AND c.price IS NOT NULL AND c.currency IS NOT NULL)
                 - v_prices;

  WITH alerts AS (
    SELECT m.*, round((m.price - m.existing_price) / m.existing_price * 100, 2) AS delta
      FROM cs_moves m WHERE m.comparable
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

  -- Each product's listing hashes (and those of products that are not coffee).
  INSERT INTO coffee_scraper.product_state AS s (roaster_id, platform_product_id, raw_hash, offer_hash, is_coffee, first_seen_at, last_seen_at)
  SELECT p_roaster_id, d.pid, CASE WHEN p_mode = 'full' THEN d.doc->>'raw_hash' END, d.doc->>'offer_hash',
         COALESCE((d.doc->>'is_coffee')::boolean, true), p_scraped_at, p_scraped_at
    FROM cs_docs d WHERE d.state_only OR EXISTS (SELECT 1 FROM cs_products p WHERE p.ord = d.ord) ORDER BY d.ord
  ON CONFLICT (roaster_id, platform_product_id) DO UPDATE SET
    raw_hash = CASE WHEN p_mode = 'full' THEN EXCLUDED.raw_hash ELSE s.raw_hash END,
    offer_hash = EXCLUDED.offer_hash,
    is_coffee = CASE WHEN p_mode = 'full' THEN EXCLUDED.is_coffee ELSE s.is_coffee END,
    last_seen_at = EXCLUDED.last_seen_at;

  DROP TABLE cs_moves, cs_variants, cs_products, cs_docs;
  RETURN jsonb_build_object(
    'coffees', v_coffees, 'variants', v_variants, 'prices', v_prices, 'unchanged_prices', v_unchanged,
    'unknown_products', v_unknown_products, 'unknown_variants', v_unknown_variants,
    'held', v_held, 'alerts', v_alerts, 'errors', '[]'::jsonb, 'path', 'set');
END $$;

REVOKE ALL ON ALL FUNCTIONS IN SCHEMA coffee_scraper FROM PUBLIC;
