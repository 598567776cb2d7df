import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDeps } from "../../src/app/runtime.ts";
import type { Deps } from "../../src/app/deps.ts";
import { replayRun } from "../../src/pipeline/replay.ts";
import type { RunStats } from "../../src/pipeline/run-stats.ts";
import { scrapeOnce } from "../../src/worker/scrape-once.ts";
import { testEngines, useTestDatabase } from "../helpers/database.ts";
import { addRoaster } from "../helpers/fetch.ts";
import {
  bigcommercePage,
  squarespacePage,
  startJsonLdSite,
  wixPage,
  woocommercePage,
  type JsonLdSite,
  type SiteProduct,
} from "../helpers/jsonld-site.ts";
import { captureLogger } from "../helpers/logs.ts";
import { testSettings } from "../helpers/settings.ts";
import { PACING_SLACK_MS } from "../helpers/store-server.ts";

// A store with no product API, read end to end from its sitemaps and its product pages'
// schema.org data into the users' tables: detection, variants and prices, a broken page and a
// 404 that fail alone, politeness (concurrency at the server, spacing as the requests went
// out), replay, a price-only run.

function products(): SiteProduct[] {
  return [
    {
      path: "/shop/p/ethiopia-guji",
      lastmod: "2026-04-01",
      html: squarespacePage({
        path: "/shop/p/ethiopia-guji",
        name: "Ethiopia Guji Natural",
        offers: [
          { name: "250g", sku: "ETH-250", price: "18.00", currency: "USD" },
          { name: "1kg", sku: "ETH-1000", price: "62.50", currency: "USD", inStock: false },
        ],
      }),
    },
    {
      path: "/product-page/kenya-aa",
      lastmod: "2026-04-02",
      html: wixPage({
        path: "/product-page/kenya-aa",
        name: "Kenya AA Coffee Beans",
        variants: [
          { name: "Kenya AA - Whole Bean", sku: "KE-WB", size: "340 g", price: 21, currency: "USD" },
          { name: "Kenya AA - Espresso grind", sku: "KE-ES", size: "340 g", price: 21.5, currency: "USD" },
        ],
      }),
    },
    {
      path: "/products/colombia-huila/",
      lastmod: "2026-04-03",
      html: bigcommercePage({ path: "/products/colombia-huila/", name: "Colombia Huila Coffee 500g", sku: "COL-500", low: "16.00", high: "16.00", currency: "USD" }),
    },
    {
      // No currency anywhere: its variant is held back, not written as USD.
      path: "/product/attikan-estate/",
      lastmod: "2026-04-04",
      html: woocommercePage({ path: "/product/attikan-estate/", name: "Attikan Estate Coffee 250g", sku: "ATT-250", price: "12.00" }),
    },
    {
      path: "/shop/p/broken",
      lastmod: "2026-04-05",
      html: '<html><head><script type="application/ld+json">{"@type":"Product","name":"Broken",</script></head><body></body></html>',
    },
    { path: "/shop/p/discontinued", lastmod: "2026-04-06", html: "", status: 404 },
  ];
}

