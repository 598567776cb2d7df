import type { Deps } from "../app/deps.ts";
import { permanent } from "../errors.ts";
import type { Logger } from "../log/logger.ts";
import { runPipeline, type PipelineInput, type RunSummary } from "../pipeline/run-pipeline.ts";
import type { JobPayload } from "../queue/job.ts";
import type { QueueLock } from "../queue/backend.ts";
import { PROCESS_HOLDER } from "./lease.ts";

// The single function that does a roaster's job, for every way in: the BullMQ worker, the
// embedded worker and the inline `scrape` command. It claims the roaster (loads it and takes
// its lease, from deps.leases), holds the lease for the whole run, and hands the run to the
// pipeline.

/** What a job does once the roaster is loaded and leased: the ingest pipeline by default. */
export type JobWork = (input: PipelineInput) => Promise<RunSummary>;

export interface RunJobInput {
  jobId: string;
  job: JobPayload;
  /** 1-based attempt number. */
  attempt: number;
  deps: Deps;
  /** Scoped logger (jobId, roaster, type, attempt). */
  log: Logger;
  signal: AbortSignal;
  /** Defaults to the ingest pipeline. */
  work?: JobWork;
  /** Lease holder id; defaults to this process's. */
  holder?: string;
  /** The queue's lock on this attempt, for a lease that rides on it. */
  queueLock?: QueueLock | undefined;
}

/**
 * Runs one job. Throws a permanent ScrapeError when the roaster is missing or inactive,
 * RoasterBusyError when another job holds its lease, and whatever the work throws.
 */
export async function runJob(input: RunJobInput): Promise<RunSummary> {
  const { deps, job, log } = input;
  const holder = input.holder ?? PROCESS_HOLDER;
  const claimed = await deps.leases.claim({ slug: job.roaster, holder, jobId: input.jobId, log, queueLock: input.queueLock });
  if (!claimed) throw permanent("roaster_not_found", `roaster ${job.roaster} does not exist`);
  const { roaster, lease } = claimed;
  if (!lease) throw permanent("roaster_inactive", `roaster ${job.roaster} is inactive`);
  try {
    const work = input.work ?? runPipeline;
    return await work({
      jobId: input.jobId,
      job,
      roaster,
      attempt: input.attempt,
      deps,
      log,
      signal: AbortSignal.any([input.signal, lease.lost]),
    });
  } finally {
    await lease.release().catch((err: unknown) => log.warn({ err }, "roaster lease release failed; it will expire"));
  }
}
