import type { WorkerSettings } from "../config/setting-sections.ts";
import type { Metrics } from "../metrics/metrics.ts";
import type { PipelineDeps } from "../pipeline/deps.ts";

/** What the worker needs: the pipeline's dependencies, and where its edge reports each job attempt. */
export interface WorkerDeps extends PipelineDeps {
  settings: WorkerSettings;
  /** This process's Prometheus registry (jobs, requests, prices…), fed by the worker edge. */
  metrics?: Metrics;
}
