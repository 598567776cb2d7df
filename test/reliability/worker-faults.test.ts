import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { QueueBackend } from "../../src/queue/backend.ts";
import { scheduleTick } from "../../src/scheduler/tick.ts";
import { POSTGRES_URL, useTestDatabase } from "../helpers/database.ts";
import { hasRedis, REDIS_URL, useRedisPrefix } from "../helpers/redis.ts";
import type { StoreServer } from "../helpers/store-server.ts";
import { until } from "../helpers/until.ts";
import { shopifyFleet } from "./fleet.ts";
import { expectEveryJobFinished, snapshot, snapshotDiff } from "./outcomes.ts";
import { killAll, spawnCli, workerEnv, type Child } from "./processes.ts";
import { producerQueue, untilQueueDrained } from "./queue.ts";

// Real `coffee-scraper worker` processes on the shared Redis (a prefix of this file's own)
// and a PostgreSQL database of this file's own, scraping local Shopify stores.

describe.skipIf(!POSTGRES_URL || !hasRedis)("worker processes under kill -9 and SIGTERM", () => {
  const prefix = useRedisPrefix();
  const testDb = useTestDatabase("postgres");
  const children: Child[] = [];
  let stores: StoreServer[] = [];
  let producer: QueueBackend;
  let reference: unknown[];

  const env = (extra: Record<string, string> = {}) =>
    workerEnv({ DATABASE_URL: testDb().url!, REDIS_URL: REDIS_URL!, QUEUE_PREFIX: prefix, ...extra });

  async function startWorkers(n: number, extra: Record<string, string> = {}): Promise<Child[]> {
    const ws = Array.from({ length: n }, () => spawnCli(["worker"], env(extra)));
    children.push(...ws);
    await until(
      () => ws.every((w) => w.lines().some((l) => l.msg === "worker started")),
      30_000,
      "workers to start",
    );
    return ws;
  }

  beforeAll(async () => {
    // Each store answers after 150 ms, so a job (robots, 2 listing pages of 250 and 50) takes about a second.
    ({ stores, reference } = await shopifyFleet(testDb().db, {
      stores: 3,
      roasters: 6,
      slugPrefix: "kill",
      store: { products: 300, latencyMs: 150 },
    }));
    producer = producerQueue(REDIS_URL!, prefix);
  });
  afterEach(async () => killAll(children));
  afterAll(async () => {
    await producer?.obliterate();
    await producer?.close();
    await Promise.all(stores.map((s) => s.close()));
  });

  it("kill -9 of a worker mid-job with a second worker running: every job ends as a finished run, data as undisturbed", async () => {
    const { db } = testDb();
    const [a, b] = await startWorkers(2, { WORKER_CONCURRENCY: "2" });
    const tick = await scheduleTick({ db, queue: producer, lostAfterMs: 60_000 });
    expect(tick.enqueued.length).toBe(6);
    // Kill `a` while it is inside a job it has not finished.
    await until(
      () =>
        a!.lines().some((l) => l.msg === "job started") && a!.lines().every((l) => l.msg !== "job finished"),
      20_000,
      "worker a to be mid-job",
    );
    const victim = a!.lines().find((l) => l.msg === "job started")!.jobId as string;
    a!.proc.kill("SIGKILL");
    await a!.exit;

    await until(async () => (await producer.counts()).completed === 6, 45_000, "6 completed jobs");
    expect(await expectEveryJobFinished(db, tick.enqueued)).toEqual([]);
    expect(
      b!.lines().some((l) => l.jobId === victim && l.msg === "job finished" && l.outcome === "completed"),
    ).toBe(true);
    expect(snapshotDiff(await snapshot(db), reference)).toEqual([]);
  }, 80_000);

  it("SIGTERM during a busy batch: running jobs finish, nothing new starts, exit 0; the rest run later", async () => {
    const { db } = testDb();
    const [w] = await startWorkers(1, { WORKER_CONCURRENCY: "2" });
    // The next full-refresh slot of every roaster (03:00 on the 1st).
    const tick = await scheduleTick({ db, queue: producer, at: nextFirstOfMonth(), lostAfterMs: 60_000 });
    const n = tick.enqueued.length;
    expect(n).toBeGreaterThanOrEqual(6);
    await until(
      () => w!.lines().filter((l) => l.msg === "job started").length >= 2,
      20_000,
      "two running jobs",
    );
    w!.proc.kill("SIGTERM");
    const exit = await w!.exit;
    expect(exit).toEqual({ code: 0, signal: null });
    const lines = w!.lines();
    const sigAt = lines.findIndex((l) => l.msg === "shutting down");
    expect(sigAt).toBeGreaterThan(0);
    const startedBefore = lines
      .slice(0, sigAt)
      .filter((l) => l.msg === "job started")
      .map((l) => l.jobId);
    expect(lines.slice(sigAt).filter((l) => l.msg === "job started")).toEqual([]);
    // Each job running at the signal came to its end: completed (or deferred at once when its
    // roaster was busy with another job), never interrupted.
    const outcomes = startedBefore.map(
      (id) => lines.find((l) => l.jobId === id && l.msg === "job finished")?.outcome,
    );
    expect(
      outcomes.every((o) => o === "completed" || o === "deferred"),
      JSON.stringify(lines.filter((l) => l.outcome === "retrying")),
    ).toBe(true);
    expect(outcomes.filter((o) => o === "completed").length).toBeGreaterThan(0);
    const ran = startedBefore.filter((_, i) => outcomes[i] === "completed").length;
    expect(lines.some((l) => l.msg === "worker stopped")).toBe(true);
    const counts = await producer.counts();
    expect(counts.active).toBe(0);
    expect(counts.waiting + counts.delayed).toBe(n - ran);

    // A new worker takes the rest.
    await startWorkers(1);
    await untilQueueDrained(producer, 40_000, "the rest of the batch");
    expect(await expectEveryJobFinished(db, tick.enqueued)).toEqual([]);
    expect(snapshotDiff(await snapshot(db), reference)).toEqual([]);
  }, 85_000);
});

function nextFirstOfMonth(): Date {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1, 3, 0, 30));
}
