import { deleteOldArtifactRecords, referencedBodies } from "../../db/artifacts.ts";
import type { Database } from "../../db/database.ts";
import { ARTIFACT_GRACE_MS, type ArtifactStore } from "./store.ts";

// Retention of raw pages. Bodies are shared (content-addressed): a new run may deduplicate
// onto a body that no remaining record points at yet, because it records the artifact only
// after storing it. Three things keep prune from deleting such a body under it:
//  - a body is a candidate only when no artifact record left after the cutoff refers to it,
//    decided in the same statement that deletes the old records (and checked again right
//    before deleting, for records written since);
//  - a `put` that finds the body already stored refreshes its age, and prune leaves alone
//    every body written or refreshed within ARTIFACT_GRACE_MS (a run records what it stored
//    at once);
//  - the store deletes only a body that is still old at the moment of deletion
//    (`deleteIfOlder`): on a directory exactly (moved aside, judged, put back if renewed);
//    S3 has no conditional delete, so there the body is copied aside first, readers find it
//    there, and a later prune drops it only once it has been aside for the grace period and
//    no record refers to it.

const BATCH = 500;

export interface PruneResult {
  rowsDeleted: number;
  filesDeleted: number;
}

/**
 * Drops artifact records older than the retention period, then the stored bodies no
 * remaining record points at (a body shared with a newer run is kept).
 */
export async function pruneArtifacts(db: Database, store: ArtifactStore, retentionDays: number): Promise<PruneResult> {
  const cutoff = new Date(Date.now() - ARTIFACT_GRACE_MS);
  const decided = await deleteOldArtifactRecords(db, retentionDays);
  const referenced = new Set(decided.referenced);
  let filesDeleted = 0;
  let candidates: string[] = [];
  const referencedNow = (keys: string[]) => referencedBodies(db, keys);
  const sweep = async () => {
    // Records written since the statement above keep their bodies too.
    const kept = await referencedNow(candidates);
    for (const key of candidates) {
      if (!kept.has(key) && (await store.deleteIfOlder(key, cutoff))) filesDeleted += 1;
    }
    candidates = [];
  };
  for await (const { key, modifiedAt } of store.list()) {
    if (referenced.has(key) || modifiedAt.getTime() >= cutoff.getTime()) continue;
    candidates.push(key);
    if (candidates.length >= BATCH) await sweep();
  }
  if (candidates.length > 0) await sweep();
  // Bodies an earlier prune set aside: kept (put back) if a record wants them, else dropped.
  if (store.sweepAside) filesDeleted += await store.sweepAside(referencedNow, cutoff);
  return { rowsDeleted: decided.deleted, filesDeleted };
}
