import { DelayedError, Queue, UnrecoverableError, Worker, type Job, type JobType as BullState } from "bullmq";
import { Redis } from "ioredis";
import type { Logger } from "../core/logger.ts";
import {
  DeferJobError,
  FailJobError,
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
  retryDelayMs,
} from "./backend.ts";
import { jobIdFor, type JobPayload } from "./job.ts";
import { after } from "../core/timers.ts";

// The production backend: BullMQ on Redis. Attempts, backoff with jitter, stalled-job
// recovery, UnrecoverableError and DelayedError are BullMQ's own; this file only maps the
// contract's three handler signals onto them.

export const QUEUE_NAME = "scrape";
/** Our backoff type: the one backoff (src/core/backoff.ts, BullMQ's exponential-with-jitter), unless the error names its own delay. */
const BACKOFF_TYPE = "scrape";

export interface BullmqOptions {
  redisUrl: string;
  prefix: string;
  retry: RetryPolicy;
  retention: Retention;
  /** BullMQ lockDuration / stalledInterval / maxStalledCount. */
  lockDurationMs: number;
  stalledIntervalMs: number;
  maxStalledCount: number;
  log: Logger;
}

export function openBullmqQueue(options: BullmqOptions): QueueBackend {
  const connections: Redis[] = [];
  const connect = () => {
    const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: null, enableReadyCheck: true });
    redis.on("error", (err: Error) => options.log.warn({ err }, "redis connection error"));
    connections.push(redis);
    return redis;
  };
  const queue = new Queue<JobPayload>(QUEUE_NAME, { connection: connect(), prefix: options.prefix });
  queue.on("error", (err) => options.log.warn({ err }, "queue error"));
  const jobOptions = (opts?: EnqueueOptions) => ({
    attempts: options.retry.attempts,
    backoff: { type: BACKOFF_TYPE, delay: options.retry.backoffMs, jitter: options.retry.jitter },
    removeOnComplete: { count: options.retention.keepCompleted },
    removeOnFail: { count: options.retention.keepFailed },
    ...(opts?.delayMs ? { delay: opts.delayMs } : {}),
  });
  const workers = new Set<Worker>();

  const backend: QueueBackend = {
    kind: "bullmq",

    async enqueue(payload, opts) {
      const [result] = await backend.enqueueMany([payload], opts);
      return result!;
    },

    async enqueueMany(payloads, opts): Promise<EnqueueResult[]> {
      // Which ids exist already is read first only to report it; the add itself is
      // idempotent (BullMQ ignores a custom id it already holds).
      const ids = payloads.map((p) => jobIdFor(p));
      const existing = await Promise.all(ids.map((id) => queue.getJobState(id)));
      await queue.addBulk(payloads.map((data, i) => ({ name: data.type, data, opts: { ...jobOptions(opts), jobId: ids[i]! } })));
      return ids.map((id, i) => ({ id, added: existing[i] === "unknown" }));
    },

    consume(handler: JobHandler, consumeOptions: ConsumeOptions): Consumer {
      // Shutdown reaches a running job through the signal BullMQ gives it (cancelAllJobs): one
      // signal a job, none combined per job (AbortSignal.any costs Node 20 weak references and
      // listeners on every job; bench:queue). `stop` only stands in where BullMQ gives none.
      const stop = new AbortController();
      let running = 0;
      const worker = new Worker<JobPayload>(
        QUEUE_NAME,
        async (job: Job<JobPayload>, token?: string, jobSignal?: AbortSignal) => {
          running += 1;
          try {
            const signal = jobSignal ?? stop.signal;
            return await handler({
              id: job.id!,
              payload: job.data,
              attempt: job.attemptsMade + 1,
              maxAttempts: job.opts.attempts ?? 1,
              signal,
            });
          } catch (err) {
            if (err instanceof FailJobError) throw new UnrecoverableError(err.message);
            if (err instanceof DeferJobError) {
              await job.moveToDelayed(Date.now() + err.delayMs, token);
              throw new DelayedError(err.message);
            }
            throw err;
          } finally {
            running -= 1;
          }
        },
        {
          connection: connect(),
          prefix: options.prefix,
          concurrency: consumeOptions.concurrency,
          lockDuration: options.lockDurationMs,
          stalledInterval: options.stalledIntervalMs,
          maxStalledCount: options.maxStalledCount,
          removeOnComplete: { count: options.retention.keepCompleted },
          removeOnFail: { count: options.retention.keepFailed },
          settings: {
            backoffStrategy: (attemptsMade: number, _type?: string, err?: Error) => retryDelayMs(options.retry, attemptsMade, err),
          },
        },
      );
      worker.on("error", (err) => options.log.warn({ err }, "worker error"));
      workers.add(worker);
      let closing: Promise<boolean> | undefined;
      return {
        get running() {
          return running;
        },
        close(closeOptions = {}) {
          closing ??= (async () => {
            const graceful = worker.close().then(() => true);
            const timeoutMs = closeOptions.timeoutMs;
            let timer: NodeJS.Timeout | undefined;
            const timedOut =
              timeoutMs === undefined
                ? new Promise<boolean>(() => {})
                : new Promise<boolean>((resolve) => (timer = after(timeoutMs, () => resolve(false))));
            const drained = await Promise.race([graceful, timedOut]);
            clearTimeout(timer);
            if (!drained) {
              // Jobs still running keep their lock until it lapses; BullMQ's stalled check
              // then hands them to another worker.
              const reason = new Error("worker shut down");
              // (Typed as a string, handed to AbortController.abort as is: an Error reads better where it is thrown.)
              worker.cancelAllJobs(reason as unknown as string);
              stop.abort(reason);
              await worker.close(true);
            }
            workers.delete(worker);
            return drained;
          })();
          return closing;
        },
      };
    },

    async counts(): Promise<JobCounts> {
      const c = await queue.getJobCounts("waiting", "prioritized", "active", "delayed", "completed", "failed");
      return {
        waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
        active: c.active ?? 0,
        delayed: c.delayed ?? 0,
        completed: c.completed ?? 0,
        failed: c.failed ?? 0,
      };
    },

    async recentFailures(limit): Promise<FailedJob[]> {
      if (limit <= 0) return [];
      const jobs = await queue.getFailed(0, limit - 1);
      return jobs.map((job) => ({
        id: job.id!,
        payload: job.data,
        reason: job.failedReason,
        attempts: job.attemptsMade,
        failedAt: job.finishedOn ? new Date(job.finishedOn) : null,
      }));
    },

    async stateOf(id): Promise<JobState | null> {
      return toState(await queue.getJobState(id));
    },

    async remove(id) {
      await queue.remove(id);
    },

    async obliterate() {
      await queue.obliterate({ force: true });
    },

    async close() {
      await Promise.all([...workers].map((w) => w.close(true)));
      await queue.close();
      await Promise.all(connections.map((c) => c.quit().catch(() => c.disconnect())));
    },
  };
  return backend;
}

function toState(state: BullState | "unknown"): JobState | null {
  switch (state) {
    case "waiting":
    case "wait":
    case "prioritized":
    case "waiting-children":
      return "waiting";
    case "active":
    case "delayed":
    case "completed":
    case "failed":
      return state;
    default:
      return null;
  }
}
