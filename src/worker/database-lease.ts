import type { Queryable } from "../db/database.ts";
import { ROASTER_COLUMNS, toRoaster, type RoasterRow } from "../db/roasters.ts";
import type { Roaster } from "../config/roaster.ts";
import type { Logger } from "../log/logger.ts";
import { keepRenewing, RoasterBusyError, type HeldLease, type RoasterLeases } from "./lease.ts";

// The lease store without Redis: a row in roaster_leases. Taken when free or expired, renewed
// while the job runs, released in `finally`. Time is the database's (now()), the one clock
// every machine shares.

export interface LeaseRow {
  roaster_id: string;
  holder: string;
  job_id: string;
  acquired_at: Date;
  expires_at: Date;
}

/**
 * Takes the lease when it is free or expired. Not re-entrant, even for the same holder and
 * job: a queue that hands a job out twice (a lock lost under load) must not run it twice at
 * once; the second copy is deferred until the first releases. Returns whether it was taken.
 */
export async function tryAcquireLease(
  db: Queryable,
  lease: { roasterId: string; holder: string; jobId: string; ttlMs: number },
): Promise<boolean> {
  const rows = await db.query(
    `INSERT INTO roaster_leases AS l (roaster_id, holder, job_id, acquired_at, expires_at)
     VALUES ($1, $2, $3, now(), now() + $4 * interval '1 millisecond')
     ON CONFLICT (roaster_id) DO UPDATE
       SET holder = EXCLUDED.holder, job_id = EXCLUDED.job_id, acquired_at = now(), expires_at = EXCLUDED.expires_at
       WHERE l.expires_at < now()
     RETURNING l.roaster_id`,
    [lease.roasterId, lease.holder, lease.jobId, lease.ttlMs],
  );
  return rows.length === 1;
}

/**
 * Loads the roaster by slug and, when it is active, takes its lease — in one round trip,
 * since every job starts with both. `leased` is false when the roaster is inactive or busy.
 */
export async function claimRoaster(
  db: Queryable,
  claim: { slug: string; holder: string; jobId: string; ttlMs: number },
): Promise<{ roaster: Roaster; leased: boolean } | null> {
  const rows = await db.query<RoasterRow & { leased: boolean }>(
    `WITH r AS (SELECT ${ROASTER_COLUMNS} FROM roasters r WHERE r.slug = $1),
     taken AS (
       INSERT INTO roaster_leases AS l (roaster_id, holder, job_id, acquired_at, expires_at)
       SELECT r.id, $2, $3, now(), now() + $4 * interval '1 millisecond' FROM r WHERE r.is_active
       ON CONFLICT (roaster_id) DO UPDATE
         SET holder = EXCLUDED.holder, job_id = EXCLUDED.job_id, acquired_at = now(), expires_at = EXCLUDED.expires_at
         WHERE l.expires_at < now()
       RETURNING l.roaster_id)
     SELECT r.*, EXISTS (SELECT 1 FROM taken) AS leased FROM r`,
    [claim.slug, claim.holder, claim.jobId, claim.ttlMs],
  );
  const row = rows[0];
  if (!row) return null;
  const { leased, ...roaster } = row;
  return { roaster: toRoaster(roaster), leased };
}

/** Pushes the expiry out by `ttlMs`; false when the lease is no longer ours. */
export async function renewLease(
  db: Queryable,
  lease: { roasterId: string; holder: string; jobId: string; ttlMs: number },
): Promise<boolean> {
  const rows = await db.query(
    `UPDATE roaster_leases SET expires_at = now() + $4 * interval '1 millisecond'
     WHERE roaster_id = $1 AND holder = $2 AND job_id = $3 RETURNING roaster_id`,
    [lease.roasterId, lease.holder, lease.jobId, lease.ttlMs],
  );
  return rows.length === 1;
}

export async function releaseLease(db: Queryable, lease: { roasterId: string; holder: string; jobId: string }): Promise<void> {
  await db.query(`DELETE FROM roaster_leases WHERE roaster_id = $1 AND holder = $2 AND job_id = $3`, [
    lease.roasterId,
    lease.holder,
    lease.jobId,
  ]);
}

export async function readLease(db: Queryable, roasterId: string): Promise<LeaseRow | null> {
  const rows = await db.query<LeaseRow>(`SELECT * FROM roaster_leases WHERE roaster_id = $1`, [roasterId]);
  return rows[0] ?? null;
}

/**
 * Takes the roaster's lease and keeps renewing it every ttl/3 until released; throws
 * RoasterBusyError when someone else holds it.
 */
export async function holdLease(
  db: Queryable,
  lease: { roasterId: string; roaster: string; holder: string; jobId: string; ttlMs: number; log: Logger },
  options: { alreadyTaken?: boolean } = {},
): Promise<HeldLease> {
  if (!options.alreadyTaken && !(await tryAcquireLease(db, lease))) {
    const row = await readLease(db, lease.roasterId);
    throw new RoasterBusyError(lease.roaster, row ? { holder: row.holder, jobId: row.job_id } : null);
  }
  const renewal = keepRenewing({
    renew: () => renewLease(db, lease),
    intervalMs: Math.max(100, Math.floor(lease.ttlMs / 3)),
    ttlMs: lease.ttlMs,
    log: lease.log,
  });
  return {
    lost: renewal.lost,
    async release() {
      await renewal.stop();
      // Filtered by holder and job: never deletes a lease someone else took over.
      await releaseLease(db, lease);
    },
  };
}

/** Leases in the database: the store when REDIS_URL is unset. */
export function databaseLeases(db: Queryable, ttlMs: number): RoasterLeases {
  return {
    kind: "database",
    async claim({ slug, holder, jobId, log }) {
      const claimed = await claimRoaster(db, { slug, holder, jobId, ttlMs });
      if (!claimed) return null;
      const { roaster } = claimed;
      if (!roaster.is_active) return { roaster, lease: null };
      // Not taken in the claim: holdLease reads who holds it and throws RoasterBusyError.
      const lease = await holdLease(db, { roasterId: roaster.id, roaster: roaster.slug, holder, jobId, ttlMs, log }, { alreadyTaken: claimed.leased });
      return { roaster, lease };
    },
    async close() {},
  };
}
