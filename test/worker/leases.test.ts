import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { importRoasters } from "../../src/config/import-roasters.ts";
import { validateRoasterList } from "../../src/config/roaster-file.ts";
import type { Database } from "../../src/db/database.ts";
import { findRoaster } from "../../src/db/roasters.ts";
import { silentLogger } from "../../src/log/logger.ts";
import type { JobContext, QueueBackend } from "../../src/queue/backend.ts";
import { openBullmqQueue } from "../../src/queue/bullmq.ts";
import { databaseLeases, tryAcquireLease } from "../../src/worker/database-lease.ts";
import { RoasterBusyError, type ClaimRequest, type RoasterLeases } from "../../src/worker/lease.ts";
import { leaseKey, readRedisLease, redisLeases } from "../../src/worker/redis-lease.ts";
import { testEngines, useTestDatabase, type Engine } from "../helpers/database.ts";
import { hasRedis, REDIS_URL, useRedisPrefix } from "../helpers/redis.ts";

// One contract for both lease stores (runJob only sees `claim`): the database's, on each
// engine, and Redis's for holders outside the queue. Then what only the Redis store does:
// ride on BullMQ's own lock on a running job.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = silentLogger();
const TTL = 300;
const redisPrefix = useRedisPrefix();
const connections: Redis[] = [];
afterAll(() => Promise.all(connections.map((c) => c.quit())));

function connect(): Redis {
  const redis = new Redis(REDIS_URL!);
  connections.push(redis);
  return redis;
}

interface Store {
  name: string;
  engine: Engine;
  enabled: boolean;
  open(db: Database): RoasterLeases;
  /** Takes the roaster's lease the way a holder that then died would have: never renewed, never released. */
  takeAndDie(db: Database, slug: string): Promise<void>;
  /** Makes the held lease someone else's (a takeover after a missed renewal). */
  steal(db: Database, slug: string): Promise<void>;
}

const stores: Store[] = [
  ...testEngines().map(
    (engine): Store => ({
      name: `database (${engine})`,
      engine,
      enabled: true,
      open: (db) => databaseLeases(db, TTL),
      async takeAndDie(db, slug) {
        const roaster = (await findRoaster(db, slug))!;
        expect(await tryAcquireLease(db, { roasterId: roaster.id, holder: "dead:1:00", jobId: "dead-job", ttlMs: TTL })).toBe(true);
      },
      async steal(db, slug) {
        const roaster = (await findRoaster(db, slug))!;
        await db.query(`UPDATE roaster_leases SET holder = 'thief', job_id = 'other' WHERE roaster_id = $1`, [roaster.id]);
      },
    }),
  ),
  {
    name: "redis",
    engine: "pglite",
    enabled: hasRedis,
    open: (db) => redisLeases({ redis: connect(), prefix: redisPrefix, ttlMs: TTL, db }),
    async takeAndDie(db, slug) {
      // A holder in another process: its connection is cut, so it can never renew.
      const redis = new Redis(REDIS_URL!);
      const dying = redisLeases({ redis, prefix: redisPrefix, ttlMs: TTL, db });
      const claim = await dying.claim({ slug, holder: "dead:1:00", jobId: "dead-job", log });
      expect(claim?.lease).not.toBeNull();
      redis.disconnect();
    },
    async steal(_db, slug) {
      const redis = connect();
      await redis.hset(leaseKey(redisPrefix, slug), "lock", `${redisPrefix}:thief-lock`, "token", "t", "job", "other", "holder", "thief");
      await redis.set(`${redisPrefix}:thief-lock`, "t", "PX", 60_000);
    },
  },
];

