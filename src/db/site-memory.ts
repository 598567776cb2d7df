import type { Queryable } from "./database.ts";
import { saveRobotsResult } from "./roasters.ts";
import { loadAllValidators, type StoredValidators } from "./validators.ts";

// What the polite client remembers about a site, kept in the database: the shape of
// fetch/'s SiteMemory, which db/ does not import (fetch knows nothing of db, and the reverse).

export function databaseSiteMemory(db: Queryable): {
  validatorsOf(roasterId: string): Promise<Map<string, StoredValidators & { appliedByFull: boolean }>>;
  robotsResult(roasterId: string, allowed: boolean): Promise<void>;
} {
  return {
    validatorsOf: (roasterId) => loadAllValidators(db, roasterId),
    robotsResult: (roasterId, allowed) => saveRobotsResult(db, roasterId, allowed),
  };
}
