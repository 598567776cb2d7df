import type { JobMode } from "../core/job-kinds.ts";
import { nextTurn } from "../core/timers.ts";
import type { Database } from "../db/database.ts";
import type { ScrapeError } from "../core/errors.ts";
import type { Logger } from "../core/logger.ts";
import type { StorePage } from "../platforms/adapter.ts";
import type { ArtifactStore } from "./artifacts/store.ts";
import type { RawProduct } from "../platforms/raw-product.ts";
import { classifyListing, normalizeProduct, type Classification, type NormalizedProduct, type NormalizedVariant } from "./normalize/index.ts";
import { listingHashes, type ListingHashes } from "./listing-hash.ts";
import { rememberedPage } from "./listing-memory.ts";
import { ingestDocument, ingestPage, priceDocument, recordArtifacts, stateDocument, type PriceAlert } from "./persist.ts";
import type { ProductStates } from "../db/product-state.ts";
import type { NewArtifact } from "../db/ingest.ts";
import { addError, addHeldVariant, addWarning, type RunStats } from "./run-stats.ts";
import { enrichPage, type EnrichCandidate, type InferredSensory } from "../enrich/apply.ts";
import type { Enricher } from "../enrich/enricher.ts";
import { clearInferredSensory, writeInferredSensory } from "../db/inferred-sensory.ts";
import { saveValidators, type ValidatorsWrite } from "../db/validators.ts";

// validate → keep raw artifact → normalize → upsert, page by page. The same code serves a
// live run (pages from a store adapter) and a replay (pages rebuilt from stored artifacts).

export interface ProcessPagesInput {
  db: Database;
  log: Logger;
  roasterId: string;
  runId: string;
  mode: JobMode;
  /** Currency pinned by the roaster's config; otherwise the page's own. */
  pinnedCurrency: string | null;
  stats: RunStats;
  /** Where raw bodies go; absent on replay (they are already stored). */
  artifacts?: ArtifactStore;
  /**
   * Live runs: each persisted page's HTTP validators are remembered, in the statement that
   * writes the page when it has one (so that only a written page is answered 304 next time).
   */
  rememberValidators?: boolean;
  /** Called after a page was persisted (a sitemap store's lastmods); returns the database round trips it made. */
  afterPage?: (page: StorePage) => Promise<number>;
  now: () => Date;
  signal?: AbortSignal;
  /**
   * Each product's listing hashes as last written (loadProductStates). A product listed as it
   * was is neither normalized nor rewritten. Absent (replay): every product goes the full way.
   */
  previous?: ProductStates;
  /** Every product goes the full way, listed as it was or not (`--force`). */
  force?: boolean;
  /** TOUCH_UNCHANGED_VARIANTS: a product seen unchanged moves its variants' seen times too (default false). */
  touchUnchangedVariants?: boolean;
  /** Remember each parsed one-answer page's digest and hashes, for the adapter's `recall` (pipeline/listing-memory.ts). */
  rememberPages?: boolean;
  /** Where the products listed in this run are gathered (the listing memory reads it too); a new set when absent. */
  listed?: Set<string>;
  /** A roaster with use_llm on a full run: the LLM fills what the parsers left unknown (src/enrich/). */
  enrichment?: { enricher: Enricher; concurrency: number };
}

export interface ProcessPagesResult {
  /** Every product id the store listed in this run (coffee or not). */
  listedProductIds: Set<string>;
  /** True when every page was read and understood: only then may unlisted products be marked. */
  complete: boolean;
  /** The first failed page's error, when a page failed. */
  firstPageError: ScrapeError | null;
  alerts: PriceAlert[];
}

