// Errors carry their retry decision from where they are understood to the one place that
// acts on it (the worker edge):
//   permanent — retrying cannot help (robots.txt disallows, store 404/410, invalid config)
//   throttled — the site asked us to wait (429 + Retry-After beyond our cap)
//   transient — try again later (timeouts, resets, 5xx, database unavailable)

export type RetryClass = "permanent" | "throttled" | "transient";

export class ScrapeError extends Error {
  readonly retry: RetryClass;
  readonly code: string;
  /** For throttled errors: how long the site asked us to wait. */
  readonly retryAfterMs: number | undefined;

  constructor(retry: RetryClass, code: string, message: string, options?: { cause?: unknown; retryAfterMs?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ScrapeError";
    this.retry = retry;
    this.code = code;
    this.retryAfterMs = options?.retryAfterMs;
  }
}

export const permanent = (code: string, message: string, cause?: unknown) =>
  new ScrapeError("permanent", code, message, { cause });
export const transient = (code: string, message: string, cause?: unknown) =>
  new ScrapeError("transient", code, message, { cause });
export const throttled = (code: string, message: string, retryAfterMs?: number) =>
  new ScrapeError("throttled", code, message, retryAfterMs === undefined ? undefined : { retryAfterMs });

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

/** The retry class of any error: ScrapeErrors say it; known network/database failures are transient. */
export function retryClassOf(value: unknown): RetryClass {
  if (value instanceof ScrapeError) return value.retry;
  const code = (value as { code?: unknown } | null)?.code;
  if (typeof code === "string" && TRANSIENT_NODE_CODES.has(code)) return "transient";
  const message = value instanceof Error ? value.message : "";
  if (/connection terminated|Connection terminated|timeout|socket hang up|ECONNRESET|ECONNREFUSED/i.test(message)) {
    return "transient";
  }
  // Unknown errors are retried: a bug is better met with a few retries and a failed job
  // than with silently dropping a roaster.
  return "transient";
}
