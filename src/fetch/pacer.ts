import { performance } from "node:perf_hooks";
import { sleep } from "../core/timers.ts";

// Pacing for one roaster's site: at most `concurrency` requests in flight, and successive
// request starts at least `delayMs ± jitterMs` apart (uniformly random), never less than
// the robots.txt Crawl-delay. Starts are taken in FIFO order, each measured from the moment
// the previous request actually went out (its holder calls `sent()`, see sent-hook.ts), so
// the gap holds at the store however many callers wait at once and however late a request
// leaves after its start.

/** A request's turn: call `sent()` when it goes out, and `release()` once it is over. */
export interface PacedTurn {
  /** The request was written to the store: the next start is measured from now. */
  sent: () => void;
  /** Frees the slot; a request that never went out passes its start time on instead. */
  release: () => void;
  waitedMs: number;
}

export interface PacerOptions {
  concurrency: number;
  delayMs: number;
  jitterMs: number;
  /** Uniform random number in [0, 1); injectable for tests. */
  random?: () => number;
}

/** A start given out, and how to pass on the moment the next one is measured from. */
interface Start {
  at: number;
  settle: (at: number) => void;
}

export class Pacer {
  private inFlight = 0;
  private readonly waiters: (() => void)[] = [];
  /** When the latest request went out (performance.now), once it has; -Infinity before the first. */
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
   * Waits for a slot and for this request's start time. The turn's `release` must be called
   * once the response has been read (or has failed), and its `sent` when the request goes out.
   */
  async acquire(signal?: AbortSignal): Promise<PacedTurn> {
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
    const freeSlot = () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      if (next) next();
      else this.inFlight--;
    };
    let start: Start;
    try {
      start = await this.nextStart(signal);
    } catch (err) {
      freeSlot();
      throw err;
    }
    return {
      sent: () => start.settle(performance.now()),
      release: () => {
        start.settle(start.at);
        freeSlot();
      },
      waitedMs: performance.now() - began,
    };
  }

  /**
   * Starts are chained: each waits for the previous request to have actually gone out (or to
   * be over without going out), then for the gap measured from that moment. A request that
   * left late (a busy event loop, a new connection's handshake) pushes the next one back
   * instead of squeezing the gap between them.
   */
  private async nextStart(signal?: AbortSignal): Promise<Start> {
    const previous = this.lastStart;
    // Settled by the first of sent() and release(): a promise keeps its first value.
    let settle!: (at: number) => void;
    this.lastStart = new Promise<number>((resolve) => (settle = resolve));
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
    } catch (err) {
      // An aborted waiter passes the previous start on, so the chain never stalls.
      settle(at);
      throw err;
    }
    return { at: performance.now(), settle };
  }
}