describe.each(stores.filter((s) => s.enabled))("roaster leases: $name", (store) => {
  const testDb = useTestDatabase(store.engine);
  let n = 0;
  async function roaster(active = true): Promise<string> {
    const slug = `leases-${++n}`;
    await importRoasters(testDb().db, validateRoasterList("test", [{ slug, name: slug, website: `https://${slug}.example`, is_active: active }]));
    return slug;
  }
  const request = (slug: string, jobId: string, holder = "host-a:1:aa"): ClaimRequest => ({ slug, jobId, holder, log });

  it("claims a free roaster, refuses it while held (even to the same job), and frees it on release", async () => {
    const leases = store.open(testDb().db);
    const slug = await roaster();
    const first = await leases.claim(request(slug, "full_refresh.a.1"));
    expect(first?.roaster.slug).toBe(slug);
    expect(first?.lease).not.toBeNull();
    await expect(leases.claim(request(slug, "price_only.a.1", "host-b:2:bb"))).rejects.toMatchObject({
      name: "RoasterBusyError",
      heldBy: { jobId: "full_refresh.a.1", holder: "host-a:1:aa" },
    });
    await expect(leases.claim(request(slug, "full_refresh.a.1"))).rejects.toBeInstanceOf(RoasterBusyError);
    await first!.lease!.release();
    const second = await leases.claim(request(slug, "price_only.a.1", "host-b:2:bb"));
    expect(second?.lease).not.toBeNull();
    await second!.lease!.release();
  });

  it("answers null for a roaster that does not exist and takes nothing for an inactive one", async () => {
    const leases = store.open(testDb().db);
    expect(await leases.claim(request("no-such-roaster", "j"))).toBeNull();
    const slug = await roaster(false);
    const inactive = await leases.claim(request(slug, "j1"));
    expect(inactive).toMatchObject({ roaster: { slug, is_active: false }, lease: null });
    // Nothing was left held: once active, the next job gets it at once.
    await importRoasters(testDb().db, validateRoasterList("test", [{ slug, name: slug, website: `https://${slug}.example` }]));
    const claim = await leases.claim(request(slug, "j2"));
    expect(claim?.lease).not.toBeNull();
    await claim!.lease!.release();
  });

  it("lasts while its holder renews it, and lapses when the holder dies", async () => {
    const leases = store.open(testDb().db);
    const slug = await roaster();
    const held = await leases.claim(request(slug, "j1"));
    await sleep(3 * TTL); // only renewal keeps it
    expect(held!.lease!.lost.aborted).toBe(false);
    await expect(leases.claim(request(slug, "j2", "host-b:2:bb"))).rejects.toBeInstanceOf(RoasterBusyError);
    await held!.lease!.release();

    const orphan = await roaster();
    await store.takeAndDie(testDb().db, orphan);
    await expect(leases.claim(request(orphan, "j3"))).rejects.toBeInstanceOf(RoasterBusyError);
    await sleep(TTL + 150);
    const taken = await leases.claim(request(orphan, "j3"));
    expect(taken?.lease).not.toBeNull();
    await taken!.lease!.release();
  });

  it("signals `lost` when the lease is no longer its holder's", async () => {
    const leases = store.open(testDb().db);
    const slug = await roaster();
    const held = await leases.claim(request(slug, "j1"));
    await store.steal(testDb().db, slug);
    const deadline = Date.now() + 3000;
    while (!held!.lease!.lost.aborted && Date.now() < deadline) await sleep(20);
    expect(held!.lease!.lost.aborted).toBe(true);
    await held!.lease!.release();
    await expect(leases.claim(request(slug, "j2"))).rejects.toMatchObject({ heldBy: { jobId: "other" } }); // release left the thief's alone
  });
});

