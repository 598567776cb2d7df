import { afterEach, describe, expect, it } from "vitest";
import type { Roaster } from "../../src/config/roaster.ts";
import { ScrapeError } from "../../src/core/errors.ts";
import { saveValidators } from "../../src/db/validators.ts";
import type { StorePage } from "../../src/platforms/adapter.ts";
import { adapterFor, parseStoredPage } from "../../src/platforms/registry.ts";
import { useTestDatabase } from "../helpers/database.ts";
import { addRoaster, openSite, type TestSite } from "../helpers/fetch.ts";
import {
  loopbackLookup,
  PACING_SLACK_MS,
  shopifyFixtureProducts,
  startStoreServer,
  type StoreServer,
} from "../helpers/store-server.ts";
import type { HttpClientOptions, HttpSettings } from "../../src/fetch/client.ts";

const testDb = useTestDatabase("pglite");
const servers: StoreServer[] = [];
const sites: TestSite[] = [];

afterEach(async () => {
  await Promise.all(sites.splice(0).map((s) => s.client.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function store(options: Omit<Parameters<typeof startStoreServer>[0], "platform"> = {}) {
  const server = await startStoreServer({ platform: "shopify", ...options });
  servers.push(server);
  return server;
}

async function run(
  roaster: Roaster,
  options: Omit<Partial<HttpClientOptions>, "settings"> & { settings?: Partial<HttpSettings>; conditional?: boolean } = {},
) {
  const site = openSite(roaster, { db: testDb().db, ...options });
  sites.push(site);
  const pages: StorePage[] = [];
  for await (const page of adapterFor("shopify").pages({ roaster, http: site.site, conditional: options.conditional ?? true })) {
    pages.push(page);
  }
  return { pages, stats: site.stats };
}

async function runError(roaster: Roaster, options: Parameters<typeof run>[1] = {}): Promise<ScrapeError> {
  try {
    await run(roaster, options);
  } catch (err) {
    expect(err).toBeInstanceOf(ScrapeError);
    return err as ScrapeError;
  }
  throw new Error("expected the run to throw");
}

const fixture = shopifyFixtureProducts();

describe("Shopify adapter", () => {
  it("reads the fixture store and maps products as the payload says", async () => {
    const server = await store();
    const roaster = await addRoaster(testDb().db, server.url);
    const { pages } = await run(roaster);
    expect(pages).toHaveLength(1);
    const [page] = pages;
    expect(page).toMatchObject({ pageNumber: 1, status: 200, notModified: false, currency: "INR", productErrors: [] });
    expect(page!.url).toBe(`${server.url}/products.json?limit=250&page=1`);
    expect(page!.products).toHaveLength(30);
    expect(page!.responses).toHaveLength(1);

    // Values read from test/fixtures/shopify-products-page-blue-tokai.json.
    const hamper = page!.products[0]!;
    expect(hamper).toMatchObject({
      platform: "shopify",
      platformProductId: "7291034370103",
      title: "Meghmalhar Gift Hamper",
      handle: "meghmalhar-gift-hamper",
      url: `${server.url}/products/meghmalhar-gift-hamper`,
      productType: "Gifting",
      vendor: "Blue Tokai Coffee Roasters",
      tags: ["not_express", "TAX_18"],
      categories: [],
      currency: "INR",
      publishedAt: "2025-09-17T12:06:11+05:30",
    });
    expect(hamper.variants[0]).toMatchObject({
      platformVariantId: "41710635548727",
      title: "Default Title",
      price: { amount: "5799.00" },
      compareAtPrice: { amount: null },
      available: false,
      shippingGrams: 0,
    });
    expect(hamper.images[0]).toMatchObject({
      url: "https://cdn.shopify.com/s/files/1/0738/1409/files/Img_49b8eeaf-6d1a-4d73-bc35-2a21d9279ac5.jpg?v=1758090943",
      width: 900,
      height: 1200,
      position: 1,
    });

    // Every variant of the fixture is there, with its options paired by position.
    const withOptions = fixture.find((p) => (p.variants as unknown[]).length > 1)!;
    const mapped = page!.products.find((p) => p.platformProductId === String(withOptions.id))!;
    const fv = (withOptions.variants as Record<string, unknown>[])[1]!;
    const names = (withOptions.options as { name: string }[]).map((o) => o.name);
    expect(mapped.variants).toHaveLength((withOptions.variants as unknown[]).length);
    expect(mapped.variants[1]!.options[0]).toEqual({ name: names[0], value: fv.option1 });
    expect(mapped.variants[1]!.price.amount).toBe(fv.price);
  });

  it("rebuilds the same products from the stored responses (replay)", async () => {
    const server = await store();
    const roaster = await addRoaster(testDb().db, server.url);
    const { pages } = await run(roaster);
    const replayed = parseStoredPage("shopify", pages[0]!.responses, { currency: "INR" });
    expect(replayed.products).toEqual(pages[0]!.products);
    expect(replayed.productErrors).toEqual([]);
  });

  it("reads 1,000 products completely within the pacing limits, and gets 304s on an unchanged second run", async () => {
    const server = await store({ products: 1000, latencyMs: 5 });
    const roaster = await addRoaster(testDb().db, server.url, { default_concurrency: 3 });
    const settings = { HTTP_DELAY_MS: 100, HTTP_JITTER_MS: 10 };
    const first = await run(roaster, { settings });
    const ids = first.pages.flatMap((p) => p.products.map((x) => x.platformProductId));
    expect(ids).toHaveLength(1000);
    expect(new Set(ids).size).toBe(1000);
    // 4 full pages, then an empty one ends the walk.
    expect(first.pages.map((p) => p.products.length)).toEqual([250, 250, 250, 250, 0]);
    expect(server.maxInFlight()).toBeLessThanOrEqual(3);
    expect(server.minPacedGap()).toBeGreaterThanOrEqual(100 - 10 - PACING_SLACK_MS);

    // The pipeline saves validators once each page is persisted.
    for (const page of first.pages) {
      await saveValidators(testDb().db, roaster.id, { url: page.url, validators: page.validators, firstPage: page.pageNumber === 1 });
    }
    expect(first.pages[4]!.validators).toEqual({ etag: null, lastModified: null });

    const before = server.requests.length;
    const second = await run(roaster, { settings });
    const listing = server.requests.slice(before).filter((r) => r.path.startsWith("/products.json"));
    const conditional = listing.filter((r) => r.headers["if-none-match"]);
    expect(conditional).toHaveLength(4);
    expect(conditional.every((r) => r.status === 304)).toBe(true);
    expect(second.pages.slice(0, 4).every((p) => p.notModified && p.products.length === 0 && p.status === 304)).toBe(true);
    expect(second.pages[4]).toMatchObject({ notModified: false, status: 200, products: [] });
    expect(second.stats.notModified).toBe(4);
  });

  it("a store that serves fewer than 250 per page is read to its last product, by /meta.json's count", async () => {
    const server = await store({ products: 70, shopifyPageCap: 30 });
    const roaster = await addRoaster(testDb().db, server.url);
    const { pages } = await run(roaster);
    const ids = pages.flatMap((p) => p.products.map((x) => x.platformProductId));
    expect(pages.map((p) => p.products.length)).toEqual([30, 30, 10]);
    expect(new Set(ids).size).toBe(70);
    // The count reached on a short page ends the walk: no request for an empty page.
    expect(server.requestsTo("/products.json")).toHaveLength(3);
  });

  it("a /meta.json count above what the listing holds costs one empty page, no more", async () => {
    const server = await store({ products: 40, shopifyPublishedCount: 45 });
    const roaster = await addRoaster(testDb().db, server.url);
    const { pages } = await run(roaster);
    expect(pages.map((p) => p.products.length)).toEqual([40, 0]);
    expect(server.requestsTo("/products.json")).toHaveLength(2);
  });

  it("without /meta.json's count a short page is the last, as Shopify's own listing says", async () => {
    const server = await store({ products: 40, shopifyPublishedCount: null });
    const roaster = await addRoaster(testDb().db, server.url);
    const { pages } = await run(roaster);
    expect(pages.map((p) => p.products.length)).toEqual([40]);
    expect(server.requestsTo("/products.json")).toHaveLength(1);
  });

  it("uses the roaster's pinned currency without asking the store", async () => {
    const server = await store({ products: 250, shopifyPublishedCount: 250, currency: "EUR" });
    const roaster = await addRoaster(testDb().db, server.url, { currency: "usd" });
    const { pages } = await run(roaster);
    expect(pages.map((p) => p.products.length)).toEqual([250, 0]);
    expect(pages[0]!.currency).toBe("USD");
    expect(pages[0]!.products[0]!.currency).toBe("USD");
    // Full pages, then an empty one: no short page, so nothing to ask /meta.json for.
    expect(server.requestsTo("/meta.json")).toHaveLength(0);
  });

  it("a pinned currency still reads /meta.json's count on a short page: a capped store is read whole", async () => {
    const server = await store({ products: 70, shopifyPageCap: 30, currency: "EUR" });
    const roaster = await addRoaster(testDb().db, server.url, { currency: "usd" });
    const { pages } = await run(roaster);
    expect(pages.map((p) => p.products.length)).toEqual([30, 30, 10]);
    expect(new Set(pages.flatMap((p) => p.products.map((x) => x.platformProductId))).size).toBe(70);
    // Asked once, for the count only: the pinned currency stands.
    expect(server.requestsTo("/meta.json")).toHaveLength(1);
    expect(pages.every((p) => p.currency === "USD")).toBe(true);

    // A store without /meta.json ends on its short page, as Shopify's own listing says; the page stands.
    const silent = await store({ products: 40 });
    silent.addFault({ match: "/meta.json", kind: "status", status: 404 });
    const other = await addRoaster(testDb().db, silent.url, { currency: "usd" });
    const read = await run(other);
    expect(read.pages.map((p) => p.products.length)).toEqual([40]);
    expect(read.pages[0]!.error).toBeFalsy();
    expect(silent.requestsTo("/meta.json")).toHaveLength(1);

    // One whose robots.txt forbids /meta.json: no count, not a failed job.
    const forbidding = await store({ products: 40, robotsTxt: "User-agent: *\nDisallow: /meta.json\n" });
    const third = await addRoaster(testDb().db, forbidding.url, { currency: "usd" });
    const forbidden = await run(third);
    expect(forbidden.pages.map((p) => p.products.length)).toEqual([40]);
    expect(forbidding.requestsTo("/meta.json")).toHaveLength(0);
  });

  it("falls back to /cart.js for the currency, and warns when neither says", async () => {
    const server = await store({ currency: "EUR", robotsTxt: "User-agent: *\nDisallow: /checkout\n" });
    server.addFault({ match: "/meta.json", kind: "status", status: 404 });
    const roaster = await addRoaster(testDb().db, server.url);
    expect((await run(roaster)).pages[0]!.currency).toBe("EUR");

    // Shopify's default robots.txt disallows /cart, and so /cart.js: it is not asked for.
    const polite = await store({ currency: "EUR" });
    polite.addFault({ match: "/meta.json", kind: "status", status: 404 });
    const third = await addRoaster(testDb().db, polite.url);
    const withDefaultRobots = await run(third);
    expect(withDefaultRobots.pages[0]!.currency).toBeNull();
    expect(withDefaultRobots.pages[0]!.warnings?.[0]).toMatch(/robots\.txt/);
    expect(polite.requestsTo("/cart.js")).toHaveLength(0);

    const none = await store({ currency: null });
    const other = await addRoaster(testDb().db, none.url);
    const { pages } = await run(other);
    expect(pages[0]!.currency).toBeNull();
    expect(pages[0]!.warnings?.[0]).toMatch(/currency unknown/);
    expect(pages[0]!.products).toHaveLength(30);
  });

  it("falls back from an apex that answers 404 to www.", async () => {
    const server = await store({ notFoundHosts: ["roaster.test"] });
    const roaster = await addRoaster(testDb().db, `http://roaster.test:${server.port}`);
    const { pages } = await run(roaster, { lookup: loopbackLookup("roaster.test", "www.roaster.test") });
    expect(pages[0]!.products).toHaveLength(30);
    expect(pages[0]!.url).toBe(`http://www.roaster.test:${server.port}/products.json?limit=250&page=1`);
    expect(pages[0]!.products[0]!.url).toMatch(/^http:\/\/www\.roaster\.test:\d+\/products\//);
  });

  it("throws store_not_found (permanent) when the store has no /products.json", async () => {
    const server = await startStoreServer({ platform: "woocommerce" });
    servers.push(server);
    const roaster = await addRoaster(testDb().db, server.url);
    const err = await runError(roaster);
    expect(err).toMatchObject({ retry: "permanent", code: "store_not_found" });
    expect(err.message).toMatch(/products\.json/);
  });

  it("throws robots_disallowed (permanent) when robots.txt forbids /products.json", async () => {
    const server = await store({ robotsTxt: "User-agent: *\nDisallow: /products.json\n" });
    const roaster = await addRoaster(testDb().db, server.url);
    const err = await runError(roaster);
    expect(err).toMatchObject({ retry: "permanent", code: "robots_disallowed" });
  });

  it("fails one page that answers HTML with 200 and goes on with the next", async () => {
    const server = await store({ products: 600 });
    server.addFault({ match: /^\/products\.json\?.*page=2$/, kind: "html" });
    const roaster = await addRoaster(testDb().db, server.url);
    const { pages } = await run(roaster);
    // Page 2's products were not read, so /meta.json's 600 is not reached at the short page 3:
    // an empty page 4 ends the walk.
    expect(pages.map((p) => p.products.length)).toEqual([250, 0, 100, 0]);
    expect(pages[1]!.error).toMatchObject({ retry: "transient", code: "html_instead_of_json" });
    expect(pages[1]!.error!.message).toMatch(/HTML .*text\/html.* where Shopify \/products\.json JSON was expected/);
    expect(pages[1]!.responses).toHaveLength(1); // kept for inspection
  });

  it("fails a page with truncated JSON clearly", async () => {
    const server = await store();
    server.addFault({ match: "/products.json", kind: "truncated" });
    const roaster = await addRoaster(testDb().db, server.url);
    const { pages } = await run(roaster);
    expect(pages).toHaveLength(1);
    expect(pages[0]!.error).toMatchObject({ code: "invalid_json" });
    expect(pages[0]!.error!.message).toMatch(/not valid JSON \(truncated\?\)/);
  });

  it("fails a page whose JSON has the wrong shape", async () => {
    const server = await store();
    server.addFault({ match: "/products.json", kind: "status", status: 200, body: JSON.stringify([{ id: 1 }]) });
    const roaster = await addRoaster(testDb().db, server.url);
    const { pages } = await run(roaster);
    expect(pages[0]!.error).toMatchObject({ retry: "permanent", code: "unexpected_shape" });
  });

  it("reports an invalid product and keeps the rest of the page", async () => {
    const server = await store();
    server.products[3] = { ...server.products[3], variants: "not a list" };
    delete (server.products[5] as Record<string, unknown>).title;
    server.changed();
    const roaster = await addRoaster(testDb().db, server.url);
    const { pages } = await run(roaster);
    expect(pages[0]!.products).toHaveLength(28);
    expect(pages[0]!.productErrors).toEqual([
      { productId: String(fixture[3]!.id), message: expect.stringMatching(/^invalid Shopify product: variants:/) },
      { productId: String(fixture[5]!.id), message: expect.stringMatching(/title/) },
    ]);
  });

  it("tolerates unknown fields", async () => {
    const server = await store();
    server.products[0] = { ...server.products[0], brand_new_field: { x: 1 } };
    server.changed();
    const roaster = await addRoaster(testDb().db, server.url);
    const { pages } = await run(roaster);
    expect(pages[0]!.productErrors).toEqual([]);
    expect((pages[0]!.products[0]!.raw as Record<string, unknown>).brand_new_field).toEqual({ x: 1 });
  });

  it("stops a throttled run at the page that was throttled", async () => {
    const server = await store({ products: 600 });
    server.addFault({ match: /page=2$/, kind: "status", status: 429, headers: { "retry-after": "3600" } });
    const roaster = await addRoaster(testDb().db, server.url);
    const { pages } = await run(roaster);
    expect(pages).toHaveLength(2);
    expect(pages[1]!.error).toMatchObject({ retry: "throttled", retryAfterMs: 3_600_000 });
    expect(server.requestsTo(/page=3$/)).toHaveLength(0);
  });

  it("stops before Shopify's 25,000 page × limit ceiling and says so", async () => {
    const server = await store();
    const tiny = Array.from({ length: 250 }, (_, i) => ({ id: i + 1, title: `P${i}`, variants: [{ id: i + 1, price: "1.00" }] }));
    server.addFault({ match: "/products.json", kind: "status", status: 200, body: JSON.stringify({ products: tiny }) });
    const roaster = await addRoaster(testDb().db, server.url);
    const { pages } = await run(roaster);
    expect(server.requestsTo("/products.json")).toHaveLength(100);
    expect(pages).toHaveLength(101);
    expect(pages[100]!.warnings?.[0]).toMatch(/25000 products/);
    expect(server.requestsTo(/page=101/)).toHaveLength(0);
  });
});
