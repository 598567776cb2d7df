import type { WorkerDeps } from "./deps.ts";
import { markSlotFinished } from "../db/slots.ts";
import { permanent, ScrapeError } from "../core/errors.ts";
import type { Logger } from "../core/logger.ts";
import { runPipeline, type PipelineInput, type RunSummary } from "../pipeline/run-pipeline.ts";
import type { JobPayload } from "../queue/job.ts";
import { after, seconds } from "../core/timers.ts";
import { claimRoaster } from "../db/leases.ts";
import { holdLease, PROCESS_HOLDER } from "./lease.ts";
import { isLastAttempt } from "./last-attempt.ts";

// The single function that does a roaster's job, for every way in: the BullMQ worker, the
// embedded worker and the inline `scrape` command. It loads the roaster, holds its lease
// for the whole run, hands the run to the pipeline, and marks the schedule slot the run served.

/** What a job does once the roaster is loaded and leased: the ingest pipeline by default. */
export type JobWork = (input: PipelineInput) => Promise<RunSummary>;

export interface RunJobInput {
  jobId: string;
  job: JobPayload;
  /** 1-based attempt number. */
  attempt: number;
  /** The queue's attempts for this job; defaults to JOB_ATTEMPTS (an inline scrape has no queue). */
  maxAttempts?: number;
  deps: WorkerDeps;
  /** Scoped logger (jobId, roaster, type, attempt). */
  log: Logger;
  signal: AbortSignal;
  /** Defaults to the ingest pipeline. */
  work?: JobWork;
  /** Lease holder id; defaults to this process's. */
  holder?: string;
}

/**
 * Runs one job. Throws a permanent ScrapeError when the roaster is missing or inactive,
 * RoasterBusyError when another job holds its lease, and whatever the work throws.
 */
export async function runJob(input: RunJobInput): Promise<RunSummary> {
  const { deps, job, log } = input;
  const holder = input.holder ?? PROCESS_HOLDER;
  const ttlMs = deps.settings.LEASE_TTL_MS;
  const claimed = await claimRoaster(deps.db, { slug: job.roaster, holder, jobId: input.jobId, ttlMs });
  if (!claimed) throw permanent("roaster_not_found", `roaster ${job.roaster} does not exist`);
  const { roaster } = claimed;
  if (!roaster.is_active) throw permanent("roaster_inactive", `roaster ${job.roaster} is inactive`);
  // What ends the work early, on one signal: shutdown, the lease lost, the job's deadline
  // (aborted directly, not combined with AbortSignal.any, whose Node 20 version costs weak
  // references and listeners on every job: bench:queue).
  const stop = new AbortController();
  // Not taken in the claim: holdLease reads who holds it and throws RoasterBusyError.
  const lease = await holdLease(
    deps.db,
    { roasterId: roaster.id, roaster: roaster.slug, holder, jobId: input.jobId, ttlMs, log },
    { alreadyTaken: claimed.leased, onLost: (reason) => stop.abort(reason) },
  );
  const shutdown = () => stop.abort(input.signal.reason);
  if (input.signal.aborted) shutdown();
  else input.signal.addEventListener("abort", shutdown, { once: true });
  const timeoutMs = deps.settings.JOB_TIMEOUT_MS;
  const timer = after(timeoutMs, () => stop.abort(deadlineError(timeoutMs)));
  try {
    const work = input.work ?? runPipeline;
    return await work({
      jobId: input.jobId,
      job,
      roaster,
      attempt: input.attempt,
      deps,
      log,
      signal: stop.signal,
      runEnded: async ({ runId, failure }) => {
        // A run that will be retried (or was interrupted by shutdown) has not served its slot
        // yet: if the queue loses the retry, the scheduler must still see the slot as unfinished.
        const attempts = { attempt: input.attempt, maxAttempts: input.maxAttempts ?? deps.settings.JOB_ATTEMPTS, signal: input.signal };
        if (failure === null || isLastAttempt(failure, attempts, deps.settings)) await markSlotFinished(deps.db, { jobId: input.jobId, runId });
      },
    });
  } finally {
    clearTimeout(timer);
    input.signal.removeEventListener("abort", shutdown);
    await lease.release().catch((err: unknown) => log.warn({ err }, "roaster lease release failed; it will expire"));
  }
}

/**
 * Why a job was stopped at JOB_TIMEOUT_MS. Final: a store that took this long will take as
 * long again, so the job's retries would only repeat the load; the roaster's next slot tries.
 */
export function deadlineError(timeoutMs: number): ScrapeError {
  return new ScrapeError(
    "deadline",
    `deadline: the job ran longer than JOB_TIMEOUT_MS (${seconds(timeoutMs)}); its requests were aborted and it is not retried before the roaster's next slot`,
  );
}
