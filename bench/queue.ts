// npm run bench:queue — what coffee-scraper's worker adds to a queue. Its worker processing
// no-op work (roaster lookup, lease taken/renewed/released, scoped logs, metrics, retry edge)
// is measured against raw BullMQ whose processor takes and releases the same lease (the
// roaster lookup + claim statement and the release statement): one job per roaster across
// machines needs that much shared state per job, so that is the floor any such worker sits
// on. Target: ours adds at most 20 % on top of it. Raw BullMQ with a no-op processor, and
// with one Redis GET or one PostgreSQL statement per job, are printed beside it for scale.
// Both sides are watched alike: the same count of completed jobs, polled every 5 ms.
// Then the same on the embedded queue.
//
// Uses REDIS_URL (BullMQ part skipped when unset) and DATABASE_URL (else PGlite in memory).
// BENCH_JOBS (default 1000), BENCH_ROUNDS (default 3, medians printed) and WORKER_CONCURRENCY
// (default 5) tune it. One untimed round warms the JIT first, so that no side runs cold.
import { randomBytes } from "node:crypto";
import { Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import pg from "pg";
import pino from "pino";
import type { Deps } from "../src/app/deps.ts";
import { createDeps } from "../src/app/runtime.ts";
import { importRoasters } from "../src/app/import-roasters.ts";
import { validateRoasterList } from "../src/config/roaster-file.ts";
import { loadSettings } from "../src/config/settings.ts";
import type { Database } from "../src/db/database.ts";
import { openDatabase } from "../src/db/open-database.ts";
import { migrate } from "../src/db/migrate.ts";
import type { QueueBackend } from "../src/queue/backend.ts";
import { openBullmqQueue } from "../src/queue/bullmq.ts";
import { openEmbeddedQueue } from "../src/queue/embedded.ts";
import type { JobPayload } from "../src/queue/job.ts";
import { retentionFrom, retryPolicyFrom } from "../src/queue/open-queue.ts";
import type { JobWork } from "../src/worker/run-job.ts";
import { claimRoaster, releaseLease } from "../src/db/leases.ts";
import { startWorker } from "../src/worker/worker.ts";

const JOBS = Number(process.env.BENCH_JOBS ?? 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONCURRENCY = Number(process.env.WORKER_CONCURRENCY ?? 5);
const REDIS_URL = process.env.REDIS_URL;
const SERVER_URL = process.env.DATABASE_URL;
const run = randomBytes(4).toString("hex");

const settings = loadSettings({ LOG_FORMAT: "json", LOG_LEVEL: "info", QUEUE_KEEP_COMPLETED: String(JOBS * 2) }, false);
// Real pino JSON lines, written to /dev/null: the cost of formatting and writing is paid.
const log = pino({ level: "info", base: { pid: process.pid } }, pino.destination({ dest: "/dev/null", sync: true }));
const noop: JobWork = async (input) => ({ runId: input.jobId, status: "ok", stats: {} });

const payloads = (batch: string): JobPayload[] =>
  Array.from({ length: JOBS }, (_, i) => ({ roaster: `bench-${i}`, type: "price_only", slot: `2026-01-01T00:00:00.${batch}`, reason: "bench" }));

async function timeUntil(done: () => Promise<boolean>): Promise<number> {
  const t0 = performance.now();
  while (!(await done())) await new Promise((r) => setTimeout(r, 5));
  return performance.now() - t0;
}

type Processor = (data: JobPayload) => Promise<unknown>;

/** Plain BullMQ: a queue, a worker running `processor`, JOBS jobs; jobs/s from the first pick-up to the last completion. */
async function rawBullmq(name: string, processor: Processor): Promise<number> {
  const prefix = `bench-${name}-${run}`;
  const connection = new Redis(REDIS_URL!, { maxRetriesPerRequest: null });
  const queue = new Queue("scrape", { connection, prefix });
  await queue.addBulk(payloads("000").map((data, i) => ({ name: data.type, data, opts: { jobId: `raw.${i}`, removeOnComplete: { count: JOBS * 2 } } })));
  const t0 = performance.now();
  const workerConnection = new Redis(REDIS_URL!, { maxRetriesPerRequest: null });
  const worker = new Worker<JobPayload>("scrape", (job) => processor(job.data), { connection: workerConnection, prefix, concurrency: CONCURRENCY });
  await timeUntil(async () => (await queue.getJobCounts("completed")).completed === JOBS);
  const ms = performance.now() - t0;
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  connection.disconnect();
  workerConnection.disconnect(); // BullMQ leaves a connection it was handed open: the process would never exit
  return (JOBS / ms) * 1000;
}

/** `completed` counts the queue's completed jobs: for BullMQ the raw side's own poll, so that both sides poll alike. */
async function ours(queue: QueueBackend, db: Database, batch: string, completed: () => Promise<number>): Promise<number> {
  const deps: Deps = createDeps(settings, db, log);
  await queue.enqueueMany(payloads(batch));
  const t0 = performance.now();
  const consumer = startWorker({ deps, queue, concurrency: CONCURRENCY, work: noop });
  await timeUntil(async () => (await completed()) >= JOBS);
  const ms = performance.now() - t0;
  await consumer.close();
  await deps.http.close();
  await queue.obliterate();
  return (JOBS / ms) * 1000;
}

async function rawEmbedded(): Promise<number> {
  const queue = openEmbeddedQueue({ retry: retryPolicyFrom(settings), retention: retentionFrom(settings) });
  await queue.enqueueMany(payloads("000"));
  const t0 = performance.now();
  const consumer = queue.consume(async () => ({}), { concurrency: CONCURRENCY });
  await timeUntil(async () => (await queue.counts()).completed === JOBS);
  const ms = performance.now() - t0;
  await consumer.close();
  await queue.close();
  return (JOBS / ms) * 1000;
}

/** The per-job database work on its own: roaster lookup + lease in one statement, then release. */
async function leaseOnly(db: Database, round: number): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < JOBS) {
        const i = next++;
        await claimAndRelease(db, `bench-${i}`, `lease-only-${run}-${round}-${i}`);
      }
    }),
  );
  return (JOBS / (performance.now() - t0)) * 1000;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Runs every measure once untimed (warm-up), then ROUNDS times in turn; medians. */