describe.skipIf(!hasRedis)("roaster leases in Redis, riding on BullMQ's lock", () => {
  const testDb = useTestDatabase("pglite");
  let serial = 0;

  function openQueue(lockDurationMs = 5000): { queue: QueueBackend; prefix: string } {
    const prefix = `${redisPrefix}-bull-${++serial}`;
    const queue = openBullmqQueue({
      redisUrl: REDIS_URL!,
      prefix,
      retry: { attempts: 1, backoffMs: 100, jitter: 0 },
      retention: { keepCompleted: 10, keepFailed: 10 },
      lockDurationMs,
      stalledIntervalMs: 5000,
      maxStalledCount: 1,
      log,
    });
    return { queue, prefix };
  }

  /** Runs one job on `queue` whose handler is `inside`; resolves with what it returned. */
  async function runOne<T>(queue: QueueBackend, slug: string, inside: (job: JobContext) => Promise<T>): Promise<T> {
    await queue.enqueue({ roaster: slug, type: "full_refresh", slot: "manual:1", reason: "test" });
    let result: Promise<T> | undefined;
    const consumer = queue.consume((job) => (result = inside(job)), { concurrency: 1 });
    await waitFor(async () => result !== undefined);
    try {
      return await result!;
    } finally {
      await consumer.close();
    }
  }

  async function addRoaster(): Promise<string> {
    const slug = `ride-${++serial}`;
    await importRoasters(testDb().db, validateRoasterList("test", [{ slug, name: slug, website: `https://${slug}.example` }]));
    return slug;
  }

  it("holds the roaster exactly while BullMQ holds its lock on the job: no renewal, no release", async () => {
    const { queue, prefix } = openQueue();
    const redis = connect();
    const leases = redisLeases({ redis: connect(), prefix: redisPrefix, ttlMs: TTL, db: testDb().db });
    const slug = await addRoaster();
    const jobId = await runOne(queue, slug, async (job) => {
      expect(job.lock?.key).toBe(`${prefix}:scrape:${job.id}:lock`);
      const claim = await leases.claim({ slug, holder: "worker:1:aa", jobId: job.id, log, queueLock: job.lock });
      expect(claim?.lease).not.toBeNull();
      expect(await readRedisLease(redis, redisPrefix, slug)).toMatchObject({ jobId: job.id, holder: "worker:1:aa", lockKey: job.lock!.key });
      await sleep(2 * TTL); // longer than a lease of our own would last unrenewed: the queue's lock keeps it
      await expect(leases.claim({ slug, holder: "other:2:bb", jobId: "price_only.x", log })).rejects.toMatchObject({
        name: "RoasterBusyError",
        heldBy: { jobId: job.id },
      });
      return job.id;
    });
    // The job ended and BullMQ dropped its lock: the roaster is free without a release.
    await waitFor(async () => (await queue.stateOf(jobId)) === "completed");
    expect(await readRedisLease(redis, redisPrefix, slug)).toBeNull();
    const next = await leases.claim({ slug, holder: "other:2:bb", jobId: "price_only.x", log });
    expect(next?.lease).not.toBeNull();
    await next!.lease!.release();
    await queue.obliterate();
    await queue.close();
  });

  it("refuses to ride on a lock the attempt does not hold", async () => {
    const leases = redisLeases({ redis: connect(), prefix: redisPrefix, ttlMs: TTL, db: testDb().db });
    const slug = await addRoaster();
    await expect(
      leases.claim({ slug, holder: "w:1:aa", jobId: "j", log, queueLock: { key: `${redisPrefix}:no-such-lock`, token: "t" } }),
    ).rejects.toThrow(/does not hold the queue's lock/);
    const claim = await leases.claim({ slug, holder: "w:1:aa", jobId: "j2", log });
    expect(claim?.lease).not.toBeNull(); // and took nothing
    await claim!.lease!.release();
  });

  it("stops a job whose queue lock was lost: its signal is aborted", async () => {
    const { queue } = openQueue(400); // renewed every 200 ms
    const redis = connect();
    const slug = await addRoaster();
    const aborted = await runOne(queue, slug, async (job) => {
      await redis.set(job.lock!.key, "someone-else"); // as if it lapsed and another worker took the job
      const deadline = Date.now() + 3000;
      while (!job.signal.aborted && Date.now() < deadline) await sleep(20);
      return job.signal.aborted;
    });
    expect(aborted).toBe(true);
    await queue.close();
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out");
    await sleep(20);
  }
}
