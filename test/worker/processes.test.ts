import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../src/core/clock.ts";
import { importRoasters } from "../../src/app/import-roasters.ts";
import { validateRoasterList } from "../../src/config/roaster-file.ts";
import { findRoaster } from "../../src/db/roasters.ts";
import { silentLogger } from "../../src/core/logger.ts";
import type { QueueBackend } from "../../src/queue/backend.ts";
import { openBullmqQueue } from "../../src/queue/bullmq.ts";
import { enqueueRoasters } from "../../src/queue/enqueue.ts";
import { readLease } from "../../src/db/leases.ts";
import { collectStatus } from "../../src/worker/status.ts";
import { POSTGRES_URL, useTestDatabase } from "../helpers/database.ts";
import { startTestServer, type TestServer } from "../helpers/http.ts";
import { parseLogLines, type LogLine } from "../helpers/logs.ts";
import { hasRedis, REDIS_URL, useRedisPrefix } from "../helpers/redis.ts";
import { overlaps, WORK_TABLES_SQL, type WorkSpan } from "./fixtures/http-work.ts";
import { until } from "../helpers/until.ts";

// Real worker processes (the worker command's code path, with the tests' work in place of the
// pipeline) sharing one Redis and one PostgreSQL database.

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const WORKER = path.join(ROOT, "test/worker/fixtures/worker-process.ts");

interface WorkerProcess {
  proc: ChildProcess;
  lines(): LogLine[];
  exit: Promise<number | null>;
}

