import { writeFileSync } from "node:fs";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { QueueBackend } from "../../src/queue/backend.ts";
import { scheduleTick } from "../../src/scheduler/tick.ts";
import { POSTGRES_URL, useTestDatabase } from "../helpers/database.ts";
import { hasRedis, REDIS_URL, useRedisPrefix } from "../helpers/redis.ts";
import type { StoreServer } from "../helpers/store-server.ts";
import { sleep, until } from "../helpers/until.ts";
import { shopifyFleet } from "./fleet.ts";
import { startTcpProxy, type TcpProxy } from "./network.ts";
import { expectEveryJobFinished, snapshot, snapshotDiff } from "./outcomes.ts";
import { killAll, spawnCli, workerEnv, type Child } from "./processes.ts";
import { producerQueue, untilQueueDrained } from "./queue.ts";

// PostgreSQL unreachable for 20 s in the middle of a batch (a TCP proxy between the workers
// and the server is cut, then restored), and connections killed mid-transaction with
// pg_terminate_backend: jobs retry, then succeed, and the data is what an undisturbed run leaves.

describe.skipIf(!POSTGRES_URL || !hasRedis)("PostgreSQL outages", () => {
  const prefix = useRedisPrefix();
  const testDb = useTestDatabase("postgres");
  const children: Child[] = [];
  let stores: StoreServer[] = [];
  let proxy: TcpProxy;
  let producer: QueueBackend;
  let reference: unknown[];

  const proxiedUrl = () => {
    const u = new URL(testDb().url!);
    u.host = `127.0.0.1:${proxy.port}`;
    return u.toString();
  };

  beforeAll(async () => {
    const target = new URL(POSTGRES_URL!);
    proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    ({ stores, reference } = await shopifyFleet(testDb().db, {
      stores: 3,
      roasters: 8,
      slugPrefix: "pg",
      store: { products: 300, latencyMs: 250 },
    }));
    producer = producerQueue(REDIS_URL!, prefix);
  });
  afterEach(async () => {
    if (process.env.REL_DEBUG) for (const c of children) writeFileSync(`/tmp/pgw-${c.pid}.log`, c.out());
    await killAll(children);
  });
  afterAll(async () => {
    await producer?.obliterate();
    await producer?.close();
    await Promise.all(stores.map((s) => s.close()));
    await proxy?.close();
  });

  function startWorkers(): Promise<Child[]> {
    const env = workerEnv({
      DATABASE_URL: proxiedUrl(),
      REDIS_URL: REDIS_URL!,
      QUEUE_PREFIX: prefix,
      WORKER_CONCURRENCY: "2",
      JOB_ATTEMPTS: "10",
      JOB_BACKOFF_MS: "1000",
    });
    const ws = [spawnCli(["worker"], env), spawnCli(["worker"], env)];
    children.push(...ws);
    return until(
      () => ws.every((w) => w.lines().some((l) => l.msg === "worker started")),
      30_000,
      "workers",
    ).then(() => ws);
  }

  it("unreachable for 20 s during a run: jobs retry, then succeed; data as undisturbed", async () => {
    const { db } = testDb();
    const workers = await startWorkers();
    const tick = await scheduleTick({ db, queue: producer, lostAfterMs: 60_000 });
    expect(tick.enqueued.length).toBe(8);
    await until(
      () => workers.some((w) => w.lines().some((l) => l.msg === "job started")),
      20_000,
      "a running job",
    );
    await sleep(300);
    proxy.cut();
    await sleep(20_000);
    proxy.restore();
    await until(async () => (await producer.counts()).completed === 8, 60_000, "8 completed jobs");
    const lines = workers.flatMap((w) => w.lines());
    // The outage was felt: attempts failed and were retried, none failed for good.
    expect(lines.filter((l) => l.msg === "job finished" && l.outcome === "retrying").length).toBeGreaterThan(
      0,
    );
    expect(lines.filter((l) => l.msg === "job finished" && l.outcome === "failed")).toEqual([]);
    expect((await producer.counts()).failed).toBe(0);
    expect(await expectEveryJobFinished(db, tick.enqueued)).toEqual([]);
    expect(snapshotDiff(await snapshot(db), reference)).toEqual([]);
    for (const w of workers) expect(w.alive()).toBe(true);
  }, 90_000);

  it("connections killed mid-transaction (pg_terminate_backend): jobs retry; no duplicate or partial rows", async () => {
    const { db } = testDb();
    await startWorkers();
    const at = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth() + 1, 1, 3, 0, 30));
    // Change every price, so the new run writes a second price row per variant.
    for (const s of stores) {
      for (const p of s.products)
        for (const v of p.variants as { price: string }[]) v.price = (Number(v.price) + 10).toFixed(2);
      s.changed();
    }
    const tick = await scheduleTick({ db, queue: producer, at, lostAfterMs: 60_000 });
    expect(tick.enqueued.length).toBeGreaterThanOrEqual(8);
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    const dbName = new URL(testDb().url!).pathname.slice(1);
    let killed = 0;
    try {
      // Kill every worker backend caught inside a transaction until six have been killed.
      const deadline = Date.now() + 40_000;
      while (killed < 6 && Date.now() < deadline) {
        const c = await producer.counts();
        if (c.waiting + c.active + c.delayed === 0) break;
        const res = await admin.query<{ ok: boolean }>(
          `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
            WHERE datname = $1 AND pid <> pg_backend_pid() AND xact_start IS NOT NULL AND state <> 'idle'`,
          [dbName],
        );
        killed += res.rows.filter((r) => r.ok).length;
        await sleep(30);
      }
    } finally {
      await admin.end();
    }
    expect(killed).toBeGreaterThan(0);
    await untilQueueDrained(producer, 50_000, "the batch");
    expect((await producer.counts()).failed).toBe(0);
    expect(await expectEveryJobFinished(db, tick.enqueued)).toEqual([]);
    // Every variant: exactly the two prices (old, new), never a duplicate row.
    const rows = (await snapshot(db)) as { price_rows: number; prices: string[] }[];
    expect(rows.length).toBe(reference.length);
    for (const r of rows) {
      if (r.prices === null) continue;
      expect(r.price_rows).toBe(2);
      expect(new Set(r.prices).size).toBe(2);
    }
  }, 90_000);
});
