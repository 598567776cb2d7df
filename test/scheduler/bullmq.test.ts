import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/core/logger.ts";
import type { QueueBackend } from "../../src/queue/backend.ts";
import { openBullmqQueue } from "../../src/queue/bullmq.ts";
import { scheduleTick } from "../../src/scheduler/tick.ts";
import { testEngines, useTestDatabase } from "../helpers/database.ts";
import { hasRedis, REDIS_URL, useRedisPrefix } from "../helpers/redis.ts";
import { clearRoasters, roaster, seedRoasters, slotRows } from "./seed.ts";

// The scheduler against BullMQ on a real Redis: what "the queue lost it" means in production
// (Redis flushed or restarted without persistence), and two schedulers sharing one Redis.

const filePrefix = useRedisPrefix();
let serial = 0;
const DEC_1 = new Date("2026-12-01T03:20:00Z");

const openQueue = (prefix: string): QueueBackend =>
  openBullmqQueue({
    redisUrl: REDIS_URL!,
    prefix,
    retry: { attempts: 3, backoffMs: 100, jitter: 0 },
    retention: { keepCompleted: 100, keepFailed: 100 },
    lockDurationMs: 5000,
    stalledIntervalMs: 5000,
    maxStalledCount: 1,
    log: silentLogger(),
  });

// The last engine: PostgreSQL when it is configured (as in production), else PGlite.
const engine = testEngines().at(-1)!;

describe.skipIf(!hasRedis)(`scheduleTick with BullMQ (${engine})`, () => {
  const database = useTestDatabase(engine);
  const db = () => database().db;
  let prefix: string;
  const opened: QueueBackend[] = [];
  const queue = () => {
    const q = openQueue(prefix);
    opened.push(q);
    return q;
  };

  beforeEach(async () => {
    prefix = `${filePrefix}-${++serial}`;
    await clearRoasters(db());
  });
  afterEach(async () => {
    await opened[0]?.obliterate();
    await Promise.all(opened.splice(0).map((q) => q.close()));
  });

  it("enqueues once per slot; after Redis loses the jobs, the next tick enqueues the unfinished slots again", async () => {
    await seedRoasters(db(), [roaster("alpha"), roaster("beta"), roaster("gamma")]);
    const q = queue();
    const first = await scheduleTick({ db: db(), queue: q, at: DEC_1, lostAfterMs: 0 });
    expect(first.enqueued).toHaveLength(3);
    for (const id of first.enqueued) expect(await q.stateOf(id)).toBe("waiting");
    expect((await scheduleTick({ db: db(), queue: q, at: DEC_1, lostAfterMs: 0 })).enqueued).toEqual([]);

    await q.obliterate(); // what FLUSHALL does to our keys
    expect(await q.counts()).toMatchObject({ waiting: 0 });
    const again = await scheduleTick({
      db: db(),
      queue: q,
      at: new Date("2026-12-01T04:00:00Z"),
      lostAfterMs: 0,
    });
    expect(again.enqueued.sort()).toEqual([...first.enqueued].sort());
    expect(again.due.every((d) => /lost/.test(d.reason))).toBe(true);
    expect(await q.counts()).toMatchObject({ waiting: 3 });
    expect(await slotRows(db())).toHaveLength(6);
  });

  it("two schedulers on one Redis at once enqueue each slot once", async () => {
    await seedRoasters(
      db(),
      Array.from({ length: 30 }, (_, i) => roaster(`r${String(i).padStart(2, "0")}`)),
    );
    const [a, b] = [queue(), queue()];
    const [sa, sb] = await Promise.all([
      scheduleTick({ db: db(), queue: a, at: DEC_1 }),
      scheduleTick({ db: db(), queue: b, at: DEC_1 }),
    ]);
    expect(sa.enqueued.length + sb.enqueued.length).toBe(30);
    expect(new Set([...sa.enqueued, ...sb.enqueued]).size).toBe(30);
    expect(await a.counts()).toMatchObject({ waiting: 30 });
  });
});
