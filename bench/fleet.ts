// npm run bench:fleet — a fleet refresh as a user runs one: N roasters (BENCH_ROASTERS,
// default 300) × BENCH_PRODUCTS (default 200) products with real store descriptions on local
// stores, pacing ON (HTTP_DELAY_MS 250 ± 100 ms, default_concurrency 3), two `worker`
// processes × WORKER_CONCURRENCY 10 on BullMQ (REDIS_URL) + PostgreSQL (DATABASE_URL).
// A first full refresh, then a second one over stores where nothing changed. The stores send
// no ETags, so every page is read again and it is the product-level check that is measured.
// A third, a first full refresh of as many other roasters whose stores serve BENCH_PAGE_SIZE
// (default 25) products a page, so that a store is several pages (as a store behind a page-size
// cap, or a WooCommerce store, is): the refresh the pacing-bound target is judged on, since with
// one page a store the minimum is a few requests a job and the refresh is bound by CPU instead.
// A fourth, as the second, with TOUCH_UNCHANGED_VARIANTS=true (each unchanged product's variants'
// seen times moved too: one row rewrite per variant in the users' database).
//
// Each refresh is printed against its pacing-bound minimum, computed from the requests the
// runs actually made: a job's requests start at least HTTP_DELAY_MS apart, so a job of r
// requests needs (r − 1) × HTTP_DELAY_MS, and the fleet needs the sum of that over the
// worker slots (or its longest job, if longer). Also: products/s, the workers' CPU seconds
// per 1,000 products and their page faults a product (from /proc), and where the runs' time
// went (fetch / parse / normalize / write, from their stats). BENCH_FIRST_ONLY=true stops after
// the first refresh (for comparing two builds, a run each in turn). For looking inside the
// workers: BENCH_WORKER_ARGS adds node flags to theirs (`--cpu-prof --cpu-prof-dir=DIR`,
// `--trace-gc`), and BENCH_WORKER_LOG=PREFIX writes each one's output to PREFIX.<pid>.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { appendFileSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { importRoasters } from "../src/app/import-roasters.ts";
import { roasterConfigSchema } from "../src/config/roaster.ts";
import { openDatabase } from "../src/db/open-database.ts";
import { migrate } from "../src/db/migrate.ts";
import { jobIdFor, type JobPayload } from "../src/queue/job.ts";
import { startStoreServer, type StoreServer } from "../test/helpers/store-server.ts";
import { createBenchDatabase, machine } from "./lib/postgres.ts";

const ROASTERS = Number(process.env.BENCH_ROASTERS ?? 300);
const PRODUCTS = Number(process.env.BENCH_PRODUCTS ?? 200);
const STORES = Math.min(ROASTERS, Number(process.env.BENCH_STORES ?? 20));
const PAGE_SIZE = Number(process.env.BENCH_PAGE_SIZE ?? 25);
const WORKERS = 2;
const CONCURRENCY = 10;
const DELAY_MS = 250;
const JITTER_MS = 100;
const REDIS_URL = process.env.REDIS_URL;
const ROOT = path.resolve(import.meta.dirname, "..");
const TARGETS = { unchangedOverMinimum: 3, unchangedCpuShare: 0.2, firstCpuUsPerProduct: 300, firstOverMinimum: 3 };

interface Worker {
  child: ChildProcess;
  output: string[];
}

function startWorker(env: NodeJS.ProcessEnv): Worker {
  const nodeArgs = (process.env.BENCH_WORKER_ARGS ?? "").split(" ").filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, path.join(ROOT, "bin/coffee-scraper.js"), "worker"], { env, stdio: ["ignore", "pipe", "pipe"] });
  const log = process.env.BENCH_WORKER_LOG ? `${process.env.BENCH_WORKER_LOG}.${child.pid}` : null;
  const worker = { child, output: [] as string[] };
  const keep = (d: Buffer) => {
    if (log) appendFileSync(log, d);
    worker.output.push(d.toString());
    if (worker.output.length > 200) worker.output.shift();
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  return worker;
}

async function stopWorkers(workers: Worker[]): Promise<void> {
  for (const w of workers) w.child.kill("SIGTERM");
  await Promise.all(workers.map((w) => new Promise((resolve) => (w.child.exitCode !== null ? resolve(null) : w.child.once("exit", resolve)))));
}

/** A process's /proc/<pid>/stat fields after its name. */
const statOf = (pid: number) => readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");

/** User + system CPU seconds a process has used so far. */
function cpuSeconds(pid: number): number {
  const fields = statOf(pid);
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime
  return ticks / 100;
}

/**
 * Minor page faults a process has taken so far: memory first touched. On a virtual machine
 * each costs microseconds of what shows as the process's own CPU time.
 */
