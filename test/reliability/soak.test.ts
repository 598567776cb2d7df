import { randomBytes } from "node:crypto";
import pg from "pg";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { QueueBackend } from "../../src/queue/backend.ts";
import { scheduleTick } from "../../src/scheduler/tick.ts";
import { POSTGRES_URL, useTestDatabase } from "../helpers/database.ts";
import { hasRedis } from "../helpers/redis.ts";
import { startStoreServer, type StoreServer } from "../helpers/store-server.ts";
import { until } from "../helpers/until.ts";
import { addRoasters } from "./fleet.ts";
import { expectEveryJobFinished } from "./outcomes.ts";
import { startOwnRedis, type OwnRedis } from "./own-redis.ts";
import { currentRssKb, killAll, peakRssKb, spawnCli, workerEnv, type Child } from "./processes.ts";
import { producerQueue } from "./queue.ts";

// Load: many roasters on local stores, two worker processes, pacing on at a scaled-down
// delay, two full batches. SOAK=1 runs the full size (1,000 roasters × 200 products; tens of
// minutes); otherwise a CI-sized short version (20 roasters × 50 products). Reports jobs/min,
// products/s, peak RSS per worker (VmHWM), Redis and PostgreSQL sizes; asserts that no job is
// lost and that the workers' memory does not grow from the first batch to the second.

const SOAK = process.env.SOAK === "1";
const ROASTERS = Number(process.env.SOAK_ROASTERS ?? (SOAK ? 1000 : 20));
const PRODUCTS = Number(process.env.SOAK_PRODUCTS ?? (SOAK ? 200 : 50));
const STORES = Math.min(ROASTERS, 20);
const CONCURRENCY = SOAK ? 10 : 4;
const BATCH_TIMEOUT_MS = SOAK ? 3_600_000 : 40_000;

