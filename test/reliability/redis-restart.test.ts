import { randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { QueueBackend } from "../../src/queue/backend.ts";
import { scheduleTick } from "../../src/scheduler/tick.ts";
import { POSTGRES_URL, useTestDatabase } from "../helpers/database.ts";
import { hasRedis } from "../helpers/redis.ts";
import type { StoreServer } from "../helpers/store-server.ts";
import { until } from "../helpers/until.ts";
import { shopifyFleet } from "./fleet.ts";
import { expectEveryJobFinished, snapshot, snapshotDiff } from "./outcomes.ts";
import { startOwnRedis, type OwnRedis } from "./own-redis.ts";
import { killAll, spawnCli, workerEnv, type Child } from "./processes.ts";
import { producerQueue } from "./queue.ts";

// Redis restarted without persistence in the middle of a batch: every key is gone, the
// workers reconnect, and the next scheduler tick finds the recorded-but-unfinished slots the
// queue no longer knows and enqueues them again. A redis-server of this test's own, so the
// shared one is never disturbed.

describe.skipIf(!POSTGRES_URL || !hasRedis)("Redis restarted mid-batch", () => {
  const testDb = useTestDatabase("postgres");
  const prefix = `cs-rel-${randomBytes(4).toString("hex")}`;
  const children: Child[] = [];
  let redis: OwnRedis;
  let stores: StoreServer[] = [];
  let producer: QueueBackend;
  let reference: unknown[];

  beforeAll(async () => {
    redis = await startOwnRedis();
    ({ stores, reference } = await shopifyFleet(testDb().db, {
      stores: 4,
      roasters: 12,
      slugPrefix: "redis",
      store: { products: 300, latencyMs: 200 },
    }));
    producer = producerQueue(redis.url, prefix);
  });
  afterEach(async () => killAll(children));
  afterAll(async () => {
    await producer?.close().catch(() => {});
    await Promise.all(stores.map((s) => s.close()));
    await redis?.kill();
  });

  it("keys lost mid-batch: the next tick re-enqueues the lost slots; every job ends as a finished run, data as undisturbed", async () => {
    const { db } = testDb();
    const env = workerEnv({
      DATABASE_URL: testDb().url!,
      REDIS_URL: redis.url,
      QUEUE_PREFIX: prefix,
      WORKER_CONCURRENCY: "2",
    });
    const workers = [spawnCli(["worker"], env), spawnCli(["worker"], env)];
    children.push(...workers);
    await until(
      () => workers.every((w) => w.lines().some((l) => l.msg === "worker started")),
      30_000,
      "workers to start",
    );

    const first = await scheduleTick({ db, queue: producer, lostAfterMs: 0 });
    expect(first.enqueued.length).toBe(12);
    // Mid-batch: some jobs done, some running, the rest waiting.
    await until(async () => (await producer.counts()).completed >= 2, 30_000, "two completed jobs");
    const before = await producer.counts();
    expect(before.waiting + before.delayed).toBeGreaterThan(0);

    await redis.kill();
    await redis.start();
    expect((await producer.counts()).waiting).toBe(0); // the restarted server knows nothing

    // The next tick: slots that are recorded, unfinished and unknown to the queue are lost.
    const second = await scheduleTick({ db, queue: producer, lostAfterMs: 0 });
    expect(second.enqueued.length).toBeGreaterThan(0);
    expect(second.due.every((d) => d.reason.startsWith("lost"))).toBe(true);

    await until(
      async () => (await expectEveryJobFinished(db, first.enqueued)).length === 0,
      60_000,
      "every slot finished",
    );
    expect(await expectEveryJobFinished(db, first.enqueued)).toEqual([]);
    expect(snapshotDiff(await snapshot(db), reference)).toEqual([]);
    // Both workers survived the restart and took jobs after it.
    for (const w of workers) expect(w.alive()).toBe(true);
  }, 90_000);
});
