// npm run bench:schedule — one scheduler tick over 10,000 roasters with mixed cadences, all
// due (never scraped), as `schedule --once` runs it: one query to load the roasters and
// their last slots, one insert to record the slots, one enqueueMany. Target: under 5 s on
// PostgreSQL + Redis. Then a repeat tick (nothing due) and a lost-job check of every slot.
//
// PostgreSQL + BullMQ when DATABASE_URL and REDIS_URL are set, else PGlite + embedded queue.
// BENCH_ROASTERS (default 10000) tunes it.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import type { Database } from "../src/db/database.ts";
import { openDatabase } from "../src/db/open-database.ts";
import { migrate } from "../src/db/migrate.ts";
import type { QueueBackend } from "../src/queue/backend.ts";
import { openBullmqQueue } from "../src/queue/bullmq.ts";
import { openEmbeddedQueue } from "../src/queue/embedded.ts";
import { scheduleTick, type TickSummary } from "../src/scheduler/tick.ts";
import { createBenchDatabase, machine } from "./lib/postgres.ts";

const ROASTERS = Number(process.env.BENCH_ROASTERS ?? 10_000);
const REDIS_URL = process.env.REDIS_URL;
const FULL = ["0 3 1 * *", "*/30 * * * *", "0 */6 * * *", "15 2 * * 1", "45 * * * *"];
const PRICE = ["0 4 * * 0", "30 5 * * 3,6", "0 */12 * * *"];
const log = pino({ level: "silent" });

async function seed(db: Database): Promise<void> {
  // Bulk SQL: the setup is not what is measured.
  await db.query(
    `INSERT INTO roasters (name, slug, website, platform, full_cadence, price_cadence)
     SELECT 'Bench ' || i, 'bench-' || i, 'https://bench-' || i || '.example.com', 'shopify',
            ($2::text[])[1 + i % array_length($2::text[], 1)], ($3::text[])[1 + i % array_length($3::text[], 1)]
     FROM generate_series(1, $1::int) AS i`,
    [ROASTERS, FULL, PRICE],
  );
  await db.query(
    `INSERT INTO product_sources (roaster_id, base_url, platform) SELECT id, website, platform FROM roasters`,
  );
}

function line(label: string, s: TickSummary, ms: number): void {
  console.log(
    `${label.padEnd(34)} ${String(Math.round(ms)).padStart(6)} ms  ${String(Math.round((ROASTERS / ms) * 1000)).padStart(7)} roasters/s  ` +
      `due ${s.due.length}, enqueued ${s.enqueued.length}, skipped ${s.skipped.length}`,
  );
}

async function main(): Promise<void> {
  const postgres = process.env.DATABASE_URL ? await createBenchDatabase("bench:schedule") : null;
  const dataDir = mkdtempSync(path.join(tmpdir(), "cs-bench-schedule-"));
  const db = await openDatabase({ databaseUrl: postgres?.url, dataDir });
  const prefix = `bench-schedule-${randomBytes(4).toString("hex")}`;
  const queue: QueueBackend = REDIS_URL
    ? openBullmqQueue({
        redisUrl: REDIS_URL,
        prefix,
        retry: { attempts: 3, backoffMs: 1000, jitter: 0.2 },
        retention: { keepCompleted: 1000, keepFailed: 1000 },
        lockDurationMs: 30_000,
        stalledIntervalMs: 30_000,
        maxStalledCount: 1,
        log,
      })
    : openEmbeddedQueue({
        retry: { attempts: 3, backoffMs: 1000, jitter: 0.2 },
        retention: { keepCompleted: 1000, keepFailed: 1000 },
      });
  try {
    await migrate(db);
    await seed(db);
    console.log(
      `bench:schedule — ${ROASTERS} roasters, ${FULL.length} full × ${PRICE.length} price cadences, all due`,
    );
    console.log(
      `${db.engine === "postgres" ? "PostgreSQL" : "PGlite"} + ${queue.kind === "bullmq" ? "BullMQ on Redis" : "embedded queue"}; ${machine()}\n`,
    );
    const at = new Date("2026-12-01T03:20:00Z");
    const timed = async (label: string, options: { lostAfterMs: number }) => {
      const t0 = performance.now();
      const s = await scheduleTick({ db, queue, at, log, ...options });
      line(label, s, performance.now() - t0);
      return s;
    };
    const first = await timed("first tick (all due)", { lostAfterMs: 60_000 });
    if (first.enqueued.length !== ROASTERS)
      throw new Error(`expected ${ROASTERS} jobs enqueued, got ${first.enqueued.length}`);
    await timed("repeat tick (nothing due)", { lostAfterMs: 60_000 });
    await timed("repeat tick, lost-job check of all", { lostAfterMs: 0 });
  } finally {
    await queue.obliterate().catch(() => {});
    await queue.close();
    await db.close();
    await postgres?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
