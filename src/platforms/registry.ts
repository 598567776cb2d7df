import type { ParsedPage, PlatformAdapter, StoredResponse } from "./adapter.ts";
import { firecrawlAdapter, parseFirecrawlPage } from "./firecrawl/adapter.ts";
import { jsonldAdapter, parseJsonLdPage } from "./jsonld/adapter.ts";
import type { StorePlatform } from "../core/platform.ts";
import { parseShopifyPage, shopifyAdapter } from "./shopify/adapter.ts";
import { parseWooPage, wooAdapter } from "./woocommerce/adapter.ts";

// Each platform's adapter and page parser, chosen by an exhaustive switch: a new platform
// does not build until it is handled here. Apart from the adapter contract (adapter.ts),
// which the adapters themselves import.

export function adapterFor(platform: StorePlatform): PlatformAdapter {
  switch (platform) {
    case "shopify":
      return shopifyAdapter;
    case "woocommerce":
      return wooAdapter;
    case "jsonld":
      return jsonldAdapter;
    case "firecrawl":
      return firecrawlAdapter;
    default:
      return assertNever(platform);
  }
}

/**
 * Rebuilds a page's products from its stored responses, without the network (replay).
 * Pure. Throws a ScrapeError when the responses are not what the platform returns.
 */
export function parseStoredPage(
  platform: StorePlatform,
  responses: readonly StoredResponse[],
  options: { currency: string | null },
): ParsedPage {
  switch (platform) {
    case "shopify":
      return parseShopifyPage(responses, options);
    case "woocommerce":
      return parseWooPage(responses, options);
    case "jsonld":
      return parseJsonLdPage(responses);
    case "firecrawl":
      return parseFirecrawlPage(responses);
    default:
      return assertNever(platform);
  }
}

export function assertNever(value: never): never {
  throw new Error(`unhandled platform: ${String(value)}`);
}
