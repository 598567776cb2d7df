// `inspect` on a saved listing file, a local store, a stored run and a roaster slug: what it
// prints, that it is terminal-safe, and that it writes nothing (no database opened for a
// file or a URL; the database's rows unchanged for a run or a slug).
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDeps } from "../../src/app/runtime.ts";
import type { Deps } from "../../src/app/deps.ts";
import type { Queryable } from "../../src/db/database.ts";
import { inspectStore, type InspectReport } from "../../src/inspect/report.ts";
import { readRoasterStore, readStoredRun } from "../../src/inspect/sources.ts";
import { scrapeOnce } from "../../src/worker/scrape-once.ts";
import { runCli } from "../helpers/cli.ts";
import { useTestDatabase } from "../helpers/database.ts";
import { addRoaster } from "../helpers/fetch.ts";
import { captureLogger } from "../helpers/logs.ts";
import { testSettings } from "../helpers/settings.ts";
import { startStoreServer, type StoreServer } from "../helpers/store-server.ts";

const FIXTURES = fileURLToPath(new URL("../fixtures/", import.meta.url));
const SHOPIFY_FILE = path.join(FIXTURES, "shopify-products-page-blue-tokai.json");
const WOO_FILE = path.join(FIXTURES, "woocommerce-store-api-products-page-babas-beans.json");

