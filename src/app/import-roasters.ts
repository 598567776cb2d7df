import type { Database } from "../db/database.ts";
import { upsertRoaster } from "../db/roasters.ts";
import type { RoasterConfig } from "../config/roaster.ts";

export interface ImportResult {
  added: number;
  updated: number;
}

/** Upserts validated roasters in one transaction: all of them are written, or none. */
export async function importRoasters(db: Database, roasters: RoasterConfig[]): Promise<ImportResult> {
  return db.transaction(async (tx) => {
    let added = 0;
    for (const roaster of roasters) {
      if ((await upsertRoaster(tx, roaster)).added) added += 1;
    }
    return { added, updated: roasters.length - added };
  });
}
