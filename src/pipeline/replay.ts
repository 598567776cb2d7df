import { modeOf } from "../core/job-kinds.ts";
import type { PipelineDeps } from "./deps.ts";
import { copyArtifacts, storedArtifacts, type StoredArtifact } from "../db/artifacts.ts";
import type { Queryable } from "../db/database.ts";
import { permanent } from "../core/errors.ts";
import type { StorePage } from "../platforms/adapter.ts";
import { parseStoredPage } from "../platforms/registry.ts";
import { isStorePlatform, type StorePlatform } from "../core/platform.ts";
import type { JobType } from "../queue/job.ts";
import type { ArtifactStore } from "./artifacts/store.ts";
import { findRunRecord, finishRun, startRun } from "../db/runs.ts";
import { databaseSafe } from "../db/database-safe.ts";
import { processPages } from "./process-pages.ts";
import { markUnlistedInRun } from "./unlisted.ts";
import { addWarning, emptyRunStats, readRunStats, roundTimings, runStatusOf } from "./run-stats.ts";
import { runEnrichment } from "../enrich/run-enrichment.ts";
import { usesLlm } from "../db/roasters.ts";
import type { RunSummary } from "./run-pipeline.ts";

/** A finished run as stored: where its pages came from and how to parse them. */
export interface StoredRun {
  runId: string;
  roasterId: string;
  sourceId: string;
  platform: StorePlatform;
  currency: string | null;
  jobType: JobType;
  artifacts: StoredArtifact[];
  /** The run fetched every page (none unchanged, no stop at a budget): only then can a replay mark products gone. */
  sawWholeStore: boolean;
}

/** Reads a run's bookkeeping and artifact records (no bodies yet). Throws run_not_found / platform_unknown. */
export async function loadStoredRun(db: Queryable, runId: string): Promise<StoredRun> {
  const original = await findRunRecord(db, runId);
  if (!original) throw permanent("run_not_found", `no scrape run ${runId}`);
  const stats = readRunStats(original.stats_json);
  const platform = stats.platform ?? original.platform;
  if (!isStorePlatform(platform)) {
    throw permanent("platform_unknown", `run ${runId} has no known platform to parse its pages with`);
  }
  const artifacts = await storedArtifacts(db, runId);
  return {
    runId,
    roasterId: original.roaster_id,
    sourceId: original.source_id,
    platform,
    currency: original.currency ?? stats.currency ?? null,
    jobType: stats.job_type ?? "full_refresh",
    artifacts,
    sawWholeStore: !stats.not_modified_pages && !stats.stopped_early,
  };
}

/** The run's pages rebuilt from its stored bodies, one at a time, without the network. */
export async function* storedRunPages(run: StoredRun, artifacts: ArtifactStore): AsyncIterable<StorePage> {
  const groups = new Map<number, StoredArtifact[]>();
  for (const row of run.artifacts) {
    const page = row.saved_json?.page ?? 0;
    groups.set(page, [...(groups.get(page) ?? []), row]);
  }
  for (const [pageNumber, parts] of [...groups.entries()].sort((a, b) => a[0] - b[0])) {
    parts.sort((a, b) => (a.saved_json?.part ?? 0) - (b.saved_json?.part ?? 0));
    const responses = [];
    for (const part of parts) {
      responses.push({
        url: part.url,
        status: part.http_status,
        contentType: part.saved_json?.content_type ?? null,
        body: await artifacts.get(part.saved_html_path).catch((err: unknown) => {
          throw permanent("artifacts_pruned", `stored page ${part.saved_html_path} vanished during the replay (pruned?)`, err);
        }),
      });
    }
    const parsed = parseStoredPage(run.platform, responses, { currency: run.currency });
    yield {
      pageNumber,
      url: parts[0]!.saved_json?.page_url ?? parts[0]!.url,
      status: parts[0]!.http_status,
      notModified: false,
      validators: { etag: null, lastModified: null },
      responses,
      currency: run.currency,
      ...parsed,
    };
  }
}

/**
 * Re-runs validation, normalization and persistence over the raw pages a run stored,
 * without touching the network. The replay is a run of its own (slot `replay:<run id>`).
 */
export async function replayRun(runId: string, deps: PipelineDeps & { artifacts: ArtifactStore }): Promise<RunSummary> {
  const { db, log } = deps;
  const run = await loadStoredRun(db, runId);
  const { jobType, currency } = run;
  // Nothing to replay is not an empty success: no run is recorded (it would read as one).
  const missing = run.artifacts.length === 0 ? null : await firstMissing(deps.artifacts, run.artifacts);
  if (run.artifacts.length === 0 || missing) {
    throw permanent(
      "artifacts_pruned",
      run.artifacts.length === 0
        ? `run ${runId} has no stored raw pages left (artifacts are pruned after ARTIFACTS_RETENTION_DAYS); nothing replayed`
        : `run ${runId}: its stored page ${missing} is no longer in the artifact store (pruned after ARTIFACTS_RETENTION_DAYS); nothing replayed`,
    );
  }

  const jobId = `replay.${runId}`;
  const stats = emptyRunStats({ jobType, jobId, slot: `replay:${runId}`, attempt: 1 });
  stats.platform = run.platform;
  const started = Date.now();
  const newRunId = await startRun(db, { sourceId: run.sourceId, jobId, jobType });
  await copyArtifacts(db, runId, newRunId);

  // What was inferred comes back from the LLM's cached answers; a replay never calls out.
  const llm =
    jobType === "full_refresh"
      ? runEnrichment({ db, settings: deps.settings, useLlm: await usesLlm(db, run.roasterId), mayCall: false, now: () => deps.clock.now(), log, warn: (m) => addWarning(stats, m) })
      : null;
  let fatal = false;
  try {
    const result = await processPages(storedRunPages(run, deps.artifacts), {
      db,
      log,
      roasterId: run.roasterId,
      runId: newRunId,
      mode: modeOf(jobType),
      pinnedCurrency: currency,
      stats,
      now: () => deps.clock.now(),
      ...(llm ? { enrichment: llm.enrichment } : {}),
    });
    // Pages the original run did not fetch (unchanged, or past a spent budget) are not in its
    // artifacts: their products were not seen, so none may be marked as gone.
    if (jobType === "full_refresh" && result.complete && run.sawWholeStore && run.artifacts.length > 0) {
      await markUnlistedInRun(db, { roasterId: run.roasterId, runId: newRunId, listedProductIds: result.listedProductIds }, stats);
    }
  } catch (err) {
    fatal = true;
    stats.errors.push({ scope: "run", message: (err as Error).message });
  }
  if (llm) Object.assign(stats, await llm.finish());
  stats.duration_ms = Date.now() - started;
  roundTimings(stats);
  const status = runStatusOf(stats, fatal);
  await finishRun(db, newRunId, status, databaseSafe(stats));
  return { runId: newRunId, status, stats };
}

async function firstMissing(store: ArtifactStore, rows: StoredArtifact[]): Promise<string | null> {
  for (const key of new Set(rows.map((r) => r.saved_html_path))) {
    if (!(await store.exists(key))) return key;
  }
  return null;
}
