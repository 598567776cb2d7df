import type { Settings } from "../config/settings.ts";
import type { Database } from "../db/database.ts";
import type { Logger } from "../log/logger.ts";
import type { QueueBackend } from "../queue/backend.ts";
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
  /** The job queue (BullMQ or embedded), for whoever enqueues; absent where nothing does. */
  queue?: QueueBackend;
}
