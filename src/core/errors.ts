// Errors carry their retry decision from where they are understood to the one place that
// acts on it (the worker edge):
//   permanent — retrying cannot help (robots.txt disallows, store 404/410, invalid config)
//   throttled — the site asked us to wait (429 + Retry-After beyond our cap)
//   transient — try again later (timeouts, resets, 5xx, database unavailable)
//
// Every code we raise is listed once, below, with its class: a code's spelling is part of
// the interface (run stats, logs, docs/interface.md), so the list is closed and typed.
// This module imports nothing of ours.

export type RetryClass = "permanent" | "throttled" | "transient";

interface CodeEntry {
  retry: RetryClass;
  /** No later attempt of the job can do better: it fails now, without its retries. */
  final?: true;
  /** Ends the whole walk of the store rather than failing one page. */
  endsRun?: true;
  /** Takes its class, wait and finality from the error it reports (the only override). */
  inheritsCause?: true;
  doc: string;
}

export const ERROR_CODES = {
  // The store and its robots.txt
  robots_disallowed: { retry: "permanent", endsRun: true, doc: "robots.txt disallows a URL the job needs" },
  robots_unavailable: { retry: "transient", doc: "robots.txt answered 5xx: the store is not read until it answers" },
  crawl_delay_too_long: { retry: "throttled", final: true, endsRun: true, doc: "robots.txt asks for a Crawl-delay beyond HTTP_CRAWL_DELAY_CAP_MS" },
  store_not_found: { retry: "permanent", endsRun: true, doc: "no store endpoint or sitemap at the website (404/410)" },
  platform_unknown: { retry: "permanent", doc: "the website answers no platform we read, or a run names none" },
  not_found: { retry: "permanent", doc: "a store page answered 404 or 410" },
  // The HTTP exchange
  network_error: { retry: "transient", doc: "the request failed below HTTP (reset, refused, DNS)" },
  timeout: { retry: "transient", doc: "no complete answer within the timeout" },
  rate_limited: { retry: "throttled", doc: "429 after every request-level retry" },
  retry_after_too_long: { retry: "throttled", doc: "a Retry-After beyond the cap" },
  off_site_url: { retry: "permanent", doc: "a URL or redirect outside the roaster's registrable domain" },
  too_many_redirects: { retry: "permanent", doc: "more redirects than the client follows" },
  unsupported_url: { retry: "permanent", doc: "a URL that is not http or https" },
  private_address: { retry: "permanent", doc: "a host that is, or resolves to, a non-public address" },
  unexpected_content_type: { retry: "permanent", doc: "a 2xx answer of a type other than the one asked for" },
  response_too_large: { retry: "permanent", doc: "an answer larger than HTTP_MAX_BYTES (or the caller's cap)" },
  unsupported_encoding: { retry: "permanent", doc: "a Content-Encoding the client cannot decode" },
  invalid_encoding: { retry: "transient", doc: "a body that does not decode as its Content-Encoding (truncated?)" },
  // What the store answered
  html_instead_of_json: { retry: "transient", doc: "HTML where JSON was expected (a challenge or error page)" },
  invalid_json: { retry: "transient", doc: "a body that is not valid JSON (truncated?)" },
  unexpected_shape: { retry: "permanent", doc: "JSON that is not what the platform returns" },
  not_a_sitemap: { retry: "permanent", doc: "a sitemap URL whose body is not a sitemap" },
  too_many_pages: { retry: "permanent", doc: "the walk stopped after MAX_PAGES_PER_RUN pages" },
  too_many_products: { retry: "permanent", doc: "a page listing more items than the platform ever sends" },
  // The job and the run
  roaster_not_found: { retry: "permanent", doc: "the job's roaster does not exist" },
  roaster_inactive: { retry: "permanent", doc: "the job's roaster is inactive" },
  deadline: { retry: "transient", final: true, endsRun: true, doc: "the job ran longer than JOB_TIMEOUT_MS" },
  all_pages_failed: { retry: "transient", inheritsCause: true, doc: "no page could be read; class, wait and finality are the first failed page's" },
  run_not_found: { retry: "permanent", doc: "replay of a run that does not exist" },
  artifacts_pruned: { retry: "permanent", doc: "replay of a run whose stored pages are gone" },
  // Images and ImageKit
  invalid_url: { retry: "permanent", doc: "an image URL that is not absolute" },
  not_an_image: { retry: "permanent", doc: "an image URL whose body is not JPEG, PNG, GIF, WebP or AVIF" },
  imagekit_unauthorized: { retry: "permanent", doc: "IMAGEKIT_PRIVATE_KEY was refused" },
  imagekit_unreachable: { retry: "transient", doc: "ImageKit's upload API could not be reached" },
  imagekit_invalid_answer: { retry: "transient", doc: "ImageKit answered 2xx without the file's path" },
  // Firecrawl
  firecrawl_not_configured: { retry: "permanent", doc: "a roaster read through Firecrawl without FIRECRAWL_API_KEY" },
  firecrawl_unauthorized: { retry: "permanent", doc: "FIRECRAWL_API_KEY was refused" },
  firecrawl_unreachable: { retry: "transient", doc: "Firecrawl could not be reached" },
  firecrawl_failed: { retry: "permanent", doc: "Firecrawl answered success: false" },
  firecrawl_budget_exhausted: { retry: "permanent", doc: "the monthly Firecrawl budget is reached" },
  firecrawl_credits_exhausted: { retry: "permanent", doc: "the Firecrawl account has no credits left (402)" },
  // The LLM enricher
  llm_unauthorized: { retry: "permanent", doc: "LLM_API_KEY was refused" },
  llm_unreachable: { retry: "transient", doc: "the LLM endpoint could not be reached" },
  llm_invalid_answer: { retry: "permanent", doc: "the LLM answered without a message content" },
  llm_budget_exhausted: { retry: "permanent", doc: "the LLM's daily budget is used up" },
} as const satisfies Record<string, CodeEntry>;

