// npm run bench:ingest — products/s through the whole pipeline (fetch from a local store with
// the fixture's real descriptions, pacing off, validate, keep artifacts, normalize, write) in
// one process:
//   first ingest       — a roaster seen for the first time: every product normalized and written;
//   unchanged re-ingest — the same store again, every page read in full (no ETags), nothing
//                         changed: every product recognised as unchanged, none rewritten;
// into PostgreSQL (a) directly (and once more with TOUCH_UNCHANGED_VARIANTS=true, where an
// unchanged product's variants' seen times move too) and (b) through a proxy adding 10 ms each
// way, and (c) PGlite.
// Every figure is a warm process's, as in the other benchmarks: a worker runs job after job,
// and only its first pays for JIT compilation and lazy module loading. One first ingest of
// each kind (ours and the baseline) runs before anything is measured; that cold figure is
// printed for reference. Each figure is the median of BENCH_ROUNDS runs (default 3) made as a
// worker makes them, one after another in one process over one connection pool: first
// ingests each of a roaster new to the database, unchanged re-ingests of the last of them.
// Baselines measured in the same run: the same pages read with a bare fetch + JSON.parse loop
// (what reading a store costs at all), and — as before — normalized the same way and
// batch-upserted with plain SQL (3 statements a page). And the server's floor: the rows our
// first ingest wrote (coffees, variants, prices, images, tasting notes, product state) copied
// table to table into tables with the same keys, indexes and foreign keys, one statement a
// table, no JSON and no function: what inserting those rows alone costs this server, so no
// writer of the users' rows can ingest faster than that here. Then the peak RSS of a
// `coffee-scraper scrape` process ingesting a 10,000-product store.
//
// Needs DATABASE_URL (a server where it may create and drop a database).
// BENCH_PRODUCTS (default 2000), BENCH_ROUNDS (default 3) and BENCH_RSS_PRODUCTS (default 10000) tune it.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import { request } from "undici";
import { createDeps } from "../src/app/runtime.ts";
import { loadSettings } from "../src/config/settings.ts";
import type { Database } from "../src/db/database.ts";
import { openDatabase } from "../src/db/open-database.ts";
import { migrate } from "../src/db/migrate.ts";
import { upsertRoaster } from "../src/db/roasters.ts";
import { normalizeProduct } from "../src/pipeline/normalize/index.ts";
import { parseStoredPage } from "../src/platforms/registry.ts";
import type { RunStats } from "../src/pipeline/run-stats.ts";
import { scrapeOnce } from "../src/worker/scrape-once.ts";
import { startStoreServer, type StoreServer } from "../test/helpers/store-server.ts";
import { startLatencyProxy } from "./lib/latency-proxy.ts";
import { createBenchDatabase, machine } from "./lib/postgres.ts";

const PRODUCTS = Number(process.env.BENCH_PRODUCTS ?? 2000);
const RSS_PRODUCTS = Number(process.env.BENCH_RSS_PRODUCTS ?? 10_000);
const LATENCY_MS = 10;
/** Runs of each kind; medians are printed (the machine's speed varies by ±10 % from run to run). */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const silent = pino({ level: "silent" });

async function addRoaster(db: Database, slug: string, website: string): Promise<string> {
  const { id } = await db.transaction((tx) =>
    upsertRoaster(tx, {
      slug,
      name: slug,
      website,
      platform: "shopify",
      currency: "INR",
      is_active: true,
      full_cadence: "0 3 1 * *",
      price_cadence: "0 4 * * 0",
      default_concurrency: 3,
      use_firecrawl_fallback: false,
      use_llm: false,
      alert_price_delta_pct: 10,
    }),
  );
  return id;
}

const benchSettings = (databaseUrl: string | undefined, env: Record<string, string> = {}) =>
  loadSettings(
    {
      ...env,
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      DATA_DIR: mkdtempSync(path.join(tmpdir(), "cs-bench-")),
      HTTP_DELAY_MS: "0",
      HTTP_JITTER_MS: "0",
      ALLOW_PRIVATE_NETWORKS: "true",
      LOG_LEVEL: "silent",
      LOG_FORMAT: "json",
    },
    false,
  );

interface Ingest {
  productsPerSecond: number;
  pages: number;
  roundTripsPerPage: number;
  seconds: number;
  unchanged: number;
}

/**
 * Ours: full refreshes through the real pipeline, each of a roaster new to the database (a
 * first ingest), then re-runs of the last over the unchanged store; ROUNDS of each, one
 * process and one connection pool as a worker has them, medians. `databaseUrl` undefined:
 * PGlite in a directory of its own.
 */
