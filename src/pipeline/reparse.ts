// After a parser improvement: bring a roaster's stored rows up to date from the raw pages
// of its newest complete full run, without fetching anything (a replay of that run, taken
// under the roaster's lease so it never interleaves with a running job).
import type { PipelineDeps } from "./deps.ts";
import { listRoasters, findRoaster } from "../db/roasters.ts";
import { newestCompleteFullRun } from "../db/runs.ts";
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