/**
 * Codes that carry the HTTP status that caused them (`http_503`, `llm_400`): the status
 * decides the class. A status the caller retries was retried until its attempts ran out
 * (transient); any other answer will be the same next time (permanent).
 */
export const STATUS_CODE_FAMILIES = {
  http: { transient: (s: number) => s === 500 || s === 502 || s === 503 || s === 504, doc: "a store page's final answer (500/502/503/504 after the request retries: transient)" },
  image_http: { transient: () => false, doc: "an image URL's answer ≥ 400 (never retried within the run)" },
  imagekit: { transient: (s: number) => s === 429 || s >= 500, doc: "ImageKit's upload API answer (429/5xx after its retries: transient)" },
  firecrawl: { transient: (s: number) => s >= 500, doc: "Firecrawl's answer (5xx after its retries: transient)" },
  llm: { transient: (s: number) => s >= 500, doc: "the LLM endpoint's answer (5xx after its retries: transient)" },
} as const;

export type FixedErrorCode = keyof typeof ERROR_CODES;
export type StatusCodeFamily = keyof typeof STATUS_CODE_FAMILIES;
export type ErrorCode = FixedErrorCode | `${StatusCodeFamily}_${number}`;
/** The fixed codes of one retry class: `permanent()` takes only permanent ones, and so on. */
export type CodeOfClass<C extends RetryClass> = {
  [K in FixedErrorCode]: (typeof ERROR_CODES)[K]["retry"] extends C ? K : never;
}[FixedErrorCode];

const STATUS_CODE = /^(.+)_(\d{3})$/;

function entryOf(code: ErrorCode): { retry: RetryClass; final: boolean; endsRun: boolean; inheritsCause: boolean } {
  const fixed = (ERROR_CODES as Record<string, CodeEntry>)[code];
  if (fixed) {
    return { retry: fixed.retry, final: fixed.final === true, endsRun: fixed.endsRun === true, inheritsCause: fixed.inheritsCause === true };
  }
  const [, family, status] = STATUS_CODE.exec(code) ?? [];
  const rule = (STATUS_CODE_FAMILIES as Record<string, { transient: (s: number) => boolean }>)[family ?? ""];
  if (!rule) throw new TypeError(`unknown error code "${code}": add it to ERROR_CODES`);
  return { retry: rule.transient(Number(status)) ? "transient" : "permanent", final: false, endsRun: false, inheritsCause: false };
}

export interface ScrapeErrorOptions {
  cause?: unknown;
  /** For throttled errors: how long the site asked us to wait. */
  retryAfterMs?: number;
  /** Only for codes that report another error (`inheritsCause`): its class and finality. */
  inherit?: { retry: RetryClass; final: boolean };
}

export class ScrapeError extends Error {
  readonly retry: RetryClass;
  readonly code: ErrorCode;
  /** For throttled errors: how long the site asked us to wait. */
  readonly retryAfterMs: number | undefined;
  /**
   * No later attempt of this job can do better (a standing robots.txt Crawl-delay beyond our
   * cap, the job's deadline): the job fails now, without its retries, and the roaster's next
   * scheduled slot tries again.
   */
  readonly final: boolean;

