import { existsSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { readConfigText } from "./config-text.ts";
import { redactSecrets, registerSecret, passwordNeedsEncoding } from "./secrets.ts";

// Every setting is declared once, here: its env var, type, default and meaning. The rest of
// the code receives the resolved `Settings` object and never reads process.env.

const bool = z
  .union([z.boolean(), z.enum(["true", "false", "1", "0", "yes", "no"])])
  .transform((v) => v === true || v === "true" || v === "1" || v === "yes");
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const url = (protocols: string[]) =>
  z.string().refine(
    (v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL (${protocols.join(" or ")})` },
  );

/**
 * A connection string whose password is written as a URL must have it percent-encoded:
 * drivers and our redaction split at different `@`s otherwise, and part of it shows.
 * The message says how to encode it and never repeats it (nor which characters it holds).
 */
const connectionString = (protocols: string[]) =>
  url(protocols).refine((value) => !passwordNeedsEncoding(value), {
    message:
      "the password must be percent-encoded in the URL (@ → %40, : → %3A, / → %2F, ? → %3F, # → %23, " +
      "[ → %5B, ] → %5D, % → %25, space → %20): node -p 'encodeURIComponent(process.argv[1])' '<password>' prints it encoded",
  });

/** Adapters called without settings (tests, tools) stop here too. */
export const DEFAULT_MAX_PAGES_PER_RUN = 250;

/** Least time between two slots of a roaster's cadence, per job type (ms). */
export interface CadenceFloors {
  full_refresh: number;
  price_only: number;
}

/** FULL/PRICE_CADENCE_MIN_INTERVAL_MS's defaults: hourly full refreshes, price runs every 15 minutes at most. */
export const DEFAULT_CADENCE_FLOORS: CadenceFloors = { full_refresh: 3_600_000, price_only: 900_000 };

export const settingsSchema = z
  .object({
    DATABASE_URL: connectionString(["postgres:", "postgresql:"]).optional(),
    REDIS_URL: connectionString(["redis:", "rediss:"]).optional(),
    DATA_DIR: z.string().min(1).default("./data"),
    LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
    LOG_FORMAT: z.enum(["json", "pretty"]).optional(),
    WORKER_CONCURRENCY: int(1, 100).default(5),
    SHUTDOWN_TIMEOUT_MS: int(0, 3_600_000).default(30_000),
    JOB_ATTEMPTS: int(1, 20).default(6),
    JOB_BACKOFF_MS: int(0, 3_600_000).default(1000),
    LEASE_TTL_MS: int(1000, 3_600_000).default(60_000),
    QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9_-]+$/, "letters, digits, _ and - only").default("coffee-scraper"),
    /** Fraction of each retry delay that is randomised (BullMQ `backoff.jitter`): 0.2 → 80–100 % of it. */
    JOB_BACKOFF_JITTER: z.coerce.number().min(0).max(1).default(0.2),
    /** How long a job whose roaster is busy (lease held elsewhere) waits before it is tried again. */
    JOB_DEFER_MS: int(0, 3_600_000).default(5000),
    /**
     * Wall-clock deadline of one job attempt; then its requests are aborted, its run closed as
     * failed ("deadline") and its lease released, and the job fails without its retries (the
     * roaster's next slot tries again). Sized for the biggest store we read: 100 Shopify pages
     * (25,000 products) at the Crawl-delay cap of 60 s take ~100 minutes; at the default
     * pacing a few minutes.
     */
    JOB_TIMEOUT_MS: int(1000, 86_400_000).default(7_200_000),
    /**
     * Longest wait a job is put off for when a site asks for more than HTTP_RETRY_AFTER_CAP_MS
     * (Retry-After); beyond it the job fails as throttled and the roaster's next slot tries again.
     */
    JOB_RETRY_AFTER_CAP_MS: int(0, 604_800_000).default(21_600_000),
    /** Finished jobs kept in the queue for `status` and dedup (the database keeps the runs). */
    QUEUE_KEEP_COMPLETED: int(0, 1_000_000).default(1000),
    QUEUE_KEEP_FAILED: int(0, 1_000_000).default(5000),
    /** BullMQ job lock: a worker that stops renewing it for this long is taken for dead. */
    QUEUE_LOCK_DURATION_MS: int(500, 3_600_000).default(30_000),
    /** How often BullMQ looks for stalled jobs (their worker died) and puts them back to wait. */
    QUEUE_STALLED_INTERVAL_MS: int(500, 3_600_000).default(30_000),
    /** Times a job may be recovered from a stalled worker before it is failed. */
    QUEUE_MAX_STALLED_COUNT: int(0, 100).default(2),
    HTTP_DELAY_MS: int(0, 600_000).default(250),
    HTTP_JITTER_MS: int(0, 600_000).default(100),
    HTTP_RETRIES: int(0, 10).default(3),
    HTTP_RETRY_BASE_MS: int(0, 600_000).default(1000),
    HTTP_RETRY_AFTER_CAP_MS: int(0, 3_600_000).default(120_000),
    /**
     * Longest robots.txt Crawl-delay honoured (as the spacing of request starts); a site asking
     * for more ends the job as throttled before any page is requested.
     */
    HTTP_CRAWL_DELAY_CAP_MS: int(0, 3_600_000).default(60_000),
    HTTP_TIMEOUT_MS: int(1, 600_000).default(30_000),
    HTTP_MAX_BYTES: int(1024, 1_073_741_824).default(20 * 1024 * 1024),
    ROBOTS_TTL_MS: int(0, 604_800_000).default(86_400_000),
    /**
     * Store pages read per run, on every platform (Woo's X-WP-TotalPages is not trusted beyond
     * it); the walk stops there and the run is partial. 250 pages hold 25,000 products on Woo,
     * as many as Shopify serves at all.
     */
    MAX_PAGES_PER_RUN: int(1, 100_000).default(DEFAULT_MAX_PAGES_PER_RUN),
    USER_AGENT: z
      .string()
      .min(1)
      .default("coffee-scraper/0.1 (+https://github.com/coffee-scraper/coffee-scraper)"),
    ALLOW_PRIVATE_NETWORKS: bool.default(false),
    ROASTERS_FILE: z.string().min(1).default("roasters.yaml"),
    ALERT_WEBHOOK_URL: url(["http:", "https:"]).optional(),
    ARTIFACTS_RETENTION_DAYS: int(0, 36_500).default(90),
    /** Raw pages go to this S3-compatible bucket (S3, R2, Supabase Storage, MinIO) instead of DATA_DIR/artifacts. */
    ARTIFACTS_S3_BUCKET: z.string().regex(/^[^/\s]+$/, "a bucket name (no / or spaces)").optional(),
    /** The S3 API endpoint of R2, Supabase Storage or MinIO; unset → AWS S3. */
    ARTIFACTS_S3_ENDPOINT: url(["http:", "https:"]).optional(),
    /**
     * Signing region. us-east-1 works for AWS (buckets elsewhere are followed by redirect), for
     * R2 (an alias of its "auto") and MinIO; "auto" is R2-only and no AWS region.
     */
    ARTIFACTS_S3_REGION: z.string().min(1).default("us-east-1"),
    ARTIFACTS_S3_ACCESS_KEY_ID: z.string().min(1).optional(),
    ARTIFACTS_S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
    /** Object keys are `<prefix>/<aa>/<sha256>.gz`. */
    ARTIFACTS_S3_PREFIX: z.string().min(1).optional(),
    /** `<endpoint>/<bucket>/<key>` URLs instead of `<bucket>.<endpoint>/<key>`: Supabase Storage and MinIO need it. */
    ARTIFACTS_S3_FORCE_PATH_STYLE: bool.default(false),
    /** The paid fallback fetcher's key (for roasters with use_firecrawl_fallback); never logged. */
    FIRECRAWL_API_KEY: z.string().min(8, "at least 8 characters").optional(),
    /** Firecrawl's API, or a self-hosted Firecrawl. */
    FIRECRAWL_BASE_URL: url(["http:", "https:"]).default("https://api.firecrawl.dev"),
    /** Full runs of a sitemap (JSON-LD) store fetch only pages whose lastmod changed, except one in this many days, which reads every page. */
    SITEMAP_FULL_SWEEP_DAYS: int(0, 365).default(7),
    /** An OpenAI-compatible chat-completions API (OpenAI, vLLM, llama.cpp, Ollama): the enricher of roasters with use_llm. */
    LLM_BASE_URL: url(["http:", "https:"]).optional(),
    /** Sent as `Authorization: Bearer`; never logged. A self-hosted server may need none. */
    LLM_API_KEY: z.string().min(8, "at least 8 characters").optional(),
    /** The model asked; part of every cached answer's key (a new model asks again). */
    LLM_MODEL: z.string().min(1).max(200).optional(),
    /** Calls to the LLM per UTC day, all roasters and workers together; counted in the database before each call. */
    LLM_DAILY_CALLS: int(0, 10_000_000).default(500),
    /** Tokens (prompt + answer) per UTC day; each call reserves its prompt's estimate plus LLM_MAX_ANSWER_TOKENS first. */
    LLM_DAILY_TOKENS: int(0, 1_000_000_000).default(1_000_000),
    /** The longest answer asked for (`max_tokens`). */
    LLM_MAX_ANSWER_TOKENS: int(64, 16_384).default(600),
    /** Product text given to the model is cut to this many characters. */
    LLM_MAX_INPUT_CHARS: int(200, 100_000).default(6000),
    /** Calls in flight at once per run. */
    LLM_CONCURRENCY: int(1, 32).default(2),
    /** Calls per run at most; the rest wait for the next run (pending). */
    LLM_MAX_CALLS_PER_RUN: int(0, 100_000).default(200),
    /** One call, headers and answer. */
    LLM_TIMEOUT_MS: int(1000, 600_000).default(60_000),
    /** Inferred values below this confidence are not stored. */
    LLM_MIN_CONFIDENCE: z.enum(["low", "medium", "high"]).default("medium"),
    /** ImageKit's private key: product images are uploaded to ImageKit when it is set; never logged. */
    IMAGEKIT_PRIVATE_KEY: z.string().min(8, "at least 8 characters").optional(),
    /** Where ImageKit serves the uploaded files (https://ik.imagekit.io/<id>, or a custom domain): the start of each imagekit_url. */
    IMAGEKIT_URL_ENDPOINT: url(["http:", "https:"]).optional(),
    /** ImageKit's upload API. */
    IMAGEKIT_UPLOAD_URL: url(["http:", "https:"]).default("https://upload.imagekit.io/api/v1/files/upload"),
    /** Folder of each roaster's images in ImageKit: `<folder>/<roaster slug>/<content hash>.<ext>`. */
    IMAGEKIT_FOLDER: z.string().regex(/^\/[A-Za-z0-9_\-/]*$/, "a path starting with / (letters, digits, _ - /)").default("/coffee-scraper"),
    /** Uploads (and their downloads) in flight at once per run. */
    IMAGE_UPLOAD_CONCURRENCY: int(1, 16).default(2),
    /** Images downloaded and uploaded per run at most; the rest wait for the next run. */
    IMAGES_PER_RUN: int(0, 100_000).default(200),
    /** Largest image downloaded (after decompression); a bigger one is refused and not retried. */
    IMAGE_MAX_BYTES: int(1024, 100 * 1024 * 1024).default(10 * 1024 * 1024),
    SCHEDULER_TICK_MS: int(1000, 3_600_000).default(60_000),
    /**
     * Least time between two full-refresh slots of a roaster. A cadence that fires more often is
     * refused at import unless the roaster sets allow_frequent_cadence; the scheduler skips the
     * slots inside the interval for rows written elsewhere.
     */
    FULL_CADENCE_MIN_INTERVAL_MS: int(0, 604_800_000).default(DEFAULT_CADENCE_FLOORS.full_refresh),
    /** Least time between two price-only slots of a roaster (as FULL_CADENCE_MIN_INTERVAL_MS). */
    PRICE_CADENCE_MIN_INTERVAL_MS: int(0, 604_800_000).default(DEFAULT_CADENCE_FLOORS.price_only),
    /**
     * A recorded slot whose job the queue does not know is taken for lost (and enqueued again)
     * only once this long has passed since it was recorded: a concurrent scheduler may be
     * between recording it and enqueuing it.
     */
    SCHEDULER_LOST_AFTER_MS: int(0, 86_400_000).default(60_000),
    /** The operations dashboard (`dashboard`, and inside `start`): port; 0 picks a free one. */
    DASHBOARD_PORT: int(0, 65_535).default(3000),
    /** Where the dashboard listens. Anything but 127.0.0.1 / ::1 / localhost requires DASHBOARD_TOKEN or DASHBOARD_USER + DASHBOARD_PASSWORD. */
    DASHBOARD_HOST: z.string().min(1).default("127.0.0.1"),
    /** Dashboard access token: `Authorization: Bearer <token>`, or a session cookie after the login form. */
    DASHBOARD_TOKEN: z.string().min(16, "at least 16 characters").optional(),
    /** Dashboard HTTP basic-auth user name (with DASHBOARD_PASSWORD). */
    DASHBOARD_USER: z.string().min(1).optional(),
    /** Dashboard HTTP basic-auth password (with DASHBOARD_USER). */
    DASHBOARD_PASSWORD: z.string().min(12, "at least 12 characters").optional(),
    /** How long a sign-in through the dashboard's form lasts (sessions are held by the dashboard process). */
    DASHBOARD_SESSION_TTL_MS: int(1000, 2_592_000_000).default(43_200_000),
    /** Failed dashboard sign-ins allowed per client address in 15 minutes; then 429 until the window ends. */
    DASHBOARD_SIGNIN_ATTEMPTS: int(1, 1000).default(10),
    /** `worker` (and `start`) also serve /metrics, /healthz and /readyz on this port when set. */
    METRICS_PORT: int(0, 65_535).optional(),
    /** Where the METRICS_PORT server listens (all interfaces by default, for health checks and Prometheus). */
    METRICS_HOST: z.string().min(1).default("0.0.0.0"),
  })
  .strict();

export type Settings = z.infer<typeof settingsSchema> & { LOG_FORMAT: "json" | "pretty" };
export const SETTING_NAMES = Object.keys(settingsSchema.shape) as (keyof typeof settingsSchema.shape)[];

export class SettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid settings:\n${problems.map((p) => `  ${p}`).join("\n")}`);
    this.name = "SettingsError";
  }
}

