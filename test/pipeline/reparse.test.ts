// reparse: stored rows brought up to date from the newest complete full run's raw pages,
// with no request to the store, under the roaster's lease.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Deps } from "../../src/app/deps.ts";
import { createDeps } from "../../src/app/runtime.ts";
import type { Database } from "../../src/db/database.ts";
import { newestCompleteFullRun } from "../../src/db/runs.ts";
import { reparseRoasters, UnknownRoasterError } from "../../src/pipeline/reparse.ts";
import type { RunStats } from "../../src/pipeline/run-stats.ts";
import { releaseLease, tryAcquireLease } from "../../src/db/leases.ts";
import { scrapeOnce } from "../../src/worker/scrape-once.ts";
import { runCli } from "../helpers/cli.ts";
import { testEngines, useTestDatabase } from "../helpers/database.ts";
import { addRoaster } from "../helpers/fetch.ts";
import { captureLogger } from "../helpers/logs.ts";
import { testSettings } from "../helpers/settings.ts";
import { startStoreServer, type StoreServer } from "../helpers/store-server.ts";

const variantsOf = (db: Database, slug: string) =>
  db.query<{ id: string; weight_g: number | null; grind: string | null }>(
    `SELECT v.platform_variant_id AS id, v.weight_g, v.grind::text AS grind FROM public.variants v
       JOIN public.coffees c ON c.id = v.coffee_id JOIN public.roasters r ON r.id = c.roaster_id
      WHERE r.slug = $1 ORDER BY v.platform_variant_id`,
    [slug],
  );

describe.each(testEngines())("reparse on %s", (engine) => {
  const database = useTestDatabase(engine);
  let store: StoreServer;
  let deps: Deps;
  let firstRun: string;
  let roasterId: string;
  beforeAll(async () => {
    store = await startStoreServer({ platform: "shopify" });
    const settings = testSettings({ HTTP_DELAY_MS: 0, HTTP_JITTER_MS: 0, DATA_DIR: mkdtempSync(path.join(tmpdir(), "cs-reparse-")) });
    deps = createDeps(settings, database().db, captureLogger().log);
    roasterId = (await addRoaster(database().db, store.url, { slug: "blue-tokai", platform: "shopify" })).id;
    await addRoaster(database().db, "https://never-scraped.example", { slug: "never-scraped", platform: "shopify" });
    const summary = await scrapeOnce({ deps, roaster: "blue-tokai", type: "full_refresh" });
    expect(summary.status).toBe("ok");
    firstRun = summary.runId;
  });
  afterAll(async () => {
    await deps?.http.close();
    await store?.close();
  });

  it("rewrites what an older parser stored, from the stored pages, without a request", async () => {
    const { db } = database();
    const right = await variantsOf(db, "blue-tokai");
    expect(right.filter((v) => v.grind === "aeropress").length).toBeGreaterThan(0);
    // What rows written by a parser that read sizes and grinds wrong look like. (Their RPC
    // keeps a stored grind when a variant has none, so only parsed grinds are spoiled here.)
    await db.query(
      `UPDATE public.variants SET weight_g = weight_g + 1, grind = CASE WHEN grind = 'aeropress' THEN 'other' ELSE grind END
        WHERE coffee_id IN (SELECT c.id FROM public.coffees c JOIN public.roasters r ON r.id = c.roaster_id WHERE r.slug = 'blue-tokai')`,
    );
    const requests = store.requests.length;
    const [outcome] = await reparseRoasters(deps, { roasters: ["blue-tokai"] });
    expect(outcome).toMatchObject({ roaster: "blue-tokai", fromRunId: firstRun });
    expect(outcome!.run!.status).toBe("ok");
    expect((outcome!.run!.stats as unknown as RunStats).variants_upserted).toBe(right.length);
    expect(await variantsOf(db, "blue-tokai")).toEqual(right);
    expect(store.requests.length).toBe(requests);
    // The lease was released: a job can take the roaster again.
    expect(await db.query("SELECT 1 FROM coffee_scraper.roaster_leases WHERE roaster_id = $1", [roasterId])).toEqual([]);
  });

  it("never starts from a run that answered 304 (its unchanged pages have no stored body)", async () => {
    const summary = await scrapeOnce({ deps, roaster: "blue-tokai", type: "full_refresh" });
    const stats = summary.stats as unknown as RunStats;
    expect(stats.not_modified_pages).toBeGreaterThan(0);
    const chosen = await newestCompleteFullRun(database().db, roasterId);
    expect(chosen).not.toBe(summary.runId);
    expect(chosen).not.toBeNull();
  });

  it("--all: every roaster; one without a complete run is skipped and says why", async () => {
    const outcomes = await reparseRoasters(deps, { roasters: "all" });
    expect(outcomes.map((o) => o.roaster).sort()).toEqual(["blue-tokai", "never-scraped"]);
    expect(outcomes.find((o) => o.roaster === "never-scraped")).toMatchObject({
      run: null,
      skipped: "no complete full run with stored pages",
    });
    expect(outcomes.find((o) => o.roaster === "blue-tokai")!.run!.status).toBe("ok");
  });

  it("a roaster busy with a job is skipped, untouched", async () => {
    const lease = { roasterId, holder: "another-worker", jobId: "full_refresh.blue-tokai.x", ttlMs: 60_000 };
    expect(await tryAcquireLease(database().db, lease)).toBe(true);
    try {
      const [outcome] = await reparseRoasters(deps, { roasters: ["blue-tokai"] });
      expect(outcome!.run).toBeNull();
      expect(outcome!.skipped).toMatch(/roaster blue-tokai is busy \(job full_refresh\.blue-tokai\.x on another-worker\)/);
    } finally {
      await releaseLease(database().db, lease);
    }
  });

  it("an unknown slug is refused before anything runs", async () => {
    await expect(reparseRoasters(deps, { roasters: ["blue-tokai", "nope"] })).rejects.toThrow(UnknownRoasterError);
  });
});

describe("reparse from the command line", () => {
  it("needs --roaster or --all, not both (exit 2, no database opened)", async () => {
    const dataDir = path.join(mkdtempSync(path.join(tmpdir(), "cs-reparse-cli-")), "data");
    const neither = await runCli(["reparse"], { DATA_DIR: dataDir });
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain("name --roaster <slug> or --all");
    const both = await runCli(["reparse", "--all", "--roaster", "x"], { DATA_DIR: dataDir });
    expect(both.code).toBe(2);
  });
});