describe.skipIf(!POSTGRES_URL || !hasRedis)(
  `soak: ${ROASTERS} roasters × ${PRODUCTS} products, two workers`,
  () => {
    const testDb = useTestDatabase("postgres");
    const prefix = `cs-soak-${randomBytes(4).toString("hex")}`;
    const children: Child[] = [];
    let redis: OwnRedis;
    let stores: StoreServer[] = [];
    let producer: QueueBackend;

    beforeAll(async () => {
      redis = await startOwnRedis();
      stores = await Promise.all(
        Array.from({ length: STORES }, () => startStoreServer({ platform: "shopify", products: PRODUCTS })),
      );
      await addRoasters(
        testDb().db,
        Array.from({ length: ROASTERS }, (_, i) => ({
          slug: `soak-${String(i).padStart(4, "0")}`,
          url: stores[i % STORES]!.url,
          platform: "shopify" as const,
        })),
      );
      producer = producerQueue(redis.url, prefix);
    });
    afterEach(async () => killAll(children));
    afterAll(async () => {
      await producer?.close().catch(() => {});
      await Promise.all(stores.map((s) => s.close()));
      await redis?.kill();
    });

    it(
      "no job lost, memory flat across batches; figures reported",
      async () => {
        const { db } = testDb();
        const env = workerEnv({
          DATABASE_URL: testDb().url!,
          REDIS_URL: redis.url,
          QUEUE_PREFIX: prefix,
          WORKER_CONCURRENCY: String(CONCURRENCY),
          HTTP_DELAY_MS: "10",
          HTTP_JITTER_MS: "5",
          LOG_LEVEL: "warn",
          LEASE_TTL_MS: "10000",
          QUEUE_LOCK_DURATION_MS: "10000",
          QUEUE_STALLED_INTERVAL_MS: "5000",
        });
        const workers = [
          spawnCli(["worker"], { ...env, LOG_LEVEL: "info" }),
          spawnCli(["worker"], { ...env, LOG_LEVEL: "info" }),
        ];
        children.push(...workers);
        await until(
          () => workers.every((w) => w.lines().some((l) => l.msg === "worker started")),
          30_000,
          "workers",
        );

        const batches: { jobs: string[]; ms: number; products: number; rssKb: number[] }[] = [];
        const now = new Date();
        const slots = [
          undefined,
          new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1, 3, 0, 30)),
        ];
        for (const at of slots) {
          if (at) {
            // The same work again: every price moved, so no page answers 304.
            for (const s of stores) {
              for (const p of s.products)
                for (const v of p.variants as { price: string }[]) v.price = (Number(v.price) + 1).toFixed(2);
              s.changed();
            }
          }
          const completedBefore = (await producer.counts()).completed;
          const started = performance.now();
          const tick = await scheduleTick({
            db,
            queue: producer,
            lostAfterMs: 3_600_000,
            ...(at ? { at } : {}),
          });
          const fulls = tick.enqueued.filter((id) => id.startsWith("full_refresh"));
          expect(fulls.length).toBe(ROASTERS);
          await until(
            async () => {
              const c = await producer.counts();
              return c.completed - completedBefore === tick.enqueued.length && c.active === 0;
            },
            BATCH_TIMEOUT_MS,
            "the batch",
          );
          const ms = performance.now() - started;
          const [row] = await db.query<{ n: number }>(
            `SELECT coalesce(sum((stats_json->>'products_seen')::int), 0)::int AS n FROM coffee_scraper.runs WHERE job_id = ANY($1::text[])`,
            [tick.enqueued],
          );
          batches.push({
            jobs: tick.enqueued,
            ms,
            products: row!.n,
            rssKb: workers.map((w) => currentRssKb(w.pid) ?? 0),
          });
        }

        const peaks = workers.map((w) => peakRssKb(w.pid) ?? 0);
        const probe = new Redis(redis.url);
        const redisBytes = Number(/used_memory:(\d+)/.exec(await probe.info("memory"))?.[1] ?? 0);
        probe.disconnect();
        const admin = new pg.Client({ connectionString: POSTGRES_URL });
        await admin.connect();
        const pgBytes = Number(
          (
            await admin.query<{ s: string }>(`SELECT pg_database_size($1) AS s`, [
              new URL(testDb().url!).pathname.slice(1),
            ])
          ).rows[0]!.s,
        );
        await admin.end();

        const mb = (kb: number) => (kb / 1024).toFixed(0);
        const lines = batches.map(
          (b, i) =>
            `batch ${i + 1}: ${b.jobs.length} jobs in ${(b.ms / 1000).toFixed(1)} s → ${((b.jobs.length / b.ms) * 60_000).toFixed(0)} jobs/min, ` +
            `${((b.products / b.ms) * 1000).toFixed(0)} products/s; RSS after: ${b.rssKb.map(mb).join(" / ")} MB`,
        );
        console.log(
          [
            `soak (${SOAK ? "full" : "short"}): ${ROASTERS} roasters × ${PRODUCTS} products on ${STORES} local stores, 2 workers × concurrency ${CONCURRENCY}, pacing 10 ± 5 ms`,
            ...lines,
            `peak RSS per worker (VmHWM): ${peaks.map(mb).join(" / ")} MB`,
            `Redis used_memory: ${(redisBytes / 1024 / 1024).toFixed(1)} MB; PostgreSQL database: ${(pgBytes / 1024 / 1024).toFixed(1)} MB`,
          ].join("\n"),
        );

        // No job lost: every job of both batches ended as a finished ok run; nothing failed.
        expect((await producer.counts()).failed).toBe(0);
        expect(
          await expectEveryJobFinished(
            db,
            batches.flatMap((b) => b.jobs),
          ),
        ).toEqual([]);
        // Memory does not grow from one batch to the next (same work twice).
        batches[1]!.rssKb.forEach((kb, i) =>
          expect(kb, `worker ${i + 1} RSS`).toBeLessThan(batches[0]!.rssKb[i]! * 1.3 + 40 * 1024),
        );
        for (const w of workers) expect(w.alive()).toBe(true);
      },
      SOAK ? 7_200_000 : 90_000,
    );
  },
);
