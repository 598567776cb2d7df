import type { Queryable } from "../db/database.ts";
import { lastRunPerRoaster } from "../db/status.ts";
import { firecrawlText, readingText, type Reading } from "../db/store-reading.ts";
import type { RunStatus } from "../db/enums.ts";
import type { FailedJob, JobCounts, QueueBackend } from "../queue/backend.ts";
import { imagesText, llmText, roasterStages, stageTotals, type RoasterStages, type StageTotals } from "../db/stage-status.ts";

export interface RoasterLastRun {
  roaster: string;
  active: boolean;
  lastRun: {
    id: string;
    status: RunStatus | null;
    jobType: string | null;
    startedAt: Date;
    finishedAt: Date | null;
    stats: Record<string, unknown> | null;
  } | null;
  /** The platform (their enum), how the products are read, and Firecrawl's credits this month. */
  reading: Reading;
  /** Variants the store lists that are not rows of `variants` (bag size unknown, price without a currency). */
  held: { count: number; reasons: Record<string, number>; examples: { product: string; variant: string; reason: string }[] };
  /** The optional stages: the LLM enricher's recent work, and where the roaster's images stand. */
  stages: RoasterStages;
  /** Most of its coffees vanished from its listing at once and were not marked discontinued (pipeline/unlisted.ts). */
  unlistingHold: { missing: number; active: number; heldAt: Date } | null;
}

export interface Status {
  queue: { kind: QueueBackend["kind"]; counts: JobCounts };
  failures: FailedJob[];
  roasters: RoasterLastRun[];
  /** The LLM's usage today (UTC) and the images on ImageKit, over all roasters. */
  stages: StageTotals;
}

/** Queue counts, the latest failures with their reasons, and each roaster's last run. */
export async function collectStatus(
  deps: { db: Queryable; queue: QueueBackend },
  options: { failures?: number } = {},
): Promise<Status> {
  const [counts, failures, rows] = await Promise.all([
    deps.queue.counts(),
    deps.queue.recentFailures(options.failures ?? 10),
    lastRunPerRoaster(deps.db),
  ]);
  const now = new Date();
  const [stages, totals] = await Promise.all([roasterStages(deps.db, rows.map((r) => r.id), now), stageTotals(deps.db, now)]);
  return {
    queue: { kind: deps.queue.kind, counts },
    failures,
    stages: totals,
    roasters: rows.map((row) => ({
      roaster: row.slug,
      active: row.is_active,
      lastRun: row.run_id
        ? {
            id: row.run_id,
            status: row.status,
            jobType: row.job_type,
            startedAt: new Date(row.started_at!),
            finishedAt: row.finished_at ? new Date(row.finished_at) : null,
            stats: row.stats_json,
          }
        : null,
      reading: {
        platform: row.platform,
        read_via: row.read_via,
        use_firecrawl_fallback: row.use_firecrawl_fallback,
        firecrawl_budget_limit: row.firecrawl_budget_limit,
        firecrawl_used: row.firecrawl_used,
      },
      held: { count: row.held_count, reasons: row.held_reasons ?? {}, examples: row.held_examples ?? [] },
      unlistingHold: row.unlisting_hold
        ? { missing: row.unlisting_hold.missing, active: row.unlisting_hold.active, heldAt: new Date(row.unlisting_hold.held_at) }
        : null,
      stages: stages.get(row.id)!,
    })),
  };
}

/** Plain text for a terminal. */
export function formatStatus(status: Status, options: { throughOwner?: boolean } = {}): string {
  const c = status.queue.counts;
  const lines = [
    `Queue (${status.queue.kind}): ${c.waiting} waiting, ${c.active} active, ${c.delayed} delayed, ${c.completed} completed, ${c.failed} failed`,
  ];
  if (status.queue.kind === "embedded" && !options.throughOwner) {
    lines.push("  (no `coffee-scraper start` is running on this DATA_DIR: the embedded queue lives inside it)");
  }
  lines.push("", status.failures.length ? "Recent failures:" : "Recent failures: none");
  for (const f of status.failures) {
    lines.push(`  ${f.failedAt?.toISOString() ?? "?"}  ${f.id}  after ${f.attempts} attempt(s): ${f.reason}`);
  }
  lines.push("", status.roasters.length ? "Last run per roaster:" : "No roasters configured.");
  for (const r of status.roasters) {
    const run = r.lastRun;
    const what = run
      ? `${run.status ?? "running"}  ${run.jobType ?? ""}  started ${run.startedAt.toISOString()}${run.finishedAt ? `, finished ${run.finishedAt.toISOString()}` : ""}`
      : "never run";
    lines.push(`  ${r.roaster.padEnd(28)} ${r.active ? "" : "(inactive) "}${what}`);
    const reading = [readingText(r.reading), firecrawlText(r.reading)].filter(Boolean).join("; ");
    if (reading) lines.push(`  ${"".padEnd(28)} ${reading}`);
    if (r.held.count > 0) {
      const why = Object.entries(r.held.reasons).map(([reason, n]) => `${reason}: ${n}`).join(", ");
      const e = r.held.examples[0];
      lines.push(
        `  ${"".padEnd(28)} ${r.held.count} variant(s) held back (${why})${e ? `, e.g. ${e.product} / ${e.variant}` : ""}`,
      );
    }
    if (r.unlistingHold) {
      const { missing, active, heldAt } = r.unlistingHold;
      lines.push(
        `  ${"".padEnd(28)} ${missing} of its ${active} coffees vanished from the listing at once (${heldAt.toISOString()}): ` +
          "not marked discontinued until the next full refresh finds them missing too",
      );
    }
    for (const text of [llmText(r.stages.llm), imagesText(r.stages.images)]) if (text) lines.push(`  ${"".padEnd(28)} ${text}`);
  }
  const { llmToday } = status.stages;
  if (llmToday.calls + llmToday.skipped > 0) {
    lines.push("", `LLM today (${llmToday.day}, UTC): ${llmToday.calls} call(s), ${llmToday.tokens} tokens, ${llmToday.skipped} product(s) skipped over budget`);
  }
  return lines.join("\n");
}
