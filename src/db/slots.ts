import type { Queryable } from "./database.ts";
import type { JobType } from "../core/job-kinds.ts";

// The scheduler's memory in `schedule_slots`: one row per (roaster, job type, slot) that was
// enqueued, or served by another job (a price slot served by a full refresh). The primary
// key makes recording a slot a once-only act across schedulers.

export interface SlotRecord {
  slotAt: Date;
  jobId: string;
  /** The job that served this slot when it was not enqueued for itself. */
  servedBy: string | null;
  /** The slot's job produced a finished run (markSlotFinished, or a finished scrape_runs row). */
  finished: boolean;
  /** Milliseconds since the slot was recorded, by the database's clock. */
  ageMs: number;
}

export interface RoasterScheduleState {
  roasterId: string;
  slug: string;
  active: boolean;
  fullCadence: string;
  priceCadence: string;
  /** The roaster runs cadences more frequent than the floors on purpose (roaster_options). */
  allowFrequentCadence: boolean;
  /** Any scrape run at all, scheduled or not. */
  hasRuns: boolean;
  /** The latest recorded slot of each job type. */
  last: Record<JobType, SlotRecord | null>;
}

interface StateRow {
  id: string;
  slug: string;
  is_active: boolean;
  full_cadence: string;
  price_cadence: string;
  allow_frequent_cadence: boolean;
  has_runs: boolean;
  f_slot_at: Date | string | null;
  f_job_id: string | null;
  f_served_by: string | null;
  f_finished: boolean | null;
  f_age_ms: number | string | null;
  p_slot_at: Date | string | null;
  p_job_id: string | null;
  p_served_by: string | null;
  p_finished: boolean | null;
  p_age_ms: number | string | null;
}

const lastSlot = (type: JobType, alias: string) => `LEFT JOIN LATERAL (
    SELECT s.slot_at, s.job_id, s.served_by, (EXTRACT(EPOCH FROM (now() - s.enqueued_at)) * 1000)::float8 AS age_ms,
           (s.finished_at IS NOT NULL OR EXISTS (
              SELECT 1 FROM coffee_scraper.runs sr WHERE sr.job_id = s.job_id AND sr.finished_at IS NOT NULL)) AS finished
    FROM coffee_scraper.schedule_slots s
    WHERE r.is_active AND s.roaster_id = r.id AND s.job_type = '${type}'
    ORDER BY s.slot_at DESC LIMIT 1
  ) ${alias} ON true`;

const STATE_SQL = `
  SELECT r.id, r.slug, r.is_active, r.full_cadence, r.price_cadence, COALESCE(o.allow_frequent_cadence, false) AS allow_frequent_cadence,
         (r.is_active AND EXISTS (
            SELECT 1 FROM public.product_sources ps JOIN public.scrape_runs sr ON sr.source_id = ps.id WHERE ps.roaster_id = r.id
         )) AS has_runs,
         f.slot_at AS f_slot_at, f.job_id AS f_job_id, f.served_by AS f_served_by, f.finished AS f_finished, f.age_ms AS f_age_ms,
         p.slot_at AS p_slot_at, p.job_id AS p_job_id, p.served_by AS p_served_by, p.finished AS p_finished, p.age_ms AS p_age_ms
  FROM public.roasters r
  LEFT JOIN coffee_scraper.roaster_options o ON o.roaster_id = r.id
  ${lastSlot("full_refresh", "f")}
  ${lastSlot("price_only", "p")}
  ORDER BY r.slug`;

const record = (
  slotAt: Date | string | null,
  jobId: string | null,
  servedBy: string | null,
  finished: boolean | null,
  ageMs: number | string | null,
): SlotRecord | null =>
  slotAt === null || jobId === null
    ? null
    : { slotAt: new Date(slotAt), jobId, servedBy, finished: finished === true, ageMs: Number(ageMs ?? 0) };

/** Every roaster with its latest recorded slot per job type: one query. */
export async function loadScheduleState(db: Queryable): Promise<RoasterScheduleState[]> {
  const rows = await db.query<StateRow>(STATE_SQL);
  return rows.map((r) => ({
    roasterId: r.id,
    slug: r.slug,
    active: r.is_active,
    fullCadence: r.full_cadence,
    priceCadence: r.price_cadence,
    allowFrequentCadence: r.allow_frequent_cadence,
    hasRuns: r.has_runs,
    last: {
      full_refresh: record(r.f_slot_at, r.f_job_id, r.f_served_by, r.f_finished, r.f_age_ms),
      price_only: record(r.p_slot_at, r.p_job_id, r.p_served_by, r.p_finished, r.p_age_ms),
    },
  }));
}

export interface NewSlot {
  roasterId: string;
  type: JobType;
  slotAt: Date;
  jobId: string;
  servedBy: string | null;
}

const key = (roasterId: string, type: string) => `${roasterId}|${type}`;

/**
 * Records slots in one statement; a slot someone else recorded first is left alone.
 * Returns the keys (`roasterId|type`) this call inserted: only those may be enqueued.
 * Rows go in a fixed order so two schedulers inserting the same slots wait on each other
 * instead of deadlocking.
 */
export async function recordSlots(db: Queryable, slots: NewSlot[]): Promise<Set<string>> {
  if (slots.length === 0) return new Set();
  const rows = [...slots]
    .sort((a, b) =>
      a.roasterId === b.roasterId ? a.type.localeCompare(b.type) : a.roasterId < b.roasterId ? -1 : 1,
    )
    .map((s) => ({
      roaster_id: s.roasterId,
      job_type: s.type,
      slot_at: s.slotAt.toISOString(),
      job_id: s.jobId,
      served_by: s.servedBy,
    }));
  const inserted = await db.query<{ roaster_id: string; job_type: string }>(
    `INSERT INTO coffee_scraper.schedule_slots (roaster_id, job_type, slot_at, job_id, served_by)
     SELECT x.roaster_id, x.job_type, x.slot_at, x.job_id, x.served_by
     FROM jsonb_to_recordset($1::jsonb) AS x(roaster_id uuid, job_type text, slot_at timestamptz, job_id text, served_by text)
     ON CONFLICT (roaster_id, job_type, slot_at) DO NOTHING
     RETURNING roaster_id, job_type`,
    [JSON.stringify(rows)],
  );
  return new Set(inserted.map((r) => key(r.roaster_id, r.job_type)));
}

export const slotKey = key;

/**
 * Marks every slot the job served as finished with its run: the job's own slot and any
 * price slot a full refresh served. Called by the worker when a job's run finishes.
 * Returns the number of slots marked; a job that no slot names (a manual enqueue) marks none.
 */
export async function markSlotFinished(
  db: Queryable,
  input: { jobId: string; runId: string | null },
): Promise<number> {
  const rows = await db.query(
    `UPDATE coffee_scraper.schedule_slots SET finished_at = COALESCE(finished_at, now()), run_id = COALESCE($2::uuid, run_id)
     WHERE job_id = $1 RETURNING 1`,
    [input.jobId, input.runId],
  );
  return rows.length;
}
