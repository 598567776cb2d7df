import type { FetchResult } from "../fetch/client.ts";
import type { AdapterContext, StorePage } from "./adapter.ts";
import {
  failedPage,
  isJobFatal,
  isOk,
  maxPagesOf,
  MAX_CONSECUTIVE_PAGE_ERRORS,
  notModifiedPage,
  pageBudgetSpent,
  statusError,
} from "./paging.ts";

// The walk through a paged product listing (Shopify, WooCommerce): page 1 (already fetched
// while finding the store), then page 2, 3, … until the platform says it was the last.
// Bounds, 304s and failures are handled the same way for both: MAX_PAGES_PER_RUN, then a
// failed page for the budget; a 304 yields an unchanged page and goes on; a failed page is
// yielded and the walk stops after a failed first page, a throttled page, or
// MAX_CONSECUTIVE_PAGE_ERRORS failures in a row. Job-fatal errors are thrown.

export interface PagedListing {
  /** Named in errors and logs: "Shopify", "WooCommerce". */
  name: string;
  /** Page 1's answer, fetched while finding the store. */
  first: FetchResult;
  /** The currency of the pages the walk makes itself (failed, unchanged, budget). */
  currency: string | null;
  url(pageNumber: number): string;
  /** False once the platform's own count says there is no such page. */
  hasPage(pageNumber: number): boolean;
  /** Why the walk would go on after MAX_PAGES_PER_RUN pages (shown in the budget's error). */
  more(maxPages: number): string;
  /** A page that ends the walk before `pageNumber` is fetched (a platform's own limit), if any. */
  stopBefore?(pageNumber: number): StorePage | null;
  /** Sees every answer first (WooCommerce reads its page count from the headers). */
  saw?(result: FetchResult): void;
  /** A 2xx answer as a page, and whether it was the last. */
  read(pageNumber: number, url: string, result: FetchResult): Promise<{ page: StorePage; last: boolean }>;
  /** Added to page 1 whether it changed or not (warnings found while finding the store). */
  firstPageExtras?: Pick<StorePage, "warnings">;
}

export async function* walkPages(ctx: AdapterContext, listing: PagedListing): AsyncGenerator<StorePage> {
  const conditional = ctx.conditional ?? true;
  const maxPages = maxPagesOf(ctx);
  const { currency } = listing;
  const withExtras = (page: StorePage) => (page.pageNumber === 1 && listing.firstPageExtras ? { ...page, ...listing.firstPageExtras } : page);
  let consecutiveErrors = 0;
  for (let pageNumber = 1; listing.hasPage(pageNumber); pageNumber++) {
    const url = listing.url(pageNumber);
    if (pageNumber > maxPages) {
      // Only reached after a full page: the store has (or may have) more.
      yield pageBudgetSpent(pageNumber, url, maxPages, listing.more(maxPages), currency);
      return;
    }
    const stop = listing.stopBefore?.(pageNumber);
    if (stop) {
      yield stop;
      return;
    }
    let result: FetchResult | undefined;
    try {
      result = pageNumber === 1 ? listing.first : await ctx.http.get(url, { conditional });
      listing.saw?.(result);
      if (result.notModified) {
        consecutiveErrors = 0;
        // Unchanged. Whether it was the last page is unknown, so ask for the next one: it is
        // either a changed page or an empty one (which carries no validators, so it ends this).
        yield withExtras(notModifiedPage(pageNumber, url, result, currency));
        continue;
      }
      if (!isOk(result.status)) throw statusError(result, `${listing.name} products page`);
      const { page, last } = await listing.read(pageNumber, url, result);
      consecutiveErrors = 0;
      yield withExtras(page);
      if (last) return;
    } catch (err) {
      if (isJobFatal(err)) throw err;
      const page = failedPage(pageNumber, url, err, currency, result);
      yield page;
      consecutiveErrors++;
      // A failed first page says nothing good about the rest; a throttled one asks us to stop.
      if (pageNumber === 1 || page.error?.retry === "throttled" || consecutiveErrors >= MAX_CONSECUTIVE_PAGE_ERRORS) {
        return;
      }
    }
  }
}
