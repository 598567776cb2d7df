import { modeOf } from "../core/job-kinds.ts";
import type { PipelineDeps } from "./deps.ts";
import type { Roaster } from "../config/roaster.ts";
import type { RunStatus } from "../db/enums.ts";
import { classify, ScrapeError } from "../core/errors.ts";
import { createFetchStats, type FetchStats } from "../fetch/stats.ts";
import type { Logger } from "../core/logger.ts";
import { adapterFor } from "../platforms/registry.ts";
import { choosePlatform } from "../platforms/detect.ts";
import { recordFullSweep, saveLastmods } from "../db/page-lastmods.ts";
import { ensureSource, readViaOf, savePlatform, saveReadVia } from "../db/roasters.ts";
import { finishRun, startRunClosingAbandoned } from "../db/runs.ts";
import { databaseSafe } from "../db/database-safe.ts";
import type { JobPayload } from "../queue/job.ts";
import { announceAlerts, announceUnlistingHeld } from "./alerts.ts";
import type { PriceAlert } from "./persist.ts";
import { markUnlistedInRun } from "./unlisted.ts";
import { processPages } from "./process-pages.ts";
import { loadProductStates } from "../db/product-state.ts";
import { loadListingPages } from "../db/listing-pages.ts";
import { ListingMemory } from "./listing-memory.ts";
import { budgetedFirecrawl, configuredPlatform, incrementalMemory } from "./store-access.ts";
import { addError, addWarning, emptyRunStats, roundTimings, runStatusOf, type RunStats } from "./run-stats.ts";
import { runEnrichment } from "../enrich/run-enrichment.ts";
import { runImageStage } from "../images/run-images.ts";

// The seam between the worker and the ingest pipeline. The worker loads the roaster and
// holds its lease; the pipeline does the run: a scrape_runs row, the store's pages through
// the polite client and the platform adapter, normalization and persistence, and the run's
// stats. It reports how the run ended; whether that was the job's last attempt (and so
// served its schedule slot) is the worker's to decide.

export interface PipelineInput {
  jobId: string;
  job: JobPayload;
  roaster: Roaster;
  /** Attempt number, 1-based. */
  attempt: number;
  deps: PipelineDeps;
  /** Scoped logger: every line carries jobId, roaster, type, attempt. */
  log: Logger;
  /** Aborted when the process must stop at once (second signal, shutdown timeout, lease lost). */
  signal: AbortSignal;
  /** Told once the run is recorded, with what it failed with (null: it did not fail). */
  runEnded: (end: { runId: string; failure: unknown }) => Promise<void>;
}

export interface RunSummary {
  runId: string;
  status: RunStatus;
  /** The run's stats (all of them from the pipeline; a stand-in work may report a few). */
  stats: Partial<RunStats>;
}

