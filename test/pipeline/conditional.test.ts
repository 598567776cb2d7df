import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Deps } from "../../src/app/deps.ts";
import { createDeps } from "../../src/app/runtime.ts";
import type { RunStats } from "../../src/pipeline/run-stats.ts";
import { scrapeOnce } from "../../src/worker/scrape-once.ts";
import { useTestDatabase } from "../helpers/database.ts";
import { addRoaster } from "../helpers/fetch.ts";
import { captureLogger } from "../helpers/logs.ts";
import { testSettings } from "../helpers/settings.ts";
import { startStoreServer, type StoreServer } from "../helpers/store-server.ts";

// Conditional requests save bandwidth, but a 304 must never hide a change the database has
// not taken in: validators are saved after a page is persisted, and a full refresh only
// trusts validators of bodies a full refresh applied.
describe("conditional requests across full and price-only runs", () => {
  const database = useTestDatabase("pglite");
  let store: StoreServer;
  let deps: Deps;
  const run = async (type: "full_refresh" | "price_only") =>
    (await scrapeOnce({ deps, roaster: "etag-store", type })).stats as unknown as RunStats;
  const description = async (productId: string) =>
    (await database().db.query<{ d: string }>("SELECT description_md AS d FROM coffees WHERE platform_product_id = $1", [productId]))[0]!.d;

  beforeAll(async () => {
    store = await startStoreServer({ platform: "shopify" });
    const settings = testSettings({ HTTP_DELAY_MS: 0, HTTP_JITTER_MS: 0, HTTP_RETRIES: 0, DATA_DIR: mkdtempSync(path.join(tmpdir(), "cs-cond-")) });
    deps = createDeps(settings, database().db, captureLogger().log);
    await addRoaster(database().db, store.url, { slug: "etag-store", platform: "shopify", currency: "INR" });
  });
  afterAll(async () => {
    await deps?.http.close();
    await store?.close();
  });

  it("an unchanged store answers 304 to every page sent with validators, reported as not modified", async () => {
    const first = await run("full_refresh");
    expect(first.pages).toBeGreaterThan(0);
    expect(first.not_modified_pages).toBe(0);
    // Page 1's validators are remembered for its URL and, in their columns, on the roaster.
    const [remembered] = await database().db.query<{ page_etag: string | null; roaster_etag: string | null }>(
      `SELECT v.etag AS page_etag, r.last_etag AS roaster_etag FROM roasters r
         JOIN coffee_scraper.http_validators v ON v.roaster_id = r.id AND v.url LIKE '%page=1'
        WHERE r.slug = 'etag-store'`,
    );
    expect(remembered!.page_etag).toMatch(/^(W\/)?"/);
    expect(remembered!.roaster_etag).toBe(remembered!.page_etag);
    const second = await run("full_refresh");
    const conditional = store.requests.filter((r) => r.path.startsWith("/products.json") && r.headers["if-none-match"]);
    expect(conditional.length).toBeGreaterThan(0);
    expect(conditional.every((r) => r.status === 304)).toBe(true);
    expect(second.not_modified_pages).toBe(conditional.length);
    expect(second.coffees_upserted).toBe(0);
    expect(second.marked_unlisted).toBe(0);
    const [gone] = await database().db.query<{ n: number }>("SELECT count(*)::int AS n FROM coffees WHERE status <> 'active'");
    expect(gone!.n).toBe(0);
  });

  it("after a price-only run applied a changed page, the next full refresh fetches it in full", async () => {
    const coffee = store.products.find((p) => /estate/i.test(String(p.title)))!;
    const id = String(coffee.id);
    coffee.body_html = "<p>Now with notes of <strong>jaggery</strong>.</p>";
    const variant = (coffee.variants as Record<string, unknown>[])[0]!;
    variant.price = String(Number(variant.price) + 50);
    store.changed();

    const price = await run("price_only");
    expect(price.not_modified_pages).toBe(0);
    expect(price.prices_inserted).toBe(1);
    expect(await description(id)).not.toContain("jaggery");

    const full = await run("full_refresh");
    expect(full.not_modified_pages).toBe(0);
    expect(await description(id)).toContain("jaggery");
  });

  it("a page's validators are remembered by the statement that writes the page: when one fails, neither happens", async () => {
    const { db } = database();
    const other = await startStoreServer({ platform: "shopify", products: 30 });
    try {
      await addRoaster(db, other.url, { slug: "atomic-store", platform: "shopify", currency: "INR" });
      const coffees = async () =>
        (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM coffees c JOIN roasters r ON r.id = c.roaster_id WHERE r.slug = 'atomic-store'"))[0]!.n;
      const validators = async () =>
        (await db.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM coffee_scraper.http_validators v JOIN roasters r ON r.id = v.roaster_id WHERE r.slug = 'atomic-store'",
        ))[0]!.n;
      // Remembering the page's validators fails: the page's write goes with it.
      await db.query("ALTER TABLE coffee_scraper.http_validators ADD CONSTRAINT test_refuses_etags CHECK (etag IS NULL) NOT VALID");
      await expect(scrapeOnce({ deps, roaster: "atomic-store", type: "full_refresh" })).rejects.toThrow(/test_refuses_etags/);
      expect(await coffees()).toBe(0);
      expect(await validators()).toBe(0);
      await db.query("ALTER TABLE coffee_scraper.http_validators DROP CONSTRAINT test_refuses_etags");
      // Nothing was remembered, so nothing is answered 304: the page is read and written in full.
      const again = (await scrapeOnce({ deps, roaster: "atomic-store", type: "full_refresh" })).stats as unknown as RunStats;
      expect(again.not_modified_pages).toBe(0);
      expect(await coffees()).toBeGreaterThan(0);
      expect(await validators()).toBeGreaterThan(0);
    } finally {
      await other.close();
    }
  });
});
