// npm run bench:fetch — the polite client and the Shopify adapter against a local store of
// 10,000 products.
//   1. Pacing off: pages/s and products/s fetched and validated, against a bare `fetch` loop
//      over the same pages in the same run (target ratio >= 0.8).
//   2. Pacing on (250 ± 100 ms, concurrency 3): wall time against the theoretical minimum
//      (N − 1) × 250 ms for the N requests made (target within 10 %).
import { performance } from "node:perf_hooks";
import { openDatabase } from "../src/db/open-database.ts";
import { migrate } from "../src/db/migrate.ts";
import { databaseSiteMemory } from "../src/db/site-memory.ts";
import { createFetchStats } from "../src/fetch/stats.ts";
import { createHttpClient } from "../src/fetch/client.ts";
import { RobotsCache } from "../src/fetch/robots.ts";
import { adapterFor } from "../src/platforms/registry.ts";
import { addRoaster, testHttpSettings } from "../test/helpers/fetch.ts";
import { startStoreServer } from "../test/helpers/store-server.ts";

const PRODUCTS = 10_000;
const ROUNDS = 3;

const server = await startStoreServer({ platform: "shopify", products: PRODUCTS });
const db = await openDatabase({ dataDir: "memory://" });
await migrate(db);
const roaster = await addRoaster(db, server.url, { slug: "bench-roaster" });

async function ours(settings: Parameters<typeof testHttpSettings>[0]) {
  const client = createHttpClient({ memory: databaseSiteMemory(db), robotsCache: new RobotsCache(), settings: testHttpSettings(settings) });
  const stats = createFetchStats();
  const site = client.forSite({ roaster, stats });
  const started = performance.now();
  let pages = 0;
  let products = 0;
  let errors = 0;
  // Unconditional: every page is fetched and validated in full, like the bare loop.
  for await (const page of adapterFor("shopify").pages({ roaster, http: site, conditional: false })) {
    if (page.products.length > 0) pages++;
    products += page.products.length;
    errors += page.productErrors.length + (page.error ? 1 : 0);
  }
  const ms = performance.now() - started;
  await client.close();
  return { ms, pages, products, errors, stats };
}

async function bare() {
  const started = performance.now();
  let pages = 0;
  let products = 0;
  for (let page = 1; ; page++) {
    const res = await fetch(`${server.url}/products.json?limit=250&page=${page}`);
    const json = (await res.json()) as { products: unknown[] };
    if (json.products.length === 0) break;
    pages++;
    products += json.products.length;
    if (json.products.length < 250) break;
  }
  return { ms: performance.now() - started, pages, products };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

console.log(`store: ${PRODUCTS} Shopify products on ${server.url} (gzip), ${ROUNDS} rounds each, alternating\n`);
await bare(); // warm-up: connections, JIT
await ours({});
const oursMs: number[] = [];
const bareMs: number[] = [];
let last: Awaited<ReturnType<typeof ours>> | undefined;
let lastBare: Awaited<ReturnType<typeof bare>> | undefined;
for (let i = 0; i < ROUNDS; i++) {
  lastBare = await bare();
  bareMs.push(lastBare.ms);
  last = await ours({});
  oursMs.push(last.ms);
}
const o = median(oursMs);
const b = median(bareMs);
console.log("1. pacing off");
console.log(`   bare fetch loop : ${lastBare!.pages} pages, ${lastBare!.products} products in ${b.toFixed(0)} ms` +
  ` → ${((lastBare!.pages / b) * 1000).toFixed(1)} pages/s, ${((lastBare!.products / b) * 1000).toFixed(0)} products/s`);
console.log(`   polite + zod    : ${last!.pages} pages, ${last!.products} products in ${o.toFixed(0)} ms` +
  ` → ${((last!.pages / o) * 1000).toFixed(1)} pages/s, ${((last!.products / o) * 1000).toFixed(0)} products/s` +
  ` (${last!.errors} errors, ${last!.stats.requests} requests)`);
console.log(`   ratio (polite / bare throughput): ${(b / o).toFixed(2)}  (target >= 0.8)\n`);

const paced = await ours({ HTTP_DELAY_MS: 250, HTTP_JITTER_MS: 100 });
const n = paced.stats.requests;
const minimum = (n - 1) * 250;
console.log("2. pacing on (250 ± 100 ms, concurrency 3)");
console.log(`   ${n} requests (robots.txt, /meta.json, ${paced.pages + 1} listing pages) in ${paced.ms.toFixed(0)} ms;` +
  ` theoretical minimum (${n} − 1) × 250 ms = ${minimum} ms`);
console.log(`   wall / minimum: ${(paced.ms / minimum).toFixed(3)}  (target within 10 %)`);
console.log(`   max in flight at the server ${server.maxInFlight()}, ` +
  `min gap between requests as they went out in the paced run ${Math.min(...server.startGaps().slice(-(n - 1))).toFixed(1)} ms`);

await server.close();
await db.close();
