import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDeps } from "../../src/app/runtime.ts";
import type { Deps } from "../../src/app/deps.ts";
import type { Database } from "../../src/db/database.ts";
import { replayRun } from "../../src/pipeline/replay.ts";
import type { RunStats } from "../../src/pipeline/run-stats.ts";
import { scrapeOnce } from "../../src/worker/scrape-once.ts";
import { deleteCoffees, testEngines, useTestDatabase } from "../helpers/database.ts";
import { addRoaster } from "../helpers/fetch.ts";
import { captureLogger } from "../helpers/logs.ts";
import { testSettings } from "../helpers/settings.ts";
import { startStoreServer, type StoreServer } from "../helpers/store-server.ts";

const settings = () =>
  testSettings({ HTTP_DELAY_MS: 0, HTTP_JITTER_MS: 0, HTTP_RETRIES: 0, DATA_DIR: mkdtempSync(path.join(tmpdir(), "cs-pipe-")) });


/** The roaster's first full refresh that ended ok and kept its pages. */
async function firstStoredFullRun(db: Database, slug: string) {
  const [run] = await db.query<{ id: string }>(
    `SELECT r.id FROM coffee_scraper.runs r JOIN product_sources s ON s.id = r.source_id JOIN roasters ro ON ro.id = s.roaster_id
      WHERE ro.slug = $1 AND r.job_type = 'full_refresh' AND r.status = 'ok'
        AND EXISTS (SELECT 1 FROM scrape_artifacts a WHERE a.run_id = r.id)
      ORDER BY r.started_at LIMIT 1`,
    [slug],
  );
  return run;
}

/**
 * Everything a run writes that a user would look at, in a stable order. (Not updated_at:
 * the users' trigger moves it on every write through their functions.)
 */
async function snapshot(db: Database, slug: string) {
  return db.query(
    `SELECT c.platform_product_id, c.name, c.status, c.roast_level, c.process,
            v.platform_variant_id, v.weight_g, v.grind, v.pack_count, v.currency, v.price_current, v.in_stock,
            (SELECT count(*)::int FROM prices p WHERE p.variant_id = v.id) AS price_rows
       FROM coffees c JOIN roasters r ON r.id = c.roaster_id LEFT JOIN variants v ON v.coffee_id = c.id
      WHERE r.slug = $1 ORDER BY c.platform_product_id, v.platform_variant_id`,
    [slug],
  );
}

