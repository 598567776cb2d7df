import type { Settings } from "../config/settings.ts";
import { endsJob } from "../core/errors.ts";

/**
 * Whether a failed attempt is the job's last: nothing left for its remaining attempts to do
 * (permanent, final, a wait beyond JOB_RETRY_AFTER_CAP_MS), or none remain. The one place
 * that decides it: the worker edge asks it what the queue does next, and the end of a run
 * asks it whether the run served its schedule slot.
 */
export function isLastAttempt(
  err: unknown,
  job: { attempt: number; maxAttempts: number },
  settings: Pick<Settings, "JOB_RETRY_AFTER_CAP_MS">,
): boolean {
  return endsJob(err, settings.JOB_RETRY_AFTER_CAP_MS) || job.attempt >= job.maxAttempts;
}
