// One exponential backoff for everything that waits before trying again: queued jobs (both
// queue backends) and request-level retries (store pages, ImageKit, Firecrawl, the LLM).
// Pure; imports nothing of ours.

/**
 * base × 2^(attempt − 1) — 1, 2, 4, 8, 16 × base — jittered so that many clients do not
 * retry in step: a fraction `jitter` of it is randomised, taken off the top, so the delay
 * lies in [d × (1 − jitter), d]. This is BullMQ's exponential strategy to the millisecond,
 * so the embedded queue waits as BullMQ does.
 */
export function backoffMs(attempt: number, baseMs: number, jitter: number, random: () => number = Math.random): number {
  const max = Math.round(2 ** Math.max(0, attempt - 1) * baseMs);
  if (jitter <= 0) return max;
  return Math.floor(random() * max * jitter + max * (1 - jitter));
}