/**
 * Resolves settings from an optional config file (CONFIG_FILE, YAML or JSON, same keys)
 * overlaid by environment variables. Unknown keys in the file are rejected; unrelated
 * environment variables are ignored.
 */
export function loadSettings(env: NodeJS.ProcessEnv = process.env, isTty = Boolean(process.stdout.isTTY)): Settings {
  const fromFile = readConfigFile(env.CONFIG_FILE);
  const fromEnv: Record<string, string> = {};
  for (const name of SETTING_NAMES) {
    const value = env[name];
    if (value !== undefined && value !== "") fromEnv[name] = value;
  }
  const parsed = settingsSchema.safeParse({ ...fromFile, ...fromEnv });
  if (!parsed.success) {
    throw new SettingsError(
      parsed.error.issues.map((issue) => {
        const key = issue.path.join(".") || (issue.code === "unrecognized_keys" ? issue.keys.join(", ") : "");
        return redactSecrets(`${key}: ${issue.message}`);
      }),
    );
  }
  const crossField = crossFieldProblems(parsed.data);
  if (crossField.length > 0) throw new SettingsError(crossField);
  const settings = { ...parsed.data, LOG_FORMAT: parsed.data.LOG_FORMAT ?? (isTty ? "pretty" : "json") } as Settings;
  registerSecret(settings.DATABASE_URL);
  registerSecret(settings.REDIS_URL);
  registerSecret(settings.ALERT_WEBHOOK_URL);
  registerSecret(settings.DASHBOARD_TOKEN);
  registerSecret(settings.DASHBOARD_PASSWORD);
  registerSecret(settings.ARTIFACTS_S3_ACCESS_KEY_ID);
  registerSecret(settings.ARTIFACTS_S3_SECRET_ACCESS_KEY);
  registerSecret(settings.FIRECRAWL_API_KEY);
  registerSecret(settings.LLM_API_KEY);
  registerSecret(settings.IMAGEKIT_PRIVATE_KEY);
  // ImageKit's Basic auth carries the key base64-encoded: that form is as secret.
  if (settings.IMAGEKIT_PRIVATE_KEY) registerSecret(Buffer.from(`${settings.IMAGEKIT_PRIVATE_KEY}:`).toString("base64"));
  return settings;
}

