import { setTimeout as sleep } from "node:timers/promises";
import { performance } from "node:perf_hooks";

// Pacing for one roaster's site: at most `concurrency` requests in flight, and successive
// request starts at least `delayMs ± jitterMs` apart (uniformly random), never less than
// the robots.txt Crawl-delay. Starts are reserved in FIFO order, so the gap holds however
// many callers wait at once.

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
  /** Earliest time (performance.now) the next request may start. */
  private nextStartAt = 0;
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
    this.nextStartAt = Math.max(this.nextStartAt, performance.now() + ms);
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
    const now = performance.now();
    const startAt = Math.max(now, this.nextStartAt);
    this.nextStartAt = startAt + this.nextGap();
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      if (next) next();
      else this.inFlight--;
    };
    try {
      // setTimeout may wake a fraction of a millisecond early: loop until the start time.
      for (let left = startAt - performance.now(); left > 0; left = startAt - performance.now()) {
        await sleep(Math.ceil(left), undefined, { signal });
      }
    } catch (err) {
      release();
      throw err;
    }
    return { release, waitedMs: performance.now() - began };
  }
}
