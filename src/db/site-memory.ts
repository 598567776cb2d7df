import type { Queryable } from "./database.ts";
import { saveRobotsResult } from "./roasters.ts";
import { loadValidators, type StoredValidators } from "./validators.ts";

// What the polite client remembers about a site, kept in the database: the shape of
// fetch/'s SiteMemory, which db/ does not import (fetch knows nothing of db, and the reverse).

const NONE: StoredValidators = Object.freeze({ etag: null, lastModified: null });

export function databaseSiteMemory(db: Queryable): {
  validators(roasterId: string, url: string, options: { requireFull: boolean }): Promise<StoredValidators>;
  robotsResult(roasterId: string, allowed: boolean): Promise<void>;
} {
  return {
    validators: async (roasterId, url, options) => (await loadValidators(db, roasterId, url, options)) ?? NONE,
    robotsResult: (roasterId, allowed) => saveRobotsResult(db, roasterId, allowed),
  };
}