/** Settings that are only valid together, as "VAR: problem" lines like the schema's. */
function crossFieldProblems(s: z.infer<typeof settingsSchema>): string[] {
  const problems: string[] = [];
  const s3Keys = ["ARTIFACTS_S3_ACCESS_KEY_ID", "ARTIFACTS_S3_SECRET_ACCESS_KEY"] as const;
  if (s.ARTIFACTS_S3_BUCKET) {
    for (const key of s3Keys) if (!s[key]) problems.push(`${key}: required when ARTIFACTS_S3_BUCKET is set`);
  } else {
    const orphans = (["ARTIFACTS_S3_ENDPOINT", ...s3Keys, "ARTIFACTS_S3_PREFIX"] as const).filter((key) => s[key]);
    if (orphans.length > 0) {
      problems.push(`ARTIFACTS_S3_BUCKET: required when ${orphans.join(", ")} ${orphans.length > 1 ? "are" : "is"} set (raw pages would silently stay in DATA_DIR)`);
    }
  }
  if (s.IMAGEKIT_PRIVATE_KEY && !s.IMAGEKIT_URL_ENDPOINT) {
    problems.push("IMAGEKIT_URL_ENDPOINT: required when IMAGEKIT_PRIVATE_KEY is set (the address the uploaded images are served from)");
  }
  if (s.LLM_BASE_URL && !s.LLM_MODEL) problems.push("LLM_MODEL: required when LLM_BASE_URL is set");
  return problems;
}

