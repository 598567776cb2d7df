-- The data flow's two optional, paid stages (issue 18): LLM enrichment of what the parsers
-- left unknown, and product images uploaded to ImageKit. Their cache, budget counters and
-- upload records are ours, here; the users' own `enrichments` and `llm_cache` tables in
-- `public` are never read or written.

-- Answers of the LLM, by a hash of what was asked: the prompt's version, the model, the
-- fields asked for and the product's text. An unchanged product never costs a second call.
-- status 'invalid': the model answered something that failed validation; it is not asked the
-- same question again (it would most likely answer the same), until its text or the model changes.
CREATE TABLE coffee_scraper.llm_answers (
  key text PRIMARY KEY,
  model text NOT NULL,
  prompt_version integer NOT NULL,
  status text NOT NULL CHECK (status IN ('answered', 'invalid')),
  answer jsonb NOT NULL DEFAULT '{}'::jsonb,
  tokens integer NOT NULL DEFAULT 0 CHECK (tokens >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz NOT NULL DEFAULT now()
);

-- LLM calls and tokens per UTC day, for all roasters and workers together. A call is counted
-- here BEFORE it is made (its tokens estimated high), by a conditional upsert that only
-- succeeds while the day stays within LLM_DAILY_CALLS and LLM_DAILY_TOKENS; the estimate is
-- replaced by the tokens the answer reports afterwards. `skipped`: products left pending
-- because the budget was reached.
CREATE TABLE coffee_scraper.llm_usage (
  day date PRIMARY KEY,
  calls integer NOT NULL DEFAULT 0 CHECK (calls >= 0),
  tokens bigint NOT NULL DEFAULT 0 CHECK (tokens >= 0),
  skipped integer NOT NULL DEFAULT 0 CHECK (skipped >= 0),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Bytes uploaded to ImageKit, by their SHA-256: the same bytes are never uploaded twice, even
-- when the write of the image row that would have recorded them did not happen.
CREATE TABLE coffee_scraper.image_uploads (
  content_hash text PRIMARY KEY,
  imagekit_url text NOT NULL,
  file_path text NOT NULL,
  bytes integer NOT NULL,
  content_type text NOT NULL,
  uploaded_at timestamptz NOT NULL DEFAULT now()
);

-- Images whose last download or upload failed. A refused one (not an image, too large, gone)
-- is not tried again while its URL stays; any other is tried again by the next run.
CREATE TABLE coffee_scraper.image_failures (
  roaster_id uuid NOT NULL REFERENCES public.roasters (id) ON DELETE CASCADE,
  url text NOT NULL,
  refused boolean NOT NULL,
  attempts integer NOT NULL DEFAULT 1,
  error text NOT NULL,
  last_attempt_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (roaster_id, url)
);

ALTER TABLE coffee_scraper.llm_answers ENABLE ROW LEVEL SECURITY;
ALTER TABLE coffee_scraper.llm_usage ENABLE ROW LEVEL SECURITY;
ALTER TABLE coffee_scraper.image_uploads ENABLE ROW LEVEL SECURITY;
ALTER TABLE coffee_scraper.image_failures ENABLE ROW LEVEL SECURITY;

-- Inferred sensory values (acidity, body, tasting notes) of a page's coffees, found by
-- (roaster, platform product id). A sensory_params row has one `source`: a row that is the
-- roaster's statement ('roaster') or an editor's ('icb_manual') is never touched; one that is
-- inferred already ('icb_inferred', or a row with no source) takes the newer inference. So an
-- inferred acidity is never marked as the roaster's, and a stated note is never overridden.
-- p_items: [{"platform_product_id", "acidity", "body", "notes", "confidence"}].
-- Returns the number of rows written.
CREATE FUNCTION coffee_scraper.write_inferred_sensory(p_roaster_id uuid, p_items jsonb) RETURNS integer
LANGUAGE sql AS $$
  WITH items AS (
    SELECT c.id AS coffee_id, (i->>'acidity')::numeric AS acidity, (i->>'body')::numeric AS body, i->>'notes' AS notes,
           (i->>'confidence')::sensory_confidence_enum AS confidence
      FROM jsonb_array_elements(p_items) AS i
      JOIN public.coffees c ON c.roaster_id = p_roaster_id AND c.platform_product_id = i->>'platform_product_id'
     WHERE (SELECT count(*) FROM public.coffees d WHERE d.roaster_id = p_roaster_id AND d.platform_product_id = i->>'platform_product_id') = 1
  ), written AS (
    INSERT INTO public.sensory_params AS s (coffee_id, acidity, body, confidence, source, notes)
    SELECT coffee_id, acidity, body, confidence, 'icb_inferred', notes FROM items
    ON CONFLICT (coffee_id) DO UPDATE SET acidity = EXCLUDED.acidity, body = EXCLUDED.body, notes = EXCLUDED.notes,
      confidence = EXCLUDED.confidence, source = 'icb_inferred', updated_at = now()
      WHERE s.source IS NULL OR s.source = 'icb_inferred'
    RETURNING 1
  )
  SELECT count(*)::integer FROM written
$$;

-- Before a page is written: the coffees whose page now states tasting notes lose the inferred
-- acidity and body of their inferred row, which the write is about to make the roaster's (their
-- rpc_upsert_coffee keeps a stored acidity when given none). The inference stays on the coffee,
-- in source_raw.inferred. Returns the number of rows cleared.
CREATE FUNCTION coffee_scraper.clear_inferred_sensory(p_roaster_id uuid, p_platform_product_ids text[]) RETURNS integer
LANGUAGE sql AS $$
  WITH cleared AS (
    UPDATE public.sensory_params s SET acidity = NULL, body = NULL, updated_at = now()
      FROM public.coffees c
     WHERE c.id = s.coffee_id AND c.roaster_id = p_roaster_id AND c.platform_product_id = ANY (p_platform_product_ids)
       AND s.source = 'icb_inferred' AND (s.acidity IS NOT NULL OR s.body IS NOT NULL)
    RETURNING 1
  )
  SELECT count(*)::integer FROM cleared
$$;

REVOKE ALL ON ALL FUNCTIONS IN SCHEMA coffee_scraper FROM PUBLIC;
