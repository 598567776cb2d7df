import type { FetchResult } from "../../fetch/client.ts";
import { NO_VALIDATORS } from "../../fetch/validators.ts";
import { classify } from "../../core/errors.ts";
import type { AdapterContext, PlatformAdapter, StorePage, StoredResponse } from "../adapter.ts";
import { failedPage, isGone, isJobFatal, isOk, originsOf, statusError, stored, storeNotFound } from "../paging.ts";
import { walkPages } from "../page-walk.ts";
import { buildWooProducts, collectVariations, isVariable, parseWooPage, validateListing, WOO_PER_PAGE, wooItemsOf } from "./parse.ts";
import type { WooProduct } from "./schema.ts";

export { parseWooPage, WOO_PER_PAGE };

// WooCommerce Store API: /wp-json/wc/store/v1/products?per_page=100&page=N (older stores:
// /wp-json/wc/store/products), page count from X-WP-TotalPages.
//
// Variable products list their variations without prices. We fetch them in batches:
// `?type=variation&parent=<id>,<id>…&per_page=100`, grouping parents so one batch holds at
// most 100 variations (a parent with more is paged alone). The batch answers carry each
// variation's price and stock but no attributes; the attributes come from the parent's
// `variations[]`, matched by variation id. That costs ~one request per 100 variations
// instead of one per variation. Variations a batch did not return are fetched one by one
// from /products/<id>.

export const WOO_PATHS = ["/wp-json/wc/store/v1/products", "/wp-json/wc/store/products"] as const;

export const wooAdapter: PlatformAdapter = {
  platform: "woocommerce",
  pages: wooPages,
};

const listingUrl = (endpoint: string, page: number) => `${endpoint}?per_page=${WOO_PER_PAGE}&page=${page}`;

async function* wooPages(ctx: AdapterContext): AsyncGenerator<StorePage> {
  const conditional = ctx.conditional ?? true;
  const origin = new URL(ctx.roaster.website).origin;
  const pinned = ctx.roaster.currency ?? null;
  let found: { endpoint: string; first: FetchResult };
  try {
    found = await findEndpoint(ctx, conditional);
  } catch (err) {
    if (isJobFatal(err)) throw err;
    yield failedPage(1, listingUrl(`${origin}${WOO_PATHS[0]}`, 1), err, pinned);
    return;
  }
  const { endpoint, first } = found;
  let totalPages: number | null = null;
  yield* walkPages(ctx, {
    name: "WooCommerce",
    first,
    currency: pinned,
    url: (pageNumber) => listingUrl(endpoint, pageNumber),
    hasPage: (pageNumber) => totalPages === null || pageNumber <= totalPages,
    more: (maxPages) => (totalPages === null ? `page ${maxPages} was full` : `the store claims ${totalPages} pages (X-WP-TotalPages)`),
    saw: (result) => {
      totalPages = totalPagesOf(result) ?? totalPages;
    },
    read: async (pageNumber, url, result) => {
      const listing = stored(result);
      const items = wooItemsOf(listing);
      const validated = validateListing(items);
      const variable = validated.products.filter(isVariable);
      const fetched = await fetchVariations(ctx, endpoint, variable);
      const parsed = buildWooProducts(
        validated,
        { ...collectVariations(fetched.responses.flatMap((r) => wooItemsOf(r, "WooCommerce variations"))), failed: fetched.failed },
        pinned,
      );
      const page: StorePage = {
        pageNumber,
        url,
        status: result.status,
        notModified: false,
        // A 304 on a listing says nothing about its variations' prices, so only pages
        // without variable products (and not empty) are ever asked for conditionally.
        validators: variable.length === 0 && items.length > 0 ? result.validators : NO_VALIDATORS,
        responses: [listing, ...fetched.responses],
        products: parsed.products,
        productErrors: parsed.productErrors,
        currency: pinned ?? validated.products.find((p) => p.prices.currency_code)?.prices.currency_code ?? null,
        ...(items.length === 0 && totalPages !== null && pageNumber < totalPages
          ? { warnings: [`page ${pageNumber} is empty though X-WP-TotalPages says ${totalPages}: the walk ends here`] }
          : {}),
      };
      // An empty page is the end, whatever X-WP-TotalPages claims (10⁹ pages, say).
      return { page, last: items.length === 0 || (totalPages === null && items.length < WOO_PER_PAGE) };
    },
  });
}

function totalPagesOf(result: FetchResult): number | null {
  const n = Number(result.headers["x-wp-totalpages"]);
  return Number.isInteger(n) && n >= 0 ? n : null;
}

