import type { RunStatus } from "../db/enums.ts";
import type { JobType } from "../queue/job.ts";
import type { HeldVariant } from "./persist.ts";

// What a run did, as stored in scrape_runs.stats_json (snake_case, like the rest of the
// database). Every failure of a page or a product is listed in `errors`.

export interface RunError {
  scope: "run" | "page" | "product";
  message: string;
  url?: string;
  product?: string | null;
  retry?: string;
  /** For run errors: the classified error's code ("deadline", "crawl_delay_too_long", …). */
  code?: string;
}

export interface RunStats {
  job_type: JobType;
  job_id: string;
  slot: string;
  attempt: number;
  platform: string | null;
  /** How the products were read: api (Shopify / WooCommerce), jsonld, firecrawl. */
  read_via: string | null;
  /** JSON-LD full runs: true when every product page was read, false when only changed ones (lastmod). */
  sitemap_sweep: boolean | null;
  /** Why the adapter stopped before the store's end (the Firecrawl budget): the run is partial. */
  stopped_early: string | null;
  firecrawl_calls: number;
  firecrawl_credits: number;
  currency: string | null;
  pages: number;
  pages_failed: number;
  not_modified_pages: number;
  products_seen: number;
  /** Listed as they were when last written: not normalized, not rewritten (only seen). */
  products_unchanged: number;
  /** Listed before, with a listing that changed (or a row that was gone): the full way. */
  products_changed: number;
  /** Never written before. */
  products_new: number;
  coffees_upserted: number;
  non_coffee_skipped: number;
  variants_upserted: number;
  prices_inserted: number;
  prices_unchanged: number;
  price_alerts: number;
  unknown_weights: number;
  /** Variants not written as rows of `variants` (bag size unknown, price without currency). */
  variants_held: number;
  held_variants: HeldVariant[];
  unknown_products: number;
  unknown_variants: number;
  marked_unlisted: number;
  artifacts: number;
  artifacts_written: number;
  requests: number;
  retries: number;
  bytes: number;
  politeness_wait_ms: number;
  db_round_trips: number;
  duration_ms: number;
  /**
   * Where the run's time went: waiting for the store's pages (requests, pacing and the
   * adapter's parsing; `fetch` is the requests' own part of it), normalizing them, and writing
   * them (which overlaps the next page's fetch).
   */
  timings_ms: { fetch_and_parse: number; fetch: number; normalize: number; write: number };
  warnings: string[];
  errors: RunError[];
}

const MAX_LISTED = 200;

export function emptyRunStats(input: { jobType: JobType; jobId: string; slot: string; attempt: number }): RunStats {
  return {
    job_type: input.jobType,
    job_id: input.jobId,
    slot: input.slot,
    attempt: input.attempt,
    platform: null,
    read_via: null,
    sitemap_sweep: null,
    stopped_early: null,
    firecrawl_calls: 0,
    firecrawl_credits: 0,
    currency: null,
    pages: 0,
    pages_failed: 0,
    not_modified_pages: 0,
    products_seen: 0,
    products_unchanged: 0,
    products_changed: 0,
    products_new: 0,
    coffees_upserted: 0,
    non_coffee_skipped: 0,
    variants_upserted: 0,
    prices_inserted: 0,
    prices_unchanged: 0,
    price_alerts: 0,
    unknown_weights: 0,
    variants_held: 0,
    held_variants: [],
    unknown_products: 0,
    unknown_variants: 0,
    marked_unlisted: 0,
    artifacts: 0,
    artifacts_written: 0,
    requests: 0,
    retries: 0,
    bytes: 0,
    politeness_wait_ms: 0,
    db_round_trips: 0,
    duration_ms: 0,
    timings_ms: { fetch_and_parse: 0, fetch: 0, normalize: 0, write: 0 },
    warnings: [],
    errors: [],
  };
}

/** Lists are capped so a store with 10,000 broken products cannot bloat one row. */
export function addError(stats: RunStats, error: RunError): void {
  if (stats.errors.length < MAX_LISTED) stats.errors.push({ ...error, message: error.message.slice(0, 500) });
  else if (stats.errors.length === MAX_LISTED) stats.errors.push({ scope: "run", message: "further errors not listed" });
}

export function addHeldVariant(stats: RunStats, held: HeldVariant): void {
  stats.variants_held += 1;
  if (stats.held_variants.length < MAX_LISTED) stats.held_variants.push(held);
}

export function addWarning(stats: RunStats, warning: string): void {
  if (stats.warnings.length < MAX_LISTED) stats.warnings.push(warning.slice(0, 300));
}

/** Timings are measured in fractions of a millisecond; stored whole. */
export function roundTimings(stats: RunStats): void {
  const t = stats.timings_ms;
  stats.timings_ms = {
    fetch_and_parse: Math.round(t.fetch_and_parse),
    fetch: Math.round(t.fetch),
    normalize: Math.round(t.normalize),
    write: Math.round(t.write),
  };
}

/** ok: everything processed; partial: some pages or products failed; fail: nothing usable. */
export function runStatusOf(stats: RunStats, fatal: boolean): RunStatus {
  if (fatal) return "fail";
  const failedProducts = stats.errors.some((e) => e.scope === "product");
  if (stats.pages_failed > 0 && stats.pages === stats.pages_failed) return "fail";
  return stats.pages_failed > 0 || failedProducts || stats.stopped_early !== null ? "partial" : "ok";
}
