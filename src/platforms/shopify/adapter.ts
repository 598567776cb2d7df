import type { AdapterContext, PlatformAdapter, StorePage } from "../adapter.ts";
import { decodeJson } from "../json.ts";
import { classify } from "../../core/errors.ts";
import { failedPage, isGone, isJobFatal, isOk, originsOf, stored, storeNotFound, unfetchedPage } from "../paging.ts";
import { walkPages } from "../page-walk.ts";
import { NO_VALIDATORS } from "../../fetch/validators.ts";
import type { FetchResult } from "../../fetch/client.ts";
import { mapShopifyProducts, parseShopifyPage, SHOPIFY_PAGE_LIMIT, shopifyProductsOf } from "./parse.ts";

export { parseShopifyPage, SHOPIFY_PAGE_LIMIT };

// Shopify storefront: /products.json?limit=250&page=N until a short or empty page. The listing
// has no total count; Shopify refuses page × limit above 25,000, so we stop before that and say
// so. /meta.json's published_products_count keeps a short page from ending the walk early: a
// proxy or headless front that serves fewer than 250 per page would otherwise look like a
// one-page store, and every product after its first page would be marked unlisted. It is read
// with the currency, or — the roaster's currency pinned — on the first short page, where it
// matters.

export const SHOPIFY_MAX_OFFSET = 25_000;
const LAST_PAGE = Math.floor(SHOPIFY_MAX_OFFSET / SHOPIFY_PAGE_LIMIT);

export const pageUrl = (origin: string, page: number) =>
  `${origin}/products.json?limit=${SHOPIFY_PAGE_LIMIT}&page=${page}`;

export const shopifyAdapter: PlatformAdapter = {
  platform: "shopify",
  pages: shopifyPages,
};

async function* shopifyPages(ctx: AdapterContext): AsyncGenerator<StorePage> {
  const conditional = ctx.conditional ?? true;
  let found: { origin: string; first: FetchResult };
  try {
    found = await findStore(ctx, conditional);
  } catch (err) {
    if (isJobFatal(err)) throw err;
    // Page 1 did not answer (after the client's retries): nothing more to learn from this store now.
    yield failedPage(1, pageUrl(new URL(ctx.roaster.website).origin, 1), err, ctx.roaster.currency ?? null);
    return;
  }
  const { origin, first } = found;
  const warnings: string[] = [];
  const pinned = ctx.roaster.currency ?? null;
  const meta: StoreMeta = pinned ? { currency: pinned, productCount: null } : await storeMeta(ctx, origin, warnings);
  const { currency } = meta;
  let countAsked = pinned === null;
  let listedSoFar = 0;
  yield* walkPages(ctx, {
    name: "Shopify",
    first,
    currency,
    url: (pageNumber) => pageUrl(origin, pageNumber),
    hasPage: () => true,
    more: (maxPages) => `page ${maxPages} was full`,
    stopBefore: (pageNumber) => {
      if (pageNumber <= LAST_PAGE) return null;
      const warning =
        `stopped after page ${LAST_PAGE}: Shopify serves at most ${SHOPIFY_MAX_OFFSET} products through ` +
        `/products.json (page × limit); any further products were not read`;
      ctx.log?.warn({ origin }, warning);
      // Said on an empty page of its own so the pipeline sees it whatever it did with the last one.
      return unfetchedPage(pageNumber, pageUrl(origin, pageNumber), currency, { warnings: [warning] });
    },
    read: async (pageNumber, url, result) => {
      // A body sent again byte for byte, its products all as written, is not parsed.
      const recalled = ctx.recall?.(url, result.body, currency) ?? null;
      const items = recalled ? null : shopifyProductsOf(stored(result));
      const listed = items?.length ?? recalled!.length;
      const page: StorePage = {
        pageNumber,
        url,
        status: result.status,
        notModified: false,
        // An empty page is never asked for conditionally: a 304 there could not end the walk.
        validators: listed === 0 ? NO_VALIDATORS : result.validators,
        responses: [stored(result)],
        ...(items ? mapShopifyProducts(items, new URL(result.finalUrl).origin, currency) : { products: [], productErrors: [], recalled: recalled! }),
        currency,
      };
      listedSoFar += listed;
      const short = listed < SHOPIFY_PAGE_LIMIT;
      if (short && listed > 0 && !countAsked) {
        countAsked = true;
        meta.productCount = await publishedCount(ctx, origin);
      }
      const storeHasMore = meta.productCount !== null && listedSoFar < meta.productCount;
      return { page, last: listed === 0 || (short && !storeHasMore) };
    },
    ...(warnings.length ? { firstPageExtras: { warnings } } : {}),
  });
}

