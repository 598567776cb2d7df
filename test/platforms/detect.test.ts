import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { findRoaster } from "../../src/db/roasters.ts";
import { detectAndSavePlatform } from "../../src/platforms/detect.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { addRoaster, openSite, type TestSite } from "../helpers/fetch.ts";
import { startStoreServer, type StoreServer } from "../helpers/store-server.ts";

let testDb: TestDatabase;
const servers: StoreServer[] = [];
const sites: TestSite[] = [];

beforeAll(async () => {
  testDb = await createTestDatabase("pglite");
});
afterAll(async () => {
  await testDb.drop();
});
afterEach(async () => {
  await Promise.all(sites.splice(0).map((s) => s.client.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function detect(server: StoreServer) {
  const roaster = await addRoaster(testDb.db, server.url);
  const site = openSite(roaster, { db: testDb.db });
  sites.push(site);
  try {
    return { platform: await detectAndSavePlatform(testDb.db, site.site, roaster), roaster };
  } catch (err) {
    return { error: err as Error, roaster };
  }
}

async function sourcePlatform(roasterId: string) {
  const rows = await testDb.db.query<{ platform: string | null }>("SELECT platform FROM product_sources WHERE roaster_id = $1", [roasterId]);
  return rows[0]?.platform;
}

describe("platform detection", () => {
  it.each(["shopify", "woocommerce"] as const)("recognises a %s store and saves it on the roaster and its source", async (platform) => {
    const server = await startStoreServer({ platform });
    servers.push(server);
    const { platform: found, roaster } = await detect(server);
    expect(found).toBe(platform);
    expect((await findRoaster(testDb.db, roaster.slug))?.platform).toBe(platform);
    expect(await sourcePlatform(roaster.id)).toBe(platform);
    if (platform === "woocommerce") expect(server.requestsTo("/products.json")).toHaveLength(1); // Shopify asked first
  });

  it("fails permanently when the site is neither", async () => {
    const server = await startStoreServer({ platform: "shopify" });
    servers.push(server);
    server.addFault({ match: (r) => r.path !== "/robots.txt", kind: "html" });
    const { error, roaster } = await detect(server);
    expect(error).toMatchObject({ retry: "permanent", code: "platform_unknown" });
    expect((await findRoaster(testDb.db, roaster.slug))?.platform).toBeUndefined();
  });

  it("reports robots.txt when it kept every probe out", async () => {
    const server = await startStoreServer({ platform: "shopify", robotsTxt: "User-agent: *\nDisallow: /\n" });
    servers.push(server);
    const { error } = await detect(server);
    expect(error).toMatchObject({ retry: "permanent", code: "robots_disallowed" });
  });
});
