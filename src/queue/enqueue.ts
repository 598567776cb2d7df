import type { Clock } from "../core/clock.ts";
import type { Queryable } from "../db/database.ts";
import { listRoasters } from "../db/roasters.ts";
import type { EnqueueResult, QueueBackend } from "./backend.ts";
import type { JobPayload, JobType } from "./job.ts";

/** The slot of a manual enqueue: the current minute, so repeats within it dedupe. */
export function manualSlot(now: Date): string {
  return `manual:${now.toISOString().slice(0, 16)}Z`;
}

export class UnknownRoastersError extends Error {
  constructor(
    readonly unknown: string[],
    readonly inactive: string[],
  ) {
    const parts = [
      unknown.length ? `unknown roaster(s): ${unknown.join(", ")}` : "",
      inactive.length ? `inactive roaster(s): ${inactive.join(", ")}` : "",
    ].filter(Boolean);
    super(`${parts.join("; ")}; nothing was enqueued`);
    this.name = "UnknownRoastersError";
  }
}

export interface EnqueueRequest {
  /** Slugs, or "all" for every active roaster. */
  roasters: string[] | "all";
  type: JobType;
  reason?: string;
  /** Read every page in full and normalize every product again (after a parser improvement). */
  force?: boolean;
}

/**
 * Enqueues one job per roaster for the current minute's manual slot. Unknown or inactive
 * slugs reject the whole request. Returns one result per job (added false = already queued).
 */
export async function enqueueRoasters(
  deps: { db: Queryable; queue: QueueBackend; clock: Clock },
  request: EnqueueRequest,
): Promise<(EnqueueResult & { roaster: string })[]> {
  const all = await listRoasters(deps.db);
  let slugs: string[];
  if (request.roasters === "all") {
    slugs = all.filter((r) => r.is_active).map((r) => r.slug);
  } else {
    const bySlug = new Map(all.map((r) => [r.slug, r]));
    const unknown = request.roasters.filter((s) => !bySlug.has(s));
    const inactive = request.roasters.filter((s) => bySlug.get(s)?.is_active === false);
    if (unknown.length || inactive.length) throw new UnknownRoastersError(unknown, inactive);
    slugs = [...new Set(request.roasters)];
  }
  const slot = manualSlot(deps.clock.now());
  const payloads: JobPayload[] = slugs.map((roaster) => ({
    roaster,
    type: request.type,
    slot,
    reason: request.reason ?? "manual enqueue",
    ...(request.force ? { force: true } : {}),
  }));
  const results = await deps.queue.enqueueMany(payloads);
  return results.map((r, i) => ({ ...r, roaster: slugs[i]! }));
}
