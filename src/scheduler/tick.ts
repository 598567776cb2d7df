import type { Clock } from "../core/clock.ts";
import type { Queryable } from "../db/database.ts";
import type { Logger } from "../core/logger.ts";
import type { JobState, QueueBackend } from "../queue/backend.ts";
import { modeOf } from "../core/job-kinds.ts";
import { DEFAULT_CADENCE_FLOORS, type CadenceFloors } from "../config/settings.ts";
import { describeInterval } from "../core/cadence.ts";
import { payloadOf, planTick, REASONS, type DueJob, type Plan, type Skipped, type Unfinished } from "./plan.ts";
import { loadScheduleState, recordSlots, slotKey } from "../db/slots.ts";
import { mapLimited } from "../core/concurrency.ts";

// One scheduler tick: read every roaster's recorded slots (one query), plan, record the new
// slots (one insert; whoever records a slot first is the one who enqueues it), look up the
// unfinished recorded slots on the queue, and enqueue the new and the lost in one batch.

export interface TickOptions {
  db: Queryable;
  queue: QueueBackend;
  /** The instant to schedule for; defaults to clock.now(), then to the system time. */
  at?: Date;
  clock?: Clock;
  /** Plan and report only: nothing is recorded or enqueued. */
  dryRun?: boolean;
  /**
   * Look recorded-but-unfinished slots up on the queue and enqueue the lost ones (default).
   * Off where the queue is not the workers' (an embedded queue in another process).
   */
  recoverLost?: boolean;
  /** SCHEDULER_LOST_AFTER_MS: how long after recording a slot its job may be taken for lost (default 60 s). */
  lostAfterMs?: number;
  /** FULL/PRICE_CADENCE_MIN_INTERVAL_MS (their defaults when absent). */
  cadenceFloors?: CadenceFloors;
  /**
   * `roaster|type` pairs already warned about a cadence under its floor: a long-running
   * scheduler says it once per roaster, not once a tick. Absent: every tick says it.
   */
  warnedUnderFloor?: Set<string>;
  log?: Logger;
}

export interface TickSummary {
  at: string;
  dryRun: boolean;
  roasters: number;
  /**
   * Jobs due at `at`: new slots and lost jobs. A due job this tick did not enqueue is in
   * `skipped` too (recorded by another scheduler, or already on the queue).
   */
  due: DueJob[];
  /** Ids of the jobs this tick put on the queue (none on a dry run). */
  enqueued: string[];
  skipped: Skipped[];
  durationMs: number;
}

/** How many queue look-ups run at once when checking unfinished slots. */
const STATE_LOOKUPS_AT_ONCE = 200;