describe.each(testEngines())("a JSON-LD store on %s", (engine) => {
  const database = useTestDatabase(engine);
  let site: JsonLdSite;
  let deps: Deps;

  beforeAll(async () => {
    site = await startJsonLdSite({
      products: products(),
      // The index lists a product sitemap per platform kind and a page sitemap that is not read.
      sitemaps: {
        "store-products-sitemap.xml": ["/shop/p/ethiopia-guji", "/product-page/kenya-aa", "/shop/p/broken", "/shop/p/discontinued"],
        "xmlsitemap.php?type=products": ["/products/colombia-huila/", "/product/attikan-estate/"],
      },
      otherPages: ["/about", "/blog/brewing-guide"],
    });
    const settings = testSettings({
      HTTP_DELAY_MS: 100,
      HTTP_JITTER_MS: 10,
      HTTP_RETRIES: 0,
      DATA_DIR: mkdtempSync(path.join(tmpdir(), "cs-jsonld-")),
    });
    deps = createDeps(settings, database().db, captureLogger().log);
    await addRoaster(database().db, site.url, { slug: "hill-roasters", default_concurrency: 2 });
  });
  afterAll(async () => {
    await deps?.http.close();
    await site?.close();
  });

  it("is detected as a JSON-LD store and read into the users' tables with the right variants and prices", async () => {
    const summary = await scrapeOnce({ deps, roaster: "hill-roasters", type: "full_refresh" });
    const stats = summary.stats as unknown as RunStats;
    expect(summary.status).toBe("partial"); // the broken page and the 404, each alone
    expect([stats.platform, stats.read_via, stats.sitemap_sweep]).toEqual(["jsonld", "jsonld", true]);
    const errors = stats.errors.map((e) => `${e.product}: ${e.message}`).join("\n");
    expect(errors).toMatch(/\/shop\/p\/broken: .*JSON-LD block 1 is not valid JSON/);
    expect(errors).toMatch(/\/shop\/p\/discontinued: product page .* answered 404/);
    expect(stats.coffees_upserted).toBe(4);

    const [roaster] = await database().db.query<{ platform: string; read_via: string }>(
      `SELECT r.platform::text AS platform, o.read_via FROM roasters r JOIN coffee_scraper.roaster_options o ON o.roaster_id = r.id WHERE r.slug = 'hill-roasters'`,
    );
    expect(roaster).toEqual({ platform: "custom", read_via: "jsonld" });
    const rows = await database().db.query(
      `SELECT c.platform_product_id AS product, v.platform_variant_id AS variant, v.weight_g, v.grind::text AS grind,
              v.price_current::float AS price, v.currency, v.in_stock
         FROM coffees c JOIN variants v ON v.coffee_id = c.id JOIN roasters r ON r.id = c.roaster_id
        WHERE r.slug = 'hill-roasters' ORDER BY v.platform_variant_id`,
    );
    expect(rows).toEqual([
      { product: "/products/colombia-huila", variant: "/products/colombia-huila", weight_g: 500, grind: "whole", price: 16, currency: "USD", in_stock: true },
      { product: "/shop/p/ethiopia-guji", variant: "ETH-1000", weight_g: 1000, grind: "whole", price: 62.5, currency: "USD", in_stock: false },
      { product: "/shop/p/ethiopia-guji", variant: "ETH-250", weight_g: 250, grind: "whole", price: 18, currency: "USD", in_stock: true },
      { product: "/product-page/kenya-aa", variant: "KE-ES", weight_g: 340, grind: "espresso", price: 21.5, currency: "USD", in_stock: true },
      { product: "/product-page/kenya-aa", variant: "KE-WB", weight_g: 340, grind: "whole", price: 21, currency: "USD", in_stock: true },
    ]);
    expect(stats.held_variants.map((h) => [h.product, h.reason])).toEqual([["/product/attikan-estate", expect.stringMatching(/currency/)]]);
    // The page sitemap's /about and blog were never asked for.
    expect(site.requests.some((r) => r.path === "/about" || r.path.startsWith("/blog"))).toBe(false);
  });

  it("was polite: within the roaster's concurrency at the server, requests spaced by the delay as they went out", () => {
    expect(site.maxInFlight()).toBeLessThanOrEqual(2);
    expect(site.minPacedGap()).toBeGreaterThanOrEqual(100 - 10 - PACING_SLACK_MS);
    expect(site.requests.filter((r) => r.path === "/robots.txt").length).toBeLessThanOrEqual(3);
  });

  it("replays from its stored pages without the network, to the same rows", async () => {
    const [run] = await database().db.query<{ id: string }>(
      `SELECT r.id FROM coffee_scraper.runs r ORDER BY r.started_at LIMIT 1`,
    );
    const before = site.requests.length;
    const replay = await replayRun(run!.id, deps);
    const stats = replay.stats as unknown as RunStats;
    expect(replay.status).toBe("partial");
    expect([stats.coffees_upserted, stats.variants_upserted, stats.variants_held]).toEqual([4, 5, 1]);
    expect(site.requests.length).toBe(before);
  });

  it("a price-only run re-reads every product page's offers, whatever its lastmod, and writes the new price", async () => {
    const guji = site.products.get("/shop/p/ethiopia-guji")!;
    guji.html = guji.html.replace('"price": "18.00"', '"price": "19.50"');
    const before = site.productRequests().length;
    const summary = await scrapeOnce({ deps, roaster: "hill-roasters", type: "price_only" });
    expect(site.productRequests().length - before).toBe(6);
    expect((summary.stats as unknown as RunStats).sitemap_sweep).toBeNull();
    const [row] = await database().db.query<{ price: number; rows: number }>(
      `SELECT v.price_current::float AS price, (SELECT count(*)::int FROM prices p WHERE p.variant_id = v.id) AS rows
         FROM variants v WHERE v.platform_variant_id = 'ETH-250'`,
    );
    expect(row).toEqual({ price: 19.5, rows: 2 });
  });
});
