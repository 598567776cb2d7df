import type { PipelineSettings } from "../config/setting-sections.ts";
import type { Clock } from "../core/clock.ts";
import type { Database } from "../db/database.ts";
import type { HttpClient } from "../fetch/client.ts";
import type { Logger } from "../core/logger.ts";
import type { ArtifactStore } from "./artifacts/store.ts";

/**
 * What a run of the pipeline needs, handed in (built once per process by app/).
 * Nothing below reads process.env or opens its own connection.
 */
export interface PipelineDeps {
  settings: PipelineSettings;
  db: Database;
  log: Logger;
  clock: Clock;
  /** The polite HTTP client (one connection pool per process). */
  http: HttpClient;
  /** Where raw store responses are kept. */
  artifacts: ArtifactStore;
}
