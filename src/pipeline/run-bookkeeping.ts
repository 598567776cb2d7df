import type { Queryable } from "../db/database.ts";
import type { RunStatus } from "../db/enums.ts";
import type { JobType } from "../queue/job.ts";
import { databaseSafe } from "./database-safe.ts";
import type { RunStats } from "./run-stats.ts";

/** Why a run was closed by the next job of its roaster rather than by its own. */
export const ABANDONED_RUN_MESSAGE = "interrupted: the process running it stopped before finishing (closed by the roaster's next job)";

/**
 * Closes, as failed, every run of the store still open. Only for a caller holding the
 * roaster's lease: then an open run belongs to a process that died mid-job (kill -9, a lost
 * machine), and would otherwise show as running for ever. Returns how many were closed.
 */
export async function closeAbandonedRuns(db: Queryable, sourceId: string): Promise<number> {
  const rows = await db.query(
    `UPDATE public.scrape_runs SET finished_at = now(), status = 'fail',
            stats_json = COALESCE(stats_json, '{}'::jsonb) || jsonb_build_object('errors',
              jsonb_build_array(jsonb_build_object('scope', 'run', 'message', $2::text, 'retry', 'transient')))
      WHERE source_id = $1 AND finished_at IS NULL RETURNING 1`,
    [sourceId, ABANDONED_RUN_MESSAGE],
  );
  return rows.length;
}

/** Opens a scrape run on the roaster's store (rpc_scrape_run_start) and tags it with its job. */
export async function startRun(db: Queryable, input: { sourceId: string; jobId: string; jobType: JobType }): Promise<string> {
  const [row] = await db.query<{ id: string }>(
    `WITH run AS (SELECT public.rpc_scrape_run_start(p_source_id := $1) AS id)
     INSERT INTO coffee_scraper.run_jobs (run_id, job_id, job_type) SELECT id, $2, $3 FROM run RETURNING run_id AS id`,
    [input.sourceId, input.jobId, input.jobType],
  );
  return row!.id;
}

/** Closes the run. Its stats quote the store (product ids, names in errors): cleaned like any store data. */
export async function finishRun(db: Queryable, runId: string, status: RunStatus, stats: RunStats): Promise<void> {
  await db.query("SELECT public.rpc_scrape_run_finish(p_run_id := $1, p_status := $2, p_stats := $3::jsonb)", [
    runId,
    status,
    JSON.stringify(databaseSafe(stats)),
  ]);
}
