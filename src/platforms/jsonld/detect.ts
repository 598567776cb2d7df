import type { PoliteFetcher } from "../adapter.ts";
import { isOk, stored } from "../paging.ts";
import { discoverProductPages } from "./discover.ts";
import { readProductPage } from "./parse.ts";

// Whether a store can be read from its product pages' schema.org data: its sitemaps name
// product pages, and one of the first few carries a Product. A handful of requests at most.

const SAMPLE_PAGES = 3;

export async function hasJsonLdProducts(http: PoliteFetcher, website: string): Promise<boolean> {
  const discovery = await discoverProductPages(http, website, { maxPages: SAMPLE_PAGES });
  for (const page of discovery.pages) {
    const result = await http.get(page.loc, { accept: "text/html, */*;q=0.1" });
    if (!isOk(result.status)) continue;
    if (readProductPage(stored(result)).products.length > 0) return true;
  }
  return false;
}
