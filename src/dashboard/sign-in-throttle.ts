import { LRUCache } from "lru-cache";

// Failed sign-ins are counted per client address over a fixed window that starts at the first
// failure; past the limit the form answers 429 until the window ends. The table is bounded
// (the least recently failing addresses are forgotten first), so a flood of addresses costs
// a fixed amount of memory.

export const SIGN_IN_WINDOW_MS = 15 * 60 * 1000;
export const MAX_TRACKED_ADDRESSES = 10_000;

export class SignInThrottle {
  private readonly failures: LRUCache<string, number>;

  constructor(
    readonly limit: number,
    readonly windowMs = SIGN_IN_WINDOW_MS,
    max = MAX_TRACKED_ADDRESSES,
  ) {
    this.failures = new LRUCache<string, number>({ max, ttl: windowMs, updateAgeOnGet: false });
  }

  /** How long `address` must wait before trying again, or 0 when it may try now. */
  retryAfterMs(address: string): number {
    const count = this.failures.get(address) ?? 0;
    return count >= this.limit ? Math.max(1, this.failures.getRemainingTTL(address)) : 0;
  }

  /** Counts a failure; returns how many `address` has had in its window. */
  fail(address: string): number {
    const count = (this.failures.get(address) ?? 0) + 1;
    // The window runs from the first failure: later ones do not extend it.
    this.failures.set(address, count, { noUpdateTTL: count > 1 });
    return count;
  }
}
