import type { JobType } from "../core/job-kinds.ts";
import type { Queryable } from "./database.ts";
import type { RunStatus } from "./enums.ts";

// Scrape runs (their `scrape_runs`, tagged with our job in coffee_scraper.run_jobs): opened
// and closed by the pipeline, read back by the scheduler's outlook and the job metrics.

/** Why a run was closed by the next job of its roaster rather than by its own. */
export const ABANDONED_RUN_MESSAGE = "interrupted: the process running it stopped before finishing (closed by the roaster's next job)";

/** A run opened on the store $1 (rpc_scrape_run_start), tagged with its job ($2, $3): a WITH item and the statement that uses it. */
const RUN_START = `run AS (SELECT public.rpc_scrape_run_start(p_source_id := $1) AS id)
     INSERT INTO coffee_scraper.run_jobs (run_id, job_id, job_type) SELECT id, $2, $3 FROM run`;

/** Opens a scrape run on the roaster's store (rpc_scrape_run_start) and tags it with its job. */
export async function startRun(db: Queryable, input: { sourceId: string; jobId: string; jobType: JobType }): Promise<string> {
  const [row] = await db.query<{ id: string }>(`WITH ${RUN_START} RETURNING run_id AS id`, [input.sourceId, input.jobId, input.jobType]);
  return row!.id;
}

/**
 * Opens a run as startRun does, first closing, as failed, every run of the store still open,
 * in the same statement; returns the new run and how many were closed. Only for a caller
 * holding the roaster's lease: then an open run belongs to a process that died mid-job
 * (kill -9, a lost machine), and would otherwise show as running for ever. (The closing sees
 * the runs as they were when the statement began: never the one it opens.)
 */
export async function startRunClosingAbandoned(
  db: Queryable,
  input: { sourceId: string; jobId: string; jobType: JobType },
): Promise<{ runId: string; abandoned: number }> {
  const [row] = await db.query<{ id: string; abandoned: number }>(
    `WITH abandoned AS (
       UPDATE public.scrape_runs SET finished_at = now(), status = 'fail',
              stats_json = COALESCE(stats_json, '{}'::jsonb) || jsonb_build_object('errors',
                jsonb_build_array(jsonb_build_object('scope', 'run', 'message', $4::text, 'retry', 'transient')))
        WHERE source_id = $1 AND finished_at IS NULL RETURNING 1
     ), ${RUN_START}
     RETURNING run_id AS id, (SELECT count(*) FROM abandoned)::int AS abandoned`,
    [input.sourceId, input.jobId, input.jobType, ABANDONED_RUN_MESSAGE],
  );
  return { runId: row!.id, abandoned: Number(row!.abandoned) };
}

/**
 * Closes the run. Its stats quote the store (product ids, names in errors): the caller
 * hands them over cleaned like any store data (db/database-safe.ts).
 */
export async function finishRun(db: Queryable, runId: string, status: RunStatus, safeStats: unknown): Promise<void> {
  await db.query("SELECT public.rpc_scrape_run_finish(p_run_id := $1, p_status := $2, p_stats := $3::jsonb)", [
    runId,
    status,
    JSON.stringify(safeStats),
  ]);
}

export interface LastRunOfType {
  slug: string;
  job_type: JobType;
  id: string;
  status: RunStatus | null;
  started_at: Date | string;
  finished_at: Date | string | null;
}

/** Each roaster's latest full-refresh and price-only run (finished or not). */
export async function lastRunsByType(db: Queryable): Promise<LastRunOfType[]> {
  return db.query<LastRunOfType>(
    `SELECT DISTINCT ON (r.slug, sr.job_type) r.slug, sr.job_type, sr.id, sr.status::text AS status, sr.started_at, sr.finished_at
     FROM coffee_scraper.runs sr
     JOIN public.product_sources ps ON ps.id = sr.source_id
     JOIN public.roasters r ON r.id = ps.roaster_id
     WHERE sr.job_type IN ('full_refresh', 'price_only')
     ORDER BY r.slug, sr.job_type, sr.started_at DESC`,
  );
}

/** The finished run a job's given attempt made, if any: its status and stats. */
export async function finishedRunOfAttempt(
  db: Queryable,
  jobId: string,
  attempt: number,
): Promise<{ status: string | null; stats_json: Record<string, unknown> | null } | null> {
  const [row] = await db.query<{ status: string | null; stats_json: Record<string, unknown> | null }>(
    `SELECT status::text AS status, stats_json FROM coffee_scraper.runs
      WHERE job_id = $1 AND finished_at IS NOT NULL AND stats_json->>'attempt' = $2
      ORDER BY started_at DESC LIMIT 1`,
    [jobId, String(attempt)],
  );
  return row ?? null;
}

/** A run as its bookkeeping recorded it: whose store, read how, with what stats. */
export interface RunRecord {
  roaster_id: string;
  source_id: string;
  /** The roaster's platform now (their enum); the run's own is in its stats. */
  platform: string | null;
  currency: string | null;
  /** As stored: jsonb is only as typed as whoever wrote it (read it with readRunStats). */
  stats_json: unknown;
}

export async function findRunRecord(db: Queryable, runId: string): Promise<RunRecord | null> {
  const [row] = await db.query<RunRecord>(
    `SELECT s.roaster_id, r.source_id, ro.platform::text AS platform, o.currency, r.stats_json
       FROM public.scrape_runs r JOIN public.product_sources s ON s.id = r.source_id
       JOIN public.roasters ro ON ro.id = s.roaster_id
       LEFT JOIN coffee_scraper.roaster_options o ON o.roaster_id = ro.id
      WHERE r.id = $1`,
    [runId],
  );
  return row ?? null;
}

/**
 * The newest full run that read the whole store: finished ok (or partial with product
 * errors only), no page failed, none stopped early, no page answered 304 (a 304 page has no stored body, so
 * replaying that run would take its products for gone), and at least one stored page.
 */
export async function newestCompleteFullRun(db: Queryable, roasterId: string): Promise<string | null> {
  const rows = await db.query<{ id: string }>(
    `SELECT r.id FROM coffee_scraper.runs r JOIN public.product_sources s ON s.id = r.source_id
      WHERE s.roaster_id = $1
        AND r.finished_at IS NOT NULL
        AND r.status IN ('ok', 'partial')
        AND COALESCE(r.job_type, r.stats_json->>'job_type', 'full_refresh') = 'full_refresh'
        AND COALESCE((r.stats_json->>'pages_failed')::int, 0) = 0
        AND COALESCE((r.stats_json->>'not_modified_pages')::int, 0) = 0
        -- Nor one stopped before the store's end (a spent Firecrawl budget).
        AND r.stats_json->>'stopped_early' IS NULL
        AND EXISTS (SELECT 1 FROM public.scrape_artifacts a WHERE a.run_id = r.id AND a.saved_html_path IS NOT NULL)
      ORDER BY r.started_at DESC, r.id DESC
      LIMIT 1`,
    [roasterId],
  );
  return rows[0]?.id ?? null;
}
