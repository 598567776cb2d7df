import type { RetryClass } from "../core/errors.ts";

/**
 * What one job's requests cost the roaster's site. The caller creates it and passes it to
 * the client; the client only ever adds to it, so it can be read (or logged) at any time.
 */
export interface FetchStats {
  /** HTTP requests started (every attempt, redirect hop and robots.txt fetch). */
  requests: number;
  /** Attempts that were repeated after a retryable failure. */
  retries: number;
  /** 304 Not Modified answers to conditional requests. */
  notModified: number;
  /** Bytes received on the wire (before decompression). */
  bytes: number;
  /** Time spent waiting for a concurrency slot or the delay between request starts. */
  politenessWaitMs: number;
  /** Time spent waiting before retries (backoff and Retry-After). */
  retryWaitMs: number;
  /** Time from sending a request to holding its whole (decompressed) body: the network and the store. */
  exchangeMs: number;
  /** Requests that finally failed, by retry class. */
  errors: Record<RetryClass, number>;
  /** Final answers by HTTP status ("200", "304", "404", …). */
  statuses: Record<string, number>;
}

export function createFetchStats(): FetchStats {
  return {
    requests: 0,
    retries: 0,
    notModified: 0,
    bytes: 0,
    politenessWaitMs: 0,
    retryWaitMs: 0,
    exchangeMs: 0,
    errors: { permanent: 0, throttled: 0, transient: 0 },
    statuses: {},
  };
}