async function measure<K extends string>(measures: Record<K, (round: number) => Promise<number>>): Promise<Record<K, number>> {
  const names = Object.keys(measures) as K[];
  const samples = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<K, number[]>;
  for (let round = 0; round <= ROUNDS; round++) {
    for (const name of names) {
      const rate = await measures[name](round);
      if (round > 0) samples[name].push(rate);
    }
  }
  return Object.fromEntries(names.map((n) => [n, median(samples[n])])) as Record<K, number>;
}

/** Ours may add this much per job on top of the lease's own statements. */
const TARGET_ADDED = 0.2;
const rate = (n: number) => `${n.toFixed(0).padStart(6)} jobs/s`;

function report(name: string, raw: number, mine: number): void {
  const ratio = mine / raw;
  console.log(`${name.padEnd(9)} raw ${rate(raw)}   coffee-scraper worker ${rate(mine)}   ratio ${ratio.toFixed(2)}`);
}

/** What the lease costs a job on its own: the roaster lookup + claim statement, and the release. */
async function claimAndRelease(db: Database, slug: string, jobId: string): Promise<void> {
  const claim = { slug, holder: "bench", jobId, ttlMs: 60_000 };
  const claimed = await claimRoaster(db, claim);
  await releaseLease(db, { roasterId: claimed!.roaster.id, holder: claim.holder, jobId });
}

function floor(what: string, raw: number, floored: number, meaning: string): void {
  console.log(`  floor: raw BullMQ + ${what.padEnd(34)} ${rate(floored)}   ratio ${(floored / raw).toFixed(2)} — ${meaning}`);
}

/** On PostgreSQL a throwaway database `cs_bench_<random>` on the server in DATABASE_URL. */
async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: SERVER_URL });
  await client.connect();
  await client.query(sql).finally(() => client.end());
}

