import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Queryable } from "../db/database.ts";
import { readLease, releaseLease, renewLease, tryAcquireLease } from "../db/leases.ts";
import type { Logger } from "../core/logger.ts";
import { every } from "../core/timers.ts";

// One job per roaster at a time, across processes and machines: a row in roaster_leases
// (db/leases.ts). Taken when free or expired, renewed while the job runs, released in
// `finally`. A holder that dies stops renewing, so its lease expires and the roaster becomes
// free again. Time is the database's (now()), the one clock every machine shares.

/** This process's holder id: host, pid and a random part (pids repeat across restarts). */
export const PROCESS_HOLDER = `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;

/** The roaster's lease is held by someone else and has not expired. */
export class RoasterBusyError extends Error {
  constructor(
    readonly roaster: string,
    readonly heldBy: { holder: string; jobId: string; expiresAt: Date } | null,
  ) {
    super(`roaster ${roaster} is busy${heldBy ? ` (job ${heldBy.jobId} on ${heldBy.holder})` : ""}`);
    this.name = "RoasterBusyError";
  }
}

export interface HeldLease {
  /** Aborted when the lease was lost (renewal found it taken, or it ran past its expiry). */
  readonly lost: AbortSignal;
  release(): Promise<void>;
}

/**
 * Takes the roaster's lease and keeps renewing it every ttl/3 until released; throws
 * RoasterBusyError when someone else holds it.
 */
export async function holdLease(
  db: Queryable,
  lease: { roasterId: string; roaster: string; holder: string; jobId: string; ttlMs: number; log: Logger },
  options: { alreadyTaken?: boolean; /** Called once, with `lost`'s reason, when the lease is lost. */ onLost?: (reason: Error) => void } = {},
): Promise<HeldLease> {
  if (!options.alreadyTaken && !(await tryAcquireLease(db, lease))) {
    const row = await readLease(db, lease.roasterId);
    throw new RoasterBusyError(
      lease.roaster,
      row ? { holder: row.holder, jobId: row.job_id, expiresAt: new Date(row.expires_at) } : null,
    );
  }
  const lost = new AbortController();
  const lose = (reason: Error) => {
    if (lost.signal.aborted) return;
    lost.abort(reason);
    options.onLost?.(reason);
  };
  let expiresAt = Date.now() + lease.ttlMs;
  let renewing: Promise<void> = Promise.resolve();
  const timer = every(Math.max(100, Math.floor(lease.ttlMs / 3)), () => {
    renewing = (async () => {
      try {
        if (await renewLease(db, lease)) {
          expiresAt = Date.now() + lease.ttlMs;
          return;
        }
        lease.log.error("roaster lease lost: another holder took it");
        lose(new Error("roaster lease lost"));
      } catch (err) {
        lease.log.warn({ err }, "roaster lease renewal failed");
        if (Date.now() >= expiresAt) lose(new Error("roaster lease expired: renewal failed"));
      }
      if (lost.signal.aborted) clearInterval(timer);
    })();
  });
  timer.unref();
  return {
    lost: lost.signal,
    async release() {
      clearInterval(timer);
      await renewing;
      // Filtered by holder and job: never deletes a lease someone else took over.
      await releaseLease(db, lease);
    },
  };
}
