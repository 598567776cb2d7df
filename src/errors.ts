// Errors carry their retry decision from where they are understood to the one place that
// acts on it (the worker edge):
//   permanent — retrying cannot help (robots.txt disallows, store 404/410, invalid config)
//   throttled — the site asked us to wait (429 + Retry-After beyond our cap)
//   transient — try again later (timeouts, resets, 5xx, database unavailable)

export type RetryClass = "permanent" | "throttled" | "transient";

export interface ScrapeErrorOptions {
  cause?: unknown;
  retryAfterMs?: number;
  final?: boolean;
}

export class ScrapeError extends Error {
  readonly retry: RetryClass;
  readonly code: string;
  /** For throttled errors: how long the site asked us to wait. */
  readonly retryAfterMs: number | undefined;
  /**
   * No later attempt of this job can do better (a standing robots.txt Crawl-delay beyond our
   * cap, a wait beyond JOB_RETRY_AFTER_CAP_MS, the job's deadline): the job fails now, without
   * its retries, and the roaster's next scheduled slot tries again.
   */
  readonly final: boolean;

  constructor(retry: RetryClass, code: string, message: string, options?: ScrapeErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ScrapeError";
    this.retry = retry;
    this.code = code;
    this.retryAfterMs = options?.retryAfterMs;
    this.final = options?.final ?? false;
  }
}

export const permanent = (code: string, message: string, cause?: unknown) =>
  new ScrapeError("permanent", code, message, { cause });
export const transient = (code: string, message: string, cause?: unknown) =>
  new ScrapeError("transient", code, message, { cause });
export const throttled = (code: string, message: string, retryAfterMs?: number, options: { final?: boolean } = {}) =>
  new ScrapeError("throttled", code, message, { ...(retryAfterMs === undefined ? {} : { retryAfterMs }), ...options });

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

/** The retry class of any error: ScrapeErrors say it; known network/database failures are transient. */
export function retryClassOf(value: unknown): RetryClass {
  if (value instanceof ScrapeError) return value.retry;
  const code = (value as { code?: unknown } | null)?.code;
  if (typeof code === "string" && TRANSIENT_NODE_CODES.has(code)) return "transient";
  if (typeof code === "string" && PERMANENT_SQLSTATE.test(code)) return "permanent";
  const message = value instanceof Error ? value.message : "";
  if (/connection terminated|Connection terminated|timeout|socket hang up|ECONNRESET|ECONNREFUSED/i.test(message)) {
    return "transient";
  }
  // Unknown errors are retried: a bug is better met with a few retries and a failed job
  // than with silently dropping a roaster.
  return "transient";
}

/**
 * Whether a failed attempt is the job's last, whatever attempts are left: permanent errors,
 * final ones, and a site's wait (Retry-After) longer than `retryAfterCapMs`
 * (JOB_RETRY_AFTER_CAP_MS) — a job is not put off for days; the roaster's next slot comes first.
 */
export function endsJob(value: unknown, retryAfterCapMs: number): boolean {
  if (value instanceof ScrapeError) {
    if (value.retry === "permanent" || value.final) return true;
    return value.retry === "throttled" && (value.retryAfterMs ?? 0) > retryAfterCapMs;
  }
  return retryClassOf(value) === "permanent";
}
