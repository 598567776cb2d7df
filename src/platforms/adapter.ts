import type { Roaster } from "../config/roaster.ts";
import type { ScrapeError } from "../core/errors.ts";
import type { FetchResult, GetOptions } from "../fetch/client.ts";
import type { FirecrawlAnswer } from "../fetch/firecrawl.ts";
import type { Validators } from "../fetch/validators.ts";
import type { Logger } from "../core/logger.ts";
import type { StorePlatform } from "../core/platform.ts";
import type { RawProduct } from "./raw-product.ts";

// The seam between the polite client and the pipeline: an adapter turns a store's HTTP
// answers into RawProducts, page by page. Adapters never touch the network themselves
// (they go through `ctx.http`) nor the database.

/** The part of the polite client an adapter uses (a SiteClient; any fetcher with its contract). */
export interface PoliteFetcher {
  get(url: string, options?: GetOptions): Promise<FetchResult>;
}

/** What a full run remembers of a sitemap store's product pages (db/page-lastmods.ts behind it). */
export interface PageMemory {
  /** The sitemap lastmod each URL had when a full run last read and wrote it. */
  lastmods(urls: readonly string[]): Promise<Map<string, string>>;
}

/** The Firecrawl side of a run: the client, its ledger bound to the roaster's budget. */
export interface FirecrawlAccess {
  map(site: string, limit: number): Promise<FirecrawlAnswer & { links: string[] }>;
  scrape(url: string, schema: object, prompt: string): Promise<FirecrawlAnswer>;
}

export interface AdapterContext {
  roaster: Pick<Roaster, "website" | "currency">;
  http: PoliteFetcher;
  log?: Logger;
  /** Send remembered validators with page requests (default true). */
  conditional?: boolean;
  /** MAX_PAGES_PER_RUN: the walk stops after this many pages (DEFAULT_MAX_PAGES_PER_RUN when absent). */
  maxPages?: number;
  /** JSON-LD stores: skip product pages whose sitemap lastmod is unchanged (incremental full runs only). */
  pageMemory?: PageMemory;
  /** The Firecrawl adapter's paid fetcher, with the roaster's credit budget. */
  firecrawl?: FirecrawlAccess;
  /**
   * Listings whose page is one answer (Shopify): the ids of the products on a page whose body
   * is one remembered and whose products all stand as written, so it need not be parsed; null
   * otherwise (pipeline/listing-memory.ts).
   */
  recall?: (url: string, body: Buffer, currency: string | null) => string[] | null;
}

/** One HTTP answer as stored for replay. */
export interface StoredResponse {
  url: string;
  status: number;
  contentType: string | null;
  body: Buffer;
}

export interface StorePage {
  pageNumber: number;
  url: string;
  status: number;
  /** The store answered 304: this page's products are unchanged since the saved validators. */
  notModified: boolean;
  /** Save with `saveValidators` once the page is persisted; both null = nothing to remember. */
  validators: Validators;
  /** Every HTTP response that contributed (the listing page and, for Woo, variation fetches). */
  responses: StoredResponse[];
  products: RawProduct[];
  productErrors: ProductError[];
  /**
   * The page's body is one remembered, and every product on it stands as written (ctx.recall):
   * these are its products' ids, and `products` is empty (the body was not parsed).
   */
  recalled?: string[];
  /** The currency the prices on this page are in (run currency for Shopify). */
  currency: string | null;
  /** Things a person should know that did not fail the page (e.g. the 25,000 product limit). */
  warnings?: string[];
  /** The page failed as a whole; products are empty. */
  error?: ScrapeError;
  /** JSON-LD: the sitemap lastmods of the product pages this page read cleanly (saved once it is persisted). */
  lastmods?: { url: string; lastmod: string }[];
  /**
   * The adapter stopped here on purpose, before the store's end (the Firecrawl budget is
   * spent): the run is partial with this reason, and nothing unseen is marked as gone.
   */
  stoppedEarly?: string;
}

export interface ProductError {
  productId: string | null;
  message: string;
}

export interface ParsedPage {
  products: RawProduct[];
  productErrors: ProductError[];
}

export interface PlatformAdapter {
  readonly platform: StorePlatform;
  /**
   * The store's products, one page at a time (streaming: only the current page is held).
   * Throws a permanent ScrapeError when the whole job is impossible (robots.txt disallows
   * the endpoint, the store answers 404); any other failure is yielded as a page with `error`.
   */
  pages(ctx: AdapterContext): AsyncIterable<StorePage>;
}
