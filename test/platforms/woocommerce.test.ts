import { afterEach, describe, expect, it } from "vitest";
import type { Roaster } from "../../src/config/roaster.ts";
import { ScrapeError } from "../../src/core/errors.ts";
import type { HttpClientOptions, HttpSettings } from "../../src/fetch/client.ts";
import { saveValidators } from "../../src/db/validators.ts";
import type { StorePage } from "../../src/platforms/adapter.ts";
import { adapterFor, parseStoredPage } from "../../src/platforms/registry.ts";
import { batchParents } from "../../src/platforms/woocommerce/adapter.ts";
import type { WooProduct } from "../../src/platforms/woocommerce/schema.ts";
import { useTestDatabase } from "../helpers/database.ts";
import { addRoaster, openSite, type TestSite } from "../helpers/fetch.ts";
import { loopbackLookup, PACING_SLACK_MS, startStoreServer, type StoreServer } from "../helpers/store-server.ts";

const testDb = useTestDatabase("pglite");
const servers: StoreServer[] = [];
const sites: TestSite[] = [];

afterEach(async () => {
  await Promise.all(sites.splice(0).map((s) => s.client.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function store(options: Omit<Parameters<typeof startStoreServer>[0], "platform"> = {}) {
  const server = await startStoreServer({ platform: "woocommerce", ...options });
  servers.push(server);
  return server;
}

async function run(
  roaster: Roaster,
  options: Omit<Partial<HttpClientOptions>, "settings"> & { settings?: Partial<HttpSettings> } = {},
) {
  const site = openSite(roaster, { db: testDb().db, ...options });
  sites.push(site);
  const pages: StorePage[] = [];
  for await (const page of adapterFor("woocommerce").pages({ roaster, http: site.site })) pages.push(page);
  return { pages, stats: site.stats };
}

const VARIATIONS = "type=variation";

describe("WooCommerce adapter", () => {
  it("reads the fixture store with every variation's own price and stock", async () => {
    const server = await store();
    const roaster = await addRoaster(testDb().db, server.url);
    const { pages } = await run(roaster);
    expect(pages).toHaveLength(1);
    const [page] = pages;
    expect(page).toMatchObject({ pageNumber: 1, status: 200, currency: "INR", productErrors: [] });
    expect(page!.url).toBe(`${server.url}/wp-json/wc/store/v1/products?per_page=100&page=1`);
    expect(page!.products).toHaveLength(10);

    // Values read from test/fixtures/woocommerce-store-api-products-page-babas-beans.json.
    const byId = new Map(page!.products.map((p) => [p.platformProductId, p]));
    const hustler = byId.get("3382")!;
    expect(hustler).toMatchObject({
      platform: "woocommerce",
      title: "Hustler",
      url: "https://babasbeanscoffee.com/product/hustler/",
      categories: ["COLD BREW"],
      currency: "INR",
      options: [{ name: "Grind Size", values: ["Aero press", "Cold brew", "Espresso", "French press", "Mocha pot", "Syphon", "Whole Beans"] }],
    });
    expect(hustler.descriptionHtml).toMatch(/Elevation: 2800 Ft &#8211; 3600 Ft ASL/);
    expect(hustler.variants).toHaveLength(7);
    // Slug "aero-press" shown as the term's name; price and stock from the variation itself.
    const variations = server.variations.get(3382)!;
    expect(hustler.variants[0]).toMatchObject({
      platformVariantId: "3974",
      title: "Aero press",
      options: [{ name: "Grind Size", value: "Aero press" }],
      price: { amount: (variations[0]!.prices as { price: string }).price, minorUnit: 2 },
      available: variations[0]!.is_in_stock,
    });
    expect(hustler.variants[4]!.available).toBe(false); // the server's fifth variation is out of stock
    expect(new Set(hustler.variants.map((v) => v.price.amount)).size).toBe(7);

    // HTML entities stay as sent; the normalizers decode.
    expect(byId.get("1957")!.title).toBe("SUBSCRIPTION &#8211; 24 DELIVERIES");
    expect(byId.get("1957")!.variants).toHaveLength(294);
    expect(byId.get("1957")!.variants[0]!.options).toEqual([
      { name: "Grind Size", value: expect.any(String) },
      { name: "Frequency Of Delivery", value: expect.any(String) },
      { name: "Coffee", value: expect.any(String) },
    ]);

    // A simple product on sale: its one variant, prices in minor units, regular price as compare-at.
    expect(byId.get("1173")!.variants).toEqual([
      expect.objectContaining({
        platformVariantId: "1173",
        price: { amount: "14900", minorUnit: 2 },
        compareAtPrice: { amount: "30000", minorUnit: 2 },
        available: true,
      }),
    ]);

    // Variations in batches: [3382, 1159, 1146] (21) in one request; each 294-variation parent in 3.
    expect(server.requestsTo((r) => r.path.includes(VARIATIONS))).toHaveLength(1 + 3 * 3);
    expect(page!.responses).toHaveLength(1 + 10);
  });

  it("rebuilds the same products from the stored responses (replay)", async () => {
    const server = await store();
    const roaster = await addRoaster(testDb().db, server.url);
    const { pages } = await run(roaster);
    const replayed = parseStoredPage("woocommerce", pages[0]!.responses, { currency: null });
    expect(replayed.products).toEqual(pages[0]!.products);
    expect(replayed.productErrors).toEqual([]);
  });

  it("reads 300 variable products completely within the pacing limits", async () => {
    const server = await store({ products: 300, variableOnly: true, maxVariations: 7, latencyMs: 350 });
    const roaster = await addRoaster(testDb().db, server.url, { default_concurrency: 3 });
    const { pages, stats } = await run(roaster, { settings: { HTTP_DELAY_MS: 100, HTTP_JITTER_MS: 10 } });
    expect(pages).toHaveLength(3);
    const products = pages.flatMap((p) => p.products);
    expect(products).toHaveLength(300);
    expect(new Set(products.map((p) => p.platformProductId)).size).toBe(300);
    expect(pages.flatMap((p) => p.productErrors)).toEqual([]);
    const variants = products.flatMap((p) => p.variants);
    expect(variants).toHaveLength(300 * 7);
    expect(variants.every((v) => v.price.amount !== null && v.price.minorUnit === 2)).toBe(true);
    // Batches of ≤ 100 variations: 14 parents × 7 per request.
    expect(server.requestsTo((r) => r.path.includes(VARIATIONS)).length).toBe(3 * Math.ceil(100 / 14));
    expect(server.maxInFlight()).toBeLessThanOrEqual(3);
    expect(server.maxInFlight()).toBe(3); // the batches do run side by side
    expect(server.minPacedGap()).toBeGreaterThanOrEqual(100 - 10 - PACING_SLACK_MS);
    expect(stats.requests).toBe(server.requests.length);
  });

  it("gets 304s for pages it sent validators for; pages with variable products are never conditional", async () => {
    const server = await store({ products: 150, simpleOnly: true });
    const roaster = await addRoaster(testDb().db, server.url);
    const first = await run(roaster);
    expect(first.pages.map((p) => p.products.length)).toEqual([100, 50]);
    for (const page of first.pages) {
      expect(page.validators.etag).not.toBeNull();
      await saveValidators(testDb().db, roaster.id, { url: page.url, validators: page.validators, firstPage: page.pageNumber === 1 });
    }
    const before = server.requests.length;
    const second = await run(roaster);
    expect(second.pages.map((p) => [p.notModified, p.status])).toEqual([
      [true, 304],
      [true, 304],
    ]);
    const sent = server.requests.slice(before).filter((r) => r.headers["if-none-match"]);
    expect(sent).toHaveLength(2);
    expect(sent.every((r) => r.status === 304)).toBe(true);

    const mixed = await store();
    const other = await addRoaster(testDb().db, mixed.url);
    const { pages } = await run(other);
    expect(pages[0]!.validators).toEqual({ etag: null, lastModified: null });
  });

  it("falls back to the unversioned Store API path", async () => {
    const server = await store({ wooLegacyOnly: true });
    const roaster = await addRoaster(testDb().db, server.url);
    const { pages } = await run(roaster);
    expect(pages[0]!.url).toBe(`${server.url}/wp-json/wc/store/products?per_page=100&page=1`);
    expect(pages[0]!.products).toHaveLength(10);
    expect(pages[0]!.productErrors).toEqual([]);
  });

  it("throws store_not_found (permanent) when neither Store API path exists", async () => {
    const server = await startStoreServer({ platform: "shopify" });
    servers.push(server);
    const roaster = await addRoaster(testDb().db, server.url);
    const err = await run(roaster).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ScrapeError);
    expect(err).toMatchObject({ retry: "permanent", code: "store_not_found" });
  });

  it("falls back from an apex that answers 404 to www., and pages on there", async () => {
    const server = await store({ notFoundHosts: ["roaster.test"], products: 150 });
    const roaster = await addRoaster(testDb().db, `http://roaster.test:${server.port}`);
    const { pages } = await run(roaster, { lookup: loopbackLookup("roaster.test", "www.roaster.test") });
    expect(pages.map((p) => p.url)).toEqual([1, 2].map((n) => `http://www.roaster.test:${server.port}/wp-json/wc/store/v1/products?per_page=100&page=${n}`));
    expect(pages.flatMap((p) => p.products)).toHaveLength(150);
    expect(pages.flatMap((p) => p.productErrors)).toEqual([]);
  });

  it("fetches variations one by one from a store that ignores `parent`, without paging its whole catalogue", async () => {
    const server = await store({ products: 4, variableOnly: true, maxVariations: 3, wooIgnoresParent: true });
    // Two groups would be needed if `parent` were honoured; the server returns every variation instead.
    const roaster = await addRoaster(testDb().db, server.url);
    const { pages } = await run(roaster);
    expect(pages[0]!.products).toHaveLength(4);
    expect(pages[0]!.productErrors).toEqual([]);
    expect(pages[0]!.products.every((p) => p.variants.length === 3)).toBe(true);
  });

  it("reports variable products whose variations could not be fetched, and keeps the rest of the page", async () => {
    const server = await store();
    server.addFault({ match: (r) => r.path.includes(VARIATIONS), kind: "status", status: 500 });
    const roaster = await addRoaster(testDb().db, server.url, {});
    const { pages } = await run(roaster, { settings: { HTTP_RETRIES: 1 } });
    const [page] = pages;
    expect(page!.error).toBeUndefined();
    expect(page!.products.map((p) => p.platformProductId).sort()).toEqual(["1173", "1982", "3305", "3381"]);
    expect(page!.productErrors.map((e) => e.productId).sort()).toEqual(["1146", "1159", "1950", "1955", "1957", "3382"]);
    expect(page!.productErrors[0]!.message).toMatch(/variations have no price .*answered 500/);
  });

  it("fails the page when a variation batch is throttled beyond the cap", async () => {
    const server = await store();
    server.addFault({ match: (r) => r.path.includes(VARIATIONS), kind: "status", status: 429, headers: { "retry-after": "900" } });
    const roaster = await addRoaster(testDb().db, server.url);
    const { pages } = await run(roaster);
    expect(pages).toHaveLength(1);
    expect(pages[0]!.error).toMatchObject({ retry: "throttled", retryAfterMs: 900_000 });
  });

  it("fails a page answered with HTML, or with JSON of the wrong shape, clearly", async () => {
    const server = await store();
    server.addFault({ match: "/wp-json/wc/store/v1/products?per_page", kind: "html", times: 1 });
    const roaster = await addRoaster(testDb().db, server.url);
    const html = await run(roaster);
    expect(html.pages[0]!.error).toMatchObject({ code: "html_instead_of_json" });
    expect(html.pages[0]!.error!.message).toMatch(/WooCommerce Store API products JSON was expected/);

    server.addFault({ match: "/wp-json/wc/store/v1/products?per_page", kind: "status", status: 200, body: '{"code":"x"}', times: 1 });
    const shape = await run(roaster);
    expect(shape.pages[0]!.error).toMatchObject({ retry: "permanent", code: "unexpected_shape" });
  });

  it("reports an invalid product and keeps the rest of the page", async () => {
    const server = await store();
    server.products[1] = { ...server.products[1], prices: { price: "100" } }; // no currency_minor_unit
    server.changed();
    const roaster = await addRoaster(testDb().db, server.url);
    const { pages } = await run(roaster);
    expect(pages[0]!.products).toHaveLength(9);
    expect(pages[0]!.productErrors).toEqual([
      { productId: "3381", message: expect.stringMatching(/^invalid WooCommerce product: prices\.currency_minor_unit/) },
    ]);
  });
});

describe("batchParents", () => {
  const p = (id: number, n: number) => ({ id, variations: Array.from({ length: n }, (_, i) => ({ id: id * 1000 + i })) }) as WooProduct;
  it.each([
    [[p(1, 7), p(2, 294), p(3, 7)], [[1, 3], [2]]],
    [[p(1, 60), p(2, 50), p(3, 40)], [[1, 3], [2]]],
    [[p(1, 100), p(2, 1)], [[1], [2]]],
    [[p(1, 150), p(2, 1), p(3, 99)], [[1], [2, 3]]],
  ])("groups %# into batches of at most 100 variations", (products, expected) => {
    expect(batchParents(products).map((g) => g.map((x) => x.id))).toEqual(expected);
  });
});
