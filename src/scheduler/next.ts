import type { Queryable } from "../db/database.ts";
import type { RunStatus } from "../db/enums.ts";
import type { JobType } from "../queue/job.ts";
import { DEFAULT_CADENCE_FLOORS, type CadenceFloors } from "../config/settings.ts";
import { enforcedFloor, latestSlot, nextSlot } from "../core/cadence.ts";
import { lastRunsByType } from "../db/runs.ts";
import { loadScheduleState } from "../db/slots.ts";

// `roasters next`: per roaster and job type, when the scheduler will next act and what the
// last run of that type did.

export interface LastRun {
  id: string;
  status: RunStatus | null;
  startedAt: string;
  finishedAt: string | null;
}

export interface CadenceOutlook {
  cadence: string;
  /** The slot a tick now would enqueue when it has not been recorded yet (e.g. never scraped). */
  dueNow: string | null;
  /** The first slot after now; null for an inactive roaster (never scheduled). */
  next: string | null;
  lastSlot: string | null;
  lastRun: LastRun | null;
}

export interface RoasterOutlook {
  roaster: string;
  active: boolean;
  full: CadenceOutlook;
  price: CadenceOutlook;
}

/** `floors`: FULL/PRICE_CADENCE_MIN_INTERVAL_MS, so the slots shown are the ones the scheduler will take. */
export async function roasterOutlook(
  db: Queryable,
  now: Date,
  floors: CadenceFloors = DEFAULT_CADENCE_FLOORS,
): Promise<RoasterOutlook[]> {
  const [states, runs] = await Promise.all([
    loadScheduleState(db),
    lastRunsByType(db),
  ]);
  const lastRuns = new Map(runs.map((row) => [`${row.slug}|${row.job_type}`, row]));
  const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());
  return states.map((s) => {
    const outlook = (type: JobType, cadence: string): CadenceOutlook => {
      const last = s.last[type];
      const current = s.active ? latestSlot(cadence, now) : null;
      const run = lastRuns.get(`${s.slug}|${type}`);
      // The first slot the floor lets through: none before the last one + floor.
      const floor = enforcedFloor(cadence, floors[type], s.allowFrequentCadence);
      const earliest = last ? last.slotAt.getTime() + floor : -Infinity;
      const due = current !== null && (!last || (current.getTime() > last.slotAt.getTime() && current.getTime() >= earliest));
      return {
        cadence,
        dueNow: due ? current.toISOString() : null,
        next: s.active ? iso(nextSlot(cadence, new Date(Math.max(now.getTime(), earliest - 1)))) : null,
        lastSlot: last ? last.slotAt.toISOString() : null,
        lastRun: run
          ? {
              id: run.id,
              status: run.status,
              startedAt: iso(run.started_at)!,
              finishedAt: iso(run.finished_at),
            }
          : null,
      };
    };
    return {
      roaster: s.slug,
      active: s.active,
      full: outlook("full_refresh", s.fullCadence),
      price: outlook("price_only", s.priceCadence),
    };
  });
}

export function formatOutlook(list: RoasterOutlook[]): string {
  if (list.length === 0)
    return "No roasters configured. Add some with `coffee-scraper roasters import roasters.yaml`.";
  const when = (c: CadenceOutlook) => (c.dueNow ? "due now" : (c.next ?? "never (inactive)"));
  const run = (c: CadenceOutlook) =>
    c.lastRun ? `${c.lastRun.status ?? "running"} ${c.lastRun.finishedAt ?? c.lastRun.startedAt}` : "none";
  const lines = [
    `${"roaster".padEnd(28)} ${"next full".padEnd(26)} ${"next price".padEnd(26)} last full / last price run`,
  ];
  for (const r of list) {
    lines.push(
      `${r.roaster.padEnd(28)} ${when(r.full).padEnd(26)} ${when(r.price).padEnd(26)} ${run(r.full)} / ${run(r.price)}`,
    );
  }
  return lines.join("\n");
}
