import type { SETTING_NAMES } from "./settings.ts";

// One line per setting for people: the README's configuration table is generated from this
// (npm run docs:settings) and a test keeps the two, and the schema, in step.

type SettingName = (typeof SETTING_NAMES)[number];

export const SETTING_DOCS: Record<SettingName, string> = {
  DATABASE_URL: "PostgreSQL / Supabase connection string; unset → embedded PGlite in `DATA_DIR`",
  REDIS_URL: "Redis for BullMQ; unset → the embedded in-process queue (inside `start`)",
  DATA_DIR: "embedded database, raw page artifacts, owner socket",
  LOG_LEVEL: "trace, debug, info, warn, error, fatal, silent",
  LOG_FORMAT: "`json` or `pretty` (default: pretty on a terminal, else json)",
  WORKER_CONCURRENCY: "roasters processed at once per worker process",
  SHUTDOWN_TIMEOUT_MS: "graceful drain on SIGTERM/SIGINT before running jobs are interrupted",
  JOB_ATTEMPTS: "attempts per job, the first included (5 retries after 1, 2, 4, 8, 16 × `JOB_BACKOFF_MS`)",
  JOB_BACKOFF_MS: "base of the jobs' exponential backoff",
  JOB_BACKOFF_JITTER: "fraction of each retry delay that is randomised (0.2 → 80–100 % of it)",
  JOB_DEFER_MS: "wait before retrying a job whose roaster is busy (no attempt used)",
  LEASE_TTL_MS: "expiry of the per-roaster lease (renewed every third of it while the job runs)",
  QUEUE_PREFIX: "Redis key prefix of the queue",
  QUEUE_KEEP_COMPLETED: "completed jobs kept in the queue (the database keeps every run)",
  QUEUE_KEEP_FAILED: "failed jobs kept in the queue, for `status`",
  QUEUE_LOCK_DURATION_MS: "BullMQ job lock; a worker silent this long is taken for dead",
  QUEUE_STALLED_INTERVAL_MS: "how often BullMQ looks for jobs of dead workers",
  QUEUE_MAX_STALLED_COUNT: "times a job may be recovered from a dead worker before it fails",
  HTTP_DELAY_MS: "minimum spacing of request starts to one roaster's site",
  HTTP_JITTER_MS: "± uniform random added to `HTTP_DELAY_MS`",
  HTTP_RETRIES: "request-level retries (after 1, 2, 4 × `HTTP_RETRY_BASE_MS`, jittered)",
  HTTP_RETRY_BASE_MS: "base of the request retries' backoff",
  HTTP_RETRY_AFTER_CAP_MS: "longest `Retry-After` honoured; beyond it the job is retried later (throttled)",
  HTTP_TIMEOUT_MS: "per request (headers and body)",
  HTTP_MAX_BYTES: "response size cap, after decompression (20 MB)",
  ROBOTS_TTL_MS: "how long a site's robots.txt is trusted across jobs",
  USER_AGENT: "sent on every request; names coffee-scraper and a contact URL",
  ALLOW_PRIVATE_NETWORKS: "allow loopback/private/link-local store addresses (tests only)",
  ROASTERS_FILE: "what `start` imports at startup when present",
  ALERT_WEBHOOK_URL: "price alerts POSTed here as JSON, one request per run",
  ARTIFACTS_RETENTION_DAYS: "raw pages kept this long (`artifacts prune`)",
  SCHEDULER_TICK_MS: "tick interval of the long-running scheduler (`schedule`, `start`)",
  SCHEDULER_LOST_AFTER_MS: "a recorded slot whose job the queue lost is re-enqueued after this",
  DASHBOARD_PORT: "dashboard port (`dashboard`, and inside `start`); 0 picks a free one",
  DASHBOARD_HOST: "dashboard address; anything but loopback requires a token or user/password",
  DASHBOARD_TOKEN: "dashboard access token (Bearer header or sign-in form), 16+ characters",
  DASHBOARD_USER: "dashboard basic-auth user (with `DASHBOARD_PASSWORD`)",
  DASHBOARD_PASSWORD: "dashboard basic-auth password, 12+ characters",
  METRICS_PORT: "`worker` serves /metrics, /healthz, /readyz on this port when set",
  METRICS_HOST: "address of the `METRICS_PORT` server",
};