const minorFaults = (pid: number) => Number(statOf(pid)[7]);

interface RunRow {
  requests: number;
  products: number;
  unchanged: number;
  t: { fetch_and_parse: number; fetch: number; normalize: number; write: number };
}

async function main(): Promise<void> {
  if (!REDIS_URL) {
    console.error("bench:fleet needs Redis: REDIS_URL=redis://127.0.0.1:6379 DATABASE_URL=… npm run bench:fleet");
    process.exit(2);
  }
  const bench = await createBenchDatabase("bench:fleet");
  const prefix = `bench-fleet-${randomBytes(4).toString("hex")}`;
  const stores: StoreServer[] = [];
  const workers: Worker[] = [];
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue("scrape", { connection, prefix });
  try {
    for (let i = 0; i < STORES; i++) stores.push(await startStoreServer({ platform: "shopify", products: PRODUCTS, etag: false }));
    const pagedStores: StoreServer[] = [];
    for (let i = 0; i < STORES; i++) {
      pagedStores.push(await startStoreServer({ platform: "shopify", products: PRODUCTS, etag: false, shopifyPageCap: PAGE_SIZE }));
    }
    stores.push(...pagedStores);
    const db = await openDatabase({ databaseUrl: bench.url, dataDir: tmpdir() });
    await migrate(db);
    await importRoasters(
      db,
      Array.from({ length: ROASTERS }, (_, i) => [
        roasterConfigSchema.parse({ slug: `fleet-${i}`, name: `Fleet ${i}`, website: stores[i % STORES]!.url, platform: "shopify" }),
        roasterConfigSchema.parse({ slug: `paged-${i}`, name: `Paged ${i}`, website: pagedStores[i % STORES]!.url, platform: "shopify" }),
      ]).flat(),
    );
    const env = {
      ...process.env,
      DATABASE_URL: bench.url,
      REDIS_URL,
      QUEUE_PREFIX: prefix,
      WORKER_CONCURRENCY: String(CONCURRENCY),
      HTTP_DELAY_MS: String(DELAY_MS),
      HTTP_JITTER_MS: String(JITTER_MS),
      ALLOW_PRIVATE_NETWORKS: "true",
      DATA_DIR: mkdtempSync(path.join(tmpdir(), "cs-fleet-")),
      LOG_LEVEL: "warn",
      LOG_FORMAT: "json",
      NODE_OPTIONS: "--max-old-space-size=256",
    };
    for (let i = 0; i < WORKERS; i++) workers.push(startWorker(env));
    await new Promise((resolve) => setTimeout(resolve, 3000)); // the workers connect and migrate

    console.log(
      `bench:fleet — ${ROASTERS} roasters × ${PRODUCTS} products on ${STORES} local stores (no ETags; as many again on ${STORES} stores of ${PAGE_SIZE} a page), pacing ${DELAY_MS} ± ${JITTER_MS} ms, ` +
        `concurrency 3 per store, ${WORKERS} workers × ${CONCURRENCY} on BullMQ + PostgreSQL (${machine()}, ${new Date().toISOString()})`,
    );
    const refresh = async (
      label: string,
      tag: string,
      roasters = "fleet",
    ): Promise<{ seconds: number; cpu: number; products: number; minimum: number }> => {
      const cpu0 = workers.reduce((n, w) => n + cpuSeconds(w.child.pid!), 0);
      const flt0 = workers.reduce((n, w) => n + minorFaults(w.child.pid!), 0);
      const t0 = performance.now();
      const jobs: JobPayload[] = Array.from({ length: ROASTERS }, (_, i) => ({
        roaster: `${roasters}-${i}`,
        type: "full_refresh",
        slot: `bench-${tag}`,
        reason: "bench:fleet",
      }));
      await queue.addBulk(jobs.map((data) => ({ name: data.type, data, opts: { jobId: jobIdFor(data), removeOnComplete: true } })));
      for (;;) {
        const c = await queue.getJobCounts("waiting", "active", "delayed", "failed", "prioritized");
        if (c.failed) throw new Error(`${c.failed} job(s) failed: ${workers.map((w) => w.output.join("")).join("\n").slice(-2000)}`);
        if ((c.waiting ?? 0) + (c.active ?? 0) + (c.delayed ?? 0) + (c.prioritized ?? 0) === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const seconds = (performance.now() - t0) / 1000;
      const cpu = workers.reduce((n, w) => n + cpuSeconds(w.child.pid!), 0) - cpu0;
      const flt = workers.reduce((n, w) => n + minorFaults(w.child.pid!), 0) - flt0;
      const rows = await db.query<RunRow>(
        `SELECT (stats_json->>'requests')::int AS requests, (stats_json->>'products_seen')::int AS products,
                COALESCE((stats_json->>'products_unchanged')::int, 0) AS unchanged, stats_json->'timings_ms' AS t
           FROM coffee_scraper.runs WHERE job_id LIKE $1`,
        [`full_refresh.%.bench${tag}`],
      );
      const products = rows.reduce((n, r) => n + r.products, 0);
      const jobMinimums = rows.map((r) => Math.max(0, r.requests - 1) * (DELAY_MS / 1000));
      const minimum = Math.max(Math.max(...jobMinimums), jobMinimums.reduce((a, b) => a + b, 0) / (WORKERS * CONCURRENCY));
      const sum = (k: keyof RunRow["t"]) => rows.reduce((n, r) => n + (r.t?.[k] ?? 0), 0);
      const fetch = sum("fetch");
      const parse = Math.max(0, sum("fetch_and_parse") - fetch);
      const total = fetch + parse + sum("normalize") + sum("write");
      const share = (ms: number) => `${((ms / total) * 100).toFixed(0)}%`;
      console.log(
        `${label.padEnd(30)} ${seconds.toFixed(1).padStart(6)} s   pacing-bound minimum ${minimum.toFixed(1)} s   wall / minimum ${(seconds / minimum).toFixed(1)}   ` +
          `${(products / seconds).toFixed(0)} products/s   worker CPU ${cpu.toFixed(1)} s = ${((cpu / products) * 1e6).toFixed(0)} µs/product ` +
          `(${((cpu / products) * 1000).toFixed(2)} s per 1,000; ${(flt / products).toFixed(1)} page faults a product)   ${rows.reduce((n, r) => n + r.unchanged, 0)} of ${products} unchanged   ` +
          `time in fetch ${share(fetch)} / parse ${share(parse)} / normalize ${share(sum("normalize"))} / write ${share(sum("write"))}   ` +
          `(${rows.length} runs, ${rows.reduce((n, r) => n + r.requests, 0)} requests)`,
      );
      return { seconds, cpu, products, minimum };
    };
    const first = await refresh("first full refresh", "first");
    if (process.env.BENCH_FIRST_ONLY === "true") {
      await db.close();
      return;
    }
    const again = await refresh("second, nothing changed", "again");
    const paged = await refresh(`first, stores of ${PAGE_SIZE} a page`, "paged", "paged");
    // The same, with the workers restarted to move the seen times of unchanged products' variants
    // too (TOUCH_UNCHANGED_VARIANTS=true), which the default leaves alone.
    await stopWorkers(workers);
    workers.length = 0;
    for (let i = 0; i < WORKERS; i++) workers.push(startWorker({ ...env, TOUCH_UNCHANGED_VARIANTS: "true" }));
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const touched = await refresh("third, TOUCH_UNCHANGED_VARIANTS=true", "touched");
    const verdict = (ok: boolean) => (ok ? "met" : "NOT met");
    const cpuShare = again.cpu / first.cpu;
    const firstUs = (first.cpu / first.products) * 1e6;
    console.log(
      `with TOUCH_UNCHANGED_VARIANTS=true, nothing changed: ${(touched.seconds / touched.minimum).toFixed(1)}× its minimum, ` +
        `worker CPU ${(touched.cpu / first.cpu).toFixed(2)} of the first refresh's (the targets are judged on the default, above)`,
    );
    const pagedOver = paged.seconds / paged.minimum;
    console.log(
      `targets: nothing changed within ${TARGETS.unchangedOverMinimum}× its minimum: ${(again.seconds / again.minimum).toFixed(1)}× ${verdict(again.seconds / again.minimum <= TARGETS.unchangedOverMinimum)}; ` +
        `its worker CPU <= ${TARGETS.unchangedCpuShare} of the first refresh's: ratio ${cpuShare.toFixed(2)} ${verdict(cpuShare <= TARGETS.unchangedCpuShare)}; ` +
        `first refresh <= ${TARGETS.firstCpuUsPerProduct} µs of worker CPU per product: ${firstUs.toFixed(0)} µs ${verdict(firstUs <= TARGETS.firstCpuUsPerProduct)}; ` +
        `first refresh, stores of several pages (${PAGE_SIZE} a page), within ${TARGETS.firstOverMinimum}× its minimum: ${pagedOver.toFixed(1)}× ${verdict(pagedOver <= TARGETS.firstOverMinimum)} ` +
        `(one page a store: ${(first.seconds / first.minimum).toFixed(1)}×, for reference: its minimum is a few requests a job, so CPU bounds it)`,
    );
    await db.close();
  } finally {
    await stopWorkers(workers);
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
    connection.disconnect();
    await Promise.all(stores.map((s) => s.close()));
    await bench.drop();
  }
}

await main();
