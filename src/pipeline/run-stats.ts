import { isJobType, type JobType } from "../core/job-kinds.ts";
import type { RunStatus } from "../db/enums.ts";
import type { EnrichmentStats } from "../enrich/enricher.ts";
import type { ImageStats } from "../images/run-images.ts";
import type { HeldVariant } from "./persist.ts";

// What a run did, as stored in scrape_runs.stats_json (snake_case, like the rest of the
// database). Every failure of a page or a product is listed in `errors`. Written by the
// pipeline; read back (metrics, the dashboard) only through `readRunStats`.

export interface RunError {
  scope: "run" | "page" | "product";
  message: string;
  url?: string;
  product?: string | null;
  retry?: string;
  /** For run errors: the classified error's code ("deadline", "crawl_delay_too_long", …). */
  code?: string;
}

export interface RunStats extends Partial<EnrichmentStats>, Partial<ImageStats> {
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
  /** Sent again byte for byte, every product on it as written: not parsed (pipeline/listing-memory.ts). */
  pages_recalled: number;
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
  /** Coffees missing from the store's listing, not marked discontinued yet: most vanished at once (pipeline/unlisted.ts). */
  unlisting_held: number;
  artifacts: number;
  artifacts_written: number;
  requests: number;
  retries: number;
  bytes: number;
  politeness_wait_ms: number;
  /** Set from the fetch stats when the run closes (a replay fetches nothing: absent). */
  retry_wait_ms?: number;
  /** Final answers by HTTP status ("200", "304", …), set like retry_wait_ms. */
  http_statuses?: Record<string, number>;
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
    pages_recalled: 0,
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
    unlisting_held: 0,
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
  // (A hold on marking coffees discontinued, too: the run did not apply all it saw, and someone should look at the store.)
  return stats.pages_failed > 0 || failedProducts || stats.stopped_early !== null || stats.unlisting_held > 0 ? "partial" : "ok";
}

/**
 * stats_json as read back: rows written by older versions lack keys, and jsonb is only as
 * typed as whoever wrote it, so each key is kept only when its value has the expected shape.
 * Error entries keep whichever of their fields are strings.
 */
export type StoredRunStats = Omit<Partial<RunStats>, "errors"> & { errors?: Partial<RunError>[] };

type Shape = "number" | "text" | "flag" | "job_type" | "strings" | "counts" | "list" | "errors";

const SHAPES: { [K in keyof Required<RunStats>]: Shape } = {
  job_type: "job_type",
  job_id: "text",
  slot: "text",
  attempt: "number",
  platform: "text",
  read_via: "text",
  sitemap_sweep: "flag",
  stopped_early: "text",
  firecrawl_calls: "number",
  firecrawl_credits: "number",
  currency: "text",
  pages: "number",
  pages_failed: "number",
  not_modified_pages: "number",
  pages_recalled: "number",
  products_seen: "number",
  products_unchanged: "number",
  products_changed: "number",
  products_new: "number",
  coffees_upserted: "number",
  non_coffee_skipped: "number",
  variants_upserted: "number",
  prices_inserted: "number",
  prices_unchanged: "number",
  price_alerts: "number",
  unknown_weights: "number",
  variants_held: "number",
  held_variants: "list",
  unknown_products: "number",
  unknown_variants: "number",
  marked_unlisted: "number",
  unlisting_held: "number",
  artifacts: "number",
  artifacts_written: "number",
  requests: "number",
  retries: "number",
  bytes: "number",
  politeness_wait_ms: "number",
  retry_wait_ms: "number",
  http_statuses: "counts",
  db_round_trips: "number",
  duration_ms: "number",
  timings_ms: "counts",
  warnings: "strings",
  errors: "errors",
  llm_calls: "number",
  llm_tokens: "number",
  llm_cache_hits: "number",
  llm_enriched: "number",
  llm_values_inferred: "number",
  llm_invalid_answers: "number",
  llm_pending: "number",
  llm_budget_skipped: "number",
  llm_failed: "number",
  images_uploaded: "number",
  images_deduplicated: "number",
  images_failed: "number",
  images_skipped: "number",
  images_bytes_uploaded: "number",
};

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const isNumber = (value: unknown): value is number => typeof value === "number" && Number.isFinite(value);

/** The value in its expected shape, or undefined when it has another. */
function shaped(shape: Shape, value: unknown): unknown {
  switch (shape) {
    case "number":
      return isNumber(value) ? value : undefined;
    case "text":
      return typeof value === "string" || value === null ? value : undefined;
    case "flag":
      return typeof value === "boolean" || value === null ? value : undefined;
    case "job_type":
      return isJobType(value) ? value : undefined;
    case "strings":
      return Array.isArray(value) ? value.map(String) : undefined;
    case "counts":
      return isRecord(value) ? Object.fromEntries(Object.entries(value).filter(([, n]) => isNumber(n))) : undefined;
    case "list":
      return Array.isArray(value) ? value.filter(isRecord) : undefined;
    case "errors":
      return Array.isArray(value) ? value.filter(isRecord).map(storedError) : undefined;
  }
}

function storedError(entry: Record<string, unknown>): Partial<RunError> {
  const error: Record<string, unknown> = {};
  for (const key of ["scope", "message", "url", "retry", "code"] as const) {
    if (typeof entry[key] === "string") error[key] = entry[key];
  }
  if (typeof entry.product === "string" || entry.product === null) error.product = entry.product;
  return error as Partial<RunError>;
}

export function readRunStats(json: unknown): StoredRunStats {
  if (!isRecord(json)) return {};
  const stats: Record<string, unknown> = {};
  for (const [key, shape] of Object.entries(SHAPES) as [keyof RunStats, Shape][]) {
    const value = shaped(shape, json[key]);
    if (value !== undefined) stats[key] = value;
  }
  return stats as StoredRunStats;
}
