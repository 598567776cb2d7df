import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Deps } from "../../src/app/deps.ts";
import { createDeps } from "../../src/app/runtime.ts";
import { startDashboard, type Dashboard } from "../../src/dashboard/server.ts";
import type { RunStats } from "../../src/pipeline/run-stats.ts";
import { openQueue } from "../../src/queue/open-queue.ts";
import type { QueueBackend } from "../../src/queue/backend.ts";
import { collectStatus, formatStatus } from "../../src/worker/status.ts";
import { scrapeOnce } from "../../src/worker/scrape-once.ts";
import { testEngines, useTestDatabase } from "../helpers/database.ts";
import { addRoaster } from "../helpers/fetch.ts";
import { captureLogger } from "../helpers/logs.ts";
import { unpacedSettings } from "../helpers/settings.ts";
import { startStoreServer, type StoreServer } from "../helpers/store-server.ts";

// A store that states no bag sizes (the WooCommerce fixture): its variants cannot be rows of
// the users' `variants` (weight_g NOT NULL) and are never written as 0 or a guess. They are
// held back — named in the run's stats, shown by `status` and on the roaster's dashboard page.

describe.each(testEngines())("variants held back on %s", (engine) => {
  const database = useTestDatabase(engine);
  let store: StoreServer;
  let deps: Deps;
  let queue: QueueBackend;
  let dashboard: Dashboard;
  let stats: RunStats;

  beforeAll(async () => {
    const settings = unpacedSettings("cs-held-", {
      DASHBOARD_PORT: 0,
    });
    const { log } = captureLogger();
    store = await startStoreServer({ platform: "woocommerce" });
    deps = createDeps(settings, database().db, log);
    await addRoaster(database().db, store.url, { slug: "sizeless", platform: "woocommerce" });
    const summary = await scrapeOnce({ deps, roaster: "sizeless", type: "full_refresh" });
    stats = summary.stats as unknown as RunStats;
    queue = await openQueue({ ...settings, REDIS_URL: undefined }, log);
    dashboard = await startDashboard({ settings, db: database().db, queue, log, clock: deps.clock, artifacts: deps.artifacts });
  });
  afterAll(async () => {
    await dashboard?.close();
    await queue?.close();
    await deps?.http.close();
    await store?.close();
  });

  it("writes none of them as variants and names each in the run's stats", async () => {
    expect(stats.variants_held).toBeGreaterThan(0);
    expect(stats.variants_upserted).toBe(0);
    expect(stats.held_variants[0]).toMatchObject({ reason: "bag size unknown", kept_stored_row: false });
    const [rows] = await database().db.query<{ variants: number; held: number }>(
      `SELECT (SELECT count(*)::int FROM variants) AS variants, (SELECT count(*)::int FROM coffee_scraper.held_variants) AS held`,
    );
    expect(rows).toEqual({ variants: 0, held: stats.variants_held });
  });

  it("status counts them per roaster, with the reason and an example", async () => {
    const status = await collectStatus({ db: database().db, queue });
    const roaster = status.roasters.find((r) => r.roaster === "sizeless")!;
    expect(roaster.held.count).toBe(stats.variants_held);
    expect(roaster.held.reasons).toEqual({ "bag size unknown": stats.variants_held });
    expect(formatStatus(status)).toMatch(new RegExp(`${stats.variants_held} variant\\(s\\) held back \\(bag size unknown: ${stats.variants_held}\\), e\\.g\\. `));
  });

  it("the roaster's dashboard page lists them, and the overview counts them", async () => {
    const page = await (await fetch(`${dashboard.url}/roasters/sizeless`)).text();
    expect(page).toContain(`${stats.variants_held} variant(s) not written`);
    const listed = page.match(/data-held-variant="/g) ?? [];
    expect(listed.length).toBe(Math.min(100, stats.variants_held));
    const overview = await (await fetch(`${dashboard.url}/`)).text();
    expect(overview).toMatch(new RegExp(`<div class="n">${stats.variants_held.toLocaleString("en-US")}</div><div class="l">variants held back`));
  });
});
