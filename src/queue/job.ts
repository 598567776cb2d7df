// What travels on the queue: which roaster, which kind of run, for which schedule slot.

import type { JobType } from "../core/job-kinds.ts";

// The payload's kind of run (core/job-kinds.ts has the table), re-exported for the queue's users.
export type { JobType };

export interface JobPayload {
  /** Roaster slug. */
  roaster: string;
  type: JobType;
  /** The schedule slot (ISO time) the job was enqueued for, or `manual:<ISO time>`. */
  slot: string;
  /** Why it was enqueued (e.g. "scheduled", "never scraped", "manual enqueue"). */
  reason: string;
  /** Read every page in full and normalize every product again (`--force`): no 304s, no unchanged shortcut. */
  force?: boolean;
}

/**
 * Deterministic job id: type + roaster + slot, so enqueuing the same slot twice is a no-op.
 * BullMQ forbids ':' in custom ids, hence the dots and the compact time.
 */
export function jobIdFor(payload: Pick<JobPayload, "type" | "roaster" | "slot">): string {
  const slot = payload.slot.replace(/[^0-9A-Za-z]/g, "");
  return `${payload.type}.${payload.roaster}.${slot}`;
}
