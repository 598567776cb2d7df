import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDeps } from "../../src/app/runtime.ts";
import type { Deps } from "../../src/app/deps.ts";
import type { RunStats } from "../../src/pipeline/run-stats.ts";
import { scrapeOnce } from "../../src/worker/scrape-once.ts";
import { POSTGRES_URL, useTestDatabase } from "../helpers/database.ts";
import { addRoaster } from "../helpers/fetch.ts";
import { squarespacePage, startJsonLdSite, type JsonLdSite, type SiteProduct } from "../helpers/jsonld-site.ts";
import { captureLogger } from "../helpers/logs.ts";
import { testSettings } from "../helpers/settings.ts";

// A sitemap of 5,000 product pages, of which 10 change between two full runs: the second run
// fetches those 10 and no other product page, marks nothing as gone, and a sweep (due after
// SITEMAP_FULL_SWEEP_DAYS) reads them all again. One engine: the write path is the same on both.

const N = 5000;
const pathOf = (i: number) => `/shop/p/coffee-${i}`;

function product(i: number, price: string, lastmod: string): SiteProduct {
  return {
    path: pathOf(i),
    lastmod,
    html: squarespacePage({ path: pathOf(i), name: `Estate Coffee No. ${i}`, offers: [{ name: "250g", sku: `C${i}`, price, currency: "EUR" }] }),
  };
}

describe(`a ${N}-page sitemap store, read incrementally`, () => {
  const database = useTestDatabase(POSTGRES_URL ? "postgres" : "pglite");
  let site: JsonLdSite;
  let deps: Deps;
  let now = new Date("2026-05-01T03:00:00Z");

  beforeAll(async () => {
    site = await startJsonLdSite({ products: Array.from({ length: N }, (_, i) => product(i, "10.00", "2026-04-01T00:00:00Z")) });
    const settings = testSettings({ HTTP_DELAY_MS: 0, HTTP_JITTER_MS: 0, HTTP_RETRIES: 0, DATA_DIR: mkdtempSync(path.join(tmpdir(), "cs-inc-")) });
    deps = { ...createDeps(settings, database().db, captureLogger().log), clock: { now: () => now } };
    await addRoaster(database().db, site.url, { slug: "big-sitemap", platform: "custom", default_concurrency: 10 });
  });
  afterAll(async () => {
    await deps?.http.close();
    await site?.close();
  });

  it("the first full run is a sweep: every product page is read", async () => {
    const summary = await scrapeOnce({ deps, roaster: "big-sitemap", type: "full_refresh" });
    const stats = summary.stats as unknown as RunStats;
    expect(summary.status).toBe("ok");
    expect(stats.sitemap_sweep).toBe(true);
    expect(stats.coffees_upserted).toBe(N);
    expect(site.productRequests()).toHaveLength(N);
  }, 240_000);

  it("the next full run fetches only the 10 pages whose lastmod changed, and marks nothing as gone", async () => {
    const changed = [3, 77, 512, 999, 1500, 2048, 3001, 4096, 4500, 4999];
    for (const i of changed) site.products.set(pathOf(i), product(i, "11.00", "2026-05-02T00:00:00Z"));
    site.requests.length = 0;
    now = new Date("2026-05-03T03:00:00Z");
    const summary = await scrapeOnce({ deps, roaster: "big-sitemap", type: "full_refresh" });
    const stats = summary.stats as unknown as RunStats;
    expect(summary.status).toBe("ok");
    expect(stats.sitemap_sweep).toBe(false);
    expect(site.productRequests().map((r) => r.path).sort()).toEqual(changed.map(pathOf).sort());
    expect(stats.not_modified_pages).toBe(N - changed.length);
    expect(stats.marked_unlisted).toBe(0);
    expect(stats.prices_inserted).toBe(changed.length);
    const [counts] = await database().db.query<{ active: number; at11: number }>(
      `SELECT count(*) FILTER (WHERE c.status = 'active')::int AS active,
              count(*) FILTER (WHERE v.price_current = 11)::int AS at11
         FROM coffees c JOIN variants v ON v.coffee_id = c.id JOIN roasters r ON r.id = c.roaster_id WHERE r.slug = 'big-sitemap'`,
    );
    expect(counts).toEqual({ active: N, at11: changed.length });
  }, 120_000);

  it("a page that failed is not remembered: it is read again next time", async () => {
    site.products.set(pathOf(5), { ...product(5, "12.00", "2026-05-04T00:00:00Z"), status: 503 });
    now = new Date("2026-05-04T03:00:00Z");
    site.requests.length = 0;
    const failed = await scrapeOnce({ deps, roaster: "big-sitemap", type: "full_refresh" });
    expect(failed.status).toBe("partial");
    site.products.set(pathOf(5), product(5, "12.00", "2026-05-04T00:00:00Z"));
    site.requests.length = 0;
    now = new Date("2026-05-05T03:00:00Z");
    const again = await scrapeOnce({ deps, roaster: "big-sitemap", type: "full_refresh" });
    expect(again.status).toBe("ok");
    expect(site.productRequests().map((r) => r.path)).toEqual([pathOf(5)]);
  }, 120_000);

  it("once SITEMAP_FULL_SWEEP_DAYS have passed since the last sweep, a full run reads every page again", async () => {
    site.requests.length = 0;
    now = new Date("2026-05-08T03:00:00Z"); // 7 days after the first run's sweep
    const summary = await scrapeOnce({ deps, roaster: "big-sitemap", type: "full_refresh" });
    expect((summary.stats as unknown as RunStats).sitemap_sweep).toBe(true);
    expect(site.productRequests()).toHaveLength(N);
  }, 240_000);
});
