import type { Roaster } from "../config/roaster.ts";
import { permanent, ScrapeError } from "../core/errors.ts";
import type { PoliteFetcher } from "./adapter.ts";
import { decodeJson } from "./json.ts";
import { isJobFatal, isOk, originsOf, stored } from "./paging.ts";
import { hasJsonLdProducts } from "./jsonld/detect.ts";
import type { StorePlatform } from "../core/platform.ts";
import { WOO_PATHS } from "./woocommerce/adapter.ts";

// Which platform a roaster's store runs on, for roasters configured without one: Shopify
// first (one small /products.json request), then the WooCommerce Store API, then product
// pages with schema.org data found through the sitemaps; Firecrawl only for a roaster that
// allows it, when none of those reads.

interface Probe {
  platform: StorePlatform;
  url: string;
  accepts: (json: unknown) => boolean;
}

function probesFor(website: string): Probe[] {
  const home = new URL(website);
  return [
    ...originsOf(website).map((origin) => ({
      platform: "shopify" as const,
      url: `${origin}/products.json?limit=1`,
      accepts: (json: unknown) => Array.isArray((json as { products?: unknown } | null)?.products),
    })),
    ...WOO_PATHS.map((path) => ({
      platform: "woocommerce" as const,
      url: `${home.origin}${path}?per_page=1`,
      accepts: (json: unknown) => Array.isArray(json),
    })),
  ];
}

/** The store's platform, or null when neither answers like itself. */
export async function detectPlatform(http: PoliteFetcher, website: string): Promise<StorePlatform | null> {
  let disallowed: unknown = null;
  for (const probe of probesFor(website)) {
    try {
      const result = await http.get(probe.url);
      if (!isOk(result.status)) continue;
      if (probe.accepts(decodeJson(stored(result), probe.platform))) return probe.platform;
    } catch (err) {
      // robots.txt forbidding one endpoint only rules out that platform; anything else is
      // a failure to look (the job retries later), not evidence.
      if (isJobFatal(err)) {
        disallowed = err;
        continue;
      }
      if (err instanceof ScrapeError && (err.code === "html_instead_of_json" || err.code === "invalid_json")) {
        continue;
      }
      throw err;
    }
  }
  try {
    if (await hasJsonLdProducts(http, website)) return "jsonld";
  } catch (err) {
    // No sitemap, or one that is not: no evidence. A store that does not answer is the job's problem.
    if (!(err instanceof ScrapeError) || err.retry !== "permanent") throw err;
    if (isJobFatal(err)) disallowed ??= err;
  }
  // Nothing found, and robots.txt kept us from looking somewhere: that is the reason to report.
  if (disallowed) throw disallowed;
  return null;
}

/**
 * The platform to read the roaster's store with: the one detected, else Firecrawl when the
 * roaster allows it; throws `platform_unknown` (permanent) when neither. The caller records it.
 */
export async function choosePlatform(
  http: PoliteFetcher,
  roaster: Pick<Roaster, "id" | "slug" | "website" | "use_firecrawl_fallback">,
): Promise<StorePlatform> {
  const platform = (await detectPlatform(http, roaster.website)) ?? (roaster.use_firecrawl_fallback ? "firecrawl" : null);
  if (!platform) {
    throw permanent(
      "platform_unknown",
      `${roaster.slug}: ${roaster.website} answers neither Shopify's /products.json nor the WooCommerce Store API, ` +
        `and its sitemaps list no product page with schema.org Product data (use_firecrawl_fallback is off)`,
    );
  }
  return platform;
}
