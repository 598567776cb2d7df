import type { JobMode } from "../core/job-kinds.ts";
import type { Queryable } from "./database.ts";

// HTTP cache validators per roaster and full URL (page number included), in
// coffee_scraper.http_validators. The polite client reads them (through db/site-memory.ts);
// the pipeline saves them once the page they describe has been persisted, so a page that
// failed downstream is fetched in full next time instead of being skipped by a 304.

/** An answer's ETag and Last-Modified, as fetch/ hands them over (its `Validators`). */
export interface StoredValidators {
  etag: string | null;
  lastModified: string | null;
}

/** Which kind of run applied the body a validator describes (migration 0008). */
export type AppliedBy = JobMode;

/** Every URL's validators remembered for the roaster, and whether a full refresh applied each body. */
export async function loadAllValidators(
  db: Queryable,
  roasterId: string,
): Promise<Map<string, StoredValidators & { appliedByFull: boolean }>> {
  const rows = await db.query<{ url: string; etag: string | null; last_modified: string | null; full: boolean }>(
    `SELECT url, etag, last_modified, applied_by = 'full' AS full FROM coffee_scraper.http_validators WHERE roaster_id = $1`,
    [roasterId],
  );
  return new Map(rows.map((r) => [r.url, { etag: r.etag, lastModified: r.last_modified, appliedByFull: r.full }]));
}

/** A page's validators to remember once the page is persisted (see saveValidators). */
export interface ValidatorsWrite {
  url: string;
  validators: StoredValidators;
  firstPage?: boolean;
  appliedBy?: AppliedBy;
}

/**
 * Remembers the validators a 200 answer for `write.url` carried. Call only after the page was
 * persisted; with `firstPage` the roaster's `last_etag`/`last_modified` are updated too, in
 * the same statement. With no validators at all the row is removed (the next request is
 * unconditional).
 */
export async function saveValidators(db: Queryable, roasterId: string, write: ValidatorsWrite): Promise<void> {
  const params: unknown[] = [];
  const param = (value: unknown) => `$${params.push(value)}`;
  const [onRoaster, onValidators] = validatorsWrites(param, param(roasterId), write);
  await db.query(`WITH ${onRoaster}, ${onValidators} SELECT 1`, params);
}

/**
 * saveValidators as two data-modifying WITH items (`name AS (…)`), for a statement that
 * persists the page to carry: they happen exactly when its write does. `param` adds a
 * parameter and returns its placeholder; `roasterId` is the roaster's placeholder.
 */
export function validatorsWrites(param: (value: unknown) => string, roasterId: string, write: ValidatorsWrite): [string, string] {
  const { validators } = write;
  // Page 1's validators go on the roaster too.
  const onRoaster = `validators_roaster AS (UPDATE public.roasters SET last_etag = ${param(validators.etag)},
    last_modified = ${param(lastModifiedOf(validators))} WHERE id = ${roasterId} AND ${param(write.firstPage ?? false)}::boolean)`;
  const url = param(write.url);
  if (validators.etag === null && validators.lastModified === null) {
    return [onRoaster, `validators AS (DELETE FROM coffee_scraper.http_validators WHERE roaster_id = ${roasterId} AND url = ${url})`];
  }
  return [
    onRoaster,
    `validators AS (INSERT INTO coffee_scraper.http_validators AS v (url, roaster_id, etag, last_modified, applied_by, updated_at)
     VALUES (${url}, ${roasterId}, ${param(validators.etag)}, ${param(validators.lastModified)}, ${param(write.appliedBy ?? "full")}, now())
     ON CONFLICT (roaster_id, url) DO UPDATE SET etag = EXCLUDED.etag,
       last_modified = EXCLUDED.last_modified, updated_at = now(),
       -- A price-only run that got a 304 confirms the body a full refresh applied: keep "full".
       applied_by = CASE
         WHEN EXCLUDED.applied_by = 'price' AND v.applied_by = 'full'
              AND v.etag IS NOT DISTINCT FROM EXCLUDED.etag
              AND v.last_modified IS NOT DISTINCT FROM EXCLUDED.last_modified
         THEN 'full' ELSE EXCLUDED.applied_by END)`,
  ];
}

/** Last-Modified as the roaster's timestamp: null when absent or not a date. */
function lastModifiedOf(validators: StoredValidators): Date | null {
  const modified = validators.lastModified ? new Date(validators.lastModified) : null;
  return modified && !Number.isNaN(modified.getTime()) ? modified : null;
}

/** Removes every validator of a roaster, so its next run fetches everything in full. */
export async function forgetValidators(db: Queryable, roasterId: string): Promise<void> {
  await db.query(`DELETE FROM coffee_scraper.http_validators WHERE roaster_id = $1`, [roasterId]);
}
