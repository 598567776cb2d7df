import type { Deps } from "../app/deps.ts";
import type { Roaster } from "../config/roaster.ts";
import type { RunStatus } from "../db/enums.ts";
import type { Logger } from "../log/logger.ts";
import type { JobPayload } from "../queue/job.ts";

// The seam between the worker and the ingest pipeline. The worker loads the roaster and
// holds its lease; the pipeline does the run: scrape_runs row, fetch, normalize, persist.

export interface PipelineInput {
  jobId: string;
  job: JobPayload;
  roaster: Roaster;
  /** Attempt number, 1-based. */
  attempt: number;
  deps: Deps;
  /** Scoped logger: every line carries jobId, roaster, type, attempt. */
  log: Logger;
  /** Aborted when the process must stop at once (second signal, shutdown timeout). */
  signal: AbortSignal;
}

export interface RunSummary {
  runId: string;
  status: RunStatus;
  stats: Record<string, unknown>;
}

export async function runPipeline(_input: PipelineInput): Promise<RunSummary> {
  // Replaced by the ingest pipeline (src/pipeline) as it lands.
  throw new Error("the ingest pipeline is not built yet");
}