async function pipelineRun(
  databaseUrl: string | undefined,
  store: StoreServer,
  slug: string,
  env: Record<string, string> = {},
  rounds = ROUNDS,
): Promise<{ first: Ingest; again: Ingest }> {
  const settings = benchSettings(databaseUrl, env);
  const db = await openDatabase({ databaseUrl, dataDir: settings.DATA_DIR });
  if (!databaseUrl) await migrate(db);
  const deps = createDeps(settings, db, silent);
  const once = async (roaster: string): Promise<Ingest> => {
    const t0 = performance.now();
    const summary = await scrapeOnce({ deps, roaster, type: "full_refresh" });
    const seconds = (performance.now() - t0) / 1000;
    const stats = summary.stats as unknown as RunStats;
    if (summary.status !== "ok") throw new Error(`pipeline run ${summary.status}: ${JSON.stringify(summary.stats)}`);
    return {
      productsPerSecond: stats.products_seen / seconds,
      pages: stats.pages,
      roundTripsPerPage: stats.db_round_trips / stats.pages,
      seconds,
      unchanged: stats.products_unchanged,
    };
  };
  try {
    const first: Ingest[] = [];
    for (let round = 1; round <= rounds; round++) {
      await addRoaster(db, `${slug}-${round}`, store.url);
      first.push(await once(`${slug}-${round}`));
    }
    const again: Ingest[] = [];
    for (let round = 1; round <= rounds; round++) again.push(await once(`${slug}-${rounds}`));
    return { first: medianOf(first), again: medianOf(again) };
  } finally {
    await deps.http.close();
    await db.close();
  }
}

/** The run of median speed. */
function medianOf<T extends { productsPerSecond: number }>(runs: T[]): T {
  return [...runs].sort((a, b) => a.productsPerSecond - b.productsPerSecond)[Math.floor(runs.length / 2)]!;
}

/** Baseline: the store's pages read with a bare loop (fetch + JSON.parse), nothing else. */
async function readOnly(store: StoreServer): Promise<number> {
  let products = 0;
  const t0 = performance.now();
  for (let page = 1; ; page += 1) {
    const response = await request(`${store.url}/products.json?limit=250&page=${page}`);
    const body = (await response.body.json()) as { products: unknown[] };
    products += body.products.length;
    if (body.products.length < 250) break;
  }
  return products / ((performance.now() - t0) / 1000);
}

/** Baseline: the same pages, a bare fetch loop, the same normalizers, plain-SQL batch upserts; ROUNDS roasters, the median. */
async function baselineRun(databaseUrl: string, store: StoreServer, slug: string, rounds = ROUNDS) {
  const db = await openDatabase({ databaseUrl, dataDir: tmpdir() });
  const runs: { productsPerSecond: number; seconds: number }[] = [];
  for (let round = 1; round <= rounds; round++) {
    const roasterId = await addRoaster(db, `${slug}-${round}`, store.url);
    let products = 0;
    const t0 = performance.now();
    for (let page = 1; ; page += 1) {
      const url = `${store.url}/products.json?limit=250&page=${page}`;
      const response = await request(url);
      const body = Buffer.from(await response.body.arrayBuffer());
      const parsed = parseStoredPage("shopify", [{ url, status: response.statusCode, contentType: "application/json", body }], {
        currency: "INR",
      });
      const normalized = parsed.products.map((p) => normalizeProduct(p, { currency: "INR" })).filter((p) => p.isCoffee);
      products += parsed.products.length;
      if (normalized.length > 0) await plainUpsert(db, roasterId, normalized);
      if (parsed.products.length < 250) break;
    }
    const seconds = (performance.now() - t0) / 1000;
    runs.push({ productsPerSecond: products / seconds, seconds });
  }
  await db.close();
  return medianOf(runs);
}

