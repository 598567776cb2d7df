import { isIP } from "node:net";
import { classify, permanent, ScrapeError } from "../core/errors.ts";
import { asScrapeError } from "../fetch/client.ts";
import { NO_VALIDATORS } from "../fetch/validators.ts";
import type { FetchResult } from "../fetch/client.ts";
import { DEFAULT_MAX_PAGES_PER_RUN } from "../config/settings.ts";
import type { AdapterContext, StorePage, StoredResponse } from "./adapter.ts";

// Shared page bookkeeping for the adapters.

/** After this many failed pages in a row an adapter stops: the store is not answering. */
export const MAX_CONSECUTIVE_PAGE_ERRORS = 3;

export function stored(result: FetchResult): StoredResponse {
  return { url: result.finalUrl, status: result.status, contentType: result.contentType, body: result.body };
}

/**
 * Errors that end the whole job rather than one page: robots.txt disallowing, no store, and
 * final ones (a Crawl-delay beyond the cap, the deadline). The table in src/core/errors.ts says which.
 */
export function isJobFatal(err: unknown): boolean {
  return classify(err).endsRun;
}

export function failedPage(
  pageNumber: number,
  url: string,
  err: unknown,
  currency: string | null,
  result?: FetchResult,
): StorePage {
  return {
    pageNumber,
    url,
    status: result?.status ?? 0,
    notModified: false,
    validators: NO_VALIDATORS,
    responses: result && !result.notModified ? [stored(result)] : [],
    products: [],
    productErrors: [],
    currency,
    error: asScrapeError(err, url),
  };
}

/** A page the store answered 304 to: unchanged since its validators were saved. */
export function notModifiedPage(pageNumber: number, url: string, result: FetchResult, currency: string | null): StorePage {
  return {
    pageNumber,
    url,
    status: 304,
    notModified: true,
    validators: result.validators,
    responses: [],
    products: [],
    productErrors: [],
    currency,
  };
}

/** The walk's page budget: MAX_PAGES_PER_RUN from the context, or its default. */
export function maxPagesOf(ctx: AdapterContext): number {
  return ctx.maxPages ?? DEFAULT_MAX_PAGES_PER_RUN;
}

/**
 * The page a walk ends with when MAX_PAGES_PER_RUN pages were read and the store says there
 * is more: a failed page (nothing fetched), so the run is partial and nothing is taken as gone.
 */
export function pageBudgetSpent(pageNumber: number, url: string, maxPages: number, more: string, currency: string | null): StorePage {
  return unfetchedPage(pageNumber, url, currency, {
    error: permanent(
      "too_many_pages",
      `stopped after MAX_PAGES_PER_RUN (${maxPages}) pages: ${more}; the rest of the store was not read`,
    ),
  });
}

/** A page that carries no products of its own (responses, warnings, a stop, or nothing at all). */
export function emptyPage(pageNumber: number, url: string, currency: string | null, status = 200): StorePage {
  return {
    pageNumber,
    url,
    status,
    notModified: false,
    validators: NO_VALIDATORS,
    responses: [],
    products: [],
    productErrors: [],
    currency,
  };
}

/** A page the walk ends with without asking the store: it only carries the walk's own warning or error. */
export function unfetchedPage(
  pageNumber: number,
  url: string,
  currency: string | null,
  note: Pick<StorePage, "warnings" | "error">,
): StorePage {
  return { ...emptyPage(pageNumber, url, currency, 0), ...note };
}

/**
 * A page listing more products than the platform ever sends on one (a hostile or broken store):
 * refused whole, before any of it is validated or normalized, so it costs no more memory than
 * its parsed JSON.
 */
export function assertPageSize(count: number, limit: number, url: string, platform: string): void {
  if (count > limit) {
    throw permanent(
      "too_many_products",
      `${url} lists ${count} items on one page; ${platform} sends at most ${limit}: the page is not read`,
    );
  }
}

/** A non-2xx final answer for a page (after the client's retries) as a classified error. */
export function statusError(result: FetchResult, what: string): ScrapeError {
  const detail = result.body.subarray(0, 200).toString("utf8").replace(/\s+/g, " ").trim();
  return new ScrapeError(
    result.status === 404 || result.status === 410 ? "not_found" : `http_${result.status}`,
    `${what} ${result.url} answered ${result.status}${detail ? `: ${detail}` : ""}`,
  );
}

export function storeNotFound(urls: string[], platform: string): ScrapeError {
  return permanent("store_not_found", `no ${platform} store endpoint: ${urls.join(" and ")} answered 404/410`);
}

/** The website's origin and, for a bare registrable domain, its www. twin (apex → www fallback). */
export function originsOf(website: string): string[] {
  const home = new URL(website);
  const origins = [home.origin];
  const host = home.hostname;
  if (!host.startsWith("www.") && host.includes(".") && !isIP(host.replace(/^\[|\]$/g, ""))) {
    origins.push(`${home.protocol}//www.${home.host}`);
  }
  return origins;
}

export const isGone = (status: number) => status === 404 || status === 410;
export const isOk = (status: number) => status >= 200 && status < 300;
