import { mkdtempSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Deps } from "../../src/app/deps.ts";
import { createDeps } from "../../src/app/runtime.ts";
import type { Database } from "../../src/db/database.ts";
import { silentLogger } from "../../src/core/logger.ts";
import { scrapeOnce } from "../../src/worker/scrape-once.ts";
import { POSTGRES_URL, testEngines, useTestDatabase } from "../helpers/database.ts";
import { startTestServer, type TestServer } from "../helpers/http.ts";
import { unpacedSettings } from "../helpers/settings.ts";
import { startStoreServer, wooFixtureProducts, type StoreServer } from "../helpers/store-server.ts";
import { sleep } from "../helpers/until.ts";
import { addRoasters } from "./fleet.ts";
import { killAll, peakRssKb, spawnCli, type Child } from "./processes.ts";

// How much a store can make us read: one page of 100,000 products (10 MB, under the 20 MB
// response cap) in a real `scrape` process with the shipped 256 MB heap; a Woo store whose
// X-WP-TotalPages says 10⁹ with empty pages, or with pages that never run out; a Shopify
// store longer than MAX_PAGES_PER_RUN. Each ends within its bound as a closed run that
// names the reason.

const servers: (TestServer | StoreServer)[] = [];
afterAll(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(handler: (url: URL, res: ServerResponse) => void): Promise<TestServer> {
  const server = await startTestServer((_req, res, url) => {
    if (url.pathname === "/robots.txt") return void res.end("User-agent: *\nAllow: /\n");
    handler(url, res);
  });
  servers.push(server);
  return server;
}

function sendJson(res: ServerResponse, body: string | unknown, headers: Record<string, string> = {}) {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(200, { "content-type": "application/json", "content-length": String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

interface RunOf {
  status: string;
  finished: boolean;
  stats_json: { warnings: string[]; errors: { scope: string; message: string; retry?: string }[]; pages: number };
}

async function runOf(db: Database, slug: string): Promise<RunOf> {
  const rows = await db.query<RunOf>(
    `SELECT sr.status, sr.finished_at IS NOT NULL AS finished, sr.stats_json
       FROM coffee_scraper.runs sr JOIN product_sources ps ON ps.id = sr.source_id JOIN roasters r ON r.id = ps.roaster_id
      WHERE r.slug = $1`,
    [slug],
  );
  expect(rows, `runs of ${slug}`).toHaveLength(1);
  return rows[0]!;
}

const HUNDRED_THOUSAND = 100_000;
const bigPages = {
  shopify: () =>
    `{"products":[${Array.from(
      { length: HUNDRED_THOUSAND },
      (_, i) => `{"id":${i + 1},"title":"Coffee ${i + 1}","handle":"c-${i + 1}","vendor":"Roaster","variants":[{"id":${i + 1},"price":"10.00"}]}`,
    ).join(",")}]}`,
  woocommerce: () =>
    `[${Array.from(
      { length: HUNDRED_THOUSAND },
      (_, i) => `{"id":${i + 1},"name":"Coffee ${i + 1}","slug":"c-${i + 1}","type":"simple","prices":{"currency_minor_unit":2,"price":"1000"}}`,
    ).join(",")}]`,
};

describe.skipIf(!POSTGRES_URL)("a page of 100,000 products in a `scrape` process with the shipped 256 MB heap", () => {
  const testDb = useTestDatabase("postgres");
  const children: Child[] = [];
  afterAll(async () => killAll(children));

  it.each(["shopify", "woocommerce"] as const)("%s: the process survives and the run closes with a classified page error", async (platform) => {
    const body = bigPages[platform]();
    expect(body.length).toBeGreaterThan(10_500_000); // the 10.7 MB page
    expect(body.length).toBeLessThan(20 * 1024 * 1024); // under HTTP_MAX_BYTES: only the count can refuse it
    const server = await serve((url, res) => {
      if (url.pathname === "/products.json" || url.pathname.startsWith("/wp-json/wc/store")) {
        return sendJson(res, body, { "x-wp-total": String(HUNDRED_THOUSAND), "x-wp-totalpages": "1" });
      }
      sendJson(res, { currency: "INR" });
    });
    const slug = `big-${platform}`;
    await addRoasters(testDb().db, [{ slug, url: server.url, platform }]);

    const scrape = spawnCli(["scrape", slug], {
      DATABASE_URL: testDb().url!,
      NODE_OPTIONS: "--max-old-space-size=256",
      ALLOW_PRIVATE_NETWORKS: "true",
      HTTP_RETRIES: "0",
      DATA_DIR: mkdtempSync(path.join(tmpdir(), "cs-big-")),
    });
    children.push(scrape);
    let peakKb = 0;
    while (scrape.alive()) {
      peakKb = Math.max(peakKb, peakRssKb(scrape.pid) ?? 0);
      await sleep(50);
    }
    const exit = await scrape.exit;
    expect(scrape.out()).not.toMatch(/heap out of memory|Allocation failed|FATAL ERROR/);
    expect(exit, `peak RSS ${Math.round(peakKb / 1024)} MB\n${scrape.out().slice(-2000)}`).toEqual({ code: 1, signal: null });
    expect(scrape.lines().find((l) => l.msg === "job finished")).toMatchObject({ outcome: "failed" });

    const run = await runOf(testDb().db, slug);
    expect(run).toMatchObject({ status: "fail", finished: true });
    const limit = platform === "shopify" ? "Shopify sends at most 250" : "the WooCommerce Store API sends at most 100";
    const pageError = run.stats_json.errors.find((e) => e.scope === "page")!;
    expect(pageError.message).toMatch(new RegExp(`lists 100000 items on one page; ${limit}: the page is not read`));
    expect(pageError.retry).toBe("permanent");
    const listing = server.requests.filter((r) => r.path.startsWith("/products.json") || r.path.startsWith("/wp-json"));
    expect(listing).toHaveLength(1); // permanent: fetched once
  }, 120_000);
});

const engine = testEngines().at(-1)!;

describe(`page counts on ${engine}`, () => {
  const database = useTestDatabase(engine);
  let deps: Deps;
  const simple = wooFixtureProducts().find((p) => p.type === "simple")!;
  const wooPage = (page: number) => Array.from({ length: 100 }, (_, i) => ({ ...simple, id: page * 1000 + i, slug: `p-${page}-${i}` }));
  const BILLION = { "x-wp-total": "100000000000", "x-wp-totalpages": "1000000000" };

  beforeAll(() => {
    deps = createDeps(
      unpacedSettings("cs-pages-", {
        HTTP_RETRIES: 0,
        MAX_PAGES_PER_RUN: 5,
      }),
      database().db,
      silentLogger(),
    );
  });
  afterAll(async () => {
    await deps?.http.close();
  });

  const listingRequests = (server: TestServer) => server.requests.filter((r) => r.path.startsWith("/wp-json/wc/store/v1/products?"));

  it("Woo with X-WP-TotalPages 10⁹ and empty pages: the walk stops at the first empty page, the run closes and says why", async () => {
    const server = await serve((url, res) => {
      const page = Number(url.searchParams.get("page"));
      sendJson(res, page === 1 ? wooPage(1) : [], BILLION);
    });
    await addRoasters(database().db, [{ slug: "billion-empty", url: server.url, platform: "woocommerce" }]);
    const started = Date.now();
    const summary = await scrapeOnce({ deps, roaster: "billion-empty", type: "full_refresh" });
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(summary.status).toBe("ok");
    expect(listingRequests(server).map((r) => new URL(r.path, server.url).searchParams.get("page"))).toEqual(["1", "2"]);
    const run = await runOf(database().db, "billion-empty");
    expect(run.finished).toBe(true);
    expect(run.stats_json.warnings).toContain("page 2 is empty though X-WP-TotalPages says 1000000000: the walk ends here");
  });

  it("Woo with X-WP-TotalPages 10⁹ and pages that never run out: MAX_PAGES_PER_RUN ends the walk, the run is partial and says why", async () => {
    const server = await serve((url, res) => sendJson(res, wooPage(Number(url.searchParams.get("page"))), BILLION));
    await addRoasters(database().db, [{ slug: "billion-full", url: server.url, platform: "woocommerce" }]);
    const summary = await scrapeOnce({ deps, roaster: "billion-full", type: "full_refresh" });
    expect(summary.status).toBe("partial");
    expect(listingRequests(server)).toHaveLength(5);
    const run = await runOf(database().db, "billion-full");
    expect(run.finished).toBe(true);
    expect(run.stats_json.errors).toContainEqual(
      expect.objectContaining({
        scope: "page",
        retry: "permanent",
        message:
          "stopped after MAX_PAGES_PER_RUN (5) pages: the store claims 1000000000 pages (X-WP-TotalPages); the rest of the store was not read",
      }),
    );
    // Not every product was seen: none may be taken as gone.
    expect(run.stats_json).toMatchObject({ marked_unlisted: 0 });
  });

  it("Shopify longer than MAX_PAGES_PER_RUN: the walk stops there, the run is partial and says why", async () => {
    const shop = await startStoreServer({ platform: "shopify", products: 1500 });
    servers.push(shop);
    await addRoasters(database().db, [{ slug: "long-shop", url: shop.url, platform: "shopify" }]);
    const summary = await scrapeOnce({ deps, roaster: "long-shop", type: "full_refresh" });
    expect(summary.status).toBe("partial");
    expect(shop.requestsTo(/^\/products\.json/)).toHaveLength(5);
    const run = await runOf(database().db, "long-shop");
    expect(run.stats_json.errors.map((e) => e.message)).toContain(
      "stopped after MAX_PAGES_PER_RUN (5) pages: page 5 was full; the rest of the store was not read",
    );
  });
});
