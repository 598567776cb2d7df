// After a parser improvement: bring a roaster's stored rows up to date from the raw pages
// of its newest complete full run, without fetching anything (a replay of that run, taken
// under the roaster's lease so it never interleaves with a running job).
import type { PipelineDeps } from "./deps.ts";
import type { Queryable } from "../db/database.ts";
import { listRoasters, findRoaster } from "../db/roasters.ts";
import type { Roaster } from "../config/roaster.ts";
import { holdLease, PROCESS_HOLDER, RoasterBusyError } from "../worker/lease.ts";
import { replayRun } from "./replay.ts";
import type { RunSummary } from "./run-pipeline.ts";

export interface ReparseOutcome {
  roaster: string;
  /** The run whose stored pages were re-parsed, or null when none qualifies. */
  fromRunId: string | null;
  /** The replay run, when one ran. */
  run: RunSummary | null;
  /** Why nothing was done for this roaster. */
  skipped?: string;
}

export class UnknownRoasterError extends Error {
  constructor(readonly slugs: string[]) {
    super(`unknown roaster${slugs.length > 1 ? "s" : ""}: ${slugs.join(", ")}`);
    this.name = "UnknownRoasterError";
  }
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

async function reparseOne(deps: PipelineDeps, roaster: Roaster): Promise<ReparseOutcome> {
  const fromRunId = await newestCompleteFullRun(deps.db, roaster.id);
  if (!fromRunId) {
    return { roaster: roaster.slug, fromRunId: null, run: null, skipped: "no complete full run with stored pages" };
  }
  let lease;
  try {
    lease = await holdLease(deps.db, {
      roasterId: roaster.id,
      roaster: roaster.slug,
      holder: PROCESS_HOLDER,
      jobId: `reparse.${fromRunId}`,
      ttlMs: deps.settings.LEASE_TTL_MS,
      log: deps.log,
    });
  } catch (err) {
    if (err instanceof RoasterBusyError) return { roaster: roaster.slug, fromRunId, run: null, skipped: err.message };
    throw err;
  }
  try {
    return { roaster: roaster.slug, fromRunId, run: await replayRun(fromRunId, deps) };
  } finally {
    await lease.release();
  }
}

/** Re-parses the named roasters (or every roaster), one after another. */
export async function reparseRoasters(deps: PipelineDeps, target: { roasters: "all" | string[] }): Promise<ReparseOutcome[]> {
  let roasters: Roaster[];
  if (target.roasters === "all") roasters = await listRoasters(deps.db);
  else {
    const found = await Promise.all(target.roasters.map((slug) => findRoaster(deps.db, slug)));
    const unknown = target.roasters.filter((_, i) => !found[i]);
    if (unknown.length > 0) throw new UnknownRoasterError(unknown);
    roasters = found as Roaster[];
  }
  const outcomes: ReparseOutcome[] = [];
  for (const roaster of roasters) {
    deps.log.info({ roaster: roaster.slug }, "reparse started");
    const outcome = await reparseOne(deps, roaster);
    deps.log.info(
      { roaster: roaster.slug, fromRunId: outcome.fromRunId, runId: outcome.run?.runId, status: outcome.run?.status, skipped: outcome.skipped },
      "reparse finished",
    );
    outcomes.push(outcome);
  }
  return outcomes;
}
