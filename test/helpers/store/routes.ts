import type { Json } from "./fixtures.ts";
import type { Answer } from "./types.ts";

// What a store stand-in answers when nothing is injected: robots.txt, then the platform's
// own API — Shopify's /products.json, /meta.json and /cart.js, or WooCommerce's Store API
// listings and single products — with the errors those platforms give for what they lack.

export const DEFAULT_ROBOTS = "User-agent: *\nDisallow: /checkout\nDisallow: /cart\n";

export interface Catalogue {
  products: Json[];
  /** Woo: variations by parent id. */
  variations: Map<number, Json[]>;
}

export interface RouteOptions {
  platform: "shopify" | "woocommerce";
  /** Shopify /meta.json and /cart.js currency (default "INR"); null: both answer 404. */
  currency?: string | null;
  /** robots.txt body; null: 404. Default allows everything. */
  robotsTxt?: string | null;
  /** Woo: only the unversioned /wp-json/wc/store/products exists. */
  wooLegacyOnly?: boolean;
  /** Woo: ignore `parent` in `?type=variation` listings (as some stores do). */
  wooIgnoresParent?: boolean;
  /** Shopify: serve at most this many products per page whatever `limit` asks (a proxy or headless front that caps it). */
  shopifyPageCap?: number;
  /** Shopify: the published_products_count /meta.json states (default: the catalogue's size; null: none). */
  shopifyPublishedCount?: number | null;
  /** Hosts (Host header, no port) that answer 404 to everything but robots.txt: the apex of an apex→www store. */
  notFoundHosts?: string[];
}

const json = (status: number, data: unknown, headers: Record<string, string> = {}): Answer => ({
  status,
  headers: { "content-type": "application/json; charset=utf-8", ...headers },
  body: JSON.stringify(data),
});

export function route(options: RouteOptions, catalogue: Catalogue, host: string, path: string): Answer {
  const url = new URL(path, "http://store.test");
  if (url.pathname === "/robots.txt") return robots(options);
  if (options.notFoundHosts?.includes(host)) return json(404, { errors: "Not Found" });
  return options.platform === "shopify" ? shopify(options, catalogue, url) : woocommerce(options, catalogue, url);
}

function robots(options: RouteOptions): Answer {
  const robots = options.robotsTxt === undefined ? DEFAULT_ROBOTS : options.robotsTxt;
  if (robots === null) return { status: 404, headers: { "content-type": "text/plain" }, body: "not found" };
  return { status: 200, headers: { "content-type": "text/plain" }, body: robots };
}

function shopify(options: RouteOptions, { products }: Catalogue, url: URL): Answer {
  if (url.pathname === "/products.json") {
    const limit = Math.min(options.shopifyPageCap ?? 250, 250, Math.max(1, Number(url.searchParams.get("limit") ?? 30)));
    const page = Math.max(1, Number(url.searchParams.get("page") ?? 1));
    if (page * limit > 25_000) return json(400, { errors: "Page * Limit exceeds the 25000 limit." });
    return json(200, { products: products.slice((page - 1) * limit, page * limit) });
  }
  if (url.pathname === "/meta.json" && options.currency !== null) {
    const count = options.shopifyPublishedCount === undefined ? products.length : options.shopifyPublishedCount;
    return json(200, { currency: options.currency ?? "INR", country: "IN", ...(count === null ? {} : { published_products_count: count }) });
  }
  if (url.pathname === "/cart.js" && options.currency !== null) {
    return json(200, { token: "x", items: [], currency: options.currency ?? "INR" });
  }
  return json(404, { errors: "Not Found" });
}

function woocommerce(options: RouteOptions, { products, variations }: Catalogue, url: URL): Answer {
  const legacy = "/wp-json/wc/store/products";
  const v1 = "/wp-json/wc/store/v1/products";
  const base = options.wooLegacyOnly ? legacy : v1;
  if (url.pathname === base) {
    const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get("per_page") ?? 10)));
    const page = Math.max(1, Number(url.searchParams.get("page") ?? 1));
    let items: Json[] = products;
    if (url.searchParams.get("type") === "variation") {
      const parents = (url.searchParams.get("parent") ?? "").split(",").filter(Boolean).map(Number);
      items =
        parents.length && !options.wooIgnoresParent
          ? parents.flatMap((id) => variations.get(id) ?? [])
          : [...variations.values()].flat();
    }
    const totalPages = Math.ceil(items.length / perPage);
    if (page > Math.max(1, totalPages)) {
      return json(400, { code: "rest_post_invalid_page_number", message: "The page number requested is larger than the number of pages available." });
    }
    return json(200, items.slice((page - 1) * perPage, page * perPage), {
      "x-wp-total": String(items.length),
      "x-wp-totalpages": String(totalPages),
    });
  }
  const single = url.pathname.startsWith(`${base}/`) ? Number(url.pathname.slice(base.length + 1)) : NaN;
  if (Number.isInteger(single)) {
    const product = products.find((p) => p.id === single);
    const variation = [...variations.values()].flat().find((v) => v.id === single);
    if (product ?? variation) return json(200, product ?? variation);
    return json(404, { code: "woocommerce_rest_product_invalid_id", message: "Invalid product ID.", data: { status: 404 } });
  }
  return json(404, { code: "rest_no_route", message: "No route was found matching the URL and request method." });
}
