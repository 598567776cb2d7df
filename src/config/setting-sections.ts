import type { SettingName, Settings } from "./settings.ts";

// Each part receives its own section of the settings, not the whole object: what a part may
// read is written down here, once, and the composition root hands it only that.

type Section<K extends SettingName> = Pick<Settings, K>;

/** A projection that copies exactly `keys`: the part cannot reach past its section at run time either. */
function section<const K extends SettingName>(keys: readonly K[]): (settings: Section<K>) => Section<K> {
  return (settings) => Object.fromEntries(keys.map((key) => [key, settings[key]])) as Section<K>;
}

/** The polite HTTP client (fetch/): pacing, retries, caps, robots.txt, the address guard. */
export const httpSettings = section([
  "HTTP_DELAY_MS",
  "HTTP_JITTER_MS",
  "HTTP_RETRIES",
  "HTTP_RETRY_BASE_MS",
  "HTTP_RETRY_AFTER_CAP_MS",
  "HTTP_CRAWL_DELAY_CAP_MS",
  "HTTP_TIMEOUT_MS",
  "HTTP_MAX_BYTES",
  "ROBOTS_TTL_MS",
  "USER_AGENT",
  "ALLOW_PRIVATE_NETWORKS",
]);
export type HttpSettings = ReturnType<typeof httpSettings>;

/** The queue backend (queue/): where it lives, retries and backoff, retention, BullMQ's locks. */
export const queueSettings = section([
  "REDIS_URL",
  "QUEUE_PREFIX",
  "JOB_ATTEMPTS",
  "JOB_BACKOFF_MS",
  "JOB_BACKOFF_JITTER",
  "QUEUE_KEEP_COMPLETED",
  "QUEUE_KEEP_FAILED",
  "QUEUE_LOCK_DURATION_MS",
  "QUEUE_STALLED_INTERVAL_MS",
  "QUEUE_MAX_STALLED_COUNT",
]);
export type QueueSettings = ReturnType<typeof queueSettings>;

/** Firecrawl, the paid fallback reader, with the HTTP caps it shares with the polite client. */
export const firecrawlFallbackSettings = section([
  "FIRECRAWL_API_KEY",
  "FIRECRAWL_BASE_URL",
  "HTTP_MAX_BYTES",
  "HTTP_RETRY_AFTER_CAP_MS",
  "HTTP_RETRY_BASE_MS",
]);
export type FirecrawlFallbackSettings = ReturnType<typeof firecrawlFallbackSettings>;

/** The LLM enrichment stage (enrich/), with the retry timings it shares with the polite client. */
export const enrichSettings = section([
  "LLM_BASE_URL",
  "LLM_API_KEY",
  "LLM_MODEL",
  "LLM_DAILY_CALLS",
  "LLM_DAILY_TOKENS",
  "LLM_MAX_ANSWER_TOKENS",
  "LLM_MAX_INPUT_CHARS",
  "LLM_CONCURRENCY",
  "LLM_MAX_CALLS_PER_RUN",
  "LLM_TIMEOUT_MS",
  "LLM_MIN_CONFIDENCE",
  "HTTP_RETRY_AFTER_CAP_MS",
  "HTTP_RETRY_BASE_MS",
]);
export type EnrichSettings = ReturnType<typeof enrichSettings>;

/** The image upload stage (images/), with the HTTP timings its ImageKit client uses. */
export const imageSettings = section([
  "IMAGEKIT_PRIVATE_KEY",
  "IMAGEKIT_URL_ENDPOINT",
  "IMAGEKIT_UPLOAD_URL",
  "IMAGEKIT_FOLDER",
  "IMAGE_UPLOAD_CONCURRENCY",
  "IMAGES_PER_RUN",
  "IMAGE_MAX_BYTES",
  "HTTP_TIMEOUT_MS",
  "HTTP_RETRY_AFTER_CAP_MS",
  "HTTP_RETRY_BASE_MS",
]);
export type ImageSettings = ReturnType<typeof imageSettings>;

/** Where raw pages are kept: an S3-compatible bucket, or DATA_DIR/artifacts. */
export const artifactSettings = section([
  "DATA_DIR",
  "ARTIFACTS_S3_BUCKET",
  "ARTIFACTS_S3_ENDPOINT",
  "ARTIFACTS_S3_REGION",
  "ARTIFACTS_S3_ACCESS_KEY_ID",
  "ARTIFACTS_S3_SECRET_ACCESS_KEY",
  "ARTIFACTS_S3_PREFIX",
  "ARTIFACTS_S3_FORCE_PATH_STYLE",
]);
export type ArtifactSettings = ReturnType<typeof artifactSettings>;

/** Who may use the dashboard, and where it listens. */
export const dashboardAccessSettings = section([
  "DASHBOARD_HOST",
  "DASHBOARD_PORT",
  "DASHBOARD_TOKEN",
  "DASHBOARD_USER",
  "DASHBOARD_PASSWORD",
  "DASHBOARD_SESSION_TTL_MS",
  "DASHBOARD_SIGNIN_ATTEMPTS",
]);
export type DashboardAccessSettings = ReturnType<typeof dashboardAccessSettings>;

/**
 * A run of the pipeline (pipeline/): its own bounds and alerts, the lease a reparse holds, and the sections of the stages
 * it drives (the Firecrawl fallback, enrichment, images).
 */
export type PipelineSettings = FirecrawlFallbackSettings &
  EnrichSettings &
  ImageSettings &
  Section<"MAX_PAGES_PER_RUN" | "SITEMAP_FULL_SWEEP_DAYS" | "ALERT_WEBHOOK_URL" | "LEASE_TTL_MS" | "TOUCH_UNCHANGED_VARIANTS">;

/** The worker (worker/): the pipeline's section, and the job's attempts, deadline, deferral and lease. */
export type WorkerSettings = PipelineSettings &
  Section<
    | "JOB_ATTEMPTS"
    | "JOB_BACKOFF_JITTER"
    | "JOB_DEFER_MS"
    | "JOB_TIMEOUT_MS"
    | "JOB_RETRY_AFTER_CAP_MS"
    | "LEASE_TTL_MS"
    | "WORKER_CONCURRENCY"
    | "SHUTDOWN_TIMEOUT_MS"
  >;
