import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDeps } from "../../src/app/runtime.ts";
import type { Deps } from "../../src/app/deps.ts";
import { creditsUsed, monthOf } from "../../src/db/firecrawl-credits.ts";
import type { RunStats } from "../../src/pipeline/run-stats.ts";
import { replayRun } from "../../src/pipeline/replay.ts";
import { scrapeOnce } from "../../src/worker/scrape-once.ts";
import { testEngines, useTestDatabase } from "../helpers/database.ts";
import { startFirecrawl, type FirecrawlStandIn } from "../helpers/firecrawl-server.ts";
import { addRoaster } from "../helpers/fetch.ts";
import { startTestServer, type TestServer } from "../helpers/http.ts";
import { captureLogger } from "../helpers/logs.ts";
import { unpacedSettings } from "../helpers/settings.ts";
import { accessPolicy } from "../../src/dashboard/access.ts";
import { createDashboardApp } from "../../src/dashboard/app.ts";
import { openQueue } from "../../src/queue/open-queue.ts";
import { createMetrics } from "../../src/metrics/metrics.ts";
import { collectStatus, formatStatus } from "../../src/worker/status.ts";

// A store with neither a platform API nor schema.org data, read through a local stand-in of
// Firecrawl: detection falls to Firecrawl only for a roaster that allows it, every call is
// paid for from the roaster's monthly budget before it is made, a spent budget ends the run
// partial with the reason, and the key never reaches a log line.

const KEY = "fc-test-0123456789abcdef-secret";

const PRODUCTS = {
  "/collections/coffee/ethiopia-sidamo": {
    name: "Ethiopia Sidamo",
    category: "Single Origin Coffee",
    currency: "INR",
    variants: [
      { title: "250g / Whole Bean", sku: "SID-250", price: "650", available: true },
      { title: "500g / Whole Bean", sku: "SID-500", price: "1200", available: false },
    ],
  },
  "/collections/coffee/kaapi-blend": {
    name: "Kaapi Blend",
    currency: "INR",
    variants: [{ title: "Filter grind", size: "1 kg", sku: "KB-1K", price: "1,450.00", available: true }],
  },
  "/collections/coffee/mystery-lot": {
    name: "Mystery Lot",
    category: "Coffee",
    currency: "INR",
    // The page states no bag size: the variant is held back, never guessed.
    variants: [{ title: "Standard", sku: "ML-1", price: "700", available: true }],
  },
};

