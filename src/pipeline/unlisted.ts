import type { Queryable } from "../db/database.ts";
import type { UnlistingOutcome } from "../db/ingest.ts";
import { markUnlisted } from "./persist.ts";
import { addWarning, type RunStats } from "./run-stats.ts";

// The end of a full refresh that read the whole store: the roaster's coffees it did not find
// are marked discontinued — unless most of them vanished at once, which is held back until the
// next full refresh confirms it (persist.ts UNLISTING_HOLD, migration 0014).

/** Marks the coffees the run did not see listed; what it did goes into the run's stats, and is returned. */
export async function markUnlistedInRun(
  db: Queryable,
  run: { roasterId: string; runId: string; listedProductIds: Iterable<string> },
  stats: RunStats,
): Promise<UnlistingOutcome> {
  const outcome = await markUnlisted(db, run.roasterId, run.runId, [...run.listedProductIds]);
  stats.marked_unlisted = outcome.marked;
  stats.unlisting_held = outcome.held;
  if (outcome.held > 0) {
    addWarning(
      stats,
      `${outcome.held} of the roaster's ${outcome.active} coffees are missing from the store's listing at once: not marked ` +
        `discontinued yet (a store's fault, more often); the next full refresh that finds them missing marks them`,
    );
  }
  if (outcome.confirmed) {
    addWarning(stats, `${outcome.marked} coffees missing from the store's listing for a second full refresh: marked discontinued`);
  }
  return outcome;
}
