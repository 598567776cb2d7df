import { performance } from "node:perf_hooks";
import { sleep } from "../core/timers.ts";

// Pacing for one roaster's site: at most `concurrency` requests in flight, and successive
// request starts at least `delayMs ± jitterMs` apart (uniformly random), never less than
// the robots.txt Crawl-delay. Starts are taken in FIFO order, each measured from the
// previous one's actual start, so the gap holds however many callers wait at once.

export interface PacerOptions {
  concurrency: number;
  delayMs: number;
  jitterMs: number;
  /** Uniform random number in [0, 1); injectable for tests. */
  random?: () => number;
}

export class Pacer {
  private inFlight = 0;
  private readonly waiters: (() => void)[] = [];
  /** When the latest reserved start happened (performance.now); -Infinity before the first. */
  private lastStart: Promise<number> = Promise.resolve(-Infinity);
  /** No start before this (performance.now): the site asked us to wait. */
  private pausedUntil = 0;
  private floorMs = 0;
  private readonly random: () => number;

  constructor(private readonly options: PacerOptions) {
    this.random = options.random ?? Math.random;
  }

  /** Raises the minimum gap between starts (robots.txt Crawl-delay). Never lowers it. */
  raiseFloor(ms: number): void {
    this.floorMs = Math.max(this.floorMs, ms);
  }

  /** Holds every later start until `ms` from now (the site asked us to wait). */
  pauseFor(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, performance.now() + ms);
  }

  /** The gap before the start after this one: delay ± jitter, at least the floor. */
  private nextGap(): number {
    const { delayMs, jitterMs } = this.options;
    const jittered = delayMs + (this.random() * 2 - 1) * jitterMs;
    return Math.max(0, jittered, this.floorMs);
  }

  /**
   * Waits for a slot and for this request's start time. Resolves to a release function
   * that must be called once the response has been read (or has failed).
   */
  async acquire(signal?: AbortSignal): Promise<{ release: () => void; waitedMs: number }> {
    const began = performance.now();
    if (this.inFlight >= this.options.concurrency) {
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => {
          const i = this.waiters.indexOf(wake);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(signal?.reason);
        };
        const wake = () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        };
        signal?.throwIfAborted();
        signal?.addEventListener("abort", onAbort, { once: true });
        this.waiters.push(wake);
      });
      // The releaser handed its slot over: inFlight is unchanged.
    } else {
      signal?.throwIfAborted();
      this.inFlight++;
    }
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      if (next) next();
      else this.inFlight--;
    };
    try {
      await this.nextStart(signal);
    } catch (err) {
      release();
      throw err;
    }
    return { release, waitedMs: performance.now() - began };
  }

  /**
   * Starts are chained: each waits for the previous one to have actually happened, then for
   * the gap measured from that moment. A start that ran late (a busy event loop) pushes the
   * next one back instead of squeezing the gap between them.
   */
  private async nextStart(signal?: AbortSignal): Promise<void> {
    const previous = this.lastStart;
    let started!: (at: number) => void;
    this.lastStart = new Promise<number>((resolve) => (started = resolve));
    let at = -Infinity;
    try {
      at = await previous;
      const gap = this.nextGap();
      // setTimeout may wake a fraction of a millisecond early: loop until the start time.
      for (;;) {
        const left = Math.max(at + gap, this.pausedUntil) - performance.now();
        if (left <= 0) break;
        await sleep(left, { signal });
      }
      at = performance.now();
    } finally {
      // An aborted waiter passes the previous start on, so the chain never stalls.
      started(at);
    }
  }
}