async function plainUpsert(db: Database, roasterId: string, products: ReturnType<typeof normalizeProduct>[]) {
  const coffees = products.map((p) => ({ id: p.platformProductId, name: p.name, slug: p.slug, description: p.descriptionMd }));
  await db.query(
    `INSERT INTO coffees (roaster_id, platform_product_id, name, slug, description_md)
     SELECT $1, c.id, c.name, c.slug, c.description FROM jsonb_to_recordset($2::jsonb) AS c(id text, name text, slug text, description text)
     ON CONFLICT (slug, roaster_id) DO UPDATE SET name = EXCLUDED.name, description_md = EXCLUDED.description_md`,
    [roasterId, JSON.stringify(coffees)],
  );
  const variants = products.flatMap((p) =>
    p.variants
      .filter((v) => v.weightG !== null)
      .map((v) => ({ product: p.platformProductId, id: v.platformVariantId, weight: v.weightG, price: v.price, currency: v.currency ?? "INR" })),
  );
  await db.query(
    `INSERT INTO variants (coffee_id, platform_variant_id, weight_g, currency, price_current, last_seen_at)
     SELECT c.id, v.id, v.weight, v.currency, v.price, now()
       FROM jsonb_to_recordset($2::jsonb) AS v(product text, id text, weight integer, price numeric, currency text)
       JOIN coffees c ON c.roaster_id = $1 AND c.platform_product_id = v.product
     ON CONFLICT (coffee_id, platform_variant_id) DO UPDATE SET weight_g = EXCLUDED.weight_g, price_current = EXCLUDED.price_current`,
    [roasterId, JSON.stringify(variants)],
  );
  await db.query(
    `INSERT INTO prices (variant_id, price, currency)
     SELECT vr.id, v.price, v.currency
       FROM jsonb_to_recordset($2::jsonb) AS v(product text, id text, price numeric, currency text)
       JOIN coffees c ON c.roaster_id = $1 AND c.platform_product_id = v.product
       JOIN variants vr ON vr.coffee_id = c.id AND vr.platform_variant_id = v.id
      WHERE v.price IS NOT NULL`,
    [roasterId, JSON.stringify(variants)],
  );
}

// The tables a first ingest writes, in the order their foreign keys need, each with the rows
// of one roaster's products (parameter $1: the roaster's id).
const FLOOR_TABLES: { table: string; rows: string }[] = [
  { table: "public.coffees", rows: "SELECT c.* FROM public.coffees c WHERE c.roaster_id = $1" },
  { table: "public.coffee_images", rows: "SELECT i.* FROM public.coffee_images i JOIN public.coffees c ON c.id = i.coffee_id WHERE c.roaster_id = $1" },
  { table: "public.sensory_params", rows: "SELECT s.* FROM public.sensory_params s JOIN public.coffees c ON c.id = s.coffee_id WHERE c.roaster_id = $1" },
  { table: "public.variants", rows: "SELECT v.* FROM public.variants v JOIN public.coffees c ON c.id = v.coffee_id WHERE c.roaster_id = $1" },
  {
    table: "public.prices",
    rows: "SELECT p.* FROM public.prices p JOIN public.variants v ON v.id = p.variant_id JOIN public.coffees c ON c.id = v.coffee_id WHERE c.roaster_id = $1",
  },
  { table: "coffee_scraper.product_state", rows: "SELECT s.* FROM coffee_scraper.product_state s WHERE s.roaster_id = $1" },
];

/**
 * The server's floor for a first ingest: the rows `slug`'s first ingest wrote, copied into
 * shadow tables with the same columns, keys, indexes and foreign keys (between the shadows,
 * and to the users' roasters), one INSERT … SELECT a table in one transaction. Medians of 3
 * rounds (emptied in between). Products/s counts every listed product, as the ingest does.
 */
async function serverFloor(databaseUrl: string, slug: string, products: number): Promise<number> {
  const db = await openDatabase({ databaseUrl, dataDir: tmpdir() });
  try {
    const roasterId = (await db.query<{ id: string }>("SELECT id FROM public.roasters WHERE slug = $1", [slug]))[0]!.id;
    const shadow = (table: string) => `cs_floor.${table.split(".")[1]}`;
    await db.query("CREATE SCHEMA cs_floor");
    for (const { table } of FLOOR_TABLES) await db.query(`CREATE TABLE ${shadow(table)} (LIKE ${table} INCLUDING ALL)`);
    const keys = await db.query<{ tbl: string; ref: string; cols: string; refcols: string }>(
      `SELECT c.conrelid::regclass::text AS tbl, c.confrelid::regclass::text AS ref,
              (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.n) FROM unnest(c.conkey) WITH ORDINALITY AS k (attnum, n)
                 JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum) AS cols,
              (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.n) FROM unnest(c.confkey) WITH ORDINALITY AS k (attnum, n)
                 JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum) AS refcols
         FROM pg_constraint c WHERE c.contype = 'f' AND c.conrelid = ANY ($1::regclass[])`,
      [FLOOR_TABLES.map((t) => t.table)],
    );
    const qualified = (name: string) => (name.includes(".") ? name : `public.${name}`);
    const copied = new Set(FLOOR_TABLES.map((t) => t.table));
    for (const k of keys) {
      const ref = copied.has(qualified(k.ref)) ? shadow(qualified(k.ref)) : qualified(k.ref);
      await db.query(`ALTER TABLE ${shadow(qualified(k.tbl))} ADD FOREIGN KEY (${k.cols}) REFERENCES ${ref} (${k.refcols})`);
    }
    const rounds: number[] = [];
    for (let round = 0; round < 3; round++) {
      await db.query(`TRUNCATE ${FLOOR_TABLES.map((t) => shadow(t.table)).join(", ")}`);
      const t0 = performance.now();
      await db.transaction(async (tx) => {
        for (const { table, rows } of FLOOR_TABLES) await tx.query(`INSERT INTO ${shadow(table)} ${rows}`, [roasterId]);
      });
      rounds.push(products / ((performance.now() - t0) / 1000));
    }
    await db.query("DROP SCHEMA cs_floor CASCADE");
    return rounds.sort((a, b) => a - b)[1]!;
  } finally {
    await db.close();
  }
}

