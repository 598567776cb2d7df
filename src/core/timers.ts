import { setImmediate as immediatePromise, setTimeout as sleepPromise } from "node:timers/promises";

// The one way src/ arms a timer. Node turns a delay above 2³¹−1 ms (~24.8 days), a negative
// one or NaN into 1 ms with a TimeoutOverflowWarning: a huge computed wait (a Crawl-delay, a
// Retry-After, a queue delay) would become a busy loop printing a warning each time. Every
// delay passes through timerDelay() first; a caller that needs longer simply wakes up at the
// clamp and looks again.

export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** `ms` as a delay Node accepts: a whole number of ms in [0, 2³¹−1]; NaN and negatives are 0. */
export function timerDelay(ms: number): number {
  if (Number.isNaN(ms) || ms <= 0) return 0;
  return Math.min(MAX_TIMER_DELAY_MS, Math.ceil(ms));
}

export function after(ms: number, fn: () => void): NodeJS.Timeout {
  return setTimeout(fn, timerDelay(ms));
}

export function every(ms: number, fn: () => void): NodeJS.Timeout {
  return setInterval(fn, timerDelay(ms));
}

/** Resolves after `ms`; rejects with the signal's reason when it is aborted first. */
export function sleep(ms: number, options: { signal?: AbortSignal | undefined; ref?: boolean } = {}): Promise<void> {
  return sleepPromise(timerDelay(ms), undefined, options);
}

/** Resolves once the event loop has run what is waiting (I/O callbacks included): a pause in long work. */
export function nextTurn(): Promise<void> {
  return immediatePromise();
}

/** An AbortSignal aborted after `ms` (a TimeoutError), like AbortSignal.timeout. */
export function abortAfter(ms: number): AbortSignal {
  return AbortSignal.timeout(timerDelay(ms));
}

/** "90 s": a wait as people read it, in messages (the waits named there are seconds or more). */
export function seconds(ms: number): string {
  return `${Math.ceil(ms / 1000)} s`;
}
