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
