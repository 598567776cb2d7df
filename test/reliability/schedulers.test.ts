import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { QueueBackend } from "../../src/queue/backend.ts";
import { runCli } from "../helpers/cli.ts";
import { POSTGRES_URL, useTestDatabase } from "../helpers/database.ts";
import { hasRedis, REDIS_URL, useRedisPrefix } from "../helpers/redis.ts";
import type { StoreServer } from "../helpers/store-server.ts";
import { until } from "../helpers/until.ts";
import { shopifyFleet } from "./fleet.ts";
import { expectEveryJobFinished, snapshot, snapshotDiff } from "./outcomes.ts";
import { killAll, spawnCli, workerEnv, type Child } from "./processes.ts";
import { producerQueue } from "./queue.ts";

// Two `schedule --once` processes ticking at the same instant, then a late duplicate tick
// for the same instant: every slot is recorded and enqueued exactly once, and every job
// ends as one finished run.

interface TickJson {
  due: { jobId: string }[];
  enqueued: string[];
}

describe.skipIf(!POSTGRES_URL || !hasRedis)("two schedulers at once, and a late duplicate tick", () => {
  const prefix = useRedisPrefix();
  const testDb = useTestDatabase("postgres");
  const children: Child[] = [];
  let stores: StoreServer[] = [];
  let producer: QueueBackend;
  let reference: unknown[];

  beforeAll(async () => {
    ({ stores, reference } = await shopifyFleet(testDb().db, {
      stores: 4,
      roasters: 40,
      slugPrefix: "sched",
    }));
    producer = producerQueue(REDIS_URL!, prefix);
  });
  afterEach(async () => killAll(children));
  afterAll(async () => {
    await producer?.obliterate();
    await producer?.close();
    await Promise.all(stores.map((s) => s.close()));
  });

  it("each slot enqueued once; every job ends as a finished run, never two of one roaster at once; data as undisturbed", async () => {
    const { db } = testDb();
    const env = {
      DATABASE_URL: testDb().url!,
      REDIS_URL: REDIS_URL!,
      QUEUE_PREFIX: prefix,
      SCHEDULER_LOST_AFTER_MS: "0",
    };
    const at = new Date().toISOString();
    const [a, b] = await Promise.all([
      runCli(["schedule", "--once", "--json", "--at", at], env),
      runCli(["schedule", "--once", "--json", "--at", at], env),
    ]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const ta = JSON.parse(a.stdout) as TickJson;
    const tb = JSON.parse(b.stdout) as TickJson;
    const enqueued = [...ta.enqueued, ...tb.enqueued];
    expect(new Set(enqueued).size).toBe(enqueued.length); // never by both
    expect(enqueued.length).toBe(40); // every roaster's first full refresh, once
    const slots = await db.query<{ n: number; distinct_jobs: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT job_id)::int AS distinct_jobs FROM coffee_scraper.schedule_slots`,
    );
    expect(slots[0]!.distinct_jobs).toBe(40);
    const counts = await producer.counts();
    expect(counts.waiting + counts.delayed).toBe(40);

    // A late duplicate of the same tick, after the queue took the jobs (and with lost-job
    // recovery at 0 ms): nothing is enqueued again.
    const late = await runCli(["schedule", "--once", "--json", "--at", at], env);
    expect(late.code, late.stderr).toBe(0);
    expect((JSON.parse(late.stdout) as TickJson).enqueued).toEqual([]);

    const worker = spawnCli(["worker"], workerEnv({ ...env, WORKER_CONCURRENCY: "8" }));
    children.push(worker);
    await until(async () => (await producer.counts()).completed === 40, 60_000, "40 completed jobs");

    // Late again, after the runs finished: still nothing.
    const later = await runCli(["schedule", "--once", "--json", "--at", at], env);
    expect((JSON.parse(later.stdout) as TickJson).enqueued).toEqual([]);
    expect(await expectEveryJobFinished(db, enqueued)).toEqual([]);
    // One roaster, one run at a time — even when a loaded worker's job lock lapses and the
    // queue hands the job out again (at-least-once delivery may run a job twice, never at once).
    const overlapping = await db.query<{ job_id: string }>(
      `SELECT a.job_id FROM coffee_scraper.runs a JOIN scrape_runs b ON a.source_id = b.source_id AND a.id < b.id
        WHERE a.started_at < b.finished_at AND b.started_at < a.finished_at`,
    );
    expect(overlapping).toEqual([]);
    expect(snapshotDiff(await snapshot(db), reference)).toEqual([]);
  }, 90_000);
});
