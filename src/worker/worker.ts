import type { WorkerDeps } from "./deps.ts";
import type { Settings } from "../config/settings.ts";
import { classify, coerceError, endsJob } from "../core/errors.ts";
import type { Logger } from "../core/logger.ts";
import { observeJob, type FinishedAttempt } from "../metrics/observe-job.ts";
import {
  DeferJobError,
  FailJobError,
  RetryLaterError,
  type Consumer,
  type JobContext,
  type JobHandler,
  type QueueBackend,
} from "../queue/backend.ts";
import { seconds } from "../core/timers.ts";
import { isLastAttempt } from "./last-attempt.ts";
import { RoasterBusyError } from "./lease.ts";
import { runJob, type JobWork } from "./run-job.ts";

// The worker edge: the one place where an error's retry class becomes what the queue does
// next (fail now, retry after the backoff or the site's Retry-After, or defer without using
// an attempt), and where each attempt gets its "job started" / "job finished" lines.

export type Outcome = "completed" | "failed" | "retrying" | "deferred";

export interface Decision {
  outcome: Exclude<Outcome, "completed">;
  /** What the handler throws so that the backend does it. */
  signal: Error;
}

/** Maps a failed attempt to what happens next. */
export function decideRetry(
  err: unknown,
  job: Pick<JobContext, "attempt" | "maxAttempts" | "signal">,
  settings: Pick<Settings, "JOB_DEFER_MS" | "JOB_BACKOFF_JITTER" | "JOB_RETRY_AFTER_CAP_MS">,
): Decision {
  if (err instanceof RoasterBusyError) {
    const delay = Math.round(settings.JOB_DEFER_MS * (1 - settings.JOB_BACKOFF_JITTER * Math.random()));
    return { outcome: "deferred", signal: new DeferJobError(delay, err.message) };
  }
  const error = coerceError(err);
  if (job.signal.aborted) {
    // Shutting down: put it back at once for another worker, without using an attempt.
    return { outcome: "deferred", signal: new DeferJobError(0, `interrupted by shutdown: ${error.message}`) };
  }
  if (isLastAttempt(err, job, settings)) {
    // Permanent, final (a deadline, a Crawl-delay beyond the cap) or asking for a wait beyond
    // JOB_RETRY_AFTER_CAP_MS: the remaining attempts would only load the store for nothing.
    const attemptsLeftUnused = endsJob(err, settings.JOB_RETRY_AFTER_CAP_MS);
    return { outcome: "failed", signal: attemptsLeftUnused ? new FailJobError(whyNotRetried(err, error, settings)) : error };
  }
  const { retry, retryAfterMs } = classify(err);
  if (retry === "throttled" && retryAfterMs !== undefined) return { outcome: "retrying", signal: new RetryLaterError(error, retryAfterMs) };
  return { outcome: "retrying", signal: error };
}

/** The error a job fails with: for a wait beyond the cap, saying why its attempts were left unused. */
function whyNotRetried(err: unknown, error: Error, settings: Pick<Settings, "JOB_RETRY_AFTER_CAP_MS">): Error {
  const { retry, final } = classify(err);
  if (retry !== "throttled" || final) return error;
  return new Error(
    `${error.message}; a wait beyond JOB_RETRY_AFTER_CAP_MS (${seconds(settings.JOB_RETRY_AFTER_CAP_MS)}): not retried, the roaster's next slot tries again`,
    { cause: error },
  );
}

export interface WorkerOptions {
  deps: WorkerDeps;
  queue: QueueBackend;
  /** Roasters at once; defaults to WORKER_CONCURRENCY. */
  concurrency?: number;
  /** The job's work once leased; defaults to the ingest pipeline. */
  work?: JobWork;
  /** Lease holder id; defaults to this process's. */
  holder?: string;
}

/** The queue handler: logs, runs the job, and turns failures into the queue's signals. */
export function jobHandler(options: Omit<WorkerOptions, "queue" | "concurrency">): JobHandler {
  const { deps } = options;
  return async (job) => {
    const log: Logger = deps.log.child({
      jobId: job.id,
      roaster: job.payload.roaster,
      type: job.payload.type,
      attempt: job.attempt,
    });
    const started = performance.now();
    const durationMs = () => Math.round(performance.now() - started);
    log.info({ slot: job.payload.slot, reason: job.payload.reason }, "job started");
    let finished: Pick<FinishedAttempt, "outcome" | "summary" | "leaseConflict"> | undefined;
    try {
      const summary = await runJob({
        jobId: job.id,
        job: job.payload,
        attempt: job.attempt,
        maxAttempts: job.maxAttempts,
        deps,
        log,
        signal: job.signal,
        ...(options.work ? { work: options.work } : {}),
        ...(options.holder ? { holder: options.holder } : {}),
      });
      log.info(
        { outcome: "completed", durationMs: durationMs(), runId: summary.runId, status: summary.status, stats: summary.stats },
        "job finished",
      );
      finished = { outcome: "completed", summary };
      return summary;
    } catch (err) {
      const decision = decideRetry(err, job, deps.settings);
      const fields = { outcome: decision.outcome, durationMs: durationMs(), retryClass: classify(err).retry, err: coerceError(err) };
      if (decision.outcome === "failed") log.error(fields, "job finished");
      else if (decision.outcome === "retrying") log.warn(fields, "job finished");
      else log.info({ ...fields, err: undefined, reason: coerceError(err).message }, "job finished");
      finished = { outcome: decision.outcome, leaseConflict: err instanceof RoasterBusyError };
      throw decision.signal;
    } finally {
      if (finished) {
        await observeJob(deps, { jobId: job.id, type: job.payload.type, attempt: job.attempt, durationMs: durationMs(), ...finished });
      }
    }
  };
}

/** Starts consuming; `stop` drains gracefully up to its timeout. */
export function startWorker(options: WorkerOptions): Consumer {
  const concurrency = options.concurrency ?? options.deps.settings.WORKER_CONCURRENCY;
  options.deps.log.info({ concurrency, queue: options.queue.kind }, "worker started");
  return options.queue.consume(jobHandler(options), { concurrency });
}