/**
 * Page 1 at the roaster's website, or at www. when the apex answers 404 (a common setup).
 * Throws store_not_found when neither has a /products.json.
 */
async function findStore(ctx: AdapterContext, conditional: boolean): Promise<{ origin: string; first: FetchResult }> {
  const tried: string[] = [];
  for (const origin of originsOf(ctx.roaster.website)) {
    const url = pageUrl(origin, 1);
    const first = await ctx.http.get(url, { conditional });
    if (!isGone(first.status)) {
      // Redirected (apex → www or a custom domain on the same site): continue where it led.
      return { origin: first.notModified ? origin : new URL(first.finalUrl).origin, first };
    }
    tried.push(url);
  }
  throw storeNotFound(tried, "Shopify");
}

interface StoreMeta {
  currency: string | null;
  /** /meta.json's published_products_count, when it said one. */
  productCount: number | null;
}

/**
 * The store's currency for this run (/meta.json, else /cart.js; null with a warning when
 * neither says) and, from /meta.json, how many products it publishes.
 */
async function storeMeta(ctx: AdapterContext, origin: string, warnings: string[]): Promise<StoreMeta> {
  const problems: string[] = [];
  let productCount: number | null = null;
  for (const path of ["/meta.json", "/cart.js"]) {
    const answer = await probeJson(ctx, origin, path);
    if ("problem" in answer) {
      problems.push(answer.problem);
      continue;
    }
    const json = answer.json as { currency?: unknown; published_products_count?: unknown } | null;
    if (path === "/meta.json") productCount = countOf(json?.published_products_count);
    const code = typeof json?.currency === "string" ? json.currency.trim().toUpperCase() : "";
    if (/^[A-Z]{3}$/.test(code)) return { currency: code, productCount };
    problems.push(`${path} has no currency`);
  }
  const warning = `store currency unknown (${problems.join("; ")}); prices recorded without a currency`;
  ctx.log?.warn({ origin }, warning);
  warnings.push(warning);
  return { currency: null, productCount };
}

/** /meta.json's published_products_count alone (the currency pinned): null when the store does not say, or does not answer. */
async function publishedCount(ctx: AdapterContext, origin: string): Promise<number | null> {
  const answer = await probeJson(ctx, origin, "/meta.json");
  return "problem" in answer ? null : countOf((answer.json as { published_products_count?: unknown } | null)?.published_products_count);
}

/**
 * One of the store's small JSON answers (/meta.json, /cart.js), or why there is none: a
 * status, an answer that is not JSON, a refusal (robots.txt forbidding it included). Only an
 * error that ends the job whatever it asks (its deadline, a Crawl-delay past the cap) is thrown.
 */
async function probeJson(ctx: AdapterContext, origin: string, path: string): Promise<{ json: unknown } | { problem: string }> {
  try {
    const result = await ctx.http.get(`${origin}${path}`);
    if (!isOk(result.status)) return { problem: `${path} answered ${result.status}` };
    return { json: decodeJson(stored(result), `Shopify ${path}`) };
  } catch (err) {
    if (isJobFatal(err) && classify(err).code !== "robots_disallowed") throw err;
    ctx.log?.debug({ path, err: (err as Error).message }, "store probe failed");
    return { problem: `${path}: ${(err as Error).message}` };
  }
}

/** A product count as a store states it: a whole number, or none. */
function countOf(value: unknown): number | null {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0 ? value : null;
}