  constructor(code: ErrorCode, message: string, options?: ScrapeErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    const entry = entryOf(code);
    if (options?.inherit && !entry.inheritsCause) throw new TypeError(`error code "${code}" has its own class; it inherits none`);
    this.name = "ScrapeError";
    this.code = code;
    this.retry = options?.inherit?.retry ?? entry.retry;
    this.retryAfterMs = options?.retryAfterMs;
    this.final = options?.inherit?.final ?? entry.final;
  }
}

// The helpers take only fixed codes of their own class (tsc checks the name against the
// table); a status code's class is its status's, so it is built with `new ScrapeError`.
export const permanent = (code: CodeOfClass<"permanent">, message: string, cause?: unknown) =>
  new ScrapeError(code, message, { cause });
export const transient = (code: CodeOfClass<"transient">, message: string, cause?: unknown) =>
  new ScrapeError(code, message, { cause });
export const throttled = (code: CodeOfClass<"throttled">, message: string, retryAfterMs?: number) =>
  new ScrapeError(code, message, retryAfterMs === undefined ? {} : { retryAfterMs });

/** Turns anything thrown into an Error, so catch sites have one shape to handle. */
export function coerceError(value: unknown): Error {
  if (value instanceof Error) return value;
  return new Error(typeof value === "string" ? value : JSON.stringify(value));
}

const TRANSIENT_NODE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "57P01", // admin_shutdown
  "57P02",
  "57P03", // cannot_connect_now
  "08000",
  "08003",
  "08006",
  "08001",
  "08004",
  "40001", // serialization_failure
  "40P01", // deadlock_detected
  "53300", // too_many_connections
]);

/**
 * SQLSTATEs that say the statement itself cannot succeed, however often it is sent: data
 * exceptions (22xxx: a NUL in text 22P05, bad input syntax 22P02, bad encoding 22021,
 * numeric out of range 22003, …), constraint violations (23xxx), syntax errors and undefined
 * objects (42xxx), and statement too complex (54001, stack depth). Connection (08xxx),
 * serialization (40xxx) and resource (53xxx) failures stay transient.
 */
const PERMANENT_SQLSTATE = /^(22|23|42)[0-9A-Z]{3}$|^54001$/;

export interface Classification {
  /** Our code; null for errors that are not ours (a database or socket error, a bug). */
  code: ErrorCode | null;
  retry: RetryClass;
  /** No later attempt of the job can do better. */
  final: boolean;
  /** The walk of the store stops at it (robots, no store, final ones) rather than failing one page. */
  endsRun: boolean;
  /** For throttled errors: how long the site asked us to wait. */
  retryAfterMs?: number;
}

/**
 * What any thrown value means for retrying: ScrapeErrors say it; known network and database
 * failures are transient, SQLSTATEs of a statement that cannot succeed are permanent, and
 * anything else is transient — a bug is better met with a few retries and a failed job than
 * with silently dropping a roaster.
 */
export function classify(value: unknown): Classification {
  if (value instanceof ScrapeError) {
    return {
      code: value.code,
      retry: value.retry,
      final: value.final,
      endsRun: value.final || entryOf(value.code).endsRun,
      ...(value.retryAfterMs === undefined ? {} : { retryAfterMs: value.retryAfterMs }),
    };
  }
  return { code: null, retry: foreignRetryClass(value), final: false, endsRun: false };
}

function foreignRetryClass(value: unknown): RetryClass {
  const code = (value as { code?: unknown } | null)?.code;
  if (typeof code === "string" && TRANSIENT_NODE_CODES.has(code)) return "transient";
  if (typeof code === "string" && PERMANENT_SQLSTATE.test(code)) return "permanent";
  return "transient";
}

/**
 * Whether a failed attempt leaves nothing for the job's remaining attempts to do: permanent
 * errors, final ones, and a site's wait (Retry-After) longer than `retryAfterCapMs`
 * (JOB_RETRY_AFTER_CAP_MS) — a job is not put off for days; the roaster's next slot comes first.
 */
export function endsJob(value: unknown, retryAfterCapMs: number): boolean {
  const { retry, final, retryAfterMs } = classify(value);
  if (retry === "permanent" || final) return true;
  return retry === "throttled" && (retryAfterMs ?? 0) > retryAfterCapMs;
}
