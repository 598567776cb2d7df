import { JOB_TYPES } from "../core/job-kinds.ts";
import { jobIdFor, type JobPayload, type JobType } from "../queue/job.ts";
import { DEFAULT_CADENCE_FLOORS, type CadenceFloors } from "../config/settings.ts";
import { enforcedFloor, slotsAt } from "../core/cadence.ts";
import type { NewSlot, RoasterScheduleState, SlotRecord } from "../db/slots.ts";

// Due computation, pure: the roasters' recorded slots + an instant → which slots to record
// and enqueue, which recorded-but-unfinished jobs to look for on the queue, and what was
// skipped and why. No I/O here; tick.ts does the reading and writing.

export type SkipReason =
  | "inactive"
  | "cadence never fires"
  | "already enqueued"
  | "finished"
  | "served by full refresh"
  | "recorded by another scheduler"
  | "already on the queue"
  | "under the cadence floor";

export interface DueJob {
  roaster: string;
  roasterId: string;
  type: JobType;
  slot: string;
  jobId: string;
  reason: string;
  /** The slot recorded before this one, if any (missed slots in between collapse into this job). */
  previousSlot: string | null;
  /** Other slots this job serves (a price slot served by a full refresh). */
  serves: { type: JobType; slot: string }[];
}

export interface Skipped {
  roaster: string;
  type: JobType;
  slot: string | null;
  reason: SkipReason;
  /** For "already enqueued": the job's queue state. */
  state?: string;
}

/** A recorded slot whose job has not finished: still on the queue, or lost. */
export interface Unfinished {
  roaster: string;
  roasterId: string;
  type: JobType;
  slot: string;
  jobId: string;
  /** Milliseconds since the slot was recorded. */
  ageMs: number;
}

export interface Plan {
  due: DueJob[];
  /** The rows to insert for `due` (a price slot served by a full refresh included). */
  newSlots: NewSlot[];
  unfinished: Unfinished[];
  skipped: Skipped[];
  /** Roasters whose cadence fires more often than its floor and whose slot was skipped for it. */
  underFloor: { roaster: string; type: JobType; cadence: string }[];
}

export const REASONS = {
  neverScraped: "never scraped: full refresh at once",
  scheduled: "scheduled",
  lost: "lost: the slot's job never finished and the queue no longer has it",
} as const;

/**
 * `floors` (FULL/PRICE_CADENCE_MIN_INTERVAL_MS) thin a cadence that fires more often, on a row
 * written by another client (imports refuse one): a slot closer than the floor to the last
 * recorded one is skipped, so `* * * * *` gives one full refresh an hour, not sixty. Roasters
 * with allow_frequent_cadence are left as they are.
 */
export function planTick(roasters: RoasterScheduleState[], at: Date, floors: CadenceFloors = DEFAULT_CADENCE_FLOORS): Plan {
  const slotOf = slotsAt(at);
  const plan: Plan = { due: [], newSlots: [], unfinished: [], skipped: [], underFloor: [] };
  for (const r of roasters) {
    if (!r.active) {
      plan.skipped.push({ roaster: r.slug, type: "full_refresh", slot: null, reason: "inactive" });
      plan.skipped.push({ roaster: r.slug, type: "price_only", slot: null, reason: "inactive" });
      continue;
    }
    const slots: Record<JobType, Date | null> = {
      full_refresh: slotOf(r.fullCadence),
      price_only: slotOf(r.priceCadence),
    };
    const cadences: Record<JobType, string> = { full_refresh: r.fullCadence, price_only: r.priceCadence };
    const isDue = (type: JobType) => {
      const slot = slots[type];
      const last = r.last[type];
      if (slot === null || (last !== null && slot.getTime() <= last.slotAt.getTime())) return false;
      const floor = enforcedFloor(cadences[type], floors[type], r.allowFrequentCadence);
      if (last !== null && slot.getTime() - last.slotAt.getTime() < floor) {
        plan.skipped.push({ roaster: r.slug, type, slot: slot.toISOString(), reason: "under the cadence floor" });
        plan.underFloor.push({ roaster: r.slug, type, cadence: cadences[type] });
        return false;
      }
      return true;
    };
    const fullDue = isDue("full_refresh");
    const priceDue = isDue("price_only");
    let full: DueJob | null = null;
    if (fullDue) {
      const neverScraped = r.last.full_refresh === null && !r.hasRuns;
      full = dueJob(
        r,
        "full_refresh",
        slots.full_refresh!,
        neverScraped ? REASONS.neverScraped : REASONS.scheduled,
      );
    }
    if (priceDue && full) {
      // A full refresh records prices too: the price slot counts as served by it.
      const slot = slots.price_only!;
      full.serves.push({ type: "price_only", slot: slot.toISOString() });
      plan.newSlots.push({
        roasterId: r.roasterId,
        type: "price_only",
        slotAt: slot,
        jobId: full.jobId,
        servedBy: full.jobId,
      });
      plan.skipped.push({
        roaster: r.slug,
        type: "price_only",
        slot: slot.toISOString(),
        reason: "served by full refresh",
      });
    }
    if (full) add(plan, full);
    if (priceDue && !full) add(plan, dueJob(r, "price_only", slots.price_only!, REASONS.scheduled));
    for (const type of JOB_TYPES) {
      if (type === "full_refresh" ? fullDue : priceDue) continue;
      const last = r.last[type];
      if (slots[type] === null && last === null) {
        plan.skipped.push({ roaster: r.slug, type, slot: null, reason: "cadence never fires" });
      } else if (last === null) {
        continue; // unreachable: no slot recorded and a slot exists means due
      } else if (last.finished) {
        plan.skipped.push({ roaster: r.slug, type, slot: last.slotAt.toISOString(), reason: "finished" });
      } else if (last.servedBy !== null) {
        // Its serving job is the roaster's latest full slot, checked on its own row.
        plan.skipped.push({
          roaster: r.slug,
          type,
          slot: last.slotAt.toISOString(),
          reason: "served by full refresh",
        });
      } else {
        plan.unfinished.push({
          roaster: r.slug,
          roasterId: r.roasterId,
          type,
          slot: last.slotAt.toISOString(),
          jobId: last.jobId,
          ageMs: last.ageMs,
        });
      }
    }
  }
  return plan;
}

function dueJob(r: RoasterScheduleState, type: JobType, slot: Date, reason: string): DueJob {
  const iso = slot.toISOString();
  const last: SlotRecord | null = r.last[type];
  return {
    roaster: r.slug,
    roasterId: r.roasterId,
    type,
    slot: iso,
    jobId: jobIdFor({ type, roaster: r.slug, slot: iso }),
    reason,
    previousSlot: last ? last.slotAt.toISOString() : null,
    serves: [],
  };
}

function add(plan: Plan, job: DueJob): void {
  plan.due.push(job);
  plan.newSlots.push({
    roasterId: job.roasterId,
    type: job.type,
    slotAt: new Date(job.slot),
    jobId: job.jobId,
    servedBy: null,
  });
}

export function payloadOf(job: Pick<DueJob, "roaster" | "type" | "slot" | "reason">): JobPayload {
  return { roaster: job.roaster, type: job.type, slot: job.slot, reason: job.reason };
}
