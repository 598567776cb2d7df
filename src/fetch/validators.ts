import type { Queryable } from "../db/database.ts";

// HTTP cache validators per full URL (page number included). The client only reads them;
// the pipeline saves them once the page they describe has been persisted, so a page that
// failed downstream is fetched in full next time instead of being skipped by a 304.

export interface Validators {
  etag: string | null;
  lastModified: string | null;
}

export const NO_VALIDATORS: Validators = Object.freeze({ etag: null, lastModified: null });

export async function loadValidators(db: Queryable, url: string): Promise<Validators> {
  const rows = await db.query<{ etag: string | null; last_modified: string | null }>(
    `SELECT etag, last_modified FROM http_validators WHERE url = $1`,
    [url],
  );
  const row = rows[0];
  return row ? { etag: row.etag, lastModified: row.last_modified } : NO_VALIDATORS;
}

/**
 * Remembers the validators a 200 answer for `url` carried. Call only after the page was
 * persisted; with `firstPage` the roaster's `last_etag`/`last_modified` are updated too.
 * With no validators at all the row is removed (the next request is unconditional).
 */
export async function saveValidators(
  db: Queryable,
  roasterId: string,
  url: string,
  validators: Validators,
  options: { firstPage?: boolean } = {},
): Promise<void> {
  if (options.firstPage) await saveRoasterValidators(db, roasterId, validators);
  if (validators.etag === null && validators.lastModified === null) {
    await db.query(`DELETE FROM http_validators WHERE url = $1`, [url]);
    return;
  }
  await db.query(
    `INSERT INTO http_validators (url, roaster_id, etag, last_modified, updated_at) VALUES ($1, $2, $3, $4, now())
     ON CONFLICT (url) DO UPDATE SET roaster_id = EXCLUDED.roaster_id, etag = EXCLUDED.etag,
       last_modified = EXCLUDED.last_modified, updated_at = now()`,
    [url, roasterId, validators.etag, validators.lastModified],
  );
}

/** Records the first page's validators on the roaster (`last_etag`, `last_modified`). */
export async function saveRoasterValidators(db: Queryable, roasterId: string, validators: Validators): Promise<void> {
  const modified = validators.lastModified ? new Date(validators.lastModified) : null;
  await db.query(`UPDATE roasters SET last_etag = $2, last_modified = $3 WHERE id = $1`, [
    roasterId,
    validators.etag,
    modified && !Number.isNaN(modified.getTime()) ? modified : null,
  ]);
}

/** Removes every validator of a roaster, so its next run fetches everything in full. */
export async function forgetValidators(db: Queryable, roasterId: string): Promise<void> {
  await db.query(`DELETE FROM http_validators WHERE roaster_id = $1`, [roasterId]);
}
