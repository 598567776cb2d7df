import type { IncomingMessage, ServerResponse } from "node:http";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Deps } from "../../src/app/deps.ts";
import { createDeps } from "../../src/app/runtime.ts";
import { silentLogger } from "../../src/core/logger.ts";
import type { RunError } from "../../src/pipeline/run-stats.ts";
import { scrapeOnce } from "../../src/worker/scrape-once.ts";
import { testEngines, useTestDatabase } from "../helpers/database.ts";
import { startTestServer, type TestServer } from "../helpers/http.ts";
import { unpacedSettings } from "../helpers/settings.ts";
import {
  shopifyFixtureProducts,
  startStoreServer,
  wooFixtureProducts,
  type StoreServer,
} from "../helpers/store-server.ts";
import { addRoasters } from "./fleet.ts";
import { snapshot, snapshotDiff } from "./outcomes.ts";

// A corpus of malformed store answers, each served by a store of its own and scraped by the
// real pipeline (polite client, adapter, validation, normalization, persistence) into a real
// database. Each must end as a finished run whose stats name the problem (a classified
// error), write no negative/NaN price or weight, and leave the healthy roaster beside it as
// it was.

type Json = Record<string, unknown>;
type Handler = (url: URL, req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

const coffee = shopifyFixtureProducts().find(
  (p) => /coffee|roast/i.test(String(p.product_type ?? "")) || /blend|estate/i.test(String(p.title)),
)!;
const product = (id: number, over: Json = {}): Json => ({
  ...coffee,
  id,
  handle: `hostile-${id}`,
  variants: (coffee.variants as Json[]).map((v, j) => ({ ...v, id: id * 100 + j, product_id: id })),
  ...over,
});
const withVariant = (id: number, over: Json): Json => {
  const p = product(id);
  return { ...p, variants: (p.variants as Json[]).map((v) => ({ ...v, ...over })) };
};

function json(res: ServerResponse, body: unknown, status = 200, headers: Record<string, string> = {}) {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(typeof body === "string" || Buffer.isBuffer(body) ? body : JSON.stringify(body));
}
const listing =
  (first: unknown): Handler =>
  (url, _req, res) => {
    if (url.pathname === "/robots.txt") return void res.end("User-agent: *\nAllow: /\n");
    if (url.pathname !== "/products.json") return json(res, { errors: "Not Found" }, 404);
    if (url.searchParams.get("page") === "1") return json(res, first);
    json(res, { products: [] });
  };
const raw =
  (send: (res: ServerResponse) => void): Handler =>
  (url, _req, res) => {
    if (url.pathname === "/robots.txt") return void res.end("User-agent: *\nAllow: /\n");
    send(res);
  };
const fullPage = (from: number) => Array.from({ length: 250 }, (_, i) => product(from + i));
// Mugs, not coffee: the endless store is about where the walk stops, and 25,000 coffees to
// normalize and write made it the slowest case by far.
const mug = (id: number): Json => product(id, { title: `Enamel mug ${id}`, product_type: "Merchandise", tags: ["mug"], body_html: "<p>A mug.</p>" });
const fullPageOfMugs = (from: number) => Array.from({ length: 250 }, (_, i) => mug(from + i));
const nested = (depth: number) => "[".repeat(depth) + "]".repeat(depth);

interface Case {
  name: string;
  platform?: "shopify" | "woocommerce";
  handler: Handler;
  /** A word the run's error messages must contain (case-insensitive). */
  mentions?: RegExp;
  /**
   * The data is usable and the run stays ok, but its warnings must name the problem
   * (duplicates are skipped, the 25,000-product cap stops an endless store).
   */
  warns?: RegExp;
}

const CASES: Case[] = [
  { name: "truncated JSON", handler: listing('{"products":[{"id":1,"title":"Half'), mentions: /json/i },
  { name: "not JSON at all", handler: listing("hello, world"), mentions: /json/i },
  {
    name: "HTML instead of JSON",
    handler: raw((res) =>
      res.writeHead(200, { "content-type": "text/html" }).end("<html><body>shop</body></html>"),
    ),
  },
  { name: "products: null", handler: listing({ products: null }), mentions: /products/i },
  { name: "products: a string", handler: listing({ products: "none" }), mentions: /products/i },
  { name: "top-level array", handler: listing([product(1)]) },
  { name: "top-level null", handler: listing("null") },
  { name: "null products in the list", handler: listing({ products: [null, null, product(3)] }) },
  {
    name: "null everywhere in a product",
    handler: listing({ products: [Object.fromEntries(Object.keys(product(4)).map((k) => [k, null]))] }),
  },
  { name: "empty objects", handler: listing({ products: [{}, {}] }) },
  { name: "id of the wrong type", handler: listing({ products: [product(5, { id: { nested: true } })] }) },
  {
    name: "title a number, tags an object",
    handler: listing({ products: [product(6, { title: 12345, tags: { a: 1 } })] }),
  },
  { name: "variants: null", handler: listing({ products: [product(7, { variants: null })] }) },
  { name: "variants: a string", handler: listing({ products: [product(8, { variants: "lots" })] }) },
  {
    name: "10,000 variants on one product",
    mentions: /variants/,
    handler: listing({
      products: [
        product(9, {
          variants: Array.from({ length: 10_000 }, (_, j) => ({
            ...(coffee.variants as Json[])[0],
            id: 900_000 + j,
            product_id: 9,
          })),
        }),
      ],
    }),
  },
  {
    name: "5 MB title",
    mentions: /title/,
    handler: listing({ products: [product(10, { title: "x".repeat(5 * 1024 * 1024) })] }),
  },
  { name: "deeply nested JSON", handler: listing(`{"products":[{"id":11,"body_html":${nested(200_000)}}]}`) },
  {
    name: "invalid UTF-8",
    handler: listing(
      Buffer.concat([
        Buffer.from('{"products":[{"id":12,"title":"Caf'),
        Buffer.from([0xc3, 0x28, 0xff, 0xfe]),
        Buffer.from('"}]}'),
      ]),
    ),
  },
  {
    name: 'price "abc"',
    handler: listing({ products: [withVariant(13, { price: "abc" })] }),
    mentions: /usable price/,
  },
  { name: 'price "-5"', handler: listing({ products: [withVariant(14, { price: "-5" })] }) },
  { name: 'price "1e308"', handler: listing({ products: [withVariant(15, { price: "1e308" })] }) },
  { name: 'price "NaN"', handler: listing({ products: [withVariant(16, { price: "NaN" })] }) },
  { name: 'price "Infinity"', handler: listing({ products: [withVariant(17, { price: "Infinity" })] }) },
  { name: "price an object", handler: listing({ products: [withVariant(18, { price: { amount: 5 } })] }) },
  {
    name: "duplicate product ids on a page",
    handler: listing({ products: [product(20), product(20), product(20)] }),
    warns: /listed twice/,
  },
  {
    name: "duplicate variant ids in a product",
    handler: listing({
      products: [
        product(21, { variants: [(product(21).variants as Json[])[0], (product(21).variants as Json[])[0]] }),
      ],
    }),
    warns: /listed twice/,
  },
  {
    name: "ids that change between pages",
    handler: (url, _req, res) => {
      if (url.pathname === "/robots.txt") return void res.end("User-agent: *\nAllow: /\n");
      const page = Number(url.searchParams.get("page"));
      // The same 250 products, renumbered on every page: a store that never ends.
      if (url.pathname === "/products.json") return json(res, { products: fullPageOfMugs(page * 1000) });
      json(res, {}, 404);
    },
    warns: /at most 25000 products/,
  },
  {
    name: "a page that repeats forever",
    handler: (url, _req, res) => {
      if (url.pathname === "/robots.txt") return void res.end("User-agent: *\nAllow: /\n");
      if (url.pathname === "/products.json") return json(res, { products: fullPage(30_000) });
      json(res, {}, 404);
    },
    mentions: /repeat/i,
  },
  {
    name: "gzip bomb",
    mentions: /larger than HTTP_MAX_BYTES/,
    handler: raw((res) =>
      res
        .writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" })
        .end(gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20))),
    ),
  },
  {
    name: "oversize body without Content-Length",
    mentions: /larger than HTTP_MAX_BYTES/,
    handler: raw((res) => {
      res.writeHead(200, { "content-type": "application/json" });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      let left = 24 * 1024 * 1024;
      const pump = () => {
        while (left > 0 && !res.destroyed) {
          left -= chunk.length;
          if (!res.write(chunk)) return void res.once("drain", pump);
        }
        res.end();
      };
      pump();
    }),
  },
  {
    name: "redirect loop",
    mentions: /redirect/i,
    handler: raw((res) =>
      res.writeHead(302, { location: `/products.json?limit=250&page=1&r=${Math.random()}` }).end(),
    ),
  },
  {
    name: "redirect to another site",
    mentions: /redirect|another|site|domain/i,
    handler: raw((res) => res.writeHead(301, { location: "http://example.com/products.json" }).end()),
  },
  { name: "store gone (404)", handler: raw((res) => json(res, { errors: "Not Found" }, 404)) },
  { name: "server error every time (500)", handler: raw((res) => json(res, { error: "boom" }, 500)) },
  {
    name: "429 with a Retry-After of a day",
    mentions: /429|retry-after|throttl/i,
    handler: raw((res) => json(res, {}, 429, { "retry-after": "86400" })),
  },
  {
    name: "Content-Length lies (closes early)",
    handler: raw((res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": "100000" });
      res.write('{"products":[');
      setTimeout(() => res.destroy(), 20);
    }),
  },
  {
    name: "Woo: object instead of array",
    platform: "woocommerce",
    handler: raw((res) => json(res, { products: [] })),
  },
  {
    name: "Woo: prices null and wrong types",
    platform: "woocommerce",
    handler: raw((res) =>
      json(
        res,
        wooFixtureProducts()
          .slice(0, 3)
          .map((p, i) => ({ ...p, id: `x${i}`, prices: null, variations: "none" })),
      ),
    ),
  },
  {
    name: 'Woo: price "abc" and minor unit 99',
    platform: "woocommerce",
    handler: raw((res) =>
      json(
        res,
        wooFixtureProducts()
          .slice(0, 3)
          .map((p) => ({
            ...p,
            type: "simple",
            variations: [],
            prices: { ...(p.prices as Json), price: "abc", regular_price: "-5", currency_minor_unit: 99 },
          })),
        200,
        { "x-wp-total": "3", "x-wp-totalpages": "1" },
      ),
    ),
  },
];