describe.each(testEngines())("ingest pipeline on %s", (engine) => {
  const database = useTestDatabase(engine);
  let shopify: StoreServer;
  let woo: StoreServer;
  let deps: Deps;
  beforeAll(async () => {
    shopify = await startStoreServer({ platform: "shopify" });
    woo = await startStoreServer({ platform: "woocommerce" });
    deps = createDeps(settings(), database().db, captureLogger().log);
    await addRoaster(database().db, shopify.url, { slug: "blue-tokai", platform: "shopify" });
    await addRoaster(database().db, woo.url, { slug: "babas-beans", platform: "woocommerce", alert_price_delta_pct: 5 });
  });
  afterAll(async () => {
    await deps?.http.close();
    await shopify?.close();
    await woo?.close();
  });

  it("reads the Shopify fixture store into coffees, variants and prices in INR, leaving out non-coffee", async () => {
    const summary = await scrapeOnce({ deps, roaster: "blue-tokai", type: "full_refresh" });
    expect(summary.status).toBe("ok");
    const stats = summary.stats as unknown as RunStats;
    expect(stats.products_seen).toBe(30);
    expect(stats.coffees_upserted + stats.non_coffee_skipped).toBe(30);
    expect(stats.non_coffee_skipped).toBeGreaterThan(0);
    expect(stats.prices_inserted).toBe(stats.variants_upserted);
    expect(stats.db_round_trips).toBeLessThanOrEqual(3 * stats.pages);
    const rows = await database().db.query<{ name: string; currency: string; price_current: number }>(
      `SELECT c.name, v.currency, v.price_current FROM coffees c JOIN variants v ON v.coffee_id = c.id
        JOIN roasters r ON r.id = c.roaster_id WHERE r.slug = 'blue-tokai'`,
    );
    expect(rows.length).toBe(stats.variants_upserted);
    expect(new Set(rows.map((r) => r.currency))).toEqual(new Set(["INR"]));
    expect(rows.every((r) => r.price_current > 0)).toBe(true);
    const names = rows.map((r) => r.name.toLowerCase());
    expect(names.some((n) => /hamper|gift box|grinder|dripper|french press|mug|subscription/.test(n))).toBe(false);
    const [run] = await database().db.query<{ status: string; artifacts: number; finished: boolean }>(
      `SELECT r.status, (SELECT count(*)::int FROM scrape_artifacts a WHERE a.run_id = r.id) AS artifacts,
              r.finished_at IS NOT NULL AS finished FROM coffee_scraper.runs r WHERE r.id = $1`,
      [summary.runId],
    );
    expect(run).toEqual({ status: "ok", artifacts: stats.artifacts, finished: true });
    expect(stats.artifacts).toBeGreaterThan(0);
  });

  it("a second full refresh over the unchanged store inserts no price rows and changes nothing", async () => {
    const lastWrite = () =>
      database().db.query(
        `SELECT max(c.updated_at) AS coffees, max(v.updated_at) AS variants FROM coffees c
           JOIN roasters r ON r.id = c.roaster_id LEFT JOIN variants v ON v.coffee_id = c.id WHERE r.slug = 'blue-tokai'`,
      );
    const before = await snapshot(database().db, "blue-tokai");
    const writtenBefore = await lastWrite();
    const summary = await scrapeOnce({ deps, roaster: "blue-tokai", type: "full_refresh" });
    expect(["ok"]).toContain(summary.status);
    expect((summary.stats as unknown as RunStats).prices_inserted).toBe(0);
    expect(await snapshot(database().db, "blue-tokai")).toEqual(before);
    expect(await lastWrite()).toEqual(writtenBefore);
  });

  it("one changed price → a price-only run inserts exactly one price row and one alert", async () => {
    const { db } = database();
    // The Woo fixture states no bag sizes, so its variants are held back; one simple coffee
    // says its size in its name, as many stores do.
    const sized = woo.products.find((p) => p.name === "SOUTH INDIAN FILTER COFFEE")!;
    sized.name = `${String(sized.name)} 250g`;
    woo.changed();
    await scrapeOnce({ deps, roaster: "babas-beans", type: "full_refresh" });
    const pricesBefore = (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM prices"))[0]!.n;
    const alertsBefore = (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM coffee_scraper.price_alerts"))[0]!.n;
    // Raise one simple coffee's price by 20% (threshold 5%).
    const coffeeIds = new Set(
      (await db.query<{ id: string }>("SELECT platform_product_id AS id FROM coffees")).map((r) => r.id),
    );
    const simple = woo.products.find((p) => p === sized && coffeeIds.has(String(p.id)))!;
    expect(simple).toBeDefined();
    const prices = simple.prices as Record<string, string>;
    const raised = String(Math.round(Number(prices.price) * 1.2));
    prices.price = raised;
    prices.regular_price = raised;
    woo.changed();
    const summary = await scrapeOnce({ deps, roaster: "babas-beans", type: "price_only" });
    const stats = summary.stats as unknown as RunStats;
    expect(stats.prices_inserted).toBe(1);
    expect(stats.price_alerts).toBe(1);
    expect(stats.coffees_upserted).toBe(0);
    expect((await db.query<{ n: number }>("SELECT count(*)::int AS n FROM prices"))[0]!.n).toBe(pricesBefore + 1);
    const alerts = await db.query<{ new_price: number; old_price: number }>(
      "SELECT new_price, old_price FROM coffee_scraper.price_alerts ORDER BY created_at DESC LIMIT 1",
    );
    expect((await db.query<{ n: number }>("SELECT count(*)::int AS n FROM coffee_scraper.price_alerts"))[0]!.n).toBe(alertsBefore + 1);
    expect(alerts[0]!.new_price).toBeCloseTo(Number(raised) / 100, 2);
  });

  it("replay of a run reproduces the same database rows without the network", async () => {
    const { db } = database();
    const last = await firstStoredFullRun(db, "blue-tokai");
    const before = await snapshot(db, "blue-tokai");
    const requestsBefore = shopify.requests.length;
    const replay = await replayRun(last!.id, deps);
    expect(replay.status).toBe("ok");
    expect(shopify.requests.length).toBe(requestsBefore);
    expect(await snapshot(db, "blue-tokai")).toEqual(before);
    // A fresh database rebuilt from the artifacts alone matches too.
    await deleteCoffees(db, "blue-tokai");
    await replayRun(last!.id, deps);
    expect(await snapshot(db, "blue-tokai")).toEqual(before.map((r) => ({ ...r, price_rows: 1 })));
  });

  it("replays a run whose stored stats are not as written (another tool's, a hand edit) by what it can read of them", async () => {
    const { db } = database();
    const run = await firstStoredFullRun(db, "blue-tokai");
    await db.query(
      `UPDATE scrape_runs SET stats_json = stats_json || '{"platform": ["shopify"], "job_type": 42, "currency": {"code": "INR"}, "stopped_early": 7}'::jsonb
        WHERE id = $1`,
      [run!.id],
    );
    const before = await snapshot(db, "blue-tokai");
    const replay = await replayRun(run!.id, deps);
    expect(replay.status).toBe("ok");
    expect(await snapshot(db, "blue-tokai")).toEqual(before);
    const [replayed] = await db.query<{ job_type: string }>("SELECT job_type::text AS job_type FROM coffee_scraper.runs WHERE id = $1", [replay.runId]);
    expect(replayed!.job_type).toBe("full_refresh");
  });
});