async function main(): Promise<void> {
  const benchDb = `cs_bench_${run}`;
  let databaseUrl: string | undefined;
  if (SERVER_URL) {
    await admin(`CREATE DATABASE ${benchDb}`);
    const u = new URL(SERVER_URL);
    u.pathname = `/${benchDb}`;
    databaseUrl = u.toString();
  }
  const db = await openDatabase({ databaseUrl, dataDir: "memory://" });
  await migrate(db);
  await importRoasters(
    db,
    validateRoasterList("bench", Array.from({ length: JOBS }, (_, i) => ({ slug: `bench-${i}`, name: `Bench ${i}`, website: `https://bench-${i}.example` }))),
  );
  console.log(`${JOBS} no-op jobs, concurrency ${CONCURRENCY}, database ${db.engine}, medians of ${ROUNDS} rounds after a warm-up`);
  try {
    if (REDIS_URL) {
      const queue = openBullmqQueue({
        redisUrl: REDIS_URL,
        prefix: `bench-ours-${run}`,
        retry: retryPolicyFrom(settings),
        retention: retentionFrom(settings),
        lockDurationMs: settings.QUEUE_LOCK_DURATION_MS,
        stalledIntervalMs: settings.QUEUE_STALLED_INTERVAL_MS,
        maxStalledCount: settings.QUEUE_MAX_STALLED_COUNT,
        log,
      });
      const side = new Redis(REDIS_URL);
      const watchedConnection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
      const watched = new Queue("scrape", { connection: watchedConnection, prefix: `bench-ours-${run}` });
      const completed = async () => (await watched.getJobCounts("completed")).completed ?? 0;
      const r = await measure({
        raw: () => rawBullmq("raw", async () => ({})),
        redisTrip: () => rawBullmq("redis-trip", (data) => side.get(`bench-trip-${run}:${data.roaster}`)),
        sqlTrip: () => rawBullmq("sql-trip", (data) => db.query("SELECT $1::text AS slug", [data.roaster])),
        leaseFloor: (round) => rawBullmq("lease", (data) => claimAndRelease(db, data.roaster, `raw-lease-${run}-${round}`)),
        ours: (round) => ours(queue, db, String(round).padStart(3, "0"), completed),
      });
      side.disconnect();
      await watched.close();
      watchedConnection.disconnect();
      await queue.close();
      const added = r.leaseFloor / r.ours - 1;
      console.log(
        `bullmq    raw BullMQ + the lease's claim and release ${rate(r.leaseFloor)}   coffee-scraper worker ${rate(r.ours)}   ` +
          `ours adds ${(added * 100).toFixed(0)}% per job   target <= ${TARGET_ADDED * 100}%: ${added <= TARGET_ADDED ? "met" : "NOT met"}`,
      );
      console.log(`  for scale: raw BullMQ, no-op processor ${rate(r.raw)} (ours ${(r.ours / r.raw).toFixed(2)} of it)`);
      floor("one Redis GET per job", r.raw, r.redisTrip, "a lease in Redis could reach at most this");
      floor("one PostgreSQL statement per job", r.raw, r.sqlTrip, "anything that reads the database per job reaches at most this");
    } else {
      console.log("bullmq    skipped: REDIS_URL is unset");
    }
    const embedded = openEmbeddedQueue({ retry: retryPolicyFrom(settings), retention: retentionFrom(settings) });
    const e = await measure({
      raw: () => rawEmbedded(),
      ours: (round) => ours(embedded, db, String(round).padStart(3, "0"), async () => (await embedded.counts()).completed),
      lease: (round) => leaseOnly(db, round),
    });
    await embedded.close();
    report("embedded", e.raw, e.ours);
    console.log(
      `database lease alone (claim + release, no queue): ${rate(e.lease)} — the ceiling of any worker ` +
        `that takes a crash-safe per-roaster lease in ${db.engine === "postgres" ? "PostgreSQL" : "PGlite"}, on this machine`,
    );
  } finally {
    await db.close();
    if (SERVER_URL) await admin(`DROP DATABASE IF EXISTS ${benchDb} WITH (FORCE)`);
  }
}

await main();