const engine = testEngines().at(-1)!;

describe(`hostile store answers on ${engine}`, () => {
  const database = useTestDatabase(engine);
  const servers: TestServer[] = [];
  let healthy: StoreServer;
  let deps: Deps;
  let healthyBefore: unknown[];

  beforeAll(async () => {
    const { db } = database();
    healthy = await startStoreServer({ platform: "shopify" });
    for (const c of CASES) servers.push(await startTestServer((req, res, url) => c.handler(url, req, res)));
    await addRoasters(db, [
      { slug: "healthy", url: healthy.url, platform: "shopify" },
      ...CASES.map((c, i) => ({
        slug: `case-${i}`,
        url: servers[i]!.url,
        platform: c.platform ?? ("shopify" as const),
      })),
    ]);
    deps = createDeps(
      unpacedSettings("cs-hostile-", {
        HTTP_RETRIES: 1,
        HTTP_RETRY_BASE_MS: 10,
        HTTP_RETRY_AFTER_CAP_MS: 1000,
        HTTP_TIMEOUT_MS: 5000,
        HTTP_MAX_BYTES: 8 * 1024 * 1024,
      }),
      db,
      silentLogger(),
    );
    await scrapeOnce({ deps, roaster: "healthy", type: "full_refresh" });
    healthyBefore = await snapshot(db);
  });
  afterAll(async () => {
    await deps?.http.close();
    await healthy?.close();
    await Promise.all(servers.map((s) => s.close()));
  });

  it(`has at least 30 cases (${CASES.length})`, () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30);
  });

  it.each(CASES.map((c, i) => [c.name, i] as const))(
    "%s: a finished run whose stats name the problem; nothing else touched",
    async (_name, i) => {
      const { db } = database();
      const c = CASES[i]!;
      const started = Date.now();
      await scrapeOnce({ deps, roaster: `case-${i}`, type: "full_refresh" }).catch(() => undefined);
      // Bounded: every hostile store ends (the 25,000-product ceiling is the slowest case).
      expect(Date.now() - started).toBeLessThan(60_000);
      const runs = await db.query<{
        status: string;
        finished: boolean;
        stats_json: { errors: RunError[]; warnings: string[] };
      }>(
        `SELECT sr.status, sr.finished_at IS NOT NULL AS finished, sr.stats_json FROM coffee_scraper.runs sr
         JOIN product_sources ps ON ps.id = sr.source_id JOIN roasters r ON r.id = ps.roaster_id WHERE r.slug = $1`,
        [`case-${i}`],
      );
      expect(runs).toHaveLength(1);
      const run = runs[0]!;
      expect(run.finished).toBe(true);
      if (c.warns) {
        expect(run.status).toBe("ok");
        expect(run.stats_json.warnings.join("\n")).toMatch(c.warns);
      } else {
        expect(["partial", "fail"]).toContain(run.status);
        const errors = run.stats_json.errors;
        expect(errors.length).toBeGreaterThan(0);
        for (const e of errors) {
          expect(e.message.length).toBeGreaterThan(0);
          expect(e.message.length).toBeLessThan(2000); // a classified line, not the body echoed back
          if (e.scope !== "product") expect(["permanent", "transient", "throttled"]).toContain(e.retry);
        }
        if (c.mentions) expect(errors.map((e) => e.message).join("\n")).toMatch(c.mentions);
      }
      // Nothing nonsensical written, nothing of the healthy roaster changed.
      const bad = await db.query(
        `SELECT v.platform_variant_id, v.price_current, v.weight_g FROM variants v
        WHERE v.price_current < 0 OR v.price_current = 'NaN'::numeric OR v.price_current > 1e12 OR v.weight_g <= 0 OR v.weight_g > 1e6`,
      );
      expect(bad).toEqual([]);
      const badPrices = await db.query(
        `SELECT price FROM prices WHERE price < 0 OR price = 'NaN'::numeric OR price > 1e12`,
      );
      expect(badPrices).toEqual([]);
      const healthyNow = ((await snapshot(db)) as { slug: string }[]).filter((r) => r.slug === "healthy");
      expect(snapshotDiff(healthyNow, healthyBefore)).toEqual([]);
    },
    90_000,
  );

  it("the healthy roaster still scrapes cleanly after the whole corpus", async () => {
    const summary = await scrapeOnce({ deps, roaster: "healthy", type: "full_refresh" });
    expect(summary.status).toBe("ok");
  });
});
