-- A 304 means "the same body as the one we last applied". A price-only run applies only
-- prices and stock, so after it has applied a new body, a full refresh must fetch that URL
-- in full again (or new descriptions and classifications would never be written). Each
-- validator remembers which kind of run applied its body.
ALTER TABLE http_validators ADD COLUMN IF NOT EXISTS applied_by text NOT NULL DEFAULT 'full'
  CHECK (applied_by IN ('full', 'price'));
