import { roasterConfigSchema } from "../../src/config/roaster.ts";
import type { Queryable } from "../../src/db/database.ts";
import { upsertRoaster } from "../../src/db/roasters.ts";

// A roaster row for tests that need one in the database, with the defaults a file import
// gives it (taken from the schema). Written as is, unvalidated, so a test can also store
// what another tool could have put in the users' roasters table.

export type RoasterRow = Parameters<typeof upsertRoaster>[1];

const DEFAULTS = roasterConfigSchema.parse({ slug: "defaults", name: "Defaults", website: "https://defaults.example" });

export function roasterRow(row: Pick<RoasterRow, "slug" | "name" | "website"> & Partial<RoasterRow>): RoasterRow {
  return { ...DEFAULTS, platform: "shopify", ...row };
}

export async function insertRoasters(db: { transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> }, rows: RoasterRow[]): Promise<void> {
  await db.transaction(async (tx) => {
    for (const row of rows) await upsertRoaster(tx, row);
  });
}