/** The heap budget production processes run with (the Dockerfile's NODE_OPTIONS). */
function shippedNodeOptions(): string {
  const dockerfile = readFileSync(new URL("../Dockerfile", import.meta.url), "utf8");
  return /NODE_OPTIONS=(\S+)/.exec(dockerfile)?.[1] ?? "";
}

function withoutServers(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { REDIS_URL: _redis, DATABASE_URL: _database, ...rest } = env;
  return rest;
}

/**
 * Peak RSS (VmHWM) of a real `coffee-scraper scrape` process over a big store, a first ingest
 * (a roaster of its own: over one already written, most of the work would be skipped).
 */
async function peakRss(databaseUrl: string | undefined, nodeOptions: string, slug: string): Promise<{ mb: number; seconds: number; status: string }> {
  const store = await startStoreServer({ platform: "shopify", products: RSS_PRODUCTS });
  const settings = benchSettings(databaseUrl);
  const db = await openDatabase({ databaseUrl, dataDir: settings.DATA_DIR });
  if (!databaseUrl) await migrate(db);
  await addRoaster(db, slug, store.url);
  await db.close();
  const t0 = performance.now();
  const child = spawn(process.execPath, ["bin/coffee-scraper.js", "scrape", slug, "--type", "full"], {
    // No REDIS_URL: `scrape` needs no queue, and would leave its queue's keys in the shared Redis.
    env: { ...withoutServers(process.env), NODE_OPTIONS: nodeOptions, ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}), DATA_DIR: settings.DATA_DIR, HTTP_DELAY_MS: "0", HTTP_JITTER_MS: "0", ALLOW_PRIVATE_NETWORKS: "true", LOG_LEVEL: "warn", LOG_FORMAT: "json" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let peakKb = 0;
  const poll = setInterval(() => {
    try {
      const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"));
      if (match) peakKb = Math.max(peakKb, Number(match[1]));
    } catch {
      // the process has exited
    }
  }, 50);
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  clearInterval(poll);
  await store.close();
  return { mb: peakKb / 1024, seconds: (performance.now() - t0) / 1000, status: code === 0 ? "ok" : `exit ${code}: ${out.slice(-300)}` };
}

async function main() {
  const bench = await createBenchDatabase("bench:ingest");
  try {
    const setup = await openDatabase({ databaseUrl: bench.url, dataDir: tmpdir() });
    await migrate(setup);
    await setup.close();
    const proxyTarget = new URL(bench.url);
    const proxy = await startLatencyProxy({ host: proxyTarget.hostname, port: Number(proxyTarget.port || 5432) }, LATENCY_MS);
    const viaProxy = new URL(bench.url);
    viaProxy.hostname = "127.0.0.1";
    viaProxy.port = String(proxy.port);

    // No ETags: a second run reads every page in full, so it is the product-level check that is measured.
    const stores = await Promise.all([0, 1, 2, 3, 4, 5, 6, 7].map(() => startStoreServer({ platform: "shopify", products: PRODUCTS, etag: false })));
    console.log(`bench:ingest — ${PRODUCTS} Shopify products (${machine()}, ${new Date().toISOString()})`);
    // Each stand-in store builds and compresses a page the first time it serves it, in this
    // process: read every store once first, so that no figure below carries the store's setup.
    for (const store of stores) await readOnly(store);
    const cold = await pipelineRun(bench.url, stores[6]!, "cold-ours", {}, 1);
    const coldBase = await baselineRun(bench.url, stores[7]!, "cold-base", 1);
    const reading = await readOnly(stores[0]!);
    const directBase = await baselineRun(bench.url, stores[0]!, "base-direct");
    const directOurs = await pipelineRun(bench.url, stores[1]!, "ours-direct");
    const floor = await serverFloor(bench.url, `ours-direct-${ROUNDS}`, PRODUCTS);
    const proxyBase = await baselineRun(viaProxy.toString(), stores[2]!, "base-proxy");
    const proxyOurs = await pipelineRun(viaProxy.toString(), stores[3]!, "ours-proxy");
    const pglite = await pipelineRun(undefined, stores[4]!, "ours-pglite");
    const touched = await pipelineRun(bench.url, stores[5]!, "ours-touched", { TOUCH_UNCHANGED_VARIANTS: "true" });
    await Promise.all(stores.map((s) => s.close()));
    await proxy.close();

    const row = (label: string, ours: { productsPerSecond: number }, base: { productsPerSecond: number }, target: number, baseline = "baseline") =>
      console.log(
        `${label.padEnd(46)} ours ${ours.productsPerSecond.toFixed(0).padStart(6)} products/s   ${baseline} ${base.productsPerSecond
          .toFixed(0)
          .padStart(6)} products/s   ratio ${(ours.productsPerSecond / base.productsPerSecond).toFixed(2)}   target >= ${target}: ${
          ours.productsPerSecond >= target ? "met" : "NOT met"
        }`,
      );
    const readBase = { productsPerSecond: reading };
    console.log(`reading the store alone (fetch + JSON.parse, the bare-loop baseline): ${reading.toFixed(0)} products/s`);
    row("(a) PostgreSQL direct, first ingest", directOurs.first, directBase, 2000);
    console.log(
      `${"    the server's floor for the same rows".padEnd(46)} ${floor.toFixed(0).padStart(11)} products/s   ` +
        `(those rows copied table to table, same keys, indexes and foreign keys; ours ${(directOurs.first.productsPerSecond / floor).toFixed(2)} of it)`,
    );
    console.log(
      `${"    the same, this process's first (cold)".padEnd(46)} ours ${cold.first.productsPerSecond.toFixed(0).padStart(6)} products/s   ` +
        `baseline ${coldBase.productsPerSecond.toFixed(0).padStart(6)} products/s   (for reference; no target)`,
    );
    row("(a) PostgreSQL direct, unchanged re-ingest", directOurs.again, readBase, 10_000, "bare reading");
    row("(a) the same, TOUCH_UNCHANGED_VARIANTS=true", touched.again, readBase, 10_000, "bare reading");
    row(`(b) PostgreSQL +${LATENCY_MS} ms each way, first ingest`, proxyOurs.first, proxyBase, 200);
    row(`(b) PostgreSQL +${LATENCY_MS} ms each way, unchanged`, proxyOurs.again, readBase, 2000, "bare reading");
    row("(c) PGlite, first ingest", pglite.first, directOurs.first, 1000, "PostgreSQL");
    row("(c) PGlite, unchanged re-ingest", pglite.again, directOurs.again, 5000, "PostgreSQL");
    console.log(
      `unchanged re-ingests recognised ${directOurs.again.unchanged}, ${proxyOurs.again.unchanged} and ${pglite.again.unchanged} of ${PRODUCTS} products as unchanged`,
    );
    console.log(`database round trips per page (ours, first ingest): ${directOurs.first.roundTripsPerPage.toFixed(2)} (${directOurs.first.pages} pages)`);

    for (const [label, options, slug, databaseUrl] of [
      ["as shipped (" + shippedNodeOptions() + ")", shippedNodeOptions(), "rss-shipped", bench.url],
      ["V8 defaults, no heap budget", "", "rss-defaults", bench.url],
      ["embedded PGlite, as shipped", shippedNodeOptions(), "rss-embedded", undefined],
    ] as const) {
      const rss = await peakRss(databaseUrl, options, slug);
      // The target is the shipped process's on PostgreSQL; the others show what the heap budget
      // is for, and what the embedded database's own heap (its WebAssembly memory) adds.
      const verdict = options && databaseUrl ? `target < 300 MB: ${rss.mb < 300 ? "met" : "NOT met"}` : "for comparison, no target";
      console.log(
        `peak RSS of \`coffee-scraper scrape\` over ${RSS_PRODUCTS} products, ${label}: ${rss.mb.toFixed(0)} MB ` +
          `(${verdict}), ${rss.seconds.toFixed(1)} s, ${rss.status}`,
      );
    }
  } finally {
    await bench.drop();
  }
}

await main();
