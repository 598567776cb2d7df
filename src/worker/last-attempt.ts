import type { Settings } from "../config/settings.ts";
import { endsJob } from "../core/errors.ts";

/**
 * Whether a failed attempt is the job's last: nothing left for its remaining attempts to do
 * (permanent, final, a wait beyond JOB_RETRY_AFTER_CAP_MS), or none remain. Never one that
 * shutdown interrupted (its signal aborted): that job goes back on the queue without using an
 * attempt. The one place that decides it: the worker edge asks it what the queue does next,
 * and the end of a run asks it whether the run served its schedule slot.
 */
export function isLastAttempt(
  err: unknown,
  job: { attempt: number; maxAttempts: number; signal: AbortSignal },
  settings: Pick<Settings, "JOB_RETRY_AFTER_CAP_MS">,
): boolean {
  if (job.signal.aborted) return false;
  return endsJob(err, settings.JOB_RETRY_AFTER_CAP_MS) || job.attempt >= job.maxAttempts;
}
