import { performance } from "node:perf_hooks";
import { startLocalServer } from "./local-server.ts";
import { wireLog } from "./store/wire-log.ts";

// A real HTTP server on 127.0.0.1 (port 0) playing a store without a product API: robots.txt
// with Sitemap: lines, a sitemap index → sitemaps → product pages carrying schema.org JSON-LD
// as Squarespace, Wix, BigCommerce and WooCommerce (Store API shut) emit it. Every request's
// arrival and the number in flight are recorded, so concurrency is measured here; pacing is
// measured where the client writes each request (store/wire-log.ts).

export type Flavour = "squarespace" | "wix" | "bigcommerce" | "woocommerce";

export interface SiteProduct {
  /** Path of the product page, e.g. "/shop/p/ethiopia-guji". */
  path: string;
  /** The page's full HTML (see the page builders below). */
  html: string;
  lastmod?: string;
  /** Answer this status instead of the page. */
  status?: number;
}

export interface SiteOptions {
  products: SiteProduct[];
  /** Sitemap files: name → paths of the products listed in it (default: one "product-sitemap.xml" with all). */
  sitemaps?: Record<string, string[]>;
  /** robots.txt names the index (default true); false: only /sitemap.xml exists. */
  robotsSitemap?: boolean;
  /** Extra pages listed in a general sitemap (not products). */
  otherPages?: string[];
  latencyMs?: number;
}

export interface SiteRequest {
  path: string;
  startedAt: number;
  inFlight: number;
}

export interface JsonLdSite {
  url: string;
  requests: SiteRequest[];
  products: Map<string, SiteProduct>;
  productRequests(): SiteRequest[];
  maxInFlight(): number;
  /** The smallest gap between requests as the client wrote them (see WireLog.minPacedGap). */
  minPacedGap(): number;
  close(): Promise<void>;
}

export async function startJsonLdSite(options: SiteOptions): Promise<JsonLdSite> {
  const products = new Map(options.products.map((p) => [p.path, p]));
  const sitemaps = options.sitemaps ?? { "product-sitemap.xml": options.products.map((p) => p.path) };
  const requests: SiteRequest[] = [];
  let inFlight = 0;
  let base = "";

  const server = await startLocalServer((req, res) => {
    inFlight++;
    const path = req.url ?? "/";
    requests.push({ path, startedAt: performance.now(), inFlight });
    res.on("close", () => inFlight--);
    const answer = () => {
      const send = (status: number, type: string, body: string) => {
        res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(body) });
        res.end(body);
      };
      if (path === "/robots.txt") {
        const lines = ["User-agent: *", "Disallow: /cart", "Disallow: /checkout"];
        if (options.robotsSitemap !== false) lines.push(`Sitemap: ${base}/sitemap_index.xml`);
        return send(200, "text/plain", lines.join("\n") + "\n");
      }
      if (path === "/sitemap_index.xml" && options.robotsSitemap !== false) {
        const names = [...Object.keys(sitemaps), ...(options.otherPages ? ["page-sitemap.xml"] : [])];
        return send(200, "application/xml", sitemapIndex(names.map((n) => `${base}/${n}`)));
      }
      if (path === "/sitemap.xml" && options.robotsSitemap === false) {
        const all = Object.values(sitemaps).flat();
        return send(200, "application/xml", urlset([...all, ...(options.otherPages ?? [])].map((p) => ({ loc: `${base}${p}`, lastmod: products.get(p)?.lastmod }))));
      }
      const name = path.slice(1);
      if (sitemaps[name]) {
        return send(200, "application/xml", urlset(sitemaps[name].map((p) => ({ loc: `${base}${p}`, lastmod: products.get(p)?.lastmod }))));
      }
      if (name === "page-sitemap.xml" && options.otherPages) {
        return send(200, "application/xml", urlset(options.otherPages.map((p) => ({ loc: `${base}${p}` }))));
      }
      const product = products.get(path);
      if (product && !product.status) return send(200, "text/html; charset=utf-8", product.html);
      if (options.otherPages?.includes(path)) return send(200, "text/html; charset=utf-8", "<html><head><title>About</title></head><body>About us</body></html>");
      return send(product?.status ?? 404, "text/html", "<html><body><h1>Page not found</h1></body></html>");
    };
    if (options.latencyMs) setTimeout(answer, options.latencyMs);
    else answer();
  });
  base = server.url;
  const wire = wireLog(server.port);
  const isProduct = (r: SiteRequest) => products.has(r.path);
  return {
    url: base,
    requests,
    products,
    productRequests: () => requests.filter(isProduct),
    maxInFlight: () => Math.max(0, ...requests.map((r) => r.inFlight)),
    minPacedGap: () => wire.minPacedGap(),
    close: () => {
      wire.stop();
      return server.close();
    },
  };
}

