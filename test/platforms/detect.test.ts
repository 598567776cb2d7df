import { afterEach, describe, expect, it } from "vitest";
import type { Roaster } from "../../src/config/roaster.ts";
import { findRoaster, savePlatform } from "../../src/db/roasters.ts";
import type { PoliteFetcher } from "../../src/platforms/adapter.ts";
import { choosePlatform } from "../../src/platforms/detect.ts";
import { useTestDatabase } from "../helpers/database.ts";
import { addRoaster, openSite, type TestSite } from "../helpers/fetch.ts";
import { startStoreServer, type StoreServer } from "../helpers/store-server.ts";
import { startJsonLdSite, woocommercePage } from "../helpers/jsonld-site.ts";

const testDb = useTestDatabase("pglite");
const servers: { close(): Promise<void> }[] = [];
const sites: TestSite[] = [];

afterEach(async () => {
  await Promise.all(sites.splice(0).map((s) => s.client.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** Detection as the pipeline does it: choose the platform, then record it. */
async function detectAndSavePlatform(site: PoliteFetcher, roaster: Roaster) {
  const platform = await choosePlatform(site, roaster);
  await savePlatform(testDb().db, roaster.id, platform);
  return platform;
}

async function detect(server: StoreServer) {
  const roaster = await addRoaster(testDb().db, server.url);
  const site = openSite(roaster, { db: testDb().db });
  sites.push(site);
  try {
    return { platform: await detectAndSavePlatform(site.site, roaster), roaster };
  } catch (err) {
    return { error: err as Error, roaster };
  }
}

async function sourcePlatform(roasterId: string) {
  const rows = await testDb().db.query<{ platform: string | null }>("SELECT platform FROM product_sources WHERE roaster_id = $1", [roasterId]);
  return rows[0]?.platform;
}

describe("platform detection", () => {
  it.each(["shopify", "woocommerce"] as const)("recognises a %s store and saves it on the roaster and its source", async (platform) => {
    const server = await startStoreServer({ platform });
    servers.push(server);
    const { platform: found, roaster } = await detect(server);
    expect(found).toBe(platform);
    expect((await findRoaster(testDb().db, roaster.slug))?.platform).toBe(platform);
    expect(await sourcePlatform(roaster.id)).toBe(platform);
    if (platform === "woocommerce") expect(server.requestsTo("/products.json")).toHaveLength(1); // Shopify asked first
  });

  it("fails permanently when the site is neither", async () => {
    const server = await startStoreServer({ platform: "shopify" });
    servers.push(server);
    server.addFault({ match: (r) => r.path !== "/robots.txt", kind: "html" });
    const { error, roaster } = await detect(server);
    expect(error).toMatchObject({ retry: "permanent", code: "platform_unknown" });
    expect((await findRoaster(testDb().db, roaster.slug))?.platform).toBeUndefined();
  });

  it("reports robots.txt when it kept every probe out", async () => {
    const server = await startStoreServer({ platform: "shopify", robotsTxt: "User-agent: *\nDisallow: /\n" });
    servers.push(server);
    const { error } = await detect(server);
    expect(error).toMatchObject({ retry: "permanent", code: "robots_disallowed" });
  });
});

describe("detection of stores without a platform API", () => {
  const readVia = async (roasterId: string) =>
    (await testDb().db.query<{ read_via: string | null }>("SELECT read_via FROM coffee_scraper.roaster_options WHERE roaster_id = $1", [roasterId]))[0]?.read_via;

  it("tries Shopify, then WooCommerce, then the sitemaps' product pages; a JSON-LD store is `custom`, read via jsonld", async () => {
    // A WooCommerce shop with its Store API shut: only /sitemap.xml (robots.txt names none).
    const site = await startJsonLdSite({
      robotsSitemap: false,
      products: [{ path: "/product/attikan/", html: woocommercePage({ path: "/product/attikan/", name: "Attikan 250g", sku: "A1", price: "450", currency: "INR" }) }],
    });
    servers.push(site);
    const roaster = await addRoaster(testDb().db, site.url);
    const client = openSite(roaster, { db: testDb().db });
    sites.push(client);
    expect(await detectAndSavePlatform(client.site, roaster)).toBe("jsonld");
    const paths = site.requests.map((r) => r.path.replace(/\?.*$/, ""));
    expect(paths.indexOf("/products.json")).toBeLessThan(paths.indexOf("/wp-json/wc/store/v1/products"));
    expect(paths.indexOf("/wp-json/wc/store/v1/products")).toBeLessThan(paths.indexOf("/sitemap.xml"));
    expect((await findRoaster(testDb().db, roaster.slug))?.platform).toBe("custom");
    expect(await sourcePlatform(roaster.id)).toBe("custom");
    expect(await readVia(roaster.id)).toBe("jsonld");
  });

  it("a sitemap whose pages carry no product data is no JSON-LD store: Firecrawl only when the roaster allows it", async () => {
    const site = await startJsonLdSite({ products: [{ path: "/shop/p/x", html: "<html><body>Buy X</body></html>" }] });
    servers.push(site);
    const refused = await addRoaster(testDb().db, site.url);
    const client = openSite(refused, { db: testDb().db });
    sites.push(client);
    await expect(detectAndSavePlatform(client.site, refused)).rejects.toMatchObject({ code: "platform_unknown", retry: "permanent" });
    const allowed = await addRoaster(testDb().db, site.url, { use_firecrawl_fallback: true });
    expect(await detectAndSavePlatform(client.site, allowed)).toBe("firecrawl");
    expect(await readVia(allowed.id)).toBe("firecrawl");
    expect((await findRoaster(testDb().db, allowed.slug))?.platform).toBe("custom");
  });

  it("a Shopify store is still Shopify, though its product pages carry JSON-LD too", async () => {
    const server = await startStoreServer({ platform: "shopify" });
    servers.push(server);
    const { platform } = await detect(server);
    expect(platform).toBe("shopify");
    expect(server.requestsTo("/sitemap")).toHaveLength(0);
  });
});
