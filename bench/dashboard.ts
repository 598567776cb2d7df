// npm run bench:dashboard — page times of the operations dashboard at the volume issue 9
// names: 2,000 roasters, 200,000 variants and 5,000,000 price rows (plus 60,000 runs,
// 120,000 stored-page rows and 50,000 price alerts), seeded set-based (INSERT … SELECT
// generate_series) into a database created for the run and dropped after it. Each page type
// is requested over real HTTP, sequentially, and p50/p95 are printed against the 300 ms target.
//
// Needs DATABASE_URL (a server where it may create and drop a database).
// BENCH_REQUESTS (default 25 per page type) tunes it; BENCH_KEEP_DB=1 keeps the database to look into.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import { createDeps } from "../src/app/runtime.ts";
import { loadSettings } from "../src/config/settings.ts";
import { startDashboard } from "../src/dashboard/server.ts";
import type { Database } from "../src/db/database.ts";
import { openDatabase } from "../src/db/open-database.ts";
import { migrate } from "../src/db/migrate.ts";
import { createBenchDatabase, machine } from "./lib/postgres.ts";

const ROASTERS = 2000;
const COFFEES_PER_ROASTER = 25;
const VARIANTS_PER_COFFEE = 4;
const PRICES_PER_VARIANT = 25;
const RUNS_PER_ROASTER = 30;
const ALERTS = 50_000;
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 25);
const TARGET_MS = 300;
const silent = pino({ level: "silent" });