describe.each(testEngines())("a Firecrawl-only store on %s", (engine) => {
  const database = useTestDatabase(engine);
  let site: TestServer;
  let firecrawl: FirecrawlStandIn;
  let deps: Deps;
  let logs: ReturnType<typeof captureLogger>;
  let now = new Date("2026-05-10T12:00:00Z");

  beforeAll(async () => {
    // The store itself: no /products.json, no Store API, no sitemap — only HTML a script renders.
    site = await startTestServer((_req, res, url) => {
      res.writeHead(url.pathname === "/" ? 200 : 404, { "content-type": "text/html" });
      res.end("<html><body><div id=app></div><script src=/app.js></script></body></html>");
    });
    firecrawl = await startFirecrawl({ apiKey: KEY, site: site.url, products: PRODUCTS, otherPaths: ["/about", "/contact"] });
    logs = captureLogger("debug");
    const settings = unpacedSettings("cs-fc-", {
      HTTP_RETRIES: 0,
      HTTP_RETRY_BASE_MS: 10,
      FIRECRAWL_API_KEY: KEY,
      FIRECRAWL_BASE_URL: firecrawl.url,
    });
    deps = { ...createDeps(settings, database().db, logs.log), clock: { now: () => now } };
  });
  afterAll(async () => {
    await deps?.http.close();
    await site?.close();
    await firecrawl?.close();
  });

  it("without use_firecrawl_fallback the store is not found, and Firecrawl is never called", async () => {
    await addRoaster(database().db, site.url, { slug: "no-fallback", use_firecrawl_fallback: false, firecrawl_budget_limit: 100 });
    await expect(scrapeOnce({ deps, roaster: "no-fallback", type: "full_refresh" })).rejects.toMatchObject({ code: "platform_unknown" });
    expect(firecrawl.calls).toHaveLength(0);
  });

  it("is detected as Firecrawl, scraped into the users' tables with the right variants and prices, every credit counted first", async () => {
    await addRoaster(database().db, site.url, { slug: "spa-roasters", use_firecrawl_fallback: true, firecrawl_budget_limit: 100 });
    const summary = await scrapeOnce({ deps, roaster: "spa-roasters", type: "full_refresh" });
    const stats = summary.stats as unknown as RunStats;
    expect(summary.status).toBe("ok");
    expect([stats.platform, stats.read_via]).toEqual(["firecrawl", "firecrawl"]);
    // One map, then a scrape of each product page only (the map's /about and /contact are no product paths).
    expect(firecrawl.calls.map((c) => c.endpoint)).toEqual(["map", "scrape", "scrape", "scrape"]);
    expect(firecrawl.calls.every((c) => c.authorized)).toBe(true);
    expect(stats.firecrawl_calls).toBe(4);
    expect(stats.firecrawl_credits).toBe(16);
    const [roaster] = await database().db.query<{ id: string; platform: string; read_via: string }>(
      `SELECT r.id, r.platform::text AS platform, o.read_via FROM roasters r JOIN coffee_scraper.roaster_options o ON o.roaster_id = r.id WHERE r.slug = 'spa-roasters'`,
    );
    expect([roaster!.platform, roaster!.read_via]).toEqual(["custom", "firecrawl"]);
    expect(await creditsUsed(database().db, roaster!.id, monthOf(now))).toBe(firecrawl.billed());

    const rows = await database().db.query(
      `SELECT c.name, v.platform_variant_id, v.weight_g, v.grind::text AS grind, v.price_current::float AS price, v.currency, v.in_stock
         FROM coffees c JOIN variants v ON v.coffee_id = c.id JOIN roasters r ON r.id = c.roaster_id
        WHERE r.slug = 'spa-roasters' ORDER BY v.platform_variant_id`,
    );
    expect(rows).toEqual([
      { name: "Kaapi Blend", platform_variant_id: "KB-1K", weight_g: 1000, grind: "filter", price: 1450, currency: "INR", in_stock: true },
      { name: "Ethiopia Sidamo", platform_variant_id: "SID-250", weight_g: 250, grind: "whole", price: 650, currency: "INR", in_stock: true },
      { name: "Ethiopia Sidamo", platform_variant_id: "SID-500", weight_g: 500, grind: "whole", price: 1200, currency: "INR", in_stock: false },
    ]);
    expect(stats.variants_held).toBe(1);
    expect(stats.held_variants[0]).toMatchObject({ variant: "ML-1" });

    // Replayed from the stored Firecrawl answers: no call to Firecrawl, the same rows.
    const before = firecrawl.calls.length;
    const replay = await replayRun(summary.runId, deps);
    expect(replay.status).toBe("ok");
    expect((replay.stats as unknown as RunStats).variants_upserted).toBe(3);
    expect(firecrawl.calls.length).toBe(before);
  });

  it("a budget that runs out mid-run ends it partial with the reason; the month's credits never pass it", async () => {
    const roaster = await addRoaster(database().db, site.url, { slug: "small-budget", platform: "custom", use_firecrawl_fallback: true, firecrawl_budget_limit: 11 });
    await database().db.query(`UPDATE coffee_scraper.roaster_options SET read_via = 'firecrawl' WHERE roaster_id = $1`, [roaster.id]);
    const start = firecrawl.calls.length;
    const billedBefore = firecrawl.billed();
    const first = await scrapeOnce({ deps, roaster: "small-budget", type: "full_refresh" });
    const stats = first.stats as unknown as RunStats;
    expect(first.status).toBe("partial");
    expect(stats.stopped_early).toMatch(/Firecrawl budget reached: 11 of 11 credits used this month/);
    expect(stats.errors.some((e) => e.scope === "run" && /budget reached/.test(e.message))).toBe(true);
    expect(stats.coffees_upserted, JSON.stringify(stats)).toBe(2); // map (1) + two scrapes (10): the third (5 more) was never made
    expect(firecrawl.calls.length - start).toBe(3);
    expect(firecrawl.billed() - billedBefore).toBe(11);
    expect(stats.marked_unlisted).toBe(0);

    // The same month again: refused before any call.
    const again = await scrapeOnce({ deps, roaster: "small-budget", type: "full_refresh" });
    expect(again.status).toBe("partial");
    expect(firecrawl.calls.length - start).toBe(3);
    expect(await creditsUsed(database().db, roaster.id, monthOf(now))).toBe(11);

    // A new calendar month has a budget of its own.
    now = new Date("2026-06-01T00:05:00Z");
    await scrapeOnce({ deps, roaster: "small-budget", type: "full_refresh" });
    expect(firecrawl.calls.length - start).toBe(6);
    expect(await creditsUsed(database().db, roaster.id, "2026-06-01")).toBe(11);
    expect(await creditsUsed(database().db, roaster.id, "2026-05-01")).toBe(11);
  });

  it("honours a 429's Retry-After, and gives back the credits of the refused call", async () => {
    const roaster = await addRoaster(database().db, site.url, { slug: "rate-limited", platform: "custom", use_firecrawl_fallback: true, firecrawl_budget_limit: 100 });
    await database().db.query(`UPDATE coffee_scraper.roaster_options SET read_via = 'firecrawl' WHERE roaster_id = $1`, [roaster.id]);
    const billedBefore = firecrawl.billed();
    firecrawl.rateLimit(1, 1);
    const started = Date.now();
    const summary = await scrapeOnce({ deps, roaster: "rate-limited", type: "full_refresh" });
    expect(summary.status).toBe("ok");
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(firecrawl.calls.filter((c) => c.status === 429)).toHaveLength(1);
    expect(await creditsUsed(database().db, roaster.id, monthOf(now))).toBe(firecrawl.billed() - billedBefore);
  });

  it("the Firecrawl key never appears in a log line, a run's stats or an error", async () => {
    const everything = JSON.stringify(logs.lines) + JSON.stringify(await database().db.query(`SELECT stats_json FROM scrape_runs`));
    expect(logs.lines.length).toBeGreaterThan(5);
    expect(everything).not.toContain(KEY);
    // A refused key is reported without itself.
    const wrong = { ...deps, settings: { ...deps.settings, FIRECRAWL_API_KEY: "fc-wrong-key-value-42" } };
    const summary = await scrapeOnce({ deps: wrong, roaster: "rate-limited", type: "full_refresh" }).catch((err: Error) => err);
    const text = JSON.stringify(summary) + JSON.stringify(logs.lines);
    expect(text).toMatch(/FIRECRAWL_API_KEY was refused/);
    expect(text).not.toContain(KEY);
  });

  it("status and the dashboard show the platform, how the products are read, and the credits used against the budget this month", async () => {
    now = new Date(); // status and the dashboard count the database's current month
    const summary = await scrapeOnce({ deps, roaster: "spa-roasters", type: "full_refresh" });
    const credits = (summary.stats as unknown as RunStats).firecrawl_credits;
    expect(credits).toBe(16);
    const queue = await openQueue({ ...deps.settings, REDIS_URL: undefined }, logs.log);
    try {
      const status = await collectStatus({ db: database().db, queue });
      const spa = status.roasters.find((r) => r.roaster === "spa-roasters")!;
      expect(spa.reading).toEqual({ platform: "custom", read_via: "firecrawl", use_firecrawl_fallback: true, firecrawl_budget_limit: 100, firecrawl_used: 16 });
      expect(formatStatus(status)).toMatch(/spa-roasters.*\n\s+custom, read via Firecrawl; Firecrawl 16 of 100 credits this month/);
      const dashboard = await createDashboardApp({ ...deps, queue, metrics: createMetrics() }, accessPolicy(deps.settings));
      try {
        const page = await (await dashboard.app.request("http://127.0.0.1/roasters/spa-roasters", { headers: { host: "127.0.0.1" } })).text();
        expect(page).toContain("custom, read via Firecrawl");
        expect(page).toMatch(/data-firecrawl-used="16">16 of 100 credits used/);
        const overview = await (await dashboard.app.request("http://127.0.0.1/", { headers: { host: "127.0.0.1" } })).text();
        expect(overview).toContain("custom, read via Firecrawl");
      } finally {
        await dashboard.close();
      }
    } finally {
      await queue.close();
    }
  });
});