function readConfigFile(file: string | undefined): Record<string, unknown> {
  if (!file) return {};
  const resolved = path.resolve(file);
  if (!existsSync(resolved)) throw new SettingsError([`CONFIG_FILE: ${file} does not exist`]);
  const read = readConfigText(resolved);
  if (!read.ok) throw new SettingsError([`CONFIG_FILE: ${file}: ${read.problem}`]);
  const data = read.data;
  if (data === null || data === undefined) return {};
  if (typeof data !== "object" || Array.isArray(data)) {
    throw new SettingsError([`CONFIG_FILE: ${file} must hold a mapping of setting names to values`]);
  }
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, typeof v === "number" || typeof v === "boolean" ? String(v) : v]));
}

export function cadenceFloorsOf(settings: Pick<Settings, "FULL_CADENCE_MIN_INTERVAL_MS" | "PRICE_CADENCE_MIN_INTERVAL_MS">): CadenceFloors {
  return { full_refresh: settings.FULL_CADENCE_MIN_INTERVAL_MS, price_only: settings.PRICE_CADENCE_MIN_INTERVAL_MS };
}

/** What a person may see of the settings: connection strings redacted. */
export function describeSettings(settings: Settings): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(settings).map(([k, v]) => [k, typeof v === "string" ? redactSecrets(v) : v]),
  );
}
