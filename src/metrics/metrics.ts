import { JOB_TYPES } from "../core/job-kinds.ts";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { StoredRunStats } from "../pipeline/run-stats.ts";
import type { JobCounts } from "../queue/backend.ts";
import { after } from "../core/timers.ts";

// One Prometheus registry per process (built with the deps), fed from two places only: the
// worker edge at the end of every job attempt (observeJob, with the run's stats), and the
// queue's counts, sampled when /metrics is scraped.

export const METRIC_PREFIX = "coffee_scraper_";

export type JobOutcome = "completed" | "failed" | "retrying" | "deferred";

/** What one finished job attempt contributes. `stats` is the run's stats (absent when no run was made). */
export interface JobObservation {
  type: string;
  outcome: JobOutcome;
  durationMs: number;
  /** The job was deferred because another job held its roaster's lease. */
  leaseConflict?: boolean;
  runStatus?: string | null;
  stats?: StoredRunStats | null;
}

export interface Metrics {
  readonly registry: Registry;
  observeJob(observation: JobObservation): void;
  /** Samples queue depth (waiting/active/delayed/failed…) from `counts` whenever /metrics is read. */
  watchQueue(counts: () => Promise<JobCounts>): void;
  /** Process metrics (CPU, memory, event loop): once, by whoever serves /metrics. */
  collectProcessMetrics(): void;
}

const num = (value: number | undefined): number => (value !== undefined && value > 0 ? value : 0);

export function createMetrics(): Metrics {
  const registry = new Registry();
  const name = (n: string) => `${METRIC_PREFIX}${n}`;
  const counter = <L extends string>(n: string, help: string, labelNames: readonly L[] = []) =>
    new Counter<L>({ name: name(n), help, labelNames, registers: [registry] });

  const jobs = counter("jobs_total", "Job attempts finished, by job type and outcome.", ["type", "outcome"]);
  const duration = new Histogram<"type" | "outcome">({
    name: name("job_duration_seconds"),
    help: "Duration of job attempts, by job type and outcome.",
    labelNames: ["type", "outcome"],
    buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800],
    registers: [registry],
  });
  const runs = counter("runs_total", "Scrape runs finished by job attempts, by job type and run status.", ["type", "status"]);
  const requests = counter("http_requests_total", "HTTP requests made to roasters' sites (every attempt, redirect hop and robots.txt).");
  const responses = counter("http_responses_total", "Final HTTP answers from roasters' sites, by status code.", ["status"]);
  const retries = counter("http_retries_total", "HTTP requests repeated after a retryable failure.");
  const notModified = counter("http_not_modified_total", "Pages answered 304 Not Modified to a conditional request.");
  const bytes = counter("http_bytes_total", "Bytes received from roasters' sites (on the wire).");
  const politeness = counter("politeness_wait_seconds_total", "Time requests waited for a roaster's concurrency slot or request spacing.");
  const products = counter("products_upserted_total", "Coffees (products) written.");
  const variants = counter("variants_upserted_total", "Variants written.");
  const prices = counter("price_rows_inserted_total", "Price rows inserted (one per observed change).");
  const alerts = counter("price_alerts_total", "Price alerts raised.");
  const leaseConflicts = counter("lease_conflicts_total", "Job attempts deferred because another job held the roaster's lease.");

  for (const type of JOB_TYPES) {
    for (const outcome of ["completed", "failed", "retrying", "deferred"]) jobs.inc({ type, outcome }, 0);
  }

  let sampleQueue: (() => Promise<JobCounts>) | null = null;
  new Gauge<"state">({
    name: name("queue_jobs"),
    help: "Jobs in the queue by state, sampled when metrics are read.",
    labelNames: ["state"],
    registers: [registry],
    async collect() {
      if (!sampleQueue) return;
      const counts = await Promise.race([
        sampleQueue(),
        new Promise<null>((resolve) => after(2000, () => resolve(null)).unref()),
      ]).catch(() => null);
      if (!counts) return;
      for (const [state, n] of Object.entries(counts)) this.set({ state }, n);
    },
  });

  let processMetrics = false;
  return {
    registry,
    observeJob(o) {
      jobs.inc({ type: o.type, outcome: o.outcome });
      duration.observe({ type: o.type, outcome: o.outcome }, o.durationMs / 1000);
      if (o.leaseConflict) leaseConflicts.inc();
      if (o.runStatus) runs.inc({ type: o.type, status: o.runStatus });
      const s = o.stats;
      if (!s) return;
      requests.inc(num(s.requests));
      retries.inc(num(s.retries));
      notModified.inc(num(s.not_modified_pages));
      bytes.inc(num(s.bytes));
      politeness.inc(num(s.politeness_wait_ms) / 1000);
      products.inc(num(s.coffees_upserted));
      variants.inc(num(s.variants_upserted));
      prices.inc(num(s.prices_inserted));
      alerts.inc(num(s.price_alerts));
      for (const [status, n] of Object.entries(s.http_statuses ?? {})) {
        if (/^\d{3}$/.test(status) && num(n) > 0) responses.inc({ status }, num(n));
      }
    },
    watchQueue(counts) {
      sampleQueue = counts;
    },
    collectProcessMetrics() {
      if (processMetrics) return;
      processMetrics = true;
      collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
    },
  };
}
