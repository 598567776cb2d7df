import { importRoasters } from "../../src/app/import-roasters.ts";
import { roasterConfigSchema, type RoasterConfigInput } from "../../src/config/roaster.ts";
import type { Database, Queryable } from "../../src/db/database.ts";
import { deleteRoasters } from "../helpers/database.ts";

// Roasters and runs for scheduler tests, written through the same code paths as the CLI.

export function roaster(slug: string, extra: Partial<RoasterConfigInput> = {}): RoasterConfigInput {
  return { slug, name: slug, website: `https://${slug}.example.com`, platform: "shopify", ...extra };
}

export async function seedRoasters(db: Database, entries: RoasterConfigInput[]): Promise<void> {
  await importRoasters(
    db,
    entries.map((e) => roasterConfigSchema.parse(e)),
  );
}

export async function clearRoasters(db: Queryable): Promise<void> {
  await deleteRoasters(db);
}

/** A finished scrape_runs row for `jobId`, as the ingest pipeline leaves one; returns its id. */
export async function finishedRun(
  db: Queryable,
  slug: string,
  jobId: string,
  jobType: string,
): Promise<string> {
  const [row] = await db.query<{ id: string }>(
    `WITH run AS (
       INSERT INTO scrape_runs (source_id, status, finished_at)
       SELECT ps.id, 'ok', now() FROM product_sources ps JOIN roasters r ON r.id = ps.roaster_id WHERE r.slug = $1
       RETURNING id)
     INSERT INTO coffee_scraper.run_jobs (run_id, job_id, job_type) SELECT id, $2, $3 FROM run RETURNING run_id AS id`,
    [slug, jobId, jobType],
  );
  return row!.id;
}

export interface SlotRow {
  slug: string;
  job_type: string;
  slot_at: string;
  job_id: string;
  served_by: string | null;
  finished: boolean;
  run_id: string | null;
}

export async function slotRows(db: Queryable): Promise<SlotRow[]> {
  const rows = await db.query<Omit<SlotRow, "slot_at"> & { slot_at: Date }>(
    `SELECT r.slug, s.job_type, s.slot_at, s.job_id, s.served_by, s.finished_at IS NOT NULL AS finished, s.run_id
     FROM coffee_scraper.schedule_slots s JOIN roasters r ON r.id = s.roaster_id ORDER BY r.slug, s.job_type, s.slot_at`,
  );
  return rows.map((r) => ({ ...r, slot_at: new Date(r.slot_at).toISOString() }));
}