export async function processPages(
  pages: AsyncIterable<StorePage>,
  input: ProcessPagesInput,
): Promise<ProcessPagesResult> {
  const { db, stats } = input;
  const listed = input.listed ?? new Set<string>();
  const alerts: PriceAlert[] = [];
  let complete = true;
  let firstPageError: ScrapeError | null = null;
  // (Assigned in the closures below only: typed by hand, as TypeScript does not follow them.)
  let pending = null as Promise<void> | null;
  /**
   * Writes `write` after every write queued before it, one at a time, in order: the loop goes
   * on meanwhile. Awaited by the next settle(); until then a failed write (a killed
   * connection) must not count as an unhandled rejection, which would end the whole worker.
   */
  const queue = (write: () => Promise<void>) => {
    const before = pending;
    pending = before ? before.then(write) : write();
    pending.catch(() => {});
  };
  const settle = async () => {
    const writing = pending;
    pending = null;
    await writing;
  };

  const persistPage = async (
    page: StorePage,
    documents: Record<string, unknown>[],
    unchanged: string[],
    sensory: InferredSensory[],
    remember: { currency: string | null; products: [string, ListingHashes][] } | null,
  ): Promise<void> => {
    const started = performance.now();
    if (input.enrichment) {
      const stated = documents.filter((d) => Array.isArray(d.flavors) && d.flavors.length > 0).map((d) => String(d.platform_product_id));
      if (stated.length > 0) {
        await clearInferredSensory(db, input.roasterId, stated);
        stats.db_round_trips += 1;
      }
    }
    const validators: ValidatorsWrite | null = input.rememberValidators
      ? { url: page.url, validators: page.validators, firstPage: page.pageNumber === 1, appliedBy: input.mode }
      : null;
    // Remembered with the page's write, unless inferred tasting notes are written after it.
    const withWrite = validators && sensory.length === 0 && (documents.length > 0 || unchanged.length > 0) ? validators : null;
    if (documents.length > 0 || unchanged.length > 0) {
      const result = await ingestPage(db, {
        roasterId: input.roasterId,
        runId: input.runId,
        mode: input.mode,
        documents,
        unchanged,
        touchVariants: input.touchUnchangedVariants,
        sourceUrl: page.url,
        scrapedAt: input.now(),
        remember: remember ? rememberedPage(page.responses[0]!.body, remember.currency, remember.products) : null,
        validators: withWrite,
      });
      stats.db_round_trips += result.roundTrips;
      stats.coffees_upserted += result.coffees;
      stats.variants_upserted += result.variants;
      stats.prices_inserted += result.prices;
      stats.prices_unchanged += result.unchanged_prices;
      stats.unknown_products += result.unknown_products;
      stats.unknown_variants += result.unknown_variants;
      stats.price_alerts += result.alerts.length;
      alerts.push(...result.alerts);
      for (const held of result.held) addHeldVariant(stats, held);
      for (const error of result.errors) {
        addError(stats, { scope: "product", url: page.url, product: error.product, message: error.message });
      }
    }
    if (sensory.length > 0) {
      await writeInferredSensory(db, input.roasterId, sensory);
      stats.db_round_trips += 1;
    }
    if (validators && !withWrite) {
      await saveValidators(db, input.roasterId, validators);
      stats.db_round_trips += 1;
    }
    if (input.afterPage) stats.db_round_trips += await input.afterPage(page);
    stats.timings_ms.write += performance.now() - started;
  };

  const iterator = pages[Symbol.asyncIterator]();
  try {
    for (;;) {
      const waited = performance.now();
      const next = await iterator.next();
      stats.timings_ms.fetch_and_parse += performance.now() - waited;
      if (next.done) break;
      const page = next.value;
      input.signal?.throwIfAborted();
      stats.pages += 1;
      if (page.notModified) {
        // Unchanged since it was last persisted: its products stay as they are, and since we
        // did not see them this run, nothing can be marked as gone.
        stats.not_modified_pages += 1;
        complete = false;
        continue;
      }

      if (input.artifacts) {
        // The bodies are kept now; their rows are written in turn with the pages' writes, so
        // that this page is not held up by the one before it being written (on PGlite, which
        // runs one statement at a time, it would wait for that whole write).
        const records = await storeArtifacts(page, input);
        queue(async () => {
          await recordArtifacts(input.db, input.runId, records);
          stats.db_round_trips += 1;
        });
      }
      for (const warning of page.warnings ?? []) addWarning(stats, warning);

      if (page.error) {
        firstPageError ??= page.error;
        stats.pages_failed += 1;
        complete = false;
        addError(stats, {
          scope: "page",
          url: page.url,
          message: page.error.message,
          retry: page.error.retry,
        });
        // The one line for a failed page (adapters do not log it): the error, code included, under `err`.
        input.log.warn({ url: page.url, err: page.error }, "page failed");
        continue;
      }

      if (page.stoppedEarly) {
        // Stopped on purpose (a budget): what this page read is written, nothing unseen is gone.
        complete = false;
        stats.stopped_early = page.stoppedEarly;
        addError(stats, { scope: "run", url: page.url, message: page.stoppedEarly, retry: "permanent" });
        input.log.warn({ url: page.url, reason: page.stoppedEarly }, "stopped before the end of the store");
      }

      for (const problem of page.productErrors) {
        addError(stats, {
          scope: "product",
          url: page.url,
          product: problem.productId,
          message: problem.message,
        });
        if (problem.productId) listed.add(problem.productId);
        else complete = false;
      }

      const currency = input.pinnedCurrency ?? page.currency;
      if (currency) stats.currency = currency;
      const normalizing = performance.now();
      const documents: Record<string, unknown>[] = [];
      const unchanged: string[] = [];
      const candidates: EnrichCandidate[] = [];
      // A page of one answer, read whole and cleanly, is remembered with its products' hashes.
      const hashed: [string, ListingHashes][] | null =
        input.rememberPages && !input.enrichment && page.responses.length === 1 && page.productErrors.length === 0 && !page.recalled ? [] : null;
      let fresh = 0;
      if (page.recalled) stats.pages_recalled += 1;
      for (const id of page.recalled ?? []) {
        // Recalled (the body as remembered, each product as written): what prepareProduct does for an unchanged product.
        stats.products_seen += 1;
        stats.products_unchanged += 1;
        listed.add(id);
        fresh += 1;
        unchanged.push(id);
        if (!input.previous?.get(id)?.isCoffee) stats.non_coffee_skipped += 1;
      }
      let slice = performance.now();
      for (const raw of page.products) {
        if (performance.now() - slice > NORMALIZE_SLICE_MS) {
          // The previous page's write goes on meanwhile: its next chunk is sent only once this
          // process hears the last one done, so a page is not normalized in one long stretch.
          await nextTurn();
          slice = performance.now();
        }
        stats.products_seen += 1;
        if (listed.has(raw.platformProductId)) {
          addWarning(stats, `product ${raw.platformProductId} listed twice (${page.url})`);
          continue;
        }
        listed.add(raw.platformProductId);
        fresh += 1;
        const hashes = listingHashes(raw, currency);
        hashed?.push([raw.platformProductId, hashes]);
        const document = prepareProduct(raw, hashes, currency, page.url, input, unchanged, candidates);
        if (document) documents.push(document);
      }
      // A product listed twice is reported each time the page is read: such a page is not remembered.
      const remember = hashed && fresh === page.products.length ? { currency, products: hashed } : null;
      stats.timings_ms.normalize += performance.now() - normalizing;
      if (page.products.length > 0 && fresh === 0) {
        // A store that serves the same page again and again would otherwise be read forever.
        stats.pages_failed += 1;
        complete = false;
        addError(stats, {
          scope: "page",
          url: page.url,
          message: "page repeats products already read in this run; stopped",
          retry: "permanent",
        });
        break;
      }

      const sensory = input.enrichment && candidates.length > 0
        ? await enrichPage(input.enrichment.enricher, candidates, input.enrichment.concurrency)
        : [];

      // The page is written while the next one is fetched and normalized: the database and
      // this process work at the same time, and at most one page waits in between.
      await settle();
      queue(() => persistPage(page, documents, unchanged, sensory, remember));
    }
    await settle();
  } finally {
    // A failure elsewhere must not leave a page write running unobserved.
    await pending?.catch(() => {});
  }
  return { listedProductIds: listed, complete, alerts, firstPageError };
}

