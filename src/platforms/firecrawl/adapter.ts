import { classify, ScrapeError } from "../../core/errors.ts";
import { ACCOUNT_EXHAUSTED, BUDGET_EXHAUSTED, type FirecrawlAnswer } from "../../fetch/firecrawl.ts";
import type { AdapterContext, FirecrawlAccess, PlatformAdapter, ProductError, StorePage, StoredResponse } from "../adapter.ts";
import { emptyPage, failedPage, MAX_CONSECUTIVE_PAGE_ERRORS } from "../paging.ts";
import type { RawProduct } from "../raw-product.ts";
import { productIdFor } from "../jsonld/schema-org.ts";
import { productPages } from "../jsonld/sitemap.ts";
import { parseFirecrawlPage, PRODUCT_PROMPT, PRODUCT_SCHEMA, productOfScrape } from "./extract.ts";

export { parseFirecrawlPage };

// The paid last resort, for a roaster with use_firecrawl_fallback on whose store has neither
// a platform API nor schema.org product data: Firecrawl maps the site, then each product page
// is scraped with structured extraction into our product shape. Every call is paid for from
// the roaster's monthly budget before it is made (ctx.firecrawl); when the budget (or the
// Firecrawl account) is spent the run stops there, partial, and says why.

/** Product pages scraped per run at most (5 credits each). */
export const MAX_FIRECRAWL_PAGES = 500;
const MAP_LIMIT = 5000;
const PAGE_BATCH = 10;
/** Scrapes in flight at once: Firecrawl's plans allow a few; more only queues at their end. */
const CONCURRENCY = 2;

export const firecrawlAdapter: PlatformAdapter = {
  platform: "firecrawl",
  pages: firecrawlPages,
};

async function* firecrawlPages(ctx: AdapterContext): AsyncGenerator<StorePage> {
  const currency = ctx.roaster.currency ?? null;
  const website = ctx.roaster.website;
  if (!ctx.firecrawl) {
    throw new ScrapeError("firecrawl_not_configured", "this roaster is read through Firecrawl, but FIRECRAWL_API_KEY is not set");
  }
  const firecrawl = ctx.firecrawl;
  let mapped: FirecrawlAnswer & { links: string[] };
  try {
    mapped = await firecrawl.map(website, MAP_LIMIT);
  } catch (err) {
    const stop = stopReason(err);
    if (stop) return yield stoppedPage(1, website, currency, stop);
    yield failedPage(1, website, err, currency);
    return;
  }
  const home = new URL(website);
  const bare = (h: string) => h.replace(/^www\./, "");
  const onSite = mapped.links.filter((link) => {
    try {
      const u = new URL(link);
      return bare(u.hostname) === bare(home.hostname) && (u.protocol === "https:" || u.protocol === "http:");
    } catch {
      return false;
    }
  });
  const seen = new Set<string>();
  const pages = productPages("firecrawl-map", onSite.map((loc) => ({ loc, lastmod: null })))
    .map((p) => p.loc)
    .filter((loc) => !seen.has(productIdFor(loc)) && seen.add(productIdFor(loc)));
  const warnings: string[] = [];
  if (pages.length > MAX_FIRECRAWL_PAGES) {
    warnings.push(`Firecrawl found ${pages.length} product pages; only the first ${MAX_FIRECRAWL_PAGES} are read per run`);
  }
  const toRead = pages.slice(0, MAX_FIRECRAWL_PAGES);
  const mapResponse = stored(mapped);

  if (toRead.length === 0) {
    yield { ...emptyPage(1, website, currency), responses: [mapResponse], warnings: [...warnings, `Firecrawl found no product pages on ${website}`] };
    return;
  }
  let consecutiveErrors = 0;
  for (let start = 0, pageNumber = 1; start < toRead.length; start += PAGE_BATCH, pageNumber++) {
    const batch = toRead.slice(start, start + PAGE_BATCH);
    const page = await scrapeBatch(firecrawl, pageNumber, batch, currency);
    if (pageNumber === 1) {
      page.responses.unshift(mapResponse);
      if (warnings.length) page.warnings = [...warnings, ...(page.warnings ?? [])];
    }
    yield page;
    if (page.stoppedEarly) return;
    if (page.error) {
      consecutiveErrors++;
      if (page.error.retry === "throttled" || consecutiveErrors >= MAX_CONSECUTIVE_PAGE_ERRORS) return;
    } else consecutiveErrors = 0;
  }
}

async function scrapeBatch(firecrawl: FirecrawlAccess, pageNumber: number, batch: string[], currency: string | null): Promise<StorePage> {
  const products: RawProduct[] = [];
  const productErrors: ProductError[] = [];
  const responses: StoredResponse[] = [];
  let stop: string | null = null;
  let fatal: unknown = null;
  let next = 0;
  const worker = async () => {
    while (next < batch.length && stop === null && fatal === null) {
      const url = batch[next++]!;
      try {
        const answer = await firecrawl.scrape(url, PRODUCT_SCHEMA, PRODUCT_PROMPT);
        const response = stored(answer);
        responses.push(response);
        const { product, error } = productOfScrape(response);
        if (product) products.push(product);
        if (error) productErrors.push({ productId: productIdFor(url), message: error });
      } catch (err) {
        stop ??= stopReason(err);
        if (stop) return;
        if (classify(err).retry === "throttled") fatal = err;
        else productErrors.push({ productId: productIdFor(url), message: (err as Error).message });
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  if (fatal !== null) return failedPage(pageNumber, batch[0]!, fatal, currency);
  return {
    ...emptyPage(pageNumber, batch[0]!, currency),
    responses,
    products,
    productErrors,
    ...(stop ? { stoppedEarly: stop } : {}),
  };
}

/** The budget or the account is spent: a reason to stop the run, not a failure of the store. */
function stopReason(err: unknown): string | null {
  return err instanceof ScrapeError && (err.code === BUDGET_EXHAUSTED || err.code === ACCOUNT_EXHAUSTED) ? err.message : null;
}

function stoppedPage(pageNumber: number, url: string, currency: string | null, reason: string): StorePage {
  return { ...emptyPage(pageNumber, url, currency), stoppedEarly: reason };
}

function stored(answer: FirecrawlAnswer): StoredResponse {
  return { url: answer.url, status: answer.status, contentType: answer.contentType, body: answer.body };
}