export async function runPipeline(input: PipelineInput): Promise<RunSummary> {
  const { deps, roaster, job, log, signal } = input;
  const { db } = deps;
  const started = Date.now();
  const startedAt = deps.clock.now();
  const stats = emptyRunStats({ jobType: job.type, jobId: input.jobId, slot: job.slot, attempt: input.attempt });
  stats.platform = roaster.platform ?? null;
  const sourceId = roaster.source_id ?? (await ensureSource(db, roaster));
  // We hold the roaster's lease: a run of its store still open was left by a dead process.
  const { runId, abandoned } = await startRunClosingAbandoned(db, { sourceId, jobId: input.jobId, jobType: job.type });
  if (abandoned > 0) log.warn({ abandoned }, "closed runs left open by a process that died mid-job");
  const fetchStats = createFetchStats();
  const mode = modeOf(job.type);
  const site = deps.http.forSite({ roaster, stats: fetchStats, signal, log, appliesFullRefresh: mode === "full" });
  let alerts: PriceAlert[] = [];
  let unlistingHeld: { missing: number; active: number } | null = null;
  let fatal: unknown = null;

  const firecrawl = budgetedFirecrawl({ db, settings: deps.settings, roaster, now: () => deps.clock.now(), signal, log });
  const llm =
    mode === "full"
      ? runEnrichment({ db, settings: deps.settings, useLlm: roaster.use_llm, mayCall: true, now: () => deps.clock.now(), log, signal, warn: (m) => addWarning(stats, m) })
      : null;
  try {
    const configured = configuredPlatform(roaster);
    const platform = configured ?? (await choosePlatform(site, roaster));
    if (!configured) await savePlatform(db, roaster.id, platform);
    // Written when it changes, not on every run.
    else if (roaster.read_via !== readViaOf(platform)) await saveReadVia(db, roaster.id, readViaOf(platform));
    stats.platform = platform;
    stats.read_via = readViaOf(platform);
    // `--force` reads every page in full and normalizes every product again (after a parser
    // improvement, say): no 304s, no unchanged lastmods, no unchanged-product shortcut.
    const force = job.force === true;
    // What the run starts from, read at once (over a distant database, one wait instead of three).
    const [memory, previous, remembered] = await Promise.all([
      // A full run of a sitemap store reads only the pages whose lastmod changed, unless a sweep is due.
      platform === "jsonld" && mode === "full" && !force
        ? incrementalMemory(db, roaster.id, deps.clock.now(), deps.settings.SITEMAP_FULL_SWEEP_DAYS)
        : null,
      loadProductStates(db, roaster.id),
      // A page sent again byte for byte need not be parsed (not with --force, nor when the
      // LLM's answers are part of what a product's hash covers).
      force || llm ? null : loadListingPages(db, roaster.id),
    ]);
    if (platform === "jsonld" && mode === "full") stats.sitemap_sweep = memory === null;
    const listed = new Set<string>();
    const listingMemory = remembered ? new ListingMemory(remembered, previous, mode, listed) : null;
    const pages = adapterFor(platform).pages({
      roaster,
      http: site,
      log,
      conditional: !force,
      maxPages: deps.settings.MAX_PAGES_PER_RUN,
      ...(memory ? { pageMemory: memory } : {}),
      ...(firecrawl ? { firecrawl } : {}),
      ...(listingMemory ? { recall: (url: string, body: Buffer, currency: string | null) => listingMemory.recall(url, body, currency) } : {}),
    });
    const result = await processPages(pages, {
      db,
      log,
      roasterId: roaster.id,
      runId,
      mode,
      pinnedCurrency: roaster.currency ?? null,
      stats,
      artifacts: deps.artifacts,
      rememberValidators: true,
      afterPage: async (page) => {
        // Only a full run wrote the whole product: a price-only run leaves lastmods as they were.
        if (mode !== "full" || !page.lastmods?.length) return 0;
        await saveLastmods(db, roaster.id, page.lastmods);
        return 1;
      },
      now: () => deps.clock.now(),
      signal,
      previous,
      force,
      touchUnchangedVariants: deps.settings.TOUCH_UNCHANGED_VARIANTS,
      rememberPages: listingMemory !== null,
      listed,
      ...(llm ? { enrichment: llm.enrichment } : {}),
    });
    alerts = result.alerts;
    if (mode === "full" && result.complete && stats.pages > 0) {
      const unlisting = await markUnlistedInRun(db, { roasterId: roaster.id, runId, listedProductIds: result.listedProductIds }, stats);
      if (unlisting.held > 0) unlistingHeld = { missing: unlisting.held, active: unlisting.active };
      if (stats.sitemap_sweep) await recordFullSweep(db, roaster.id, startedAt);
    }
    if (stats.pages > 0 && stats.pages === stats.pages_failed) {
      // Nothing could be read: let the job's retry policy decide (a 503 storm is transient).
      fatal = allPagesFailed(result.firstPageError);
    } else if (mode === "full") {
      // Images are driven from the database (this roaster's images without an ImageKit copy),
      // so a failed upload is tried again next run even when its product is unchanged.
      const images = await runImageStage({ deps, roaster, stats: fetchStats, signal, log, warn: (m) => addWarning(stats, m) });
      if (images) Object.assign(stats, images);
    }
  } catch (err) {
    fatal = err;
    const { retry, code } = classify(err);
    addError(stats, { scope: "run", message: (err as Error).message, retry, ...(code === null ? {} : { code }) });
  }

  if (llm) Object.assign(stats, await llm.finish());
  if (firecrawl) {
    stats.firecrawl_calls = firecrawl.stats.calls;
    stats.firecrawl_credits = firecrawl.stats.credits;
    await firecrawl.close().catch(() => {});
  }
  mergeFetchStats(stats, fetchStats);
  stats.duration_ms = Date.now() - started;
  roundTimings(stats);
  const status = runStatusOf(stats, fatal !== null);
  await finishRun(db, runId, status, databaseSafe(stats));
  await input.runEnded({ runId, failure: fatal });
  const told = { roaster: roaster.slug, runId, webhookUrl: deps.settings.ALERT_WEBHOOK_URL, log };
  await announceAlerts(alerts, told);
  if (unlistingHeld) await announceUnlistingHeld(unlistingHeld, told);

  if (fatal !== null) throw fatal;
  return { runId, status, stats };
}

/** The run's failure when no page could be read: the first page's, so its class, wait and finality hold. */
function allPagesFailed(first: ScrapeError | null): ScrapeError {
  return new ScrapeError("all_pages_failed", `every page failed; first: ${first?.message ?? "unknown"}`, {
    cause: first ?? undefined,
    ...(first?.retryAfterMs !== undefined ? { retryAfterMs: first.retryAfterMs } : {}),
    ...(first ? { inherit: { retry: first.retry, final: first.final } } : {}),
  });
}

function mergeFetchStats(stats: RunStats, fetch: FetchStats): void {
  stats.requests = fetch.requests;
  stats.retries = fetch.retries;
  stats.bytes = fetch.bytes;
  stats.politeness_wait_ms = Math.round(fetch.politenessWaitMs);
  stats.retry_wait_ms = Math.round(fetch.retryWaitMs);
  stats.http_statuses = fetch.statuses;
  stats.timings_ms.fetch = fetch.exchangeMs;
}

