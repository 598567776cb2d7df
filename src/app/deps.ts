import type { Settings } from "../config/settings.ts";
import type { Database } from "../db/database.ts";
import type { HttpClient } from "../fetch/client.ts";
import type { Logger } from "../log/logger.ts";
import type { Metrics } from "../metrics/metrics.ts";
import type { ArtifactStore } from "../pipeline/artifacts/store.ts";
import type { Clock } from "./clock.ts";

/**
 * Everything a job needs, built once at start from the resolved settings and handed in.
 * Nothing below reads process.env or opens its own connection.
 */
export interface Deps {
  settings: Settings;
  db: Database;
  log: Logger;
  clock: Clock;
  /** The polite HTTP client (one connection pool per process). */
  http: HttpClient;
  /** Where raw store responses are kept. */
  artifacts: ArtifactStore;
  /** This process's Prometheus registry (jobs, requests, prices…), fed by the worker edge. */
  metrics?: Metrics;
}
