import { existsSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { readConfigText } from "./config-text.ts";
import { redactSecrets, registerSecret, passwordNeedsEncoding } from "../core/secrets.ts";
import { inGroup, settingMeta, type SecretKind, type SettingMeta } from "./setting-meta.ts";
import type { JobType } from "../core/job-kinds.ts";

// Every setting is declared once, here: its env var, type, default, meaning and whether it
// is secret. The README table and env.example are generated from it (npm run docs:settings);
// the rest of the code receives the resolved settings and never reads process.env.

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
export type CadenceFloors = Record<JobType, number>;

/** FULL/PRICE_CADENCE_MIN_INTERVAL_MS's defaults: hourly full refreshes, price runs every 15 minutes at most. */
export const DEFAULT_CADENCE_FLOORS: CadenceFloors = { full_refresh: 3_600_000, price_only: 900_000 };

const connection = inGroup("connections");
const logging = inGroup("logging");
const worker = inGroup("worker");
const scheduler = inGroup("scheduler");
const http = inGroup("http");
const roasters = inGroup("roasters");
const plainStores = inGroup("plain-stores");
const paid = inGroup("paid");
const s3 = inGroup("s3");
const dashboard = inGroup("dashboard");

export const settingsSchema = z
  .object({
    DATABASE_URL: connection(connectionString(["postgres:", "postgresql:"]).optional(),
      "PostgreSQL / Supabase connection string (password percent-encoded); unset → embedded PGlite in `DATA_DIR` (one machine only)", "credentials"),
    REDIS_URL: connection(connectionString(["redis:", "rediss:"]).optional(),
      "Redis for BullMQ (with `appendonly yes`, `maxmemory-policy noeviction`; password percent-encoded); unset → the embedded in-process queue (inside `start`)", "credentials"),
    DATA_DIR: connection(z.string().min(1).default("./data"),
      "embedded database, raw page artifacts, owner socket"),

    LOG_LEVEL: logging(z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
      "trace, debug, info, warn, error, fatal, silent"),
    LOG_FORMAT: logging(z.enum(["json", "pretty"]).optional(),
      "`json` or `pretty` (default: pretty on a terminal, else json)"),

    WORKER_CONCURRENCY: worker(int(1, 100).default(5),
      "roasters processed at once per worker process"),
    SHUTDOWN_TIMEOUT_MS: worker(int(0, 3_600_000).default(30_000),
      "graceful drain on SIGTERM/SIGINT before running jobs are interrupted"),
    JOB_ATTEMPTS: worker(int(1, 20).default(6),
      "attempts per job, the first included (5 retries after 1, 2, 4, 8, 16 × `JOB_BACKOFF_MS`)"),
    JOB_BACKOFF_MS: worker(int(0, 3_600_000).default(1000),
      "base of the jobs' exponential backoff"),
    // BullMQ's `backoff.jitter`.
    JOB_BACKOFF_JITTER: worker(z.coerce.number().min(0).max(1).default(0.2),
      "fraction of each retry delay that is randomised (0.2 → 80–100 % of it)"),
    JOB_DEFER_MS: worker(int(0, 3_600_000).default(5000),
      "wait before retrying a job whose roaster is busy (no attempt used)"),
    // Sized for the biggest store we read: 100 Shopify pages (25,000 products) at the
    // Crawl-delay cap of 60 s take ~100 minutes; at the default pacing a few minutes.
    JOB_TIMEOUT_MS: worker(int(1000, 86_400_000).default(7_200_000),
      "deadline of one job attempt: then its requests are aborted, its run closed as `fail` (\"deadline\"), its lease released; not retried (the next slot tries again)"),
    JOB_RETRY_AFTER_CAP_MS: worker(int(0, 604_800_000).default(21_600_000),
      "longest wait a job is put off for when a site asks for more than `HTTP_RETRY_AFTER_CAP_MS`; beyond it the job fails (throttled), the next slot tries again"),
    LEASE_TTL_MS: worker(int(1000, 3_600_000).default(60_000),
      "expiry of the per-roaster lease (renewed every third of it while the job runs)"),
    QUEUE_PREFIX: worker(z.string().regex(/^[A-Za-z0-9_-]+$/, "letters, digits, _ and - only").default("coffee-scraper"),
      "Redis key prefix of the queue"),
    QUEUE_KEEP_COMPLETED: worker(int(0, 1_000_000).default(1000),
      "completed jobs kept in the queue (the database keeps every run)"),
    QUEUE_KEEP_FAILED: worker(int(0, 1_000_000).default(5000),
      "failed jobs kept in the queue, for `status`"),
    QUEUE_LOCK_DURATION_MS: worker(int(500, 3_600_000).default(30_000),
      "BullMQ job lock; a worker silent this long is taken for dead"),
    QUEUE_STALLED_INTERVAL_MS: worker(int(500, 3_600_000).default(30_000),
      "how often BullMQ looks for jobs of dead workers"),
    QUEUE_MAX_STALLED_COUNT: worker(int(0, 100).default(2),
      "times a job may be recovered from a dead worker before it fails"),

    SCHEDULER_TICK_MS: scheduler(int(1000, 3_600_000).default(60_000),
      "tick interval of the long-running scheduler (`schedule`, `start`)"),
    // Not sooner: a concurrent scheduler may be between recording a slot and enqueuing it.
    SCHEDULER_LOST_AFTER_MS: scheduler(int(0, 86_400_000).default(60_000),
      "a recorded slot whose job the queue lost is re-enqueued after this"),
    FULL_CADENCE_MIN_INTERVAL_MS: scheduler(int(0, 604_800_000).default(DEFAULT_CADENCE_FLOORS.full_refresh),
      "least time between a roaster's full-refresh slots: a cadence firing more often is refused at import (unless `allow_frequent_cadence`) and thinned by the scheduler"),
    PRICE_CADENCE_MIN_INTERVAL_MS: scheduler(int(0, 604_800_000).default(DEFAULT_CADENCE_FLOORS.price_only),
      "least time between a roaster's price-only slots (as `FULL_CADENCE_MIN_INTERVAL_MS`)"),

    HTTP_DELAY_MS: http(int(0, 600_000).default(250),
      "minimum spacing of requests to one roaster's site, from when the previous one went out"),
    HTTP_JITTER_MS: http(int(0, 600_000).default(100),
      "± uniform random added to `HTTP_DELAY_MS`"),
    HTTP_RETRIES: http(int(0, 10).default(3),
      "request-level retries (after 1, 2, 4 × `HTTP_RETRY_BASE_MS`, jittered)"),
    HTTP_RETRY_BASE_MS: http(int(0, 600_000).default(1000),
      "base of the request retries' backoff"),
    HTTP_RETRY_AFTER_CAP_MS: http(int(0, 3_600_000).default(120_000),
      "longest `Retry-After` waited for within a request; beyond it the job is retried after the site's wait (throttled)"),
    HTTP_CRAWL_DELAY_CAP_MS: http(int(0, 3_600_000).default(60_000),
      "longest robots.txt `Crawl-delay` honoured; beyond it the job ends as throttled before any page is requested (not retried)"),
    HTTP_TIMEOUT_MS: http(int(1, 600_000).default(30_000),
      "per request (headers and body)"),
    HTTP_MAX_BYTES: http(int(1024, 1_073_741_824).default(20 * 1024 * 1024),
      "response size cap, after decompression (20 MB)"),
    ROBOTS_TTL_MS: http(int(0, 604_800_000).default(86_400_000),
      "how long a site's robots.txt is trusted across jobs"),
    // 250 pages hold 25,000 products on Woo, as many as Shopify serves at all.
    MAX_PAGES_PER_RUN: http(int(1, 100_000).default(DEFAULT_MAX_PAGES_PER_RUN),
      "store pages read per run on any platform; beyond it the walk stops and the run is `partial` (Woo's `X-WP-TotalPages` is not trusted past it)"),
    USER_AGENT: http(z
      .string()
      .min(1)
      .default("coffee-scraper/0.1 (+https://github.com/coffee-scraper/coffee-scraper)"),
      "sent on every request; names coffee-scraper and a contact URL"),
    ALLOW_PRIVATE_NETWORKS: http(bool.default(false),
      "allow loopback/private/link-local store addresses (tests only)"),

    ROASTERS_FILE: roasters(z.string().min(1).default("roasters.yaml"),
      "what `start` imports at startup when present"),
    ALERT_WEBHOOK_URL: roasters(url(["http:", "https:"]).optional(),
      "price alerts POSTed here as JSON, one request per run (and unlisting holds, one each)", "value"),
    ARTIFACTS_RETENTION_DAYS: roasters(int(0, 36_500).default(90),
      "raw pages kept this long (`artifacts prune`)"),
    TOUCH_UNCHANGED_VARIANTS: roasters(bool.default(false),
      "false: a product listed as it was last written rewrites no row of theirs, only `coffee_scraper.product_state.last_seen_at` moves (their variants' `last_seen_at` / `price_last_checked_at` say when the variant was last written); true: every run also moves those two on each of its variants, as a scraper that rewrites everything would (one row rewrite per variant)"),

    SITEMAP_FULL_SWEEP_DAYS: plainStores(int(0, 365).default(7),
      "full runs of a JSON-LD store fetch only product pages whose sitemap `lastmod` changed, but once in this many days every page (0: always)"),
    FIRECRAWL_API_KEY: plainStores(z.string().min(8, "at least 8 characters").optional(),
      "Firecrawl API key, for roasters with `use_firecrawl_fallback` (never logged); unset → no Firecrawl", "value"),
    FIRECRAWL_BASE_URL: plainStores(url(["http:", "https:"]).default("https://api.firecrawl.dev"),
      "Firecrawl's API, or a self-hosted Firecrawl's address"),

    LLM_BASE_URL: paid(url(["http:", "https:"]).optional(),
      "OpenAI-compatible chat-completions API (OpenAI `https://api.openai.com/v1`, vLLM, llama.cpp, Ollama `…/v1`) for roasters with `use_llm`; unset → no enrichment"),
    LLM_API_KEY: paid(z.string().min(8, "at least 8 characters").optional(),
      "sent as `Authorization: Bearer` to `LLM_BASE_URL` (never logged); unset → no header", "value"),
    LLM_MODEL: paid(z.string().min(1).max(200).optional(),
      "model asked (required with `LLM_BASE_URL`); part of each cached answer's key"),
    LLM_DAILY_CALLS: paid(int(0, 10_000_000).default(500),
      "LLM calls per UTC day, all roasters and workers together, counted in the database before each call; beyond it products wait (pending), the run is not failed"),
    LLM_DAILY_TOKENS: paid(int(0, 1_000_000_000).default(1_000_000),
      "LLM tokens (prompt + answer) per UTC day; each call first reserves its prompt's estimate + `LLM_MAX_ANSWER_TOKENS`, then counts what the answer reports"),
    LLM_MAX_ANSWER_TOKENS: paid(int(64, 16_384).default(600),
      "`max_tokens` of each LLM answer"),
    LLM_MAX_INPUT_CHARS: paid(int(200, 100_000).default(6000),
      "product text given to the LLM is cut to this many characters"),
    LLM_CONCURRENCY: paid(int(1, 32).default(2),
      "LLM calls in flight at once per run"),
    LLM_MAX_CALLS_PER_RUN: paid(int(0, 100_000).default(200),
      "LLM calls per run; products beyond it wait for the next run (pending)"),
    LLM_TIMEOUT_MS: paid(int(1000, 600_000).default(60_000),
      "one LLM call (headers and answer); then it is retried (3 attempts), then the product waits for the next run"),
    LLM_MIN_CONFIDENCE: paid(z.enum(["low", "medium", "high"]).default("medium"),
      "inferred values the model gives a lower confidence (`low`, `medium`, `high`) are not stored"),
    IMAGEKIT_PRIVATE_KEY: paid(z.string().min(8, "at least 8 characters").optional(),
      "ImageKit private key: product images are uploaded to ImageKit when set (never logged); unset → images keep only their store URL", "value"),
    IMAGEKIT_URL_ENDPOINT: paid(url(["http:", "https:"]).optional(),
      "where ImageKit serves the files (`https://ik.imagekit.io/<id>` or your domain): the start of each `imagekit_url` (required with `IMAGEKIT_PRIVATE_KEY`)"),
    IMAGEKIT_UPLOAD_URL: paid(url(["http:", "https:"]).default("https://upload.imagekit.io/api/v1/files/upload"),
      "ImageKit's upload API"),
    IMAGEKIT_FOLDER: paid(z.string().regex(/^\/[A-Za-z0-9_\-/]*$/, "a path starting with / (letters, digits, _ - /)").default("/coffee-scraper"),
      "ImageKit folder of the images: `<folder>/<roaster slug>/<sha256>.<ext>`"),
    IMAGE_UPLOAD_CONCURRENCY: paid(int(1, 16).default(2),
      "image downloads + uploads in flight at once per run"),
    IMAGES_PER_RUN: paid(int(0, 100_000).default(200),
      "images downloaded and uploaded per run at most; the rest wait for the next run"),
    IMAGE_MAX_BYTES: paid(int(1024, 100 * 1024 * 1024).default(10 * 1024 * 1024),
      "largest image downloaded; a bigger one (or one that is not a JPEG, PNG, GIF, WebP or AVIF) is refused and not retried while its URL stays"),

    ARTIFACTS_S3_BUCKET: s3(z.string().regex(/^[^/\s]+$/, "a bucket name (no / or spaces)").optional(),
      "S3-compatible bucket for raw pages (S3, R2, Supabase Storage, MinIO); unset → `DATA_DIR/artifacts`"),
    ARTIFACTS_S3_ENDPOINT: s3(url(["http:", "https:"]).optional(),
      "S3 API endpoint of R2 (`https://<account>.r2.cloudflarestorage.com`), Supabase Storage (`https://<project>.supabase.co/storage/v1/s3`) or MinIO; unset → AWS S3"),
    // us-east-1 is an alias of R2's "auto"; "auto" itself is R2-only and no AWS region.
    ARTIFACTS_S3_REGION: s3(z.string().min(1).default("us-east-1"),
      "signing region; us-east-1 suits AWS (other regions are followed), R2 and MinIO; Supabase: the project's region"),
    ARTIFACTS_S3_ACCESS_KEY_ID: s3(z.string().min(1).optional(),
      "bucket access key id (required with `ARTIFACTS_S3_BUCKET`; never logged)", "value"),
    ARTIFACTS_S3_SECRET_ACCESS_KEY: s3(z.string().min(1).optional(),
      "bucket secret access key (required with `ARTIFACTS_S3_BUCKET`; never logged)", "value"),
    ARTIFACTS_S3_PREFIX: s3(z.string().min(1).optional(),
      "object keys are `<prefix>/<aa>/<sha256>.gz`"),
    ARTIFACTS_S3_FORCE_PATH_STYLE: s3(bool.default(false),
      "path-style URLs (`<endpoint>/<bucket>/…`); Supabase Storage and MinIO need `true`"),

    DASHBOARD_PORT: dashboard(int(0, 65_535).default(3000),
      "dashboard port (`dashboard`, and inside `start`); 0 picks a free one"),
    DASHBOARD_HOST: dashboard(z.string().min(1).default("127.0.0.1"),
      "dashboard address; anything but loopback requires a token or user/password"),
    DASHBOARD_TOKEN: dashboard(z.string().min(16, "at least 16 characters").optional(),
      "dashboard access token (Bearer header or sign-in form), 16+ characters", "value"),
    DASHBOARD_USER: dashboard(z.string().min(1).optional(),
      "dashboard basic-auth user (with `DASHBOARD_PASSWORD`)"),
    DASHBOARD_PASSWORD: dashboard(z.string().min(12, "at least 12 characters").optional(),
      "dashboard basic-auth password, 12+ characters", "value"),
    DASHBOARD_SESSION_TTL_MS: dashboard(int(1000, 2_592_000_000).default(43_200_000),
      "a dashboard sign-in lasts this long; sessions live in the dashboard process (a restart signs everyone out)"),
    DASHBOARD_SIGNIN_ATTEMPTS: dashboard(int(1, 1000).default(10),
      "failed dashboard sign-ins per client address in 15 minutes; beyond it the form answers 429 until the window ends"),
    METRICS_PORT: dashboard(int(0, 65_535).optional(),
      "`worker` serves /metrics, /healthz, /readyz on this port when set"),
    METRICS_HOST: dashboard(z.string().min(1).default("0.0.0.0"),
      "address of the `METRICS_PORT` server"),
  })
  .strict();

export type Settings = z.infer<typeof settingsSchema> & { LOG_FORMAT: "json" | "pretty" };
export type SettingName = keyof typeof settingsSchema.shape;
export const SETTING_NAMES = Object.keys(settingsSchema.shape) as SettingName[];

/** A setting's doc, group and secrecy, as declared on its schema (undefined: declared without). */
export function settingMetaOf(name: SettingName): SettingMeta | undefined {
  return settingMeta.get(settingsSchema.shape[name]);
}

/** A setting's declared doc and group; throws for one declared without (a test catches that first). */
export function declaredMeta(name: SettingName): SettingMeta {
  const meta = settingMetaOf(name);
  if (!meta) throw new Error(`setting ${name} is declared without a doc (use its group's helper in settings.ts)`);
  return meta;
}

export function secretKindOf(name: string): SecretKind | undefined {
  return name in settingsSchema.shape ? settingMetaOf(name as SettingName)?.secret : undefined;
}

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
  for (const name of SETTING_NAMES) {
    const value = settings[name];
    if (secretKindOf(name) && typeof value === "string") registerSecret(value);
  }
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