async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await fn();
  console.log(`  ${label.padEnd(44)} ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return result;
}

async function seed(db: Database): Promise<void> {
  await timed(`${ROASTERS} roasters + stores`, async () => {
    await db.query(
      `INSERT INTO roasters (name, slug, website, platform, is_active, robots_allow)
       SELECT 'Roaster ' || g, 'roaster-' || g, 'https://roaster-' || g || '.example', 'shopify', g % 40 <> 0,
              CASE WHEN g % 50 = 0 THEN false ELSE true END
         FROM generate_series(1, $1) g`,
      [ROASTERS],
    );
    await db.query(
      `INSERT INTO coffee_scraper.roaster_options (roaster_id, currency) SELECT id, 'INR' FROM roasters`,
    );
    await db.query(
      `INSERT INTO product_sources (roaster_id, base_url, platform) SELECT id, website, 'shopify' FROM roasters`,
    );
  });
  await timed(`${ROASTERS * COFFEES_PER_ROASTER} coffees`, () =>
    db.query(
      `INSERT INTO coffees (roaster_id, name, slug, platform_product_id, status, roast_level, process, first_seen_at)
       SELECT r.id, 'Estate ' || g || ' <' || r.slug || '>', 'estate-' || g, 'p' || g, 'active',
              (ARRAY['light','medium','dark']::roast_level_enum[])[1 + g % 3],
              (ARRAY['washed','natural','honey']::process_enum[])[1 + g % 3], now() - interval '400 days'
         FROM roasters r CROSS JOIN generate_series(1, $1) g`,
      [COFFEES_PER_ROASTER],
    ),
  );
  await timed(`${ROASTERS * COFFEES_PER_ROASTER * VARIANTS_PER_COFFEE} variants`, () =>
    db.query(
      `INSERT INTO variants (coffee_id, platform_variant_id, weight_g, grind, currency, price_current, in_stock, last_seen_at,
                             price_last_checked_at, created_at)
       SELECT c.id, 'v' || g, (ARRAY[250, 500, 1000, 250])[g], (ARRAY['whole','filter','espresso','french press']::grind_enum[])[g],
              'INR', 300 + g * 200, g % 4 <> 0, now(), now(), now() - interval '2 years'
         FROM coffees c CROSS JOIN generate_series(1, $1) g`,
      [VARIANTS_PER_COFFEE],
    ),
  );
  await timed(
    `${ROASTERS * COFFEES_PER_ROASTER * VARIANTS_PER_COFFEE * PRICES_PER_VARIANT} price rows (two years)`,
    () =>
      db.query(
        `INSERT INTO prices (variant_id, price, currency, is_sale, scraped_at)
       SELECT v.id, v.price_current + (g % 7) * 10, 'INR', g % 11 = 0,
              now() - ((($1 - g) * 29 + (hashtext(v.id::text) & 15)) || ' days')::interval
         FROM variants v CROSS JOIN generate_series(1, $1) g`,
        [PRICES_PER_VARIANT],
      ),
  );
  await timed(`${ROASTERS * RUNS_PER_ROASTER} runs over 30 days, 2 stored pages each`, async () => {
    await db.query(
      `INSERT INTO scrape_runs (source_id, started_at, finished_at, status, stats_json)
       SELECT s.id, t, t + interval '40 seconds',
              (CASE WHEN g % 17 = 0 THEN 'fail' WHEN g % 7 = 0 THEN 'partial' ELSE 'ok' END)::run_status_enum,
              jsonb_build_object('job_type', CASE WHEN g % 5 = 0 THEN 'full_refresh' ELSE 'price_only' END, 'job_id', 'job-' || g,'pages', 2, 'products_seen', 25, 'variants_upserted', 100, 'prices_inserted', g % 9,
                                 'requests', 3, 'duration_ms', 40000, 'bytes', 250000,
                                 'errors', CASE WHEN g % 17 = 0 THEN jsonb_build_array(jsonb_build_object('scope', 'run', 'message', 'store answered 503'))
                                                ELSE '[]'::jsonb END)
         FROM product_sources s CROSS JOIN generate_series(1, $1) g
         CROSS JOIN LATERAL (SELECT now() - (g * interval '1 day') + (hashtext(s.id::text) & 1023) * interval '1 minute' AS t) x`,
      [RUNS_PER_ROASTER],
    );
    await db.query(
      `INSERT INTO coffee_scraper.run_jobs (run_id, job_id, job_type)
       SELECT id, stats_json->>'job_id', stats_json->>'job_type' FROM scrape_runs`,
    );
    await db.query(
      `INSERT INTO scrape_artifacts (run_id, url, http_status, body_len, saved_html_path, saved_json)
       SELECT r.id, 'https://store.example/products.json?page=' || g, 200, 120000, NULL, jsonb_build_object('page', g, 'part', 0)
         FROM scrape_runs r CROSS JOIN generate_series(1, 2) g`,
    );
  });
  await timed(`${ALERTS} price alerts`, () =>
    db.query(
      `INSERT INTO coffee_scraper.price_alerts (roaster_id, coffee_id, variant_id, old_price, new_price, currency, delta_pct, created_at)
       SELECT c.roaster_id, c.id, v.id, v.price_current, v.price_current * 1.2, 'INR', 20, now() - (n % 365) * interval '1 day'
         FROM (SELECT id, coffee_id, price_current, row_number() OVER () AS n FROM variants LIMIT $1) v
         JOIN coffees c ON c.id = v.coffee_id`,
      [ALERTS],
    ),
  );
  await timed("VACUUM ANALYZE", () => db.exec("VACUUM ANALYZE"));
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function main() {
  const target = await createBenchDatabase("bench:dashboard");
  const db = await openDatabase({ databaseUrl: target.url, dataDir: "unused" });
  try {
    console.log(`bench:dashboard on ${machine()}\nseeding (set-based):`);
    await migrate(db);
    await seed(db);
    const settings = loadSettings(
      {
        DATABASE_URL: target.url,
        DASHBOARD_PORT: "0",
        LOG_LEVEL: "silent",
        DATA_DIR: mkdtempSync(path.join(tmpdir(), "cs-bench-dash-")),
      },
      false,
    );
    const deps = createDeps(settings, db, silent);
    const dashboard = await startDashboard({
      settings,
      db,
      queue: null,
      log: silent,
      clock: deps.clock,
      artifacts: deps.artifacts,
    });
    const pick = async (sql: string) => (await db.query<{ v: string }>(sql)).map((r) => r.v);
    const slugs = await pick(`SELECT slug AS v FROM roasters ORDER BY random() LIMIT ${REQUESTS}`);
    const coffees = await pick(`SELECT id::text AS v FROM coffees ORDER BY random() LIMIT ${REQUESTS}`);
    const runs = await pick(`SELECT id::text AS v FROM scrape_runs ORDER BY random() LIMIT ${REQUESTS}`);
    const pages: [string, (i: number) => string][] = [
      ["overview", () => "/"],
      ["overview, failing only", () => "/?health=failing"],
      ["roaster", (i) => `/roasters/${slugs[i % slugs.length]}`],
      ["coffee (variants + price charts)", (i) => `/coffees/${coffees[i % coffees.length]}`],
      ["runs", () => "/runs"],
      ["runs, filtered (fail, full)", () => "/runs?status=fail&type=full_refresh"],
      ["runs, page 40", () => "/runs?page=40"],
      ["run", (i) => `/runs/${runs[i % runs.length]}`],
      ["alerts", () => "/alerts"],
      ["alerts, one roaster", (i) => `/alerts?roaster=${slugs[i % slugs.length]}`],
    ];
    console.log(
      `\npage times over HTTP, ${REQUESTS} requests each after 3 warm-ups (target p95 < ${TARGET_MS} ms):`,
    );
    console.log(`  ${"page".padEnd(36)} ${"p50".padStart(8)} ${"p95".padStart(8)} ${"max".padStart(8)}`);
    let worst = 0;
    for (const [label, url] of pages) {
      for (let i = 0; i < 3; i++) await (await fetch(`${dashboard.url}${url(i)}`)).text();
      const times: number[] = [];
      for (let i = 0; i < REQUESTS; i++) {
        const started = performance.now();
        const res = await fetch(`${dashboard.url}${url(i)}`);
        await res.text();
        if (res.status !== 200) throw new Error(`${url(i)} answered ${res.status}`);
        times.push(performance.now() - started);
      }
      times.sort((a, b) => a - b);
      const p95 = percentile(times, 95);
      worst = Math.max(worst, p95);
      const fmt = (n: number) => `${n.toFixed(0)} ms`.padStart(8);
      console.log(
        `  ${label.padEnd(36)} ${fmt(percentile(times, 50))} ${fmt(p95)} ${fmt(times[times.length - 1]!)} ${p95 < TARGET_MS ? "ok" : "SLOW"}`,
      );
    }
    console.log(
      `\nworst p95: ${worst.toFixed(0)} ms (${worst < TARGET_MS ? "within" : "over"} the ${TARGET_MS} ms target)`,
    );
    await dashboard.close();
    await deps.http.close();
  } finally {
    await db.close();
    if (process.env.BENCH_KEEP_DB) console.log(`kept ${target.url}`);
    else await target.drop();
  }
}

await main();
