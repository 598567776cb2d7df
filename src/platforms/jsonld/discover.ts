import { ScrapeError } from "../../core/errors.ts";
import type { PoliteFetcher, StoredResponse } from "../adapter.ts";
import { isGone, isJobFatal, isOk, stored } from "../paging.ts";
import { parseSitemap, productPages, productSitemaps, sitemapsInRobots, type SitemapEntry } from "./sitemap.ts";

// A store's product pages, from its sitemaps: those robots.txt names, else /sitemap.xml and
// /sitemap_index.xml; an index is followed to its (product) sitemaps, one level of nesting
// more at most. Everything goes through the polite client.

const MAX_SITEMAP_FILES = 100;
const MAX_INDEX_DEPTH = 2;
/** Product pages read per run at most; beyond it the rest waits (said in a warning). */
export const MAX_PRODUCT_PAGES = 10_000;
const XML = "application/xml, text/xml;q=0.9, */*;q=0.1";

export interface Discovery {
  /** Product pages on the store's own site, each once, in sitemap order. */
  pages: SitemapEntry[];
  /** The sitemap files read (kept with the run's raw pages). */
  responses: StoredResponse[];
  /** The first sitemap that answered. */
  sitemapUrl: string | null;
  warnings: string[];
}

/** With `maxPages`, stops once that many product pages are found (detection needs a few). */
export async function discoverProductPages(
  http: PoliteFetcher,
  website: string,
  options: { maxPages?: number } = {},
): Promise<Discovery> {
  const maxPages = Math.min(options.maxPages ?? MAX_PRODUCT_PAGES, MAX_PRODUCT_PAGES);
  const home = new URL(website);
  const out: Discovery = { pages: [], responses: [], sitemapUrl: null, warnings: [] };
  const fromRobots = await robotsSitemaps(http, home);
  const candidates = fromRobots.length > 0 ? fromRobots : [`${home.origin}/sitemap.xml`, `${home.origin}/sitemap_index.xml`];
  const seenPages = new Set<string>();
  const seenFiles = new Set<string>();

  const read = async (url: string, depth: number): Promise<void> => {
    if (seenFiles.has(url) || seenFiles.size >= MAX_SITEMAP_FILES || out.pages.length >= maxPages) return;
    seenFiles.add(url);
    const result = await http.get(url, { accept: XML });
    if (!isOk(result.status)) {
      if (isGone(result.status) && depth === 0) return;
      out.warnings.push(`sitemap ${url} answered ${result.status}; its pages were not read`);
      return;
    }
    out.responses.push(stored(result));
    const sitemap = parseSitemap(result.body, result.finalUrl);
    out.sitemapUrl ??= result.finalUrl;
    if (sitemap.truncated) out.warnings.push(`sitemap ${url} lists more than ${sitemap.entries.length} URLs; the rest were not read`);
    if (sitemap.kind === "index") {
      if (depth >= MAX_INDEX_DEPTH) {
        out.warnings.push(`sitemap index ${url} is nested deeper than ${MAX_INDEX_DEPTH} levels; not followed`);
        return;
      }
      for (const child of productSitemaps(sitemap.entries)) {
        if (onSite(home, child.loc)) await read(new URL(child.loc).href, depth + 1);
      }
      return;
    }
    for (const page of productPages(result.finalUrl, sitemap.entries)) {
      if (!onSite(home, page.loc)) continue;
      const loc = new URL(page.loc).href;
      if (seenPages.has(loc)) continue;
      if (out.pages.length >= maxPages) {
        if (maxPages === MAX_PRODUCT_PAGES) {
          out.warnings.push(`more than ${MAX_PRODUCT_PAGES} product pages in the sitemaps; the rest were not read this run`);
        }
        return;
      }
      seenPages.add(loc);
      out.pages.push({ loc, lastmod: page.lastmod });
    }
  };

  for (const candidate of candidates) {
    try {
      await read(candidate, 0);
    } catch (err) {
      // A sitemap the store does not have, or that is not one, is no evidence of anything;
      // robots.txt forbidding it, or a store that does not answer, is the run's problem.
      if (isJobFatal(err) || !(err instanceof ScrapeError) || err.retry !== "permanent") throw err;
      out.warnings.push((err as Error).message);
    }
    if (out.sitemapUrl && fromRobots.length === 0) break;
  }
  return out;
}

async function robotsSitemaps(http: PoliteFetcher, home: URL): Promise<string[]> {
  const result = await http.get(`${home.origin}/robots.txt`, { accept: "text/plain, */*;q=0.1" });
  if (!isOk(result.status)) return [];
  return sitemapsInRobots(result.body.toString("utf8")).filter((url) => onSite(home, url));
}

/** Same host, or the www./apex twin of it: a sitemap never sends us to another site. */
function onSite(home: URL, url: string): boolean {
  try {
    const u = new URL(url);
    const bare = (h: string) => h.replace(/^www\./, "");
    return (u.protocol === "http:" || u.protocol === "https:") && bare(u.hostname) === bare(home.hostname);
  } catch {
    return false;
  }
}