export function sitemapIndex(locs: string[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
${locs.map((l) => `  <sitemap><loc>${l}</loc><lastmod>2026-04-01T10:00:00+00:00</lastmod></sitemap>`).join("\n")}
</sitemapindex>`;
}

export function urlset(entries: { loc: string; lastmod?: string | undefined }[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
${entries.map((e) => `  <url><loc>${e.loc.replace(/&/g, "&amp;")}</loc>${e.lastmod ? `<lastmod>${e.lastmod}</lastmod>` : ""}<changefreq>weekly</changefreq></url>`).join("\n")}
</urlset>`;
}

const ld = (data: unknown) => `<script type="application/ld+json">${JSON.stringify(data, null, 2)}</script>`;

function page(title: string, head: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/static/site.css">
${head}
</head><body><header><nav><a href="/">Home</a> <a href="/shop">Shop</a></nav></header>
<main>${body}</main><footer>© Roastery</footer></body></html>`;
}

/** Squarespace: one Product with an Offer per variant (prices as strings), plus a WebSite block. */
export function squarespacePage(p: { path: string; name: string; offers: { name?: string; sku?: string; price: string | number; currency?: string; inStock?: boolean }[] }): string {
  return page(
    `${p.name} — Hill Roasters`,
    ld({ "@context": "http://schema.org", "@type": "WebSite", url: "https://hill.example", name: "Hill Roasters" }) +
      ld({
        "@context": "http://schema.org",
        "@type": "Product",
        name: p.name,
        url: p.path,
        description: `<p>${p.name}: washed, notes of jasmine and bergamot. Light roast.</p>`,
        image: [`${p.path}/image-1.jpg`, `${p.path}/image-2.jpg`],
        brand: { "@type": "Brand", name: "Hill Roasters" },
        offers: p.offers.map((o) => ({
          "@type": "Offer",
          ...(o.name ? { name: o.name } : {}),
          ...(o.sku ? { sku: o.sku } : {}),
          price: o.price,
          ...(o.currency ? { priceCurrency: o.currency } : {}),
          availability: o.inStock === false ? "http://schema.org/OutOfStock" : "http://schema.org/InStock",
          url: p.path,
        })),
      }),
    `<h1 class="ProductItem-details-title">${p.name}</h1><div class="product-price">${p.offers[0]?.price}</div>`,
  );
}

/** Wix: a ProductGroup with hasVariant (prices as numbers), in an @graph. */
export function wixPage(p: { path: string; name: string; variants: { name: string; sku: string; size?: string; price: number; currency: string; inStock?: boolean }[] }): string {
  return page(
    `${p.name} | Valley Coffee`,
    ld({
      "@context": "https://schema.org/",
      "@graph": [
        { "@type": "BreadcrumbList", itemListElement: [{ "@type": "ListItem", position: 1, name: "Shop", item: "/shop" }] },
        {
          "@type": "ProductGroup",
          "@id": `${p.path}#product`,
          name: p.name,
          productGroupID: p.path.split("/").pop(),
          description: `${p.name}. Natural process, medium roast.`,
          image: { "@type": "ImageObject", contentUrl: `https://static.wixstatic.com/media/${p.path.split("/").pop()}.jpg`, width: 1000, height: 1000 },
          variesBy: ["https://schema.org/size"],
          hasVariant: p.variants.map((v) => ({
            "@type": "Product",
            name: v.name,
            sku: v.sku,
            ...(v.size ? { size: v.size } : {}),
            offers: { "@type": "Offer", price: v.price, priceCurrency: v.currency, availability: v.inStock === false ? "https://schema.org/OutOfStock" : "https://schema.org/InStock" },
          })),
        },
      ],
    }),
    `<div data-hook="product-title">${p.name}</div>`,
  );
}

/** BigCommerce: a Product whose offers are an AggregateOffer only. */
export function bigcommercePage(p: { path: string; name: string; sku: string; low: string; high: string; currency: string; weight?: { value: number; unit: string } }): string {
  return page(
    `${p.name} - Mountain Beans`,
    ld({
      "@context": "https://schema.org/",
      "@type": "Product",
      name: p.name,
      sku: p.sku,
      url: p.path,
      image: [`https://cdn11.bigcommerce.com/s-abc/images/${p.sku}.jpg`],
      ...(p.weight ? { weight: { "@type": "QuantitativeValue", value: p.weight.value, unitText: p.weight.unit } } : {}),
      offers: { "@type": "AggregateOffer", lowPrice: p.low, highPrice: p.high, priceCurrency: p.currency, offerCount: 2, availability: "https://schema.org/InStock" },
    }),
    `<h1 class="productView-title">${p.name}</h1>`,
  );
}

/** WooCommerce with its Store API shut: the Product in Yoast/Woo's @graph, a UnitPriceSpecification, no priceCurrency on the Offer. */
export function woocommercePage(p: { path: string; name: string; sku: string; price: string; currency?: string }): string {
  return page(
    `${p.name} &#8211; Baba&#8217;s Beans`,
    ld({
      "@context": "https://schema.org/",
      "@graph": [
        { "@type": "WebPage", "@id": `${p.path}#webpage`, name: p.name },
        {
          "@type": "Product",
          "@id": `${p.path}#product`,
          name: p.name,
          url: p.path,
          description: "Single estate arabica from Chikmagalur. Honey process.",
          image: `https://babas.example/wp-content/uploads/${p.sku}.jpg`,
          sku: p.sku,
          offers: [
            {
              "@type": "Offer",
              price: p.price,
              priceValidUntil: "2027-12-31",
              priceSpecification: [{ "@type": "UnitPriceSpecification", price: p.price, ...(p.currency ? { priceCurrency: p.currency } : {}), valueAddedTaxIncluded: "false" }],
              ...(p.currency ? { priceCurrency: p.currency } : {}),
              availability: "http://schema.org/InStock",
              url: p.path,
              seller: { "@type": "Organization", name: "Baba's Beans", url: "https://babas.example" },
            },
          ],
        },
      ],
    }),
    `<h1 class="product_title entry-title">${p.name}</h1>`,
  );
}
