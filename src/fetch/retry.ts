import { backoffMs } from "../core/backoff.ts";

// The request-level retry policy: which answers are worth another attempt, and how long to
// wait before it.

/** Statuses retried with backoff (429 also honours Retry-After). */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 500, 502, 503, 504]);

/**
 * Retry-After as milliseconds from `now`: delta-seconds or an HTTP date. Null when absent
 * or unreadable; a date in the past is 0.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  // A thousand-digit number is a number too: kept finite, so it stays comparable and printable.
  if (/^\d+$/.test(trimmed)) return Math.min(Number(trimmed) * 1000, Number.MAX_SAFE_INTEGER);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - now);
}

/**
 * A request retry's wait: base × 2^(retry−1) plus up to a quarter more at random (1, 2, 4 s …
 * with the default 1 s base). The one backoff, from 1.25 × base with a fifth taken off the top:
 * [1.25 d × 0.8, 1.25 d] = [d, 1.25 d].
 */
export function requestBackoffMs(retry: number, baseMs: number, random: () => number = Math.random): number {
  return backoffMs(retry, baseMs * 1.25, 0.2, random);
}
