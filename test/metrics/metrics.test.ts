import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDeps } from "../../src/app/runtime.ts";
import type { HttpServer } from "../../src/core/serve-http.ts";
import { openDatabase } from "../../src/db/open-database.ts";
import { findRoaster, upsertRoaster } from "../../src/db/roasters.ts";
import type { Database } from "../../src/db/database.ts";
import { startMetricsServer } from "../../src/metrics/server.ts";
import type { QueueBackend } from "../../src/queue/backend.ts";
import { openQueue } from "../../src/queue/open-queue.ts";
import { releaseLease, tryAcquireLease } from "../../src/db/leases.ts";
import { startWorker } from "../../src/worker/worker.ts";
import { useTestDatabase } from "../helpers/database.ts";
import { captureLogger } from "../helpers/logs.ts";
import { parsePrometheusText } from "../helpers/prometheus.ts";
import { startStoreServer, type StoreServer } from "../helpers/store-server.ts";
import { seedSettings } from "../dashboard/seed.ts";
import { until } from "../helpers/until.ts";

// The worker's metrics: a failing job's run is counted from its stats in scrape_runs
// (requests, statuses), a job deferred by a held lease is a lease conflict, and the METRICS_PORT
// server answers /metrics, /healthz and /readyz (503 when the database is gone).

const database = useTestDatabase("pglite");
const { log } = captureLogger();
const settings = seedSettings({ JOB_ATTEMPTS: 1, JOB_DEFER_MS: 60_000 });
let store: StoreServer;
let queue: QueueBackend;
let server: HttpServer;
const deps = () => createDeps(settings, database().db, log);
let shared: ReturnType<typeof deps>;

async function addRoaster(db: Database, slug: string, website: string) {
  await db.transaction((tx) =>
    upsertRoaster(tx, {
      slug,
      name: slug,
      website,
      platform: "shopify",
      is_active: true,
      full_cadence: "0 3 1 * *",
      price_cadence: "0 4 * * 0",
      default_concurrency: 1,
      use_firecrawl_fallback: false,
      use_llm: false,
      alert_price_delta_pct: 10,
    }),
  );
}

const scrape = async () => parsePrometheusText(await (await fetch(`${server.url}/metrics`)).text());

beforeAll(async () => {
  store = await startStoreServer({ platform: "shopify" });
  store.addFault({ match: /products\.json/, kind: "status", status: 503 });
  await addRoaster(database().db, "down", store.url);
  await addRoaster(database().db, "busy", "https://busy.example");
  queue = await openQueue(settings, log);
  shared = deps();
  server = await startMetricsServer({ host: "127.0.0.1", port: 0, metrics: shared.metrics!, db: database().db, queue, log });
});
afterAll(async () => {
  await server?.close();
  await queue?.close();
  await shared?.http.close();
  await store?.close();
});

describe("worker metrics", () => {
  it("counts a failed job with its run's requests and statuses, read back from scrape_runs", async () => {
    const worker = startWorker({ deps: shared, queue, concurrency: 1 });
    const { id } = await queue.enqueue({ roaster: "down", type: "full_refresh", slot: "2026-01-01T00:00:00Z", reason: "test" });
    await until(async () => (await queue.stateOf(id)) === "failed");
    await worker.close();
    const [run] = await database().db.query<{ status: string; stats: { requests: number; http_statuses: Record<string, number> } }>(
      "SELECT status::text AS status, stats_json AS stats FROM coffee_scraper.runs WHERE job_id = $1",
      [id],
    );
    expect(run!.status).toBe("fail");
    expect(run!.stats.requests).toBeGreaterThan(1); // robots.txt, then the 503
    const m = await scrape();
    expect(m.value("coffee_scraper_jobs_total", { type: "full_refresh", outcome: "failed" })).toBe(1);
    expect(m.value("coffee_scraper_runs_total", { type: "full_refresh", status: run!.status })).toBe(1);
    expect(m.value("coffee_scraper_http_requests_total")).toBe(run!.stats.requests);
    for (const [status, n] of Object.entries(run!.stats.http_statuses)) {
      expect(m.value("coffee_scraper_http_responses_total", { status })).toBe(n);
    }
    expect(m.value("coffee_scraper_queue_jobs", { state: "failed" })).toBe(1);
  });

  it("counts a job deferred by a held roaster lease as a lease conflict", async () => {
    const roaster = (await findRoaster(database().db, "busy"))!;
    const lease = { roasterId: roaster.id, holder: "someone-else", jobId: "other-job", ttlMs: 60_000 };
    expect(await tryAcquireLease(database().db, lease)).toBe(true);
    const worker = startWorker({ deps: shared, queue, concurrency: 1 });
    try {
      const { id } = await queue.enqueue({ roaster: "busy", type: "price_only", slot: "2026-01-01T00:00:00Z", reason: "test" });
      await until(async () => (await queue.stateOf(id)) === "delayed");
    } finally {
      await worker.close();
      await releaseLease(database().db, lease);
    }
    const m = await scrape();
    expect(m.value("coffee_scraper_lease_conflicts_total")).toBe(1);
    expect(m.value("coffee_scraper_jobs_total", { type: "price_only", outcome: "deferred" })).toBe(1);
    expect(m.value("coffee_scraper_runs_total", { type: "price_only", status: "ok" })).toBe(0);
    expect(m.value("coffee_scraper_queue_jobs", { state: "delayed" })).toBe(1);
  });
});

describe("the METRICS_PORT server", () => {
  it("answers /healthz and /readyz, and /readyz fails when the database is gone", async () => {
    expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ status: "ok" });
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, database: "ok", queue: "ok" });
    expect((await fetch(`${server.url}/`)).status).toBe(404);

    const gone = await openDatabase({ dataDir: "memory://" });
    await gone.close();
    const other = await startMetricsServer({ host: "127.0.0.1", port: 0, metrics: shared.metrics!, db: gone, queue: null, log });
    try {
      const res = await fetch(`${other.url}/readyz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ ready: false, database: "unreachable", queue: "not used" });
    } finally {
      await other.close();
    }
  });

  it("serves valid Prometheus text with process metrics and every issue-9 family declared", async () => {
    const m = await scrape();
    for (const name of [
      "jobs_total",
      "job_duration_seconds",
      "runs_total",
      "http_requests_total",
      "http_responses_total",
      "http_retries_total",
      "http_not_modified_total",
      "http_bytes_total",
      "politeness_wait_seconds_total",
      "products_upserted_total",
      "variants_upserted_total",
      "price_rows_inserted_total",
      "price_alerts_total",
      "queue_jobs",
      "lease_conflicts_total",
    ]) {
      expect(m.types.has(`coffee_scraper_${name}`), name).toBe(true);
    }
    expect(m.value("coffee_scraper_process_resident_memory_bytes")).toBeGreaterThan(0);
  });
});
