import { CronExpressionParser } from "cron-parser";

// Cadence maths: a roaster's cron (UTC) → the slot a tick at `at` belongs to. cron-parser
// does the calendar; nothing here parses cron fields by hand.

/**
 * The latest time at or before `at` that `expression` fires (UTC), or null when it has no
 * fire time in the past. cron-parser's prev() is strictly before its start, hence the 1 ms.
 */
export function latestSlot(expression: string, at: Date): Date | null {
  try {
    return CronExpressionParser.parse(expression, { tz: "UTC", currentDate: new Date(at.getTime() + 1) })
      .prev()
      .toDate();
  } catch {
    return null;
  }
}

/** The first time strictly after `at` that `expression` fires (UTC), or null. */
export function nextSlot(expression: string, at: Date): Date | null {
  try {
    return CronExpressionParser.parse(expression, { tz: "UTC", currentDate: at }).next().toDate();
  } catch {
    return null;
  }
}

/**
 * latestSlot memoised per expression for one instant: ten thousand roasters share a handful
 * of cadences, and parsing each one costs ~30 µs.
 */
export function slotsAt(at: Date): (expression: string) => Date | null {
  const cache = new Map<string, Date | null>();
  return (expression) => {
    let slot = cache.get(expression);
    if (slot === undefined) {
      slot = latestSlot(expression, at);
      cache.set(expression, slot);
    }
    return slot;
  };
}

const MINUTE_MS = 60_000;
const DAY_MINUTES = 1440;
const DAY_MS = DAY_MINUTES * MINUTE_MS;
/** Firing days are read over a leap cycle, from just before a year's end (Dec 31 → Jan 1 counts). */
const DAY_SCAN_FROM = new Date(Date.UTC(2023, 11, 30));
const DAY_SCAN_MS = 4 * 366 * DAY_MS;

/** Computed once per expression: roasters share a handful of cadences, and every tick asks. */
const shortest = new Map<string, number | null>();
const SHORTEST_CACHED = 1000;

/**
 * The shortest time between two consecutive fire times of `expression` (UTC), in ms; null
 * when it is invalid or fires at most once in four years. Within a day it is the closest
 * pair of its times of day; across days, from the last time of a firing day to the first of
 * the next firing day, which cron-parser finds by stepping through the day fields alone.
 */
export function shortestInterval(expression: string): number | null {
  if (shortest.has(expression)) return shortest.get(expression)!;
  const value = computeShortestInterval(expression);
  if (shortest.size >= SHORTEST_CACHED) shortest.clear();
  shortest.set(expression, value);
  return value;
}

function computeShortestInterval(expression: string): number | null {
  let fields;
  try {
    fields = CronExpressionParser.parse(expression, { tz: "UTC" }).fields;
  } catch {
    return null;
  }
  const times = [...new Set(fields.hour.values.flatMap((h) => fields.minute.values.map((m) => Number(h) * 60 + Number(m))))].sort(
    (a, b) => a - b,
  );
  if (times.length === 0) return null;
  let within = Infinity;
  for (let i = 1; i < times.length; i++) within = Math.min(within, times[i]! - times[i - 1]!);
  const wrap = DAY_MINUTES - times[times.length - 1]! + times[0]!;
  if (within <= wrap) return within * MINUTE_MS;
  const dayGap = shortestDayGap(expression);
  const across = dayGap === null ? Infinity : wrap + (dayGap - 1) * DAY_MINUTES;
  const minutes = Math.min(within, across);
  return minutes === Infinity ? null : minutes * MINUTE_MS;
}

/** Fewest days between two days on which the expression fires, or null when it fires on one day at most. */
function shortestDayGap(expression: string): number | null {
  const dayFields = expression.trim().split(/\s+/).slice(2).join(" ");
  const days = CronExpressionParser.parse(`0 0 ${dayFields}`, { tz: "UTC", currentDate: DAY_SCAN_FROM });
  let previous: number | null = null;
  let gap = Infinity;
  while (gap > 1) {
    let next: number;
    try {
      next = days.next().getTime();
    } catch {
      break; // no later fire time
    }
    if (next - DAY_SCAN_FROM.getTime() > DAY_SCAN_MS) break;
    if (previous !== null) gap = Math.min(gap, Math.round((next - previous) / DAY_MS));
    previous = next;
  }
  return gap === Infinity ? null : gap;
}

/**
 * The least time the scheduler leaves between two slots of `expression`: `floorMs` when the
 * cadence fires more often than that and the roaster does not allow it, else 0.
 */
export function enforcedFloor(expression: string, floorMs: number, allowFrequent: boolean): number {
  if (allowFrequent) return 0;
  const every = shortestInterval(expression);
  return every !== null && every < floorMs ? floorMs : 0;
}

/** "1 min", "90 min", "2 h": an interval as people read it. */
export function describeInterval(ms: number): string {
  return ms >= 3_600_000 && ms % 3_600_000 === 0 ? `${ms / 3_600_000} h` : `${Math.round(ms / MINUTE_MS)} min`;
}
