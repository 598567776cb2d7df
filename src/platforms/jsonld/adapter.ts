import { classify, ScrapeError } from "../../core/errors.ts";
import type { FetchResult } from "../../fetch/client.ts";
import { NO_VALIDATORS } from "../../fetch/validators.ts";
import type { AdapterContext, PlatformAdapter, ProductError, StorePage, StoredResponse } from "../adapter.ts";
import { emptyPage, failedPage, isJobFatal, MAX_CONSECUTIVE_PAGE_ERRORS, stored } from "../paging.ts";
import type { RawProduct } from "../raw-product.ts";
import { discoverProductPages } from "./discover.ts";
import { parseJsonLdPage, readProductPage } from "./parse.ts";
import { productIdFor } from "./schema-org.ts";
import type { SitemapEntry } from "./sitemap.ts";

export { parseJsonLdPage };

// Stores with no product API (Squarespace, Wix, BigCommerce, Magento, a hand-made site, a
// WooCommerce with its Store API shut): their sitemaps list the product pages, and each
// product page carries its schema.org Product data as JSON-LD (microdata as a second choice).
// Product pages are read in batches of PAGE_BATCH, each batch one page of the run (one write).
// With `ctx.pageMemory` (an incremental full run) a page whose sitemap lastmod is the one
// recorded when it was last written is not fetched: it is reported as unchanged (a 304 would
// say the same), so nothing it lists can be marked as gone in this run.

export const PAGE_BATCH = 20;
const HTML = "text/html, application/xhtml+xml;q=0.9, */*;q=0.1";

export const jsonldAdapter: PlatformAdapter = {
  platform: "jsonld",
  pages: jsonldPages,
};

async function* jsonldPages(ctx: AdapterContext): AsyncGenerator<StorePage> {
  const currency = ctx.roaster.currency ?? null;
  const website = ctx.roaster.website;
  let discovery;
  try {
    discovery = await discoverProductPages(ctx.http, website);
  } catch (err) {
    if (isJobFatal(err)) throw err;
    yield failedPage(1, `${new URL(website).origin}/sitemap.xml`, err, currency);
    return;
  }
  if (!discovery.sitemapUrl) {
    throw new ScrapeError("store_not_found", `no sitemap at ${new URL(website).origin} (robots.txt names none; /sitemap.xml and /sitemap_index.xml answer 404)`);
  }
  const warnings = [...discovery.warnings];
  let toRead: SitemapEntry[] = discovery.pages;
  let unchanged: SitemapEntry[] = [];
  if (ctx.pageMemory) {
    const known = await ctx.pageMemory.lastmods(discovery.pages.map((p) => p.loc));
    unchanged = discovery.pages.filter((p) => p.lastmod !== null && known.get(p.loc) === p.lastmod);
    const skip = new Set(unchanged.map((p) => p.loc));
    toRead = discovery.pages.filter((p) => !skip.has(p.loc));
    ctx.log?.info({ pages: discovery.pages.length, unchanged: unchanged.length }, "sitemap read; unchanged pages are not fetched");
  }

  let pageNumber = 0;
  let pendingResponses: StoredResponse[] = discovery.responses;
  if (toRead.length === 0) {
    // Nothing to fetch: the sitemaps are still kept with the run, and any warnings said.
    yield { ...emptyPage(++pageNumber, discovery.sitemapUrl, currency), responses: pendingResponses, warnings };
    pendingResponses = [];
  }
  let consecutiveErrors = 0;
  for (let start = 0; start < toRead.length; start += PAGE_BATCH) {
    const batch = toRead.slice(start, start + PAGE_BATCH);
    const page = await readBatch(ctx, ++pageNumber, batch, currency);
    if (pendingResponses.length > 0) page.responses.unshift(...pendingResponses);
    pendingResponses = [];
    if (pageNumber === 1 && warnings.length > 0) page.warnings = [...warnings, ...(page.warnings ?? [])];
    yield page;
    if (page.error) {
      consecutiveErrors++;
      if (page.error.retry === "throttled" || consecutiveErrors >= MAX_CONSECUTIVE_PAGE_ERRORS) return;
    } else consecutiveErrors = 0;
  }
  for (const entry of unchanged) {
    yield { ...emptyPage(++pageNumber, entry.loc, currency), status: 304, notModified: true };
  }
}

/**
 * One batch of product pages, asked for at once (the polite client spaces and bounds them).
 * A page that fails is a product error of its own; a throttled answer fails the whole batch.
 */
async function readBatch(ctx: AdapterContext, pageNumber: number, batch: SitemapEntry[], currency: string | null): Promise<StorePage> {
  const results = await Promise.allSettled(batch.map((entry) => ctx.http.get(entry.loc, { accept: HTML })));
  const throttled = results.find((r) => r.status === "rejected" && classify(r.reason).retry === "throttled");
  if (throttled?.status === "rejected") return failedPage(pageNumber, batch[0]!.loc, throttled.reason, currency);

  const products: RawProduct[] = [];
  const productErrors: ProductError[] = [];
  const responses: StoredResponse[] = [];
  const warnings: string[] = [];
  const lastmods: { url: string; lastmod: string }[] = [];
  let failures = 0;
  results.forEach((result, i) => {
    const entry = batch[i]!;
    if (result.status === "rejected") {
      failures++;
      const err = result.reason as Error;
      ctx.log?.warn({ url: entry.loc, err }, "product page failed");
      productErrors.push({ productId: productIdFor(entry.loc), message: err.message });
      return;
    }
    const answer: FetchResult = result.value;
    const response = stored(answer);
    responses.push(response);
    const read = readProductPage(response);
    products.push(...read.products);
    productErrors.push(...read.productErrors);
    warnings.push(...read.warnings);
    if (read.productErrors.length > 0) failures++;
    // Remembered only for a page read cleanly: one that failed is read again next time.
    else if (entry.lastmod) lastmods.push({ url: entry.loc, lastmod: entry.lastmod });
  });
  if (failures === batch.length && products.length === 0) {
    const first = results.find((r) => r.status === "rejected");
    if (first?.status === "rejected") return failedPage(pageNumber, batch[0]!.loc, first.reason, currency);
  }
  return {
    pageNumber,
    url: batch[0]!.loc,
    status: 200,
    notModified: false,
    validators: NO_VALIDATORS,
    responses,
    products,
    productErrors,
    currency,
    ...(warnings.length > 0 ? { warnings } : {}),
    lastmods,
  };
}
