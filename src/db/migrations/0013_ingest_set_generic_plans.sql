-- The set-based write's statements planned once, for any values (a generic plan), from the
-- first call on. By default a connection plans its first five calls of each statement with
-- the values it is given (custom plans): those of a page write include the page itself, a
-- jsonb of megabytes, which planning copies, several times per statement. On a new
-- connection, a store's first pages cost twice the server CPU of the pages after them
-- (measured: a first ingest of 2,000 products on a fresh pool, ~1,300 µs of server CPU per
-- product instead of ~600; with generic plans ~650). The statements work on the page's own
-- working tables, which have no statistics a value could sharpen, so a generic plan is as
-- good once made.

ALTER FUNCTION coffee_scraper.ingest_set_body(uuid, uuid, text, jsonb, text, timestamptz, text[])
  SET plan_cache_mode = force_generic_plan;
