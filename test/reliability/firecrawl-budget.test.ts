import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { creditsUsed, monthOf } from "../../src/db/firecrawl-credits.ts";
import { enqueueRoasters } from "../../src/queue/enqueue.ts";
import type { QueueBackend } from "../../src/queue/backend.ts";
import { POSTGRES_URL, useTestDatabase } from "../helpers/database.ts";
import { addRoaster } from "../helpers/fetch.ts";
import { startFirecrawl, type FirecrawlProduct, type FirecrawlStandIn } from "../helpers/firecrawl-server.ts";
import { startTestServer, type TestServer } from "../helpers/http.ts";
import { hasRedis, REDIS_URL, useRedisPrefix } from "../helpers/redis.ts";
import { until } from "../helpers/until.ts";
import { killAll, spawnCli, workerEnv, type Child } from "./processes.ts";
import { producerQueue, untilQueueDrained } from "./queue.ts";

// The Firecrawl budget is counted in the database before each call, so it holds when two
// processes spend the same roaster's budget at once, and when a worker is killed with -9
// mid-run and another takes its job over: Firecrawl (the stand-in counts every call it bills)
// never bills more than the budget, and every billed call is in the ledger.

const KEY = "fc-reliability-key-7c1e9a";
const run = promisify(execFile);

const PRODUCTS: Record<string, FirecrawlProduct> = Object.fromEntries(
  Array.from({ length: 30 }, (_, i) => [
    `/products/lot-${i}`,
    { name: `Lot ${i} Coffee`, category: "Coffee", currency: "INR", variants: [{ title: "250g", sku: `L${i}`, price: String(400 + i) }] },
  ]),
);

describe.skipIf(!POSTGRES_URL || !hasRedis)("the Firecrawl budget under two processes and kill -9", () => {
  const testDb = useTestDatabase("postgres");
  const prefix = useRedisPrefix();
  const children: Child[] = [];
  let site: TestServer;
  let firecrawl: FirecrawlStandIn;
  let producer: QueueBackend;

  beforeAll(async () => {
    site = await startTestServer((_req, res) => {
      res.writeHead(404, { "content-type": "text/html" });
      res.end("<html><body>not found</body></html>");
    });
    firecrawl = await startFirecrawl({ apiKey: KEY, site: site.url, products: PRODUCTS, latencyMs: 150 });
    producer = producerQueue(REDIS_URL!, prefix);
  });
  afterEach(async () => killAll(children));
  afterAll(async () => {
    await producer?.obliterate();
    await producer?.close();
    await site?.close();
    await firecrawl?.close();
  });

  it("two processes spending one roaster's budget at once are granted exactly the budget between them", async () => {
    const roaster = await addRoaster(testDb().db, site.url, { slug: "race", platform: "custom", use_firecrawl_fallback: true, firecrawl_budget_limit: 103 });
    const before = firecrawl.billed();
    const spend = () =>
      run(process.execPath, ["--import", "tsx", "test/reliability/firecrawl-spender.ts", testDb().url!, "race", firecrawl.url, KEY, site.url], {
        env: { ...process.env, LOG_LEVEL: "silent" },
        timeout: 60_000,
      });
    const [a, b] = await Promise.all([spend(), spend()]);
    const granted = [a, b].map((r) => (JSON.parse(r.stdout.trim().split("\n").pop()!) as { granted: number }).granted);
    // 103 credits hold 20 scrapes of 5 (100); the 21st would pass the budget.
    expect(granted[0]! + granted[1]!).toBe(20);
    expect(granted.every((g) => g > 0)).toBe(true); // they did race
    expect(firecrawl.billed() - before).toBe(100);
    expect(await creditsUsed(testDb().db, roaster.id, monthOf(new Date()))).toBe(100);
  }, 90_000);

  it("a worker killed with -9 mid-run, its job taken over by another: Firecrawl never bills past the budget", async () => {
    const { db } = testDb();
    const roaster = await addRoaster(db, site.url, { slug: "killed", platform: "custom", use_firecrawl_fallback: true, firecrawl_budget_limit: 61 });
    await db.query(`UPDATE coffee_scraper.roaster_options SET read_via = 'firecrawl' WHERE roaster_id = $1`, [roaster.id]);
    const env = workerEnv({
      DATABASE_URL: testDb().url!,
      REDIS_URL: REDIS_URL!,
      QUEUE_PREFIX: prefix,
      WORKER_CONCURRENCY: "1",
      FIRECRAWL_API_KEY: KEY,
      FIRECRAWL_BASE_URL: firecrawl.url,
    });
    const [a, b] = [spawnCli(["worker"], env), spawnCli(["worker"], env)];
    children.push(a, b);
    await until(() => [a, b].every((w) => w.lines().some((l) => l.msg === "worker started")), 30_000, "workers to start");
    const billedBefore = firecrawl.billed();
    const scrapesBefore = firecrawl.calls.filter((c) => c.endpoint === "scrape").length;
    await enqueueRoasters({ db, queue: producer, clock: { now: () => new Date() } }, { roasters: ["killed"], type: "full_refresh" });

    // Kill whichever worker took the job once it has had a few pages scraped.
    await until(() => firecrawl.calls.filter((c) => c.endpoint === "scrape").length - scrapesBefore >= 4, 30_000, "4 scrapes");
    const holder = [a, b].find((w) => w.lines().some((l) => l.msg === "job started"))!;
    holder.proc.kill("SIGKILL");
    await holder.exit;
    const survivor = holder === a ? b : a;

    await until(() => survivor.lines().some((l) => l.msg === "job finished" && l.outcome !== "deferred"), 60_000, "the job to finish on the other worker");
    await untilQueueDrained(producer, 30_000, "the queue to drain");
    const billed = firecrawl.billed() - billedBefore;
    const counted = await creditsUsed(db, roaster.id, monthOf(new Date()));
    expect(billed).toBeLessThanOrEqual(61);
    // Every call Firecrawl billed was counted first (a reservation whose call the kill cut off may count more).
    expect(counted).toBeGreaterThanOrEqual(billed);
    expect(counted).toBeLessThanOrEqual(61);
    const finished = survivor.lines().find((l) => l.msg === "job finished" && l.outcome !== "deferred")!;
    expect(finished.outcome).toBe("completed");
    const [last] = await db.query<{ status: string; stopped: string | null }>(
      `SELECT r.status::text AS status, r.stats_json->>'stopped_early' AS stopped FROM coffee_scraper.runs r
         JOIN product_sources s ON s.id = r.source_id WHERE s.roaster_id = $1 ORDER BY r.started_at DESC LIMIT 1`,
      [roaster.id],
    );
    expect(last!.status).toBe("partial");
    expect(last!.stopped).toMatch(/Firecrawl budget reached/);
    // The key reached neither worker's output.
    expect(a.out() + b.out()).not.toContain(KEY);
  }, 120_000);
});