const scratch = mkdtempSync(path.join(tmpdir(), "cs-inspect-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
/** A DATA_DIR that must still not exist afterwards: nothing was opened or written. */
const untouchedDataDir = () => path.join(scratch, `data-${Math.random().toString(36).slice(2)}`);
const env = (dataDir: string, extra: Record<string, string> = {}) => ({
  DATA_DIR: dataDir,
  HTTP_DELAY_MS: "0",
  HTTP_JITTER_MS: "0",
  HTTP_RETRIES: "0",
  ALLOW_PRIVATE_NETWORKS: "true",
  ...extra,
});

const product = (report: InspectReport, name: string) => report.products.find((p) => p.name === name)!;

describe("inspect a saved listing file (no database)", () => {
  it("a Shopify products.json page: every product with its verdict, rule and parsed variants", async () => {
    const dataDir = untouchedDataDir();
    const r = await runCli(["inspect", SHOPIFY_FILE, "--json", "--currency", "INR"], env(dataDir));
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as InspectReport;
    expect(report.source).toMatchObject({ kind: "file", platform: "shopify" });
    expect(report.products).toHaveLength(30);
    const kolli = product(report, "Kolli Berri Estate");
    expect(kolli).toMatchObject({ platformProductId: "6676414398519", isCoffee: true, kind: "beans" });
    expect(kolli.reason).toMatch(/^grind-option: /);
    expect(kolli.variants.find((v) => v.title === "250g / Whole Bean")).toMatchObject({
      platformVariantId: "39816698986551",
      weightG: 250,
      grind: "whole",
      price: 700,
      currency: "INR",
    });
    expect(kolli.variants.find((v) => v.title === "1kg / South Indian Filter")).toMatchObject({ weightG: 1000, grind: "south indian filter", price: 2380 });
    const hamper = product(report, "Meghmalhar Gift Hamper");
    expect(hamper).toMatchObject({ isCoffee: false, kind: "gift_hamper" });
    expect(hamper.reason).toBe('declared: product_type "Gifting" → gift_hamper');
    expect(product(report, "Matcha Brewing Workshop")).toMatchObject({ isCoffee: false, kind: "class" });
    expect(existsSync(dataDir)).toBe(false);
  });

  it("a WooCommerce Store API listing: variations shown without prices, and the table says why", async () => {
    const dataDir = untouchedDataDir();
    const r = await runCli(["inspect", WOO_FILE], env(dataDir));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("COFFEE (beans)  Hustler  [3382]");
    expect(r.stdout).toContain('why: grind-option: a "Grind Size" option');
    expect(r.stdout).toMatch(/Aero press\s+—\s+aeropress\s+—/);
    expect(r.stdout).toContain("Aero press: no price in the data");
    expect(r.stdout).toContain("a Store API listing carries no variation prices");
    expect(r.stdout).toContain("COFFEE (ground)  SOUTH INDIAN FILTER COFFEE  [1173]");
    expect(r.stdout).toMatch(/\n\s+1173\s+—\s+—\s+149\.00 INR\n/);
    expect(r.stdout).toMatch(/… \d+ more variants \(--json shows every one\)/);
    expect(existsSync(dataDir)).toBe(false);
  });

  it("anything else is bad input (exit 2), with the reason", async () => {
    const notListing = path.join(scratch, "not-a-listing.json");
    await import("node:fs/promises").then((fs) => fs.writeFile(notListing, JSON.stringify({ hello: "world" })));
    const bad = await runCli(["inspect", notListing], env(untouchedDataDir()));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/neither a Shopify products\.json page .* nor a WooCommerce Store API listing/);
    const nothing = await runCli(["inspect", "Not A Thing!"], env(untouchedDataDir()));
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toMatch(/not an http\(s\) URL, a file, a run id or a roaster slug/);
  });
});

describe("inspect a store by URL (no database)", () => {
  let store: StoreServer;
  beforeAll(async () => {
    store = await startStoreServer({ platform: "shopify" });
    // A hostile title: retitles the terminal, rings the bell, clears the screen.
    store.products[0]!.title = "Evil \u001b]0;pwned\u0007Hamper\u001b[2J\u009b31m";
    store.changed();
  });
  afterAll(async () => store?.close());

  it("reads it through the polite client, prints a terminal-safe table, and writes nothing", async () => {
    const dataDir = untouchedDataDir();
    const before = store.requests.length;
    const r = await runCli(["inspect", store.url], env(dataDir));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\(shopify, from url\): 30 products, \d+ coffee, 1 page\(s\) read/);
    expect(r.stdout).toContain("not coffee (gift_hamper)  Evil Hamper");
    // eslint-disable-next-line no-control-regex
    expect(r.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    const requests = store.requests.slice(before);
    expect(requests.map((q) => q.method)).toEqual(requests.map(() => "GET"));
    expect(requests.some((q) => q.path === "/robots.txt")).toBe(true);
    expect(requests.every((q) => !q.headers["if-none-match"])).toBe(true);
    expect(existsSync(dataDir)).toBe(false);
  });

  it("--json escapes the controls JSON.stringify leaves raw (DEL, C1)", async () => {
    const r = await runCli(["inspect", store.url, "--json"], env(untouchedDataDir()));
    expect(r.code).toBe(0);
    // eslint-disable-next-line no-control-regex
    expect(r.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    const report = JSON.parse(r.stdout) as InspectReport;
    expect(report.products[0]!.name).toContain("Evil");
  });

  it("the SSRF guard stays on: a private address is refused unless ALLOW_PRIVATE_NETWORKS", async () => {
    const before = store.requests.length;
    const r = await runCli(["inspect", store.url], env(untouchedDataDir(), { ALLOW_PRIVATE_NETWORKS: "false" }));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/private|loopback|not allowed|refus/i);
    expect(store.requests.length).toBe(before);
  });

  it("--max-pages bounds the reading and says so", async () => {
    const big = await startStoreServer({ platform: "shopify", products: 600 });
    try {
      const r = await runCli(["inspect", big.url, "--json", "--max-pages", "1"], env(untouchedDataDir()));
      const report = JSON.parse(r.stdout) as InspectReport;
      expect(report).toMatchObject({ pagesRead: 1, stoppedAfterPages: 1 });
      expect(report.products).toHaveLength(250);
      expect(big.requestsTo("/products.json?limit=250&page=3")).toHaveLength(0);
    } finally {
      await big.close();
    }
  });
});

/** Every table a run or an inspection could write to, counted. */
async function rowCounts(db: Queryable) {
  const [row] = await db.query(
    `SELECT (SELECT count(*)::int FROM public.coffees) AS coffees, (SELECT count(*)::int FROM public.variants) AS variants,
            (SELECT count(*)::int FROM public.prices) AS prices, (SELECT count(*)::int FROM public.scrape_runs) AS runs,
            (SELECT count(*)::int FROM public.scrape_artifacts) AS artifacts,
            (SELECT count(*)::int FROM coffee_scraper.roaster_leases) AS leases,
            (SELECT count(*)::int FROM coffee_scraper.http_validators) AS validators,
            (SELECT count(*)::int FROM public.roasters) AS roasters,
            (SELECT max(updated_at) FROM public.coffees) AS coffees_updated,
            (SELECT max(updated_at) FROM public.roasters) AS roasters_updated`,
  );
  return row;
}

describe("inspect a stored run and a roaster by slug (database read, never written)", () => {
  const database = useTestDatabase("pglite", { shareWithChildren: true });
  let store: StoreServer;
  let runId: string;
  // The run's artifacts go under the embedded database's DATA_DIR, where the CLI looks for them.
  const settings = () => testSettings({ HTTP_DELAY_MS: 0, HTTP_JITTER_MS: 0, DATA_DIR: database().dataDir });
  /** Deps around a connection opened for the call only (the CLI test below owns PGlite in between). */
  const withDeps = <T>(fn: (deps: Deps) => Promise<T>) =>
    database().withDb(async (db) => {
      const deps = createDeps(settings(), db, captureLogger().log);
      try {
        return await fn(deps);
      } finally {
        await deps.http.close();
      }
    });
  beforeAll(async () => {
    store = await startStoreServer({ platform: "woocommerce" });
    runId = await withDeps(async (deps) => {
      await addRoaster(deps.db, store.url, { slug: "babas-beans", platform: "woocommerce" });
      const summary = await scrapeOnce({ deps, roaster: "babas-beans", type: "full_refresh" });
      expect(summary.status).toBe("ok");
      return summary.runId;
    });
  });
  afterAll(async () => store?.close());

  it("a stored run: its raw pages parsed as a replay would, without the network or a write", async () => {
    await withDeps(async (deps) => {
      const before = await rowCounts(deps.db);
      const requests = store.requests.length;
      const report = await inspectStore(await readStoredRun(deps.db, deps.artifacts, runId), { kind: "run", target: runId }, { maxPages: 4 });
      expect(report.source.platform).toBe("woocommerce");
      expect(report.products).toHaveLength(10);
      const hustler = product(report, "Hustler");
      expect(hustler).toMatchObject({ isCoffee: true, kind: "beans" });
      // The store server prices each variation from its parent (29000 paise), 10.00 more each.
      expect(hustler.variants[0]).toMatchObject({ platformVariantId: "3974", grind: "aeropress", price: 290, currency: "INR" });
      expect(product(report, "Neat")).toMatchObject({ isCoffee: false });
      expect(store.requests.length).toBe(requests);
      expect(await rowCounts(deps.db)).toEqual(before);
    });
  });

  it("a roaster slug: its store read live through the polite client; the database only read", async () => {
    await withDeps(async (deps) => {
      const before = await rowCounts(deps.db);
      const report = await inspectStore(
        await readRoasterStore(deps.db, "babas-beans", { settings: settings(), log: captureLogger().log, currency: null }),
        { kind: "slug", target: "babas-beans" },
        { maxPages: 4 },
      );
      expect(report.products).toHaveLength(10);
      expect(product(report, "ARAKU VALLEY")).toMatchObject({ isCoffee: true, region: "Araku Valley" });
      expect(await rowCounts(deps.db)).toEqual(before);
    });
  });

  it("from the command line, by run id, on the embedded database", async () => {
    const before = await database().withDb(rowCounts);
    const r = await runCli(["inspect", runId, "--json"], { DATA_DIR: database().dataDir, LOG_LEVEL: "warn" });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as InspectReport;
    expect(report.source).toMatchObject({ kind: "run", platform: "woocommerce" });
    expect(report.products.map((p) => p.name)).toContain("Hustler");
    expect(await database().withDb(rowCounts)).toEqual(before);
  }, 60_000);
});
