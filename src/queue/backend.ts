import { backoffMs } from "../core/backoff.ts";
import type { JobPayload } from "./job.ts";

// The queue contract both backends keep: BullMQ on Redis (bullmq.ts) and the in-process
// queue (embedded.ts). The queue is transport; the database is the truth.
//
// A handler steers what happens after a failed attempt by what it throws:
//   FailJobError       → failed at once, no retries
//   DeferJobError      → delayed, tried again later, no attempt used
//   RetryLaterError    → a retry after its own delay (an attempt is used)
//   anything else      → a retry after the backoff (an attempt is used), failed when exhausted
// Which of these an error becomes is decided in one place: the worker edge (src/worker).

export const JOB_STATES = ["waiting", "active", "delayed", "completed", "failed"] as const;
export type JobState = (typeof JOB_STATES)[number];
export type JobCounts = Record<JobState, number>;

export interface EnqueueOptions {
  /** Do not start before this many milliseconds from now. */
  delayMs?: number;
}

export interface EnqueueResult {
  id: string;
  /** False when a job with this id already existed (same type + roaster + slot): a no-op. */
  added: boolean;
}

export interface JobContext {
  id: string;
  payload: JobPayload;
  /** 1-based; deferrals do not count. */
  attempt: number;
  maxAttempts: number;
  /** Aborted when the consumer is closed past its timeout (or aborted). */
  signal: AbortSignal;
}

export type JobHandler = (job: JobContext) => Promise<unknown>;

export interface ConsumeOptions {
  concurrency: number;
}

export interface Consumer {
  /**
   * Stops taking jobs and waits for running ones up to `timeoutMs` (default: no limit); past
   * it, their signals are aborted and the consumer lets go of them. Resolves `true` when
   * every running job finished in time.
   */
  close(options?: { timeoutMs?: number }): Promise<boolean>;
  /** Number of jobs this consumer is running now. */
  readonly running: number;
}

export interface FailedJob {
  id: string;
  payload: JobPayload;
  reason: string;
  attempts: number;
  failedAt: Date | null;
}

export interface QueueBackend {
  readonly kind: "bullmq" | "embedded";
  enqueue(payload: JobPayload, options?: EnqueueOptions): Promise<EnqueueResult>;
  enqueueMany(payloads: JobPayload[], options?: EnqueueOptions): Promise<EnqueueResult[]>;
  consume(handler: JobHandler, options: ConsumeOptions): Consumer;
  counts(): Promise<JobCounts>;
  /** Most recent failures first. */
  recentFailures(limit: number): Promise<FailedJob[]>;
  /** The state of one job, or null when the queue does not know it (never added, or evicted). */
  stateOf(id: string): Promise<JobState | null>;
  /** Removes one job that is not active (tests, operators). */
  remove(id: string): Promise<void>;
  /** Removes every job and key of this queue (tests). */
  obliterate(): Promise<void>;
  /** Closes connections; consumers should be closed first. */
  close(): Promise<void>;
}

/** Retry policy shared by both backends, from settings. */
export interface RetryPolicy {
  /** Total attempts, the first included (JOB_ATTEMPTS). */
  attempts: number;
  /** Base of the exponential backoff: base × 2^(n-1) after the n-th failed attempt. */
  backoffMs: number;
  /** Fraction randomised (BullMQ `jitter`): the delay lies in [d × (1 − jitter), d]. */
  jitter: number;
}

export interface Retention {
  keepCompleted: number;
  keepFailed: number;
}

/** Fail the job now: retrying cannot help. */
export class FailJobError extends Error {
  constructor(readonly original: Error) {
    super(original.message, { cause: original });
    this.name = "FailJobError";
  }
}

/** Put the job back for `delayMs` without using an attempt (e.g. its roaster is busy). */
export class DeferJobError extends Error {
  constructor(
    readonly delayMs: number,
    reason: string,
  ) {
    super(reason);
    this.name = "DeferJobError";
  }
}

/** Retry after `delayMs` instead of the backoff (e.g. the site sent Retry-After). Uses an attempt. */
export class RetryLaterError extends Error {
  constructor(
    readonly original: Error,
    readonly delayMs: number,
  ) {
    super(original.message, { cause: original });
    this.name = "RetryLaterError";
  }
}

/**
 * Delay before the retry that follows `attemptsMade` failed attempts, on both backends: the
 * one backoff (BullMQ's exponential-with-jitter formula), or the error's own delay (RetryLaterError).
 */
export function retryDelayMs(policy: RetryPolicy, attemptsMade: number, err?: unknown): number {
  if (err instanceof RetryLaterError) return err.delayMs;
  return backoffMs(attemptsMade, policy.backoffMs, policy.jitter);
}
