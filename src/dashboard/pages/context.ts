import type { Settings } from "../../config/settings.ts";
import type { Queryable } from "../../db/database.ts";
import type { QueueBackend } from "../../queue/backend.ts";

/** What a page renders from: the database, the queue (null when this process cannot see it), now. */
export interface PageContext {
  db: Queryable;
  queue: QueueBackend | null;
  settings: Settings;
  now: Date;
  /** The CSRF token for this browser's forms. */
  csrf: string;
}

/** Why the queue is unavailable here, for the pages that would show it. */
export const NO_QUEUE_HERE =
  "The embedded queue lives inside `coffee-scraper start`; this dashboard process cannot see it. " +
  "Open the dashboard that `start` serves, or set REDIS_URL to share a queue.";