/**
 * Page 1 from the v1 endpoint, or the unversioned one on older stores; at the roaster's
 * website, or at www. when the apex answers 404 (a common setup).
 */
async function findEndpoint(ctx: AdapterContext, conditional: boolean): Promise<{ endpoint: string; first: FetchResult }> {
  const tried: string[] = [];
  for (const origin of originsOf(ctx.roaster.website)) {
    for (const path of WOO_PATHS) {
      const first = await ctx.http.get(listingUrl(`${origin}${path}`, 1), { conditional });
      if (!isGone(first.status)) {
        // Redirected (apex → www or a custom domain on the same site): go on where it led.
        const at = first.notModified ? origin : new URL(first.finalUrl).origin;
        return { endpoint: `${at}${path}`, first };
      }
      tried.push(first.url);
    }
  }
  throw storeNotFound(tried, "WooCommerce Store API");
}

interface FetchedVariations {
  responses: StoredResponse[];
  /** Variation id → why it could not be fetched. */
  failed: Map<number, string>;
}

/**
 * Groups of parents whose variations fit one batch page, first fit: each parent joins the
 * first group with room for all its variations. A parent with more than a page is alone.
 */
export function batchParents(products: WooProduct[], perBatch = WOO_PER_PAGE): WooProduct[][] {
  const groups: { members: WooProduct[]; size: number }[] = [];
  for (const p of products) {
    const n = p.variations?.length ?? 0;
    const group = n <= perBatch ? groups.find((g) => g.size + n <= perBatch) : undefined;
    if (group) {
      group.members.push(p);
      group.size += n;
    } else groups.push({ members: [p], size: n });
  }
  return groups.map((g) => g.members);
}

/**
 * Every variation of `products`, through the polite client (which bounds concurrency and
 * spacing, so the batches can be asked for at once). A throttled answer fails the page.
 */
async function fetchVariations(ctx: AdapterContext, endpoint: string, products: WooProduct[]): Promise<FetchedVariations> {
  const out: FetchedVariations = { responses: [], failed: new Map() };
  if (products.length === 0) return out;
  const wanted = new Map<number, number>(); // variation id → parent id
  for (const p of products) for (const v of p.variations ?? []) wanted.set(v.id, p.id);
  const seen = new Set<number>();
  let stopped = false;

  /** Keeps the answer; returns how many of the wanted variations it carried. */
  const note = (result: FetchResult): number => {
    const response = stored(result);
    out.responses.push(response);
    let useful = 0;
    for (const item of wooItemsOf(response, "WooCommerce variations")) {
      const id = (item as { id?: unknown } | null)?.id;
      if (typeof id === "number" && wanted.has(id)) {
        seen.add(id);
        useful++;
      }
    }
    return useful;
  };
  const fail = (ids: number[], err: unknown) => {
    if (classify(err).retry === "throttled" || isJobFatal(err)) {
      stopped = true; // the other batches ask for nothing more
      throw err;
    }
    const why = err instanceof Error ? err.message : String(err);
    for (const id of ids) if (!seen.has(id)) out.failed.set(id, why);
  };

  await Promise.all(
    batchParents(products).map(async (group) => {
      const ids = group.flatMap((p) => (p.variations ?? []).map((v) => v.id));
      const parents = group.map((p) => p.id).join(",");
      try {
        for (let page = 1, pages = 1; page <= pages && !stopped; page++) {
          const url = `${endpoint}?type=variation&parent=${parents}&per_page=${WOO_PER_PAGE}&page=${page}`;
          const result = await ctx.http.get(url);
          if (!isOk(result.status)) throw statusError(result, "WooCommerce variations");
          // A store that ignores `parent` would page through its whole catalogue: stop at a
          // page with none of ours (the one-by-one pass picks up what is missing).
          if (note(result) === 0) break;
          // These parents cannot have more variations than they list: a header claiming more is not followed.
          pages = Math.min(totalPagesOf(result) ?? page, Math.ceil(ids.length / WOO_PER_PAGE));
        }
      } catch (err) {
        fail(ids, err);
      }
    }),
  );

  // Whatever a batch did not return (an old store ignoring `parent`): one by one. Variations
  // of a batch that failed are not retried one by one: a struggling store gets fewer requests.
  const missing = [...wanted.keys()].filter((id) => !seen.has(id) && !out.failed.has(id));
  await Promise.all(
    missing.map(async (id) => {
      if (stopped) return;
      try {
        const result = await ctx.http.get(`${endpoint}/${id}`);
        if (!isOk(result.status)) throw statusError(result, "WooCommerce variation");
        note(result);
      } catch (err) {
        fail([id], err);
      }
    }),
  );
  return out;
}
