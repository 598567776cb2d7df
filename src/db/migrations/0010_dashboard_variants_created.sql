-- The overview's counts (src/dashboard/queries.ts `totals`): variants first seen this week, and
-- all variants. Without it both are sequential scans of the widest table (~150 ms each at
-- 200,000 variants); with it, a range scan and an index-only scan of a small index.
CREATE INDEX IF NOT EXISTS variants_created_idx ON variants (created_at);
