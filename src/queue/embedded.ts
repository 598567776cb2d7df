import {
  DeferJobError,
  FailJobError,
  retryDelayMs,
  type ConsumeOptions,
  type Consumer,
  type EnqueueOptions,
  type EnqueueResult,
  type FailedJob,
  type JobCounts,
  type JobHandler,
  type JobState,
  type QueueBackend,
  type Retention,
  type RetryPolicy,
} from "./backend.ts";
import { jobIdFor, type JobPayload } from "./job.ts";
import { after } from "../core/timers.ts";

// The in-process backend for a single `coffee-scraper start` on the embedded database:
// what one process can observe of BullMQ's semantics (dedup by id, delays, concurrency,
// retries with the same backoff and jitter, deferral without an attempt, bounded
// retention). Jobs live in memory: a restart loses them and the scheduler, reading the
// database, enqueues the unfinished slots again.

interface Entry {
  id: string;
  payload: JobPayload;
  state: JobState;
  attemptsMade: number;
  runAt: number;
  reason: string;
  finishedAt: number | null;
}

export interface EmbeddedOptions {
  retry: RetryPolicy;
  retention: Retention;
  /** Time source for delays (tests); defaults to Date.now. */
  now?: () => number;
}

interface EmbeddedConsumer {
  concurrency: number;
  running: number;
  closing: boolean;
  stop: AbortController;
  handler: JobHandler;
  idle: Set<() => void>;
}

