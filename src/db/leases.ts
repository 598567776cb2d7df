import type { Roaster } from "../config/roaster.ts";
import type { Queryable } from "./database.ts";
import { ROASTER_COLUMNS, ROASTER_FROM, toRoaster, type RoasterRow } from "./roasters.ts";

// The roaster leases' rows (coffee_scraper.roaster_leases): one job per roaster at a time.
// Time is the database's (now()), the one clock every machine shares; worker/lease.ts keeps
// a held lease renewed.

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
    `INSERT INTO coffee_scraper.roaster_leases AS l (roaster_id, holder, job_id, acquired_at, expires_at)
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
    `WITH r AS (SELECT ${ROASTER_COLUMNS} FROM ${ROASTER_FROM} WHERE r.slug = $1),
     taken AS (
       INSERT INTO coffee_scraper.roaster_leases AS l (roaster_id, holder, job_id, acquired_at, expires_at)
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
    `UPDATE coffee_scraper.roaster_leases SET expires_at = now() + $4 * interval '1 millisecond'
     WHERE roaster_id = $1 AND holder = $2 AND job_id = $3 RETURNING roaster_id`,
    [lease.roasterId, lease.holder, lease.jobId, lease.ttlMs],
  );
  return rows.length === 1;
}

export async function releaseLease(db: Queryable, lease: { roasterId: string; holder: string; jobId: string }): Promise<void> {
  await db.query(`DELETE FROM coffee_scraper.roaster_leases WHERE roaster_id = $1 AND holder = $2 AND job_id = $3`, [
    lease.roasterId,
    lease.holder,
    lease.jobId,
  ]);
}

export async function readLease(db: Queryable, roasterId: string): Promise<LeaseRow | null> {
  const rows = await db.query<LeaseRow>(`SELECT * FROM coffee_scraper.roaster_leases WHERE roaster_id = $1`, [roasterId]);
  return rows[0] ?? null;
}