/** The longest stretch a page's products are normalized without hearing the database. */
const NORMALIZE_SLICE_MS = 5;

/** How a product the rules found no signal in is classified once the LLM says, surely, that it is coffee. */
const LLM_COFFEE: Classification = { isCoffee: true, kind: "beans", reason: "llm: no signal for the rules; the model is sure it is coffee" };

/**
 * What one listed product needs written: nothing when its listing is as it was (it joins
 * `unchanged`), its hashes alone when it is not coffee, else its full (or price-only) document.
 */
function prepareProduct(
  raw: RawProduct,
  listed: ListingHashes,
  currency: string | null,
  url: string,
  input: ProcessPagesInput,
  unchanged: string[],
  candidates: EnrichCandidate[],
): Record<string, unknown> | null {
  const { stats, mode } = input;
  const hashes = input.enrichment ? { ...listed, raw: input.enrichment.enricher.listingHash(listed.raw) } : listed;
  const previous = input.previous?.get(raw.platformProductId);
  const asItWas = previous && previous.intact && (mode === "full" ? previous.rawHash === hashes.raw : previous.offerHash === hashes.offer);
  if (asItWas && !input.force) {
    stats.products_unchanged += 1;
    // Seen, coffee or not: its state's last_seen_at moves (and a coffee's variants' seen times).
    unchanged.push(raw.platformProductId);
    if (!previous.isCoffee) stats.non_coffee_skipped += 1;
    return null;
  }
  if (previous) stats.products_changed += 1;
  else stats.products_new += 1;
  if (mode === "price") {
    // Sizes, grinds and whether it is coffee at all are the full refresh's to decide.
    if (previous && !previous.isCoffee) {
      stats.non_coffee_skipped += 1;
      return null;
    }
    return priceDocument(raw, currency, hashes);
  }
  // Classified first: a product that is not coffee is written as its hashes alone, and
  // normalizing the rest of it (most of what a product costs) would be thrown away.
  const classification = classifyListing(raw);
  const asCoffee = (coffee: NormalizedProduct) => {
    stats.unknown_weights += coffee.variants.filter((v) => v.weightG === null).length;
    reportVariantProblems(stats, url, raw, coffee.variants);
    return ingestDocument(coffee, raw, hashes);
  };
  if (!classification.isCoffee) {
    stats.non_coffee_skipped += 1;
    const state = stateDocument(raw.platformProductId, hashes);
    if (input.enrichment && classification.reason.startsWith("no-signal")) {
      // The rules are unsure: the model decides, on the product as it reads as a coffee.
      const provisional = normalizeProduct(raw, { currency, classification: LLM_COFFEE });
      const asked = () => {
        stats.non_coffee_skipped -= 1;
        return asCoffee(provisional);
      };
      candidates.push({ product: provisional, document: state, unsure: { asCoffee: asked } });
    }
    return state;
  }
  const product = normalizeProduct(raw, { currency, classification });
  const document = asCoffee(product);
  if (input.enrichment) candidates.push({ product, document });
  return document;
}