describe.skipIf(!POSTGRES_URL || !hasRedis)("worker processes on one Redis and one PostgreSQL", () => {
  const prefix = useRedisPrefix();
  const testDb = useTestDatabase("postgres");
  const children: WorkerProcess[] = [];
  let store: TestServer;
  let producer: QueueBackend;
  let holdVictim = true;

  const env = () => ({
    ...process.env,
    DATABASE_URL: testDb().url!,
    REDIS_URL: REDIS_URL!,
    QUEUE_PREFIX: prefix,
    TEST_STORE_URL: store.url,
    LOG_LEVEL: "info",
    LOG_FORMAT: "json",
    WORKER_CONCURRENCY: "4",
    JOB_BACKOFF_MS: "100",
    JOB_DEFER_MS: "100",
    LEASE_TTL_MS: "1500",
    QUEUE_LOCK_DURATION_MS: "1000",
    QUEUE_STALLED_INTERVAL_MS: "500",
    SHUTDOWN_TIMEOUT_MS: "5000",
  });

  function spawnWorker(): WorkerProcess {
    const proc = spawn(process.execPath, ["--import", "tsx", WORKER], { cwd: ROOT, env: env(), stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    proc.stdout!.on("data", (d: Buffer) => (out += d.toString("utf8")));
    proc.stderr!.on("data", (d: Buffer) => (out += d.toString("utf8")));
    const exit = new Promise<number | null>((resolve) => proc.on("exit", (code) => resolve(code)));
    const w = { proc, lines: () => parseLogLines(out), exit };
    children.push(w);
    return w;
  }

  async function startWorkers(n: number): Promise<WorkerProcess[]> {
    const ws = Array.from({ length: n }, spawnWorker);
    await until(() => ws.every((w) => w.lines().some((l) => l.msg === "worker started")), 30_000, "workers to start");
    return ws;
  }

  beforeAll(async () => {
    store = await startTestServer(async (_req, res, url) => {
      const [, slug] = url.pathname.split("/");
      if (slug === "victim" && holdVictim) {
        holdVictim = false;
        return; // never answered: the worker that asked is killed meanwhile
      }
      await new Promise((r) => setTimeout(r, 20 + Math.random() * 60));
      res.end(JSON.stringify({ slug }));
    });
    const { db } = testDb();
    await db.exec(WORK_TABLES_SQL);
    const slugs = [...Array.from({ length: 20 }, (_, i) => `roaster-${i + 1}`), "victim"];
    await importRoasters(db, validateRoasterList("test", slugs.map((slug) => ({ slug, name: slug, website: `https://${slug}.example` }))));
    producer = openBullmqQueue({
      redisUrl: REDIS_URL!,
      prefix,
      retry: { attempts: 6, backoffMs: 100, jitter: 0.2 },
      retention: { keepCompleted: 1000, keepFailed: 1000 },
      lockDurationMs: 1000,
      stalledIntervalMs: 500,
      maxStalledCount: 2,
      log: silentLogger(),
    });
  });
  afterEach(async () => {
    for (const w of children.splice(0)) {
      if (w.proc.exitCode === null && w.proc.signalCode === null) w.proc.kill("SIGKILL");
      await w.exit;
    }
  });
  afterAll(async () => {
    await producer?.obliterate();
    await producer?.close();
    await store?.close();
  });

  it("two workers, 20 roasters × (full + price): never two jobs of one roaster at once, every attempt logged, all complete", async () => {
    const workers = await startWorkers(2);
    const { db } = testDb();
    // Full and price of each roaster side by side, so that both are picked up at once and
    // the lease has to keep them apart.
    const roasters = Array.from({ length: 20 }, (_, i) => `roaster-${i + 1}`);
    const slot = "2026-07-01T00:00:00.000Z";
    const payloads = roasters.flatMap((roaster) =>
      (["full_refresh", "price_only"] as const).map((type) => ({ roaster, type, slot, reason: "test" })),
    );
    const jobs = (await producer.enqueueMany(payloads)).map((r, i) => ({ ...r, roaster: payloads[i]!.roaster }));
    expect(jobs.filter((j) => j.added)).toHaveLength(40);
    await until(async () => (await producer.counts()).completed === 40, 40_000, "40 completed jobs");

    const spans = await db.query<WorkSpan>(`SELECT * FROM test_work_spans WHERE roaster LIKE 'roaster-%'`);
    expect(spans).toHaveLength(40); // one attempt of work per job: deferrals do no work
    expect(overlaps(spans)).toEqual([]);
    expect(new Set(spans.map((s) => s.pid)).size).toBe(2);
    expect(await db.query(`SELECT count(*)::int AS n FROM test_results WHERE roaster LIKE 'roaster-%'`)).toEqual([{ n: 40 }]);

    const lines = workers.flatMap((w) => w.lines());
    for (const { id, roaster } of jobs) {
      const started = lines.filter((l) => l.jobId === id && l.msg === "job started");
      const finished = lines.filter((l) => l.jobId === id && l.msg === "job finished");
      expect(started.length, id).toBeGreaterThanOrEqual(1);
      expect(finished.length, id).toBe(started.length);
      for (const l of [...started, ...finished]) expect(l).toMatchObject({ roaster, attempt: 1, type: expect.any(String) });
      expect(finished.filter((l) => l.outcome === "completed"), id).toHaveLength(1);
      expect(finished.every((l) => l.outcome === "completed" || l.outcome === "deferred")).toBe(true);
    }
    // The lease was contended (a busy roaster deferred its second job), not merely never tested.
    expect(lines.filter((l) => l.msg === "job finished" && l.outcome === "deferred").length).toBeGreaterThan(0);

    // SIGTERM: both drain and exit 0.
    for (const w of workers) w.proc.kill("SIGTERM");
    expect(await Promise.all(workers.map((w) => w.exit))).toEqual([0, 0]);
    for (const w of workers) expect(w.lines().some((l) => l.msg === "worker stopped")).toBe(true);
  }, 55_000);

  it("kill -9 of a worker mid-job: the job completes on the other worker once the dead worker's lease expires", async () => {
    const workers = await startWorkers(2);
    const { db } = testDb();
    const victimId = (await findRoaster(db, "victim"))!.id;
    const [victimJob] = await enqueueRoasters({ db, queue: producer, clock: systemClock }, { roasters: ["victim"], type: "full_refresh" });
    const id = victimJob!.id;
    await until(() => store.requests.some((r) => r.path.startsWith("/victim/")), 20_000, "the victim's request");
    const pid = Number(new URL(store.requests.find((r) => r.path.startsWith("/victim/"))!.path, store.url).searchParams.get("pid"));
    const dead = workers.find((w) => w.proc.pid === pid)!;
    const survivor = workers.find((w) => w !== dead)!;
    expect(dead).toBeDefined();
    const leaseBefore = await readLease(db, victimId);
    expect(leaseBefore?.holder).toContain(`:${pid}:`);
    dead.proc.kill("SIGKILL");
    await dead.exit;

    await until(async () => (await producer.stateOf(id)) === "completed", 30_000, "the job to complete on the survivor");
    const spans = await db.query<WorkSpan>(`SELECT * FROM test_work_spans WHERE job_id = $1`, [id]);
    expect(spans.map((s) => s.pid)).toEqual([survivor.proc.pid]);
    expect(spans[0]!.started_ms).toBeGreaterThanOrEqual(new Date(leaseBefore!.expires_at).getTime() - 50);
    // The same data an undisturbed run leaves: one result row, with the store's answer.
    expect(await db.query(`SELECT roaster, body FROM test_results WHERE job_id = $1`, [id])).toEqual([
      { roaster: "victim", body: JSON.stringify({ slug: "victim" }) },
    ]);
    expect(await readLease(db, victimId)).toBeNull();
    const finished = survivor.lines().filter((l) => l.jobId === id && l.msg === "job finished");
    expect(finished.at(-1)).toMatchObject({ outcome: "completed", roaster: "victim" });
    const status = await collectStatus({ db, queue: producer });
    expect(status.queue.counts.active).toBe(0);
  }, 55_000);
});
