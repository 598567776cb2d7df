-- Validators describe the body a roaster's run applied, so they are the roaster's own: two
-- roasters on one store (a shared storefront, a roaster re-added under a new slug) must not
-- answer each other's conditional requests, or the second one is told "304, unchanged" about
-- products it never wrote. Keyed by (roaster, URL) instead of URL alone.
DELETE FROM http_validators WHERE roaster_id IS NULL;
ALTER TABLE http_validators DROP CONSTRAINT IF EXISTS http_validators_pkey;
ALTER TABLE http_validators ALTER COLUMN roaster_id SET NOT NULL;
ALTER TABLE http_validators ADD PRIMARY KEY (roaster_id, url);
