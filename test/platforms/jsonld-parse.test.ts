import { describe, expect, it } from "vitest";
import { extractStructuredData } from "../../src/platforms/jsonld/html.ts";
import { readProductPage } from "../../src/platforms/jsonld/parse.ts";
import { productsOf } from "../../src/platforms/jsonld/schema-org.ts";
import { parseSitemap, productPages, sitemapsInRobots } from "../../src/platforms/jsonld/sitemap.ts";
import { normalizeProduct } from "../../src/pipeline/normalize/index.ts";
import { gzipSync } from "node:zlib";
import { bigcommercePage, squarespacePage, wixPage, woocommercePage, urlset } from "../helpers/jsonld-site.ts";

// schema.org product data as the platforms emit it → RawProduct, and through the existing
// normalizers to sizes and prices. Pure: no server, no database.

const BASE = "https://roastery.example";
const read = (html: string, path: string) =>
  readProductPage({ url: `${BASE}${path}`, status: 200, contentType: "text/html", body: Buffer.from(html) });

describe("JSON-LD product pages", () => {
  it("reads a Squarespace Product with one Offer per variant: prices as strings, sizes from offer names", () => {
    const html = squarespacePage({
      path: "/shop/p/ethiopia-guji",
      name: "Ethiopia Guji",
      offers: [
        { name: "250g", sku: "SQ-ETH-250", price: "18.00", currency: "USD" },
        { name: "1kg", sku: "SQ-ETH-1000", price: "62.50", currency: "USD", inStock: false },
      ],
    });
    const page = read(html, "/shop/p/ethiopia-guji");
    expect(page.productErrors).toEqual([]);
    expect(page.products).toHaveLength(1);
    const [product] = page.products;
    expect(product!.platformProductId).toBe("/shop/p/ethiopia-guji");
    expect(product!.currency).toBe("USD");
    expect(product!.images.map((i) => i.url)).toEqual([`${BASE}/shop/p/ethiopia-guji/image-1.jpg`, `${BASE}/shop/p/ethiopia-guji/image-2.jpg`]);
    const normalized = normalizeProduct(product!, { currency: null });
    expect(normalized.variants.map((v) => [v.platformVariantId, v.weightG, v.price, v.currency, v.inStock])).toEqual([
      ["SQ-ETH-250", 250, 18, "USD", true],
      ["SQ-ETH-1000", 1000, 62.5, "USD", false],
    ]);
  });

  it("reads a Wix ProductGroup's hasVariant inside @graph: prices as numbers, sizes from `size`", () => {
    const html = wixPage({
      path: "/product-page/kenya-aa",
      name: "Kenya AA",
      variants: [
        { name: "Kenya AA - Whole Bean", sku: "WX-KE-1", size: "340 g", price: 21, currency: "EUR" },
        { name: "Kenya AA - Ground", sku: "WX-KE-2", size: "12 oz", price: 21.5, currency: "EUR", inStock: false },
      ],
    });
    const page = read(html, "/product-page/kenya-aa");
    expect(page.products).toHaveLength(1);
    const v = normalizeProduct(page.products[0]!, { currency: null }).variants;
    expect(v.map((x) => [x.platformVariantId, x.weightG, x.price, x.currency, x.inStock])).toEqual([
      ["WX-KE-1", 340, 21, "EUR", true],
      ["WX-KE-2", 340, 21.5, "EUR", false],
    ]);
    expect(page.products[0]!.images[0]).toMatchObject({ width: 1000, height: 1000 });
  });

  it("an AggregateOffer with a range and no offers records no price (it does not say which size costs what)", () => {
    const html = bigcommercePage({ path: "/colombia-huila/", name: "Colombia Huila 250g", sku: "BC-COL", low: "9.50", high: "24.00", currency: "GBP" });
    const page = read(html, "/colombia-huila/");
    expect(page.products).toHaveLength(1);
    expect(page.warnings.join(" ")).toMatch(/AggregateOffer gives only a range/);
    const [variant] = normalizeProduct(page.products[0]!, { currency: null }).variants;
    expect(variant!.price).toBeNull();
    expect(variant!.weightG).toBe(250); // from the product name
  });

  it("an AggregateOffer whose low and high agree is that one price; a unit-coded weight is a size", () => {
    const html = bigcommercePage({ path: "/brazil/", name: "Brazil Cerrado", sku: "BC-BRA", low: "12.00", high: "12.00", currency: "GBP", weight: { value: 0.5, unit: "kg" } });
    const [variant] = normalizeProduct(read(html, "/brazil/").products[0]!, { currency: null }).variants;
    expect([variant!.price, variant!.currency, variant!.weightG]).toEqual([12, "GBP", 500]);
  });

  it("a WooCommerce Offer without priceCurrency takes the UnitPriceSpecification's; with neither, no currency is invented", () => {
    const withSpec = read(woocommercePage({ path: "/product/monsooned-malabar/", name: "Monsooned Malabar 500g", sku: "MM500", price: "850.00", currency: "INR" }), "/product/monsooned-malabar/");
    expect(withSpec.products[0]!.currency).toBe("INR");
    const without = read(woocommercePage({ path: "/product/attikan/", name: "Attikan Estate 250g", sku: "AT250", price: "450" }), "/product/attikan/");
    expect(without.products[0]!.currency).toBeNull();
    const [variant] = normalizeProduct(without.products[0]!, { currency: null }).variants;
    expect([variant!.price, variant!.currency, variant!.weightG]).toEqual([450, null, 250]);
  });

  it("broken JSON-LD is a product error naming the page; a page with no product data is not a product", () => {
    const broken = read('<html><head><script type="application/ld+json">{"@type": "Product", "name": "Oops",</script></head></html>', "/shop/p/broken");
    expect(broken.products).toEqual([]);
    expect(broken.productErrors).toEqual([{ productId: "/shop/p/broken", message: expect.stringMatching(/JSON-LD block 1 is not valid JSON/) }]);
    const about = read("<html><body>About us</body></html>", "/about");
    expect(about).toMatchObject({ products: [], productErrors: [], noProductData: true });
  });

  it("a 404 page is a product error", () => {
    const page = readProductPage({ url: `${BASE}/shop/p/gone`, status: 404, contentType: "text/html", body: Buffer.from("nope") });
    expect(page.productErrors).toEqual([{ productId: "/shop/p/gone", message: `product page ${BASE}/shop/p/gone answered 404` }]);
  });

  it("microdata is read when there is no JSON-LD", () => {
    const html = `<html><body><div itemscope itemtype="https://schema.org/Product">
      <h1 itemprop="name">Sumatra Mandheling</h1><img itemprop="image" src="/img/sumatra.jpg">
      <div itemprop="offers" itemscope itemtype="https://schema.org/Offer">
        <span itemprop="name">200g bag</span>
        <meta itemprop="priceCurrency" content="AUD"><span itemprop="price" content="19.90">$19.90</span>
        <link itemprop="availability" href="https://schema.org/InStock">
      </div></div></body></html>`;
    const page = read(html, "/products/sumatra");
    expect(page.products).toHaveLength(1);
    const [variant] = normalizeProduct(page.products[0]!, { currency: null }).variants;
    expect([page.products[0]!.title, variant!.price, variant!.currency, variant!.weightG, variant!.inStock]).toEqual(["Sumatra Mandheling", 19.9, "AUD", 200, true]);
  });

  it("resolves offers given by @id, and leaves products of other pages (related items) out", () => {
    const blocks = [
      {
        "@graph": [
          { "@type": "Product", name: "Rwanda", url: `${BASE}/p/rwanda`, offers: { "@id": "#o1" } },
          { "@type": "Offer", "@id": "#o1", price: 14, priceCurrency: "USD", name: "12 oz" },
          { "@type": "Product", name: "Related: Burundi", url: `${BASE}/p/burundi`, offers: { "@type": "Offer", price: 15 } },
        ],
      },
    ];
    const read = productsOf(blocks, `${BASE}/p/rwanda`);
    expect(read.products.map((p) => p.title)).toEqual(["Rwanda"]);
    expect(read.products[0]!.variants[0]!.price.amount).toBe("14");
  });

  it("finds the JSON-LD blocks' problems without failing the good ones", () => {
    const data = extractStructuredData(
      `<script type="application/ld+json">{"@type":"Organization"}</script><script type="application/ld+json">nope</script>`,
    );
    expect(data.jsonld).toHaveLength(1);
    expect(data.problems).toHaveLength(1);
  });
});

