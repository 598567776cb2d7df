import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Roaster } from "../config/roaster.ts";
import type { Logger } from "../log/logger.ts";
import type { QueueLock } from "../queue/backend.ts";

// One job per roaster at a time, across processes and machines. Every job starts by claiming
// its roaster: loading it and taking its lease, which it holds until the job ends. Two stores
// keep leases (runtime.ts picks one; every process that runs jobs on the same database must
// use the same):
//   database-lease.ts  a row in roaster_leases, with expiry and renewal (no Redis)
//   redis-lease.ts     a hash in Redis that rides on BullMQ's own lock on the job (REDIS_URL)
// A holder that dies stops renewing, so its lease lapses and the roaster becomes free again.

/** This process's holder id: host, pid and a random part (pids repeat across restarts). */
export const PROCESS_HOLDER = `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;

/** The roaster's lease is held by another job whose hold has not lapsed. */
export class RoasterBusyError extends Error {
  constructor(
    readonly roaster: string,
    readonly heldBy: { holder: string; jobId: string } | null,
  ) {
    super(`roaster ${roaster} is busy${heldBy ? ` (job ${heldBy.jobId} on ${heldBy.holder})` : ""}`);
    this.name = "RoasterBusyError";
  }
}

export interface HeldLease {
  /** Aborted when the lease was lost (taken over, or lapsed because renewal failed). */
  readonly lost: AbortSignal;
  release(): Promise<void>;
}

export interface ClaimRequest {
  /** The roaster's slug, as the job names it. */
  slug: string;
  holder: string;
  jobId: string;
  log: Logger;
  /** The queue's own lock on this attempt, when it has one: a lease may ride on it. */
  queueLock?: QueueLock | undefined;
}

export interface Claim {
  roaster: Roaster;
  /** Null when the roaster is inactive: nothing was taken. */
  lease: HeldLease | null;
}

export interface RoasterLeases {
  readonly kind: "database" | "redis";
  /**
   * Loads the roaster and, when it is active, takes its lease for this job. Null when there
   * is no such roaster; throws RoasterBusyError when another job holds the lease. Not
   * re-entrant: the same job handed out twice at once runs once, the other copy waits.
   */
  claim(request: ClaimRequest): Promise<Claim | null>;
  close(): Promise<void>;
}

/**
 * Calls `renew` every `intervalMs` until stopped; aborts `lost` when renew says the lease is
 * someone else's, or when it keeps failing past `ttlMs` since the last success.
 */
export function keepRenewing(options: {
  renew: () => Promise<boolean>;
  intervalMs: number;
  ttlMs: number;
  log: Logger;
}): { lost: AbortSignal; stop(): Promise<void> } {
  const lost = new AbortController();
  let expiresAt = Date.now() + options.ttlMs;
  let renewing: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    renewing = (async () => {
      try {
        if (await options.renew()) {
          expiresAt = Date.now() + options.ttlMs;
          return;
        }
        options.log.error("roaster lease lost: another holder took it");
        lost.abort(new Error("roaster lease lost"));
      } catch (err) {
        options.log.warn({ err }, "roaster lease renewal failed");
        if (Date.now() >= expiresAt) lost.abort(new Error("roaster lease expired: renewal failed"));
      }
      if (lost.signal.aborted) clearInterval(timer);
    })();
  }, options.intervalMs);
  timer.unref();
  return {
    lost: lost.signal,
    async stop() {
      clearInterval(timer);
      await renewing;
    },
  };
}
