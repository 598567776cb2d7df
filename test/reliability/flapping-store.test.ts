import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { QueueBackend } from "../../src/queue/backend.ts";
import { scheduleTick } from "../../src/scheduler/tick.ts";
import { POSTGRES_URL, useTestDatabase } from "../helpers/database.ts";
import { hasRedis, REDIS_URL, useRedisPrefix } from "../helpers/redis.ts";
import { startStoreServer, type RecordedRequest, type StoreServer } from "../helpers/store-server.ts";
import { until } from "../helpers/until.ts";
import { addRoasters, referenceSnapshot, type RoasterSpec } from "./fleet.ts";
import { expectEveryJobFinished, snapshot, snapshotDiff } from "./outcomes.ts";
import { killAll, spawnCli, workerEnv, type Child } from "./processes.ts";
import { producerQueue, untilQueueDrained } from "./queue.ts";

// A store that flaps (every third request 503, resets, one 10 s stall) beside healthy
// stores, all in one worker process: the healthy roasters' runs take what their own pacing
// takes, and the flapping one still ends as a finished run with the same data.

const DELAY_MS = 150;

/** Milliseconds between successive listing-page requests, as the store saw them arrive. */
function listingGaps(requests: RecordedRequest[]): number[] {
  const at = requests.filter((r) => r.path.startsWith("/products.json")).map((r) => r.startedAt);
  return at.slice(1).map((t, k) => t - at[k]!);
}

describe.skipIf(!POSTGRES_URL || !hasRedis)("a flapping store beside healthy ones", () => {
  const prefix = useRedisPrefix();
  const testDb = useTestDatabase("postgres");
  const children: Child[] = [];
  let flapping: StoreServer;
  let healthy: StoreServer[] = [];
  let producer: QueueBackend;
  let roasters: RoasterSpec[];
  let reference: unknown[];

  beforeAll(async () => {
    flapping = await startStoreServer({ platform: "shopify", products: 2000 });
    healthy = await Promise.all(
      Array.from({ length: 3 }, () => startStoreServer({ platform: "shopify", products: 600 })),
    );
    roasters = [
      { slug: "flapping", url: flapping.url, platform: "shopify" },
      ...healthy.map((s, i) => ({ slug: `healthy-${i}`, url: s.url, platform: "shopify" as const })),
    ];
    reference = await referenceSnapshot(roasters);
    await addRoasters(testDb().db, roasters);
    producer = producerQueue(REDIS_URL!, prefix);
  });
  afterEach(async () => killAll(children));
  afterAll(async () => {
    await producer?.obliterate();
    await producer?.close();
    await Promise.all([flapping, ...healthy].map((s) => s?.close()));
  });

  async function runDurations(): Promise<Map<string, number>> {
    const rows = await testDb().db.query<{ slug: string; ms: number }>(
      `SELECT r.slug, (sr.stats_json->>'duration_ms')::int AS ms FROM coffee_scraper.runs sr
         JOIN product_sources ps ON ps.id = sr.source_id JOIN roasters r ON r.id = ps.roaster_id
        WHERE sr.status = 'ok' ORDER BY sr.started_at`,
    );
    return new Map(rows.map((r) => [r.slug, r.ms])); // the latest ok run of each
  }

  it("healthy roasters keep their own pace; the flapping one retries through and ends finished, data as undisturbed", async () => {
    const { db } = testDb();
    const worker = spawnCli(
      ["worker"],
      workerEnv({
        DATABASE_URL: testDb().url!,
        REDIS_URL: REDIS_URL!,
        QUEUE_PREFIX: prefix,
        HTTP_DELAY_MS: String(DELAY_MS),
        HTTP_RETRIES: "6",
        WORKER_CONCURRENCY: "4",
      }),
    );
    children.push(worker);
    await until(() => worker.lines().some((l) => l.msg === "worker started"), 30_000, "the worker");

    // Baseline: the healthy stores alone (the flapping roaster is not scheduled yet).
    await db.query("UPDATE roasters SET is_active = false WHERE slug = 'flapping'");
    const aloneFrom = healthy.map((s) => s.requests.length);
    const alone = await scheduleTick({ db, queue: producer, lostAfterMs: 60_000 });
    expect(alone.enqueued.length).toBe(3);
    await until(async () => (await producer.counts()).completed === 3, 60_000, "the baseline runs");
    const baseline = await runDurations();
    await db.query("UPDATE roasters SET is_active = true WHERE slug = 'flapping'");

    // Now the same next to the flapping store (the healthy stores' bodies are built again, the
    // same: their pages may answer 304).
    const mixedFrom = healthy.map((s) => s.requests.length);
    let n = 0;
    let m = 0;
    const notRobots = (r: RecordedRequest) => !r.path.startsWith("/robots.txt");
    flapping.addFault({ kind: "slow", ms: 10_000, times: 1, match: (r) => r.path.includes("page=2") });
    flapping.addFault({ kind: "status", status: 503, match: (r) => notRobots(r) && ++n % 3 === 0 });
    flapping.addFault({ kind: "reset", match: (r) => notRobots(r) && ++m % 5 === 0 });
    for (const s of [flapping, ...healthy]) s.changed();
    const at = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth() + 1, 1, 3, 0, 30));
    const tick = await scheduleTick({ db, queue: producer, at, lostAfterMs: 60_000 });
    const started = Date.now();
    await until(async () => (await runDurations()).size === 4, 60_000, "the flapping roaster's first ok run");
    const mixed = await runDurations();
    await untilQueueDrained(producer, 30_000, "the batch");

    // The faults were real: 503s, resets and the stall all happened, and were retried.
    const faults = flapping.requests.map((r) => r.fault);
    if (process.env.REL_DEBUG)
      console.log(
        flapping.requests.map((r) => `${r.path} ${r.fault} ${r.status}`).join("\n"),
        JSON.stringify(Object.fromEntries(mixed)),
      );
    expect(faults.filter((f) => f === "status").length).toBeGreaterThan(2);
    expect(faults.filter((f) => f === "reset").length).toBeGreaterThan(0);
    expect(faults).toContain("slow");
    expect(mixed.get("flapping")!).toBeGreaterThan(10_000);
    expect(Date.now() - started).toBeLessThan(60_000);
    // The healthy runs: no slower than alone beyond noise, and far from the flapping store's stall.
    for (let i = 0; i < 3; i++) {
      const slug = `healthy-${i}`;
      expect(mixed.get(slug)!, slug).toBeLessThan(baseline.get(slug)! * 1.5 + 1000);
      expect(mixed.get(slug)!, slug).toBeLessThan(5000);
      // and the worker spaced their requests as when they ran alone (a gap is the delay plus
      // writing the page before, or less when the page answers 304 unchanged)
      const aloneGaps = listingGaps(healthy[i]!.requests.slice(aloneFrom[i], mixedFrom[i]));
      const mixedGaps = listingGaps(healthy[i]!.requests.slice(mixedFrom[i]));
      expect(aloneGaps.length, slug).toBeGreaterThanOrEqual(2);
      expect(mixedGaps.length, slug).toBeGreaterThanOrEqual(2);
      expect(Math.max(...mixedGaps), slug).toBeLessThan(Math.max(...aloneGaps) * 1.5 + 1000);
    }
    expect(await expectEveryJobFinished(db, [...alone.enqueued, ...tick.enqueued])).toEqual([]);
    expect(snapshotDiff(await snapshot(db), reference)).toEqual([]);
  }, 120_000);
});
