import type { Database } from "../../db/database.ts";
import type { ArtifactStore } from "./store.ts";

const GRACE_MS = 60 * 60 * 1000;

export interface PruneResult {
  rowsDeleted: number;
  filesDeleted: number;
}

/**
 * Drops artifact records older than the retention period, then the stored bodies no
 * remaining record points at (a body shared with a newer run is kept).
 */
export async function pruneArtifacts(db: Database, store: ArtifactStore, retentionDays: number): Promise<PruneResult> {
  const deleted = await db.query<{ n: number }>(
    `WITH d AS (DELETE FROM public.scrape_artifacts a USING public.scrape_runs r
                WHERE r.id = a.run_id AND r.started_at < now() - make_interval(days => $1) RETURNING 1)
     SELECT count(*)::int AS n FROM d`,
    [retentionDays],
  );
  const referenced = new Set(
    (
      await db.query<{ key: string }>(
        "SELECT DISTINCT saved_html_path AS key FROM public.scrape_artifacts WHERE saved_html_path IS NOT NULL",
      )
    ).map((r) => r.key),
  );
  // A job may have stored a body and not yet recorded it: young files are left alone.
  const graceStart = Date.now() - GRACE_MS;
  let filesDeleted = 0;
  for await (const { key, modifiedAt } of store.list()) {
    if (!referenced.has(key) && modifiedAt.getTime() < graceStart) {
      await store.delete(key);
      filesDeleted += 1;
    }
  }
  return { rowsDeleted: deleted[0]?.n ?? 0, filesDeleted };
}