/** Keeps a page's bodies in the artifact store; returns the rows that record them. */
async function storeArtifacts(page: StorePage, input: ProcessPagesInput): Promise<NewArtifact[]> {
  const { stats } = input;
  const records = [];
  for (const [index, response] of page.responses.entries()) {
    const stored = await input.artifacts!.put(response.body);
    stats.artifacts += 1;
    if (stored.written) stats.artifacts_written += 1;
    records.push({
      url: response.url,
      http_status: response.status,
      body_len: response.body.length,
      saved_html_path: stored.key,
      saved_json: {
        sha256: stored.sha256,
        content_type: response.contentType,
        page: page.pageNumber,
        part: index,
        page_url: page.url,
      },
    });
  }
  return records;
}

/**
 * What the normalizer could not use, named in the run's stats: a variant whose store price is
 * unusable ("abc", "-5", "1e308") is kept without a price, and that is a product error; a
 * variant id listed twice in one product is a warning.
 */
function reportVariantProblems(stats: RunStats, url: string, raw: RawProduct, variants: NormalizedVariant[]): void {
  const seen = new Set<string>();
  raw.variants.forEach((rv, i) => {
    if (seen.has(rv.platformVariantId)) addWarning(stats, `product ${raw.platformProductId}: variant ${rv.platformVariantId} listed twice`);
    seen.add(rv.platformVariantId);
    const amount = rv.price.amount;
    // "0" is how stores say "no price" (Woo shows it for out-of-stock products): not a problem.
    const noPrice = amount === null || /^\s*(0+(\.0*)?)?\s*$/.test(amount);
    if (variants[i]?.price === null && !noPrice) {
      addError(stats, {
        scope: "product",
        url,
        product: raw.platformProductId,
        message: `variant ${rv.platformVariantId}: price ${JSON.stringify(amount.slice(0, 40))} is not a usable price; kept without one`,
      });
    }
  });
}
