import { gunzipSync } from "node:zlib";
import { Parser } from "htmlparser2";
import { permanent } from "../../core/errors.ts";

// sitemaps.org XML: a <sitemapindex> of <sitemap><loc> entries, or a <urlset> of <url><loc>
// <lastmod> entries, possibly gzipped (sitemap.xml.gz). Read with htmlparser2's XML mode,
// streaming: only locs and lastmods are kept.

/** The protocol's own limits: 50,000 URLs and 50 MB (uncompressed) per sitemap file. */
export const MAX_SITEMAP_URLS = 50_000;
const MAX_SITEMAP_BYTES = 50 * 1024 * 1024;

export interface SitemapEntry {
  loc: string;
  lastmod: string | null;
}

export interface Sitemap {
  kind: "index" | "urlset";
  entries: SitemapEntry[];
  /** More entries than MAX_SITEMAP_URLS were listed; the rest were not read. */
  truncated: boolean;
}

/** Parses a sitemap body; throws a permanent `not_a_sitemap` error when it is neither kind. */
export function parseSitemap(body: Buffer, url: string): Sitemap {
  const xml = decompressed(body, url).toString("utf8");
  let kind: Sitemap["kind"] | null = null;
  const entries: SitemapEntry[] = [];
  let truncated = false;
  let field: "loc" | "lastmod" | null = null;
  let current: { loc: string; lastmod: string } | null = null;

  const parser = new Parser(
    {
      onopentag(tag) {
        const name = localName(tag);
        if (kind === null && (name === "sitemapindex" || name === "urlset")) kind = name === "urlset" ? "urlset" : "index";
        else if ((name === "sitemap" || name === "url") && kind !== null) current = { loc: "", lastmod: "" };
        else if (current && (name === "loc" || name === "lastmod")) field = name;
      },
      ontext(chunk) {
        if (current && field && current[field].length < 4096) current[field] += chunk;
      },
      onclosetag(tag) {
        const name = localName(tag);
        if (name === "loc" || name === "lastmod") field = null;
        else if ((name === "sitemap" || name === "url") && current) {
          const loc = current.loc.trim();
          if (loc) {
            if (entries.length < MAX_SITEMAP_URLS) entries.push({ loc, lastmod: current.lastmod.trim() || null });
            else truncated = true;
          }
          current = null;
        }
      },
    },
    { xmlMode: true, decodeEntities: true },
  );
  parser.end(xml);
  if (kind === null) {
    const start = xml.slice(0, 80).replace(/\s+/g, " ").trim();
    throw permanent("not_a_sitemap", `${url} is not a sitemap (no <urlset> or <sitemapindex>; starts "${start}")`);
  }
  return { kind, entries, truncated };
}

function localName(tag: string): string {
  return tag.slice(tag.indexOf(":") + 1).toLowerCase();
}

/** A .gz sitemap served as a file (not Content-Encoding) is unzipped here, within the size cap. */
function decompressed(body: Buffer, url: string): Buffer {
  if (body.length < 2 || body[0] !== 0x1f || body[1] !== 0x8b) return body;
  try {
    return gunzipSync(body, { maxOutputLength: MAX_SITEMAP_BYTES });
  } catch (err) {
    throw permanent("not_a_sitemap", `${url}: gzipped sitemap could not be unzipped within ${MAX_SITEMAP_BYTES} bytes (${(err as Error).message})`);
  }
}

/** `Sitemap:` lines of a robots.txt. */
export function sitemapsInRobots(robotsTxt: string): string[] {
  return [...robotsTxt.matchAll(/^\s*sitemap\s*:\s*(\S+)\s*$/gim)].map((m) => m[1]!).slice(0, 20);
}

// Where platforms put their product pages and product sitemaps: Shopify sitemap_products,
// WooCommerce/Yoast product-sitemap, WordPress wp-sitemap-posts-product, Wix
// store-products-sitemap, BigCommerce xmlsitemap.php?type=products, Squarespace /shop/p/…
const PRODUCT_SITEMAP = /product/i;
const PRODUCT_PATH = /\/(?:products?|shop|store|p|item|items|coffee|coffees|buy)\/[^/]+/i;

/** Child sitemaps to read: the product ones when the index names any, else all of them. */
export function productSitemaps(index: SitemapEntry[]): SitemapEntry[] {
  const products = index.filter((e) => PRODUCT_SITEMAP.test(e.loc));
  return products.length > 0 ? products : index;
}

/**
 * Product pages among a sitemap's URLs: all of a product sitemap's; in a general sitemap, those
 * whose path looks like a product page when any does, else every page (a hand-made site has
 * no convention; pages without product data are then simply passed over).
 */
export function productPages(sitemapUrl: string, entries: SitemapEntry[]): SitemapEntry[] {
  if (PRODUCT_SITEMAP.test(sitemapUrl)) return entries;
  const products = entries.filter((e) => {
    try {
      return PRODUCT_PATH.test(new URL(e.loc).pathname);
    } catch {
      return false;
    }
  });
  return products.length > 0 ? products : entries;
}
