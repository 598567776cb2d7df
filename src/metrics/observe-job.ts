import type { Queryable } from "../db/database.ts";
import { finishedRunOfAttempt } from "../db/runs.ts";
import type { Logger } from "../core/logger.ts";
import { readRunStats, type StoredRunStats } from "../pipeline/run-stats.ts";
import type { Metrics, JobOutcome } from "./metrics.ts";

// The worker edge's one metrics call per job attempt. A completed attempt carries its run's
// summary; a failed or retrying one made a run too (its stats are in scrape_runs), which is
// read back so that requests, statuses and bytes of failing runs are counted as well.

export interface FinishedAttempt {
  jobId: string;
  type: string;
  attempt: number;
  outcome: JobOutcome;
  durationMs: number;
  summary?: { status: string; stats: StoredRunStats } | undefined;
  leaseConflict?: boolean;
}

export async function observeJob(
  deps: { metrics?: Metrics | undefined; db: Queryable; log: Logger },
  attempt: FinishedAttempt,
): Promise<void> {
  const { metrics } = deps;
  if (!metrics) return;
  try {
    let run = attempt.summary ? { status: attempt.summary.status, stats: attempt.summary.stats } : null;
    if (!run && (attempt.outcome === "failed" || attempt.outcome === "retrying")) {
      const row = await finishedRunOfAttempt(deps.db, attempt.jobId, attempt.attempt);
      if (row) run = { status: row.status ?? "fail", stats: readRunStats(row.stats_json) };
    }
    metrics.observeJob({
      type: attempt.type,
      outcome: attempt.outcome,
      durationMs: attempt.durationMs,
      leaseConflict: attempt.leaseConflict ?? false,
      runStatus: run?.status ?? null,
      stats: run?.stats ?? null,
    });
  } catch (err) {
    deps.log.warn({ err }, "recording job metrics failed");
  }
}