export async function scheduleTick(options: TickOptions): Promise<TickSummary> {
  const started = performance.now();
  const at = options.at ?? options.clock?.now() ?? new Date();
  const dryRun = options.dryRun === true;
  const roasters = await loadScheduleState(options.db);
  const plan = planTick(roasters, at, options.cadenceFloors);
  warnUnderFloor(plan, options);

  // Which of the new slots this scheduler recorded: the others belong to a concurrent tick.
  let mine: DueJob[] = plan.due;
  const skipped = [...plan.skipped];
  if (!dryRun && plan.newSlots.length > 0) {
    const inserted = await recordSlots(options.db, plan.newSlots);
    mine = [];
    for (const job of plan.due) {
      if (inserted.has(slotKey(job.roasterId, job.type))) mine.push(job);
      else
        skipped.push({
          roaster: job.roaster,
          type: job.type,
          slot: job.slot,
          reason: "recorded by another scheduler",
        });
    }
  }

  // Recorded, unfinished, and unknown to the queue: the queue lost it (Redis flushed, the
  // embedded queue restarted, or the enqueue after recording failed).
  // Too recent to judge: a concurrent scheduler may not have enqueued it yet.
  const lostAfterMs = options.lostAfterMs ?? 60_000;
  const unfinished: Unfinished[] = [];
  for (const u of plan.unfinished) {
    if (options.recoverLost !== false && u.ageMs >= lostAfterMs) unfinished.push(u);
    else
      skipped.push({
        roaster: u.roaster,
        type: u.type,
        slot: u.slot,
        reason: "already enqueued",
        state: "not checked",
      });
  }
  const states = await mapLimited(unfinished, STATE_LOOKUPS_AT_ONCE, (u) => options.queue.stateOf(u.jobId));
  const lost: DueJob[] = [];
  unfinished.forEach((u, i) => {
    const state: JobState | null = states[i]!;
    if (state === null) {
      const { ageMs: _age, ...job } = u;
      lost.push({ ...job, reason: REASONS.lost, previousSlot: null, serves: [] });
    } else {
      skipped.push({ roaster: u.roaster, type: u.type, slot: u.slot, reason: "already enqueued", state });
    }
  });

  const toEnqueue = [...mine, ...lost];
  const enqueued: string[] = [];
  if (!dryRun && toEnqueue.length > 0) {
    const results = await options.queue.enqueueMany(toEnqueue.map(payloadOf));
    results.forEach((result, i) => {
      const job = toEnqueue[i]!;
      if (result.added) enqueued.push(result.id);
      else
        skipped.push({
          roaster: job.roaster,
          type: job.type,
          slot: job.slot,
          reason: "already on the queue",
        });
    });
  }
  const due = [...plan.due, ...lost];

  const summary: TickSummary = {
    at: at.toISOString(),
    dryRun,
    roasters: roasters.length,
    due,
    enqueued,
    skipped,
    durationMs: Math.round(performance.now() - started),
  };
  options.log?.info(
    {
      at: summary.at,
      dryRun,
      roasters: summary.roasters,
      due: due.length,
      enqueued: enqueued.length,
      lost: lost.length,
      skipped: countBy(skipped),
      durationMs: summary.durationMs,
    },
    "schedule tick",
  );
  return summary;
}

function warnUnderFloor(plan: Plan, options: TickOptions): void {
  const floors = options.cadenceFloors ?? DEFAULT_CADENCE_FLOORS;
  for (const { roaster, type, cadence } of plan.underFloor) {
    const key = `${roaster}|${type}`;
    if (options.warnedUnderFloor?.has(key)) continue;
    options.warnedUnderFloor?.add(key);
    options.log?.warn(
      { roaster, type, cadence, minIntervalMs: floors[type] },
      `cadence "${cadence}" fires more often than ${modeOf(type).toUpperCase()}_CADENCE_MIN_INTERVAL_MS ` +
        `(${describeInterval(floors[type])}): slots inside it are skipped; set allow_frequent_cadence on the roaster to run it that often`,
    );
  }
}

export function countBy(skipped: Skipped[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const s of skipped) counts[s.reason] = (counts[s.reason] ?? 0) + 1;
  return counts;
}

/** A terminal summary: counts, then one line per job due. */
export function formatTick(summary: TickSummary): string {
  const lines = [
    `${summary.dryRun ? "Dry run at" : "Tick at"} ${summary.at}: ${summary.roasters} roaster(s), ${summary.due.length} due, ` +
      `${summary.dryRun ? "nothing enqueued (dry run)" : `${summary.enqueued.length} enqueued`}, ${summary.skipped.length} skipped`,
  ];
  const enqueued = new Set(summary.enqueued);
  for (const job of summary.due) {
    const mark = summary.dryRun ? "would enqueue" : enqueued.has(job.jobId) ? "enqueued" : "not enqueued";
    const serves = job.serves.map((s) => `; also serves the ${modeOf(s.type)} slot ${s.slot}`).join("");
    lines.push(
      `  ${mark.padEnd(13)} ${modeOf(job.type).padEnd(5)} ${job.roaster.padEnd(28)} slot ${job.slot}  (${job.reason}${serves})`,
    );
  }
  const counts = countBy(summary.skipped);
  if (Object.keys(counts).length > 0) {
    lines.push("Skipped:");
    for (const [reason, n] of Object.entries(counts)) lines.push(`  ${String(n).padStart(6)}  ${reason}`);
  }
  return lines.join("\n");
}