describe("sitemaps", () => {
  it("reads a urlset (also gzipped) and an index, and robots.txt Sitemap lines", () => {
    const xml = urlset([{ loc: `${BASE}/shop/p/a`, lastmod: "2026-04-01" }, { loc: `${BASE}/about` }]);
    const plain = parseSitemap(Buffer.from(xml), `${BASE}/sitemap.xml`);
    expect(plain).toEqual({ kind: "urlset", truncated: false, entries: [{ loc: `${BASE}/shop/p/a`, lastmod: "2026-04-01" }, { loc: `${BASE}/about`, lastmod: null }] });
    expect(parseSitemap(gzipSync(xml), `${BASE}/sitemap.xml.gz`)).toEqual(plain);
    expect(productPages(`${BASE}/sitemap.xml`, plain.entries).map((e) => e.loc)).toEqual([`${BASE}/shop/p/a`]);
    expect(sitemapsInRobots("User-agent: *\nSitemap: https://x.example/sitemap_index.xml\n sitemap:https://x.example/s2.xml")).toEqual([
      "https://x.example/sitemap_index.xml",
      "https://x.example/s2.xml",
    ]);
  });

  it("refuses what is not a sitemap with a classified error", () => {
    expect(() => parseSitemap(Buffer.from("<html><body>hi</body></html>"), `${BASE}/sitemap.xml`)).toThrow(
      expect.objectContaining({ code: "not_a_sitemap", retry: "permanent" }),
    );
  });
});
