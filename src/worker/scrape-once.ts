import type { WorkerDeps } from "./deps.ts";
import type { RunSummary } from "../pipeline/run-pipeline.ts";
import { manualSlot } from "../queue/enqueue.ts";
import { jobIdFor, type JobPayload, type JobType } from "../queue/job.ts";
import { runJob, type JobWork } from "./run-job.ts";

/**
 * Runs one roaster's job inline, without a queue (`coffee-scraper scrape`): the same runJob
 * as the workers, one attempt, logged with the same started/finished lines.
 */
export async function scrapeOnce(options: {
  deps: WorkerDeps;
  roaster: string;
  type: JobType;
  /** Read every page in full and normalize every product again. */
  force?: boolean;
  work?: JobWork;
  signal?: AbortSignal;
}): Promise<RunSummary> {
  const { deps } = options;
  const job: JobPayload = {
    roaster: options.roaster,
    type: options.type,
    slot: manualSlot(deps.clock.now()),
    reason: "inline scrape",
    ...(options.force ? { force: true } : {}),
  };
  const jobId = jobIdFor(job);
  const log = deps.log.child({ jobId, roaster: job.roaster, type: job.type, attempt: 1 });
  const started = performance.now();
  log.info({ slot: job.slot, reason: job.reason }, "job started");
  try {
    const summary = await runJob({
      jobId,
      job,
      attempt: 1,
      deps,
      log,
      signal: options.signal ?? new AbortController().signal,
      ...(options.work ? { work: options.work } : {}),
    });
    const durationMs = Math.round(performance.now() - started);
    log.info({ outcome: summary.status === "fail" ? "failed" : "completed", durationMs, runId: summary.runId, status: summary.status, stats: summary.stats }, "job finished");
    return summary;
  } catch (err) {
    log.error({ outcome: "failed", durationMs: Math.round(performance.now() - started), err }, "job finished");
    throw err;
  }
}
