import { mkdtempSync, writeFileSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { openDatabase } from "../../src/db/open-database.ts";
import type { QueueBackend } from "../../src/queue/backend.ts";
import { scheduleTick } from "../../src/scheduler/tick.ts";
import { POSTGRES_URL, useTestDatabase } from "../helpers/database.ts";
import { startTestServer, type TestServer } from "../helpers/http.ts";
import { hasRedis, REDIS_URL, useRedisPrefix } from "../helpers/redis.ts";
import { startStoreServer, type StoreServer } from "../helpers/store-server.ts";
import { sleep, until } from "../helpers/until.ts";
import { addRoasters } from "./fleet.ts";
import { runsOf } from "./outcomes.ts";
import { killAll, spawnCli, workerEnv, type Child } from "./processes.ts";
import { producerQueue } from "./queue.ts";

// Waits a store asks for, and the job's own deadline, against real processes: a `start`
// (embedded database and queue, where an overflowing timer once meant ~900 warnings a
// second) facing Crawl-delays of 3,000,000 s and 3600 s and a Retry-After of a thousand
// years during platform detection; a `worker` (PostgreSQL, Redis) whose job outlives
// JOB_TIMEOUT_MS. Each ends within its bound as a closed run with its reason, its lease
// released, once (no retries), without a flood of log lines or warnings.

const children: Child[] = [];
const servers: (TestServer | StoreServer)[] = [];
afterEach(async () => killAll(children));
afterAll(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function json(res: ServerResponse, body: unknown, status = 200, headers: Record<string, string> = {}) {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

/** A store whose robots.txt is `robots` and whose every other path answers `answer`. */
async function store(robots: string, answer: (res: ServerResponse) => void): Promise<TestServer> {
  const server = await startTestServer((_req, res, url) => {
    if (url.pathname === "/robots.txt") return void res.end(robots);
    answer(res);
  });
  servers.push(server);
  return server;
}

const finishedLines = (child: Child) => child.lines().filter((l) => l.msg === "job finished");

describe("waits a store asks for, inside `start`", () => {
  it("Crawl-delay 3,000,000 s and 3600 s and a huge Retry-After during detection end at once: throttled, closed, not retried, no flood", async () => {
    const products = (res: ServerResponse) => json(res, { products: [] });
    const crawlHuge = await store("User-agent: *\nCrawl-delay: 3000000\n", products);
    const crawlHour = await store("User-agent: *\nCrawl-delay: 3600\n", products);
    // 10¹¹ s: a thousand years, far past 2³¹ ms.
    const retryAfter = await store("User-agent: *\nAllow: /\n", (res) => json(res, {}, 429, { "retry-after": "99999999999" }));

    const dir = mkdtempSync(path.join(tmpdir(), "cs-waits-"));
    const roastersFile = path.join(dir, "roasters.yaml");
    writeFileSync(
      roastersFile,
      stringify({
        roasters: [
          { slug: "crawl-huge", name: "Huge", website: crawlHuge.url, platform: "shopify", currency: "INR" },
          { slug: "crawl-hour", name: "Hour", website: crawlHour.url, platform: "woocommerce" },
          { slug: "detect-wait", name: "Wait", website: retryAfter.url }, // no platform: detection asks first
        ],
      }),
    );
    const started = Date.now();
    const start = spawnCli(["start"], {
      DATA_DIR: path.join(dir, "data"),
      ROASTERS_FILE: roastersFile,
      ALLOW_PRIVATE_NETWORKS: "true",
      DASHBOARD_PORT: "0",
      HTTP_DELAY_MS: "20",
      HTTP_JITTER_MS: "0",
      JOB_ATTEMPTS: "6",
      JOB_BACKOFF_MS: "200",
    });
    children.push(start);
    await until(() => finishedLines(start).length >= 3, 90_000, "three jobs to finish");
    const settled = start.out().split("\n").length;
    await sleep(3000); // a busy-looping timer would print thousands of lines here

    expect(start.alive()).toBe(true);
    const finished = finishedLines(start);
    expect(finished.map((l) => [l.roaster, l.outcome, l.attempt, l.retryClass]).sort()).toEqual([
      ["crawl-hour", "failed", 1, "throttled"],
      ["crawl-huge", "failed", 1, "throttled"],
      ["detect-wait", "failed", 1, "throttled"],
    ]);
    expect(Date.now() - started).toBeLessThan(90_000);
    expect(start.lines().filter((l) => l.msg === "job started")).toHaveLength(3); // no retries
    expect(start.out()).not.toMatch(/TimeoutOverflowWarning/);
    expect(start.out().split("\n").length - settled).toBeLessThan(5);
    expect(start.lines().length).toBeLessThan(100);

    // The stores were hardly touched: robots.txt only, and one answer to detection.
    expect(crawlHuge.requests.map((r) => r.path)).toEqual(["/robots.txt"]);
    expect(crawlHour.requests.map((r) => r.path)).toEqual(["/robots.txt"]);
    expect(retryAfter.requests.filter((r) => r.path !== "/robots.txt")).toHaveLength(1);

    start.proc.kill("SIGTERM");
    expect((await start.exit).code).toBe(0);
    const db = await openDatabase({ dataDir: path.join(dir, "data") });
    try {
      const runs = await db.query<{ slug: string; status: string; finished: boolean; errors: { scope: string; code?: string; message: string }[] }>(
        `SELECT r.slug, sr.status, sr.finished_at IS NOT NULL AS finished, sr.stats_json -> 'errors' AS errors
           FROM coffee_scraper.runs sr JOIN product_sources ps ON ps.id = sr.source_id JOIN roasters r ON r.id = ps.roaster_id
          ORDER BY r.slug`,
      );
      expect(runs.map((r) => [r.slug, r.status, r.finished, r.errors.find((e) => e.scope === "run")?.code])).toEqual([
        ["crawl-hour", "fail", true, "crawl_delay_too_long"],
        ["crawl-huge", "fail", true, "crawl_delay_too_long"],
        ["detect-wait", "fail", true, "retry_after_too_long"],
      ]);
      expect(runs[1]!.errors[0]!.message).toMatch(/Crawl-delay of 3000000 s .*beyond HTTP_CRAWL_DELAY_CAP_MS \(60 s\)/);
      expect(runs[2]!.errors[0]!.message).toMatch(/Retry-After 99999999999 s, beyond HTTP_RETRY_AFTER_CAP_MS/);
      expect(await db.query("SELECT * FROM coffee_scraper.roaster_leases")).toEqual([]);
      // Ended for this slot: the scheduler does not hand the same slot out again.
      expect(await db.query("SELECT job_id FROM coffee_scraper.schedule_slots WHERE finished_at IS NULL")).toEqual([]);
    } finally {
      await db.close();
    }
  }, 150_000);
});

describe.skipIf(!POSTGRES_URL || !hasRedis)("the job deadline, in a `worker`", () => {
  const prefix = useRedisPrefix();
  const testDb = useTestDatabase("postgres");
  let producer: QueueBackend | undefined;
  afterAll(async () => {
    await producer?.obliterate();
    await producer?.close();
  });

  it("JOB_TIMEOUT_MS aborts the job's requests, closes its run as failed (deadline), releases its lease, once", async () => {
    const { db } = testDb();
    // 2,000 products, 8 pages, each answer 300 ms late: several seconds of work.
    const slow = await startStoreServer({ platform: "shopify", products: 2000, latencyMs: 300 });
    servers.push(slow);
    await addRoasters(db, [{ slug: "slow", url: slow.url, platform: "shopify" }]);
    const worker = spawnCli(
      ["worker"],
      // BullMQ's own lock at its production length: this test is about the deadline, and a 1 s
      // lock lapsing on a loaded machine would hand the job out twice (the lease defers the copy,
      // which then runs after the first attempt has ended — requests the test counts).
      workerEnv({
        DATABASE_URL: testDb().url!,
        REDIS_URL: REDIS_URL!,
        QUEUE_PREFIX: prefix,
        JOB_TIMEOUT_MS: "2000",
        QUEUE_LOCK_DURATION_MS: "30000",
        QUEUE_STALLED_INTERVAL_MS: "30000",
      }),
    );
    children.push(worker);
    await until(() => worker.lines().some((l) => l.msg === "worker started"), 30_000, "the worker to start");
    producer = producerQueue(REDIS_URL!, prefix);
    const tick = await scheduleTick({ db, queue: producer, lostAfterMs: 60_000 });
    expect(tick.enqueued).toHaveLength(1);

    // A copy BullMQ hands out again while the first runs (a lock lapsing on a loaded machine)
    // finds the roaster leased and is deferred: that is the lease doing its work, not an attempt.
    const attempts = () => finishedLines(worker).filter((l) => l.outcome !== "deferred");
    await until(() => attempts().length >= 1, 30_000, "the job to finish");
    const [finished] = attempts();
    expect(finished).toMatchObject({ roaster: "slow", outcome: "failed", attempt: 1 });
    expect(finished!.durationMs as number).toBeGreaterThanOrEqual(2000);
    expect(finished!.durationMs as number).toBeLessThan(5000);
    const requestsAtEnd = slow.requests.length;
    await sleep(2000); // JOB_ATTEMPTS is 8 here: a retry would have started by now
    expect(attempts()).toHaveLength(1);
    expect(worker.lines().filter((l) => l.msg === "job started" && l.attempt !== 1)).toEqual([]);
    expect(slow.requests.length).toBe(requestsAtEnd); // its fetches were aborted, none came after
    expect(slow.requestsTo("/products.json").length).toBeLessThan(8); // it never read the whole store

    const runs = await runsOf(db);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: "fail", finished: true });
    const runError = runs[0]!.stats_json.errors!.find((e) => e.scope === "run") as { code?: string; message: string };
    expect(runError.code).toBe("deadline");
    expect(runError.message).toMatch(/^deadline: the job ran longer than JOB_TIMEOUT_MS \(2 s\)/);
    expect(await db.query("SELECT * FROM coffee_scraper.roaster_leases")).toEqual([]);
    expect(await db.query("SELECT job_id FROM coffee_scraper.schedule_slots WHERE finished_at IS NULL")).toEqual([]);
    expect(await producer.stateOf(tick.enqueued[0]!)).toBe("failed");
  }, 90_000);
});