export function openEmbeddedQueue(options: EmbeddedOptions): QueueBackend {
  const now = options.now ?? Date.now;
  const jobs = new Map<string, Entry>();
  const waiting: Entry[] = [];
  const delayed = new Set<Entry>();
  const finished: Record<"completed" | "failed", Entry[]> = { completed: [], failed: [] };
  const consumers = new Set<EmbeddedConsumer>();
  let timer: NodeJS.Timeout | undefined;
  let timerAt = Infinity;

  const schedule = () => {
    let next = Infinity;
    for (const e of delayed) next = Math.min(next, e.runAt);
    if (next === timerAt) return;
    clearTimeout(timer);
    timer = undefined;
    timerAt = next;
    if (next === Infinity) return;
    timer = after(next - now(), promote);
  };

  function promote() {
    timer = undefined;
    timerAt = Infinity;
    const t = now();
    const due = [...delayed].filter((e) => e.runAt <= t).sort((a, b) => a.runAt - b.runAt);
    for (const e of due) {
      delayed.delete(e);
      e.state = "waiting";
      waiting.push(e);
    }
    schedule();
    pumpAll();
  }

  const place = (e: Entry, delayMs: number) => {
    if (delayMs > 0) {
      e.state = "delayed";
      e.runAt = now() + delayMs;
      delayed.add(e);
      schedule();
    } else {
      e.state = "waiting";
      waiting.push(e);
      pumpAll();
    }
  };

  const finish = (e: Entry, state: "completed" | "failed", reason = "") => {
    e.state = state;
    e.reason = reason;
    e.finishedAt = now();
    const list = finished[state];
    list.push(e);
    const keep = state === "completed" ? options.retention.keepCompleted : options.retention.keepFailed;
    while (list.length > keep) jobs.delete(list.shift()!.id);
  };

  const settle = (e: Entry, err: unknown) => {
    if (err instanceof DeferJobError) return place(e, err.delayMs);
    const message = err instanceof Error ? err.message : String(err);
    e.attemptsMade += 1;
    if (err instanceof FailJobError || e.attemptsMade >= options.retry.attempts) return finish(e, "failed", message);
    e.reason = message;
    place(e, retryDelayMs(options.retry, e.attemptsMade, err));
  };

  const run = (c: EmbeddedConsumer, e: Entry) => {
    e.state = "active";
    c.running += 1;
    const attempt = e.attemptsMade + 1;
    Promise.resolve()
      .then(() =>
        c.handler({ id: e.id, payload: e.payload, attempt, maxAttempts: options.retry.attempts, signal: c.stop.signal }),
      )
      .then(
        () => {
          e.attemptsMade += 1;
          finish(e, "completed");
        },
        (err: unknown) => settle(e, err),
      )
      .finally(() => {
        c.running -= 1;
        if (c.running === 0) for (const resolve of c.idle) resolve();
        pumpAll();
      });
  };

  function pumpAll() {
    for (const c of consumers) {
      while (!c.closing && c.running < c.concurrency && waiting.length > 0) run(c, waiting.shift()!);
    }
  }

  const backend: QueueBackend = {
    kind: "embedded",

    async enqueue(payload, opts) {
      const [result] = await backend.enqueueMany([payload], opts);
      return result!;
    },

    async enqueueMany(payloads, opts?: EnqueueOptions): Promise<EnqueueResult[]> {
      return payloads.map((payload) => {
        const id = jobIdFor(payload);
        if (jobs.has(id)) return { id, added: false };
        const e: Entry = { id, payload, state: "waiting", attemptsMade: 0, runAt: 0, reason: "", finishedAt: null };
        jobs.set(id, e);
        place(e, opts?.delayMs ?? 0);
        return { id, added: true };
      });
    },

    consume(handler, consumeOptions: ConsumeOptions): Consumer {
      const c: EmbeddedConsumer = {
        concurrency: Math.max(1, consumeOptions.concurrency),
        running: 0,
        closing: false,
        stop: new AbortController(),
        handler,
        idle: new Set(),
      };
      consumers.add(c);
      queueMicrotask(pumpAll);
      let closing: Promise<boolean> | undefined;
      return {
        get running() {
          return c.running;
        },
        close(closeOptions = {}) {
          closing ??= (async () => {
            c.closing = true;
            let drained = true;
            if (c.running > 0) {
              let timeout: NodeJS.Timeout | undefined;
              let resolveIdle: () => void = () => {};
              drained = await new Promise<boolean>((resolve) => {
                resolveIdle = () => resolve(true);
                c.idle.add(resolveIdle);
                if (closeOptions.timeoutMs !== undefined) timeout = after(closeOptions.timeoutMs, () => resolve(false));
              });
              clearTimeout(timeout);
              c.idle.delete(resolveIdle);
            }
            if (!drained) c.stop.abort(new Error("worker shut down"));
            consumers.delete(c);
            return drained;
          })();
          return closing;
        },
      };
    },

    async counts(): Promise<JobCounts> {
      const counts: JobCounts = { waiting: 0, active: 0, delayed: 0, completed: 0, failed: 0 };
      for (const e of jobs.values()) counts[e.state] += 1;
      return counts;
    },

    async recentFailures(limit): Promise<FailedJob[]> {
      if (limit <= 0) return [];
      return finished.failed
        .slice(-limit)
        .reverse()
        .map((e) => ({
          id: e.id,
          payload: e.payload,
          reason: e.reason,
          attempts: e.attemptsMade,
          failedAt: e.finishedAt === null ? null : new Date(e.finishedAt),
        }));
    },

    async stateOf(id) {
      return jobs.get(id)?.state ?? null;
    },

    async remove(id) {
      const e = jobs.get(id);
      if (!e || e.state === "active") return;
      jobs.delete(id);
      delayed.delete(e);
      const i = waiting.indexOf(e);
      if (i >= 0) waiting.splice(i, 1);
      for (const list of Object.values(finished)) {
        const j = list.indexOf(e);
        if (j >= 0) list.splice(j, 1);
      }
      schedule();
    },

    async obliterate() {
      jobs.clear();
      waiting.length = 0;
      delayed.clear();
      finished.completed.length = 0;
      finished.failed.length = 0;
      schedule();
    },

    async close() {
      for (const c of consumers) c.closing = true;
      consumers.clear();
      clearTimeout(timer);
      timer = undefined;
      timerAt = Infinity;
    },
  };
  return backend;
}
