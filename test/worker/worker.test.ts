import { createDeps } from "../../src/app/runtime.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Deps } from "../../src/app/deps.ts";
import { importRoasters } from "../../src/app/import-roasters.ts";
import { validateRoasterList } from "../../src/config/roaster-file.ts";
import { findRoaster } from "../../src/db/roasters.ts";
import { ScrapeError, throttled, transient } from "../../src/core/errors.ts";
import { silentLogger } from "../../src/core/logger.ts";
import { DeferJobError, FailJobError, RetryLaterError, type Consumer, type QueueBackend } from "../../src/queue/backend.ts";
import { openBullmqQueue } from "../../src/queue/bullmq.ts";
import { openEmbeddedQueue } from "../../src/queue/embedded.ts";
import { enqueueRoasters, manualSlot, UnknownRoastersError } from "../../src/queue/enqueue.ts";
import { jobIdFor, type JobPayload } from "../../src/queue/job.ts";
import { retentionFrom, retryPolicyFrom } from "../../src/queue/open-queue.ts";
import { readLease, tryAcquireLease } from "../../src/db/leases.ts";
import { runJob, type JobWork } from "../../src/worker/run-job.ts";
import { finishRun, startRun } from "../../src/db/runs.ts";
import { recordSlots } from "../../src/db/slots.ts";
import { scrapeOnce } from "../../src/worker/scrape-once.ts";
import { collectStatus, formatStatus } from "../../src/worker/status.ts";
import { deadlineError } from "../../src/worker/run-job.ts";
import { runWorkerUntilSignal } from "../../src/app/processes.ts";
import { decideRetry, startWorker } from "../../src/worker/worker.ts";
import { useTestDatabase } from "../helpers/database.ts";
import { startTestServer, type TestServer } from "../helpers/http.ts";
import { captureLogger, type LogLine } from "../helpers/logs.ts";
import { hasRedis, REDIS_URL, useRedisPrefix } from "../helpers/redis.ts";
import { testSettings } from "../helpers/settings.ts";
import { httpWork, WORK_TABLES_SQL, type WorkSpan } from "./fixtures/http-work.ts";
import { until } from "../helpers/until.ts";

// The worker edge, runJob, scrape, enqueue and status in one process, on PGlite, against both
// queue backends. Work is real: GETs to a local store and rows in the test database.

const prefix = useRedisPrefix();
const testDb = useTestDatabase("pglite");
const settings = testSettings({ JOB_BACKOFF_MS: 100, JOB_DEFER_MS: 150, LEASE_TTL_MS: 1000, QUEUE_PREFIX: prefix });
const ROASTERS = ["good", "down", "gone", "slow", "busy", "sleepy"];

let store: TestServer;
beforeAll(async () => {
  store = await startTestServer(async (_req, res, url) => {
    const slug = url.pathname.split("/")[1] ?? "";
    if (slug.startsWith("slow")) await new Promise((r) => setTimeout(r, 400));
    res.statusCode = slug.startsWith("down") ? 503 : slug.startsWith("gone") ? 404 : 200;
    res.end(JSON.stringify({ slug }));
  });
  const { db } = testDb();
  await db.exec(WORK_TABLES_SQL);
  await importRoasters(
    db,
    validateRoasterList(
      "test",
      ROASTERS.map((slug) => ({ slug, name: slug, website: `https://${slug}.example`, is_active: slug !== "sleepy" })),
    ),
  );
});
afterAll(() => store.close());

const job = (roaster: string, slot = "2026-03-01T03:00:00.000Z", type: JobPayload["type"] = "full_refresh"): JobPayload => ({
  roaster,
  type,
  slot,
  reason: "test",
});

function deps(): { deps: Deps; lines: LogLine[] } {
  const { log, lines } = captureLogger();
  return { deps: createDeps(settings, testDb().db, log), lines };
}

const spansOf = async (jobId: string) =>
  testDb().db.query<WorkSpan>(`SELECT * FROM test_work_spans WHERE job_id = $1 ORDER BY started_ms`, [jobId]);
const linesOf = (lines: LogLine[], jobId: string, msg?: string) =>
  lines.filter((l) => l.jobId === jobId && (msg === undefined || l.msg === msg));

// Slots unique across the file, so job ids never repeat between the two backends' runs.
let slotN = 0;
const slot = () => new Date(Date.UTC(2026, 3, 1) + 60_000 * slotN++).toISOString();

const backends: { name: string; skip: boolean; open: () => QueueBackend }[] = [
  { name: "embedded", skip: false, open: () => openEmbeddedQueue({ retry: retryPolicyFrom(settings), retention: retentionFrom(settings) }) },
  {
    name: "bullmq",
    skip: !hasRedis,
    open: () =>
      openBullmqQueue({
        redisUrl: REDIS_URL!,
        prefix: `${prefix}-${Math.random().toString(36).slice(2, 8)}`,
        retry: retryPolicyFrom(settings),
        retention: retentionFrom(settings),
        lockDurationMs: 5000,
        stalledIntervalMs: 5000,
        maxStalledCount: 1,
        log: silentLogger(),
      }),
  },
];

describe.each(backends)("worker on the $name queue", ({ skip, open }) => {
  let queue: QueueBackend;
  let consumer: Consumer | undefined;
  let lines: LogLine[];

  beforeAll(() => {
    if (skip) return;
    queue = open();
    const d = deps();
    lines = d.lines;
    consumer = startWorker({ deps: d.deps, queue, concurrency: 3, work: httpWork(store.url) });
  });
  afterAll(async () => {
    if (skip) return;
    await consumer?.close({ timeoutMs: 2000 });
    await queue.obliterate();
    await queue.close();
  });

  it.skipIf(skip)("logs one started and one finished line per attempt, scoped to the job", async () => {
    const { id } = await queue.enqueue(job("good", slot()));
    await until(async () => (await queue.stateOf(id)) === "completed");
    const [started, ...moreStarted] = linesOf(lines, id, "job started");
    const [finished, ...moreFinished] = linesOf(lines, id, "job finished");
    expect(moreStarted).toEqual([]);
    expect(moreFinished).toEqual([]);
    expect(started).toMatchObject({ jobId: id, roaster: "good", type: "full_refresh", attempt: 1, level: 30 });
    expect(finished).toMatchObject({ jobId: id, roaster: "good", type: "full_refresh", attempt: 1, outcome: "completed", status: "ok" });
    expect(finished!.durationMs).toEqual(expect.any(Number));
    expect(finished!.stats).toEqual({ bytes: 15 });
    // Lines the work logs carry the job's fields without repeating them.
    expect(linesOf(lines, id, "fetching the store")[0]).toMatchObject({ roaster: "good", attempt: 1 });
    expect(await testDb().db.query(`SELECT roaster FROM test_results WHERE job_id = $1`, [id])).toEqual([{ roaster: "good" }]);
    expect(await readLease(testDb().db, (await findRoaster(testDb().db, "good"))!.id)).toBeNull();
  });

  it.skipIf(skip)("a store that answers 503 forever: 6 attempts, gaps ≈ 1, 2, 4, 8, 16 × base, then failed and shown by status", async () => {
    const { id } = await queue.enqueue(job("down", slot()));
    await until(async () => (await queue.stateOf(id)) === "failed");
    const spans = await spansOf(id);
    expect(spans.map((s) => s.attempt)).toEqual([1, 2, 3, 4, 5, 6]);
    const gaps = spans.slice(1).map((s, i) => s.started_ms - spans[i]!.finished_ms);
    gaps.forEach((gap, i) => {
      const nominal = settings.JOB_BACKOFF_MS * 2 ** i;
      expect(gap, `gaps ${gaps.join(", ")}`).toBeGreaterThanOrEqual(nominal * (1 - settings.JOB_BACKOFF_JITTER) - 5);
      expect(gap, `gaps ${gaps.join(", ")}`).toBeLessThanOrEqual(nominal + 200);
    });
    expect(linesOf(lines, id, "job finished").map((l) => [l.attempt, l.outcome])).toEqual([
      [1, "retrying"],
      [2, "retrying"],
      [3, "retrying"],
      [4, "retrying"],
      [5, "retrying"],
      [6, "failed"],
    ]);
    const status = await collectStatus({ db: testDb().db, queue });
    expect(status.failures.find((f) => f.id === id)).toMatchObject({ reason: "store answered 503", attempts: 6 });
    expect(formatStatus(status)).toContain(`${id}  after 6 attempt(s): store answered 503`);
  }, 20_000);

  it.skipIf(skip)("permanent errors fail at once: store 404, missing roaster, inactive roaster", async () => {
    const ids = (await queue.enqueueMany([job("gone", slot()), job("nobody", slot()), job("sleepy", slot())])).map((r) => r.id);
    await until(async () => (await Promise.all(ids.map((id) => queue.stateOf(id)))).every((s) => s === "failed"));
    for (const id of ids) {
      expect(linesOf(lines, id, "job finished")).toEqual([expect.objectContaining({ outcome: "failed", retryClass: "permanent", attempt: 1 })]);
    }
    const failures = await queue.recentFailures(20);
    expect(failures.find((f) => f.id === ids[1])?.reason).toBe("roaster nobody does not exist");
    expect(failures.find((f) => f.id === ids[2])?.reason).toBe("roaster sleepy is inactive");
  });

  it.skipIf(skip)("a busy roaster defers the job without using an attempt", async () => {
    const { db } = testDb();
    const roasterId = (await findRoaster(db, "busy"))!.id;
    expect(await tryAcquireLease(db, { roasterId, holder: "elsewhere:1:00", jobId: "other", ttlMs: 500 })).toBe(true);
    const { id } = await queue.enqueue(job("busy", slot()));
    await until(async () => (await queue.stateOf(id)) === "completed");
    const finished = linesOf(lines, id, "job finished");
    expect(finished.length).toBeGreaterThanOrEqual(2);
    expect(finished.slice(0, -1).every((l) => l.outcome === "deferred" && l.attempt === 1)).toBe(true);
    expect(finished.at(-1)).toMatchObject({ outcome: "completed", attempt: 1 });
    expect(linesOf(lines, id, "job started")).toHaveLength(finished.length);
  });

  it.skipIf(skip)("shutdown past its timeout aborts the work's signal", async () => {
    const q = open();
    const d = deps();
    const c = startWorker({ deps: d.deps, queue: q, concurrency: 1, work: httpWork(store.url) });
    try {
      const { id } = await q.enqueue(job("slow", slot()));
      await until(() => c.running === 1);
      expect(await c.close({ timeoutMs: 50 })).toBe(false);
      await until(() => linesOf(d.lines, id, "job finished").length === 1);
      expect(linesOf(d.lines, id, "job finished")[0]).toMatchObject({ outcome: "deferred" });
    } finally {
      await q.obliterate();
      await q.close();
    }
  });
});

describe("runJob, scrape, enqueue, status", () => {
  it("runJob loads the roaster, holds its lease during the work and releases it, also on failure", async () => {
    const { deps: d } = deps();
    const roasterId = (await findRoaster(d.db, "good"))!.id;
    let leaseDuringWork: unknown;
    const summary = await runJob({
      jobId: "j-lease",
      job: job("good"),
      attempt: 1,
      deps: d,
      log: d.log,
      signal: new AbortController().signal,
      work: async (input) => {
        leaseDuringWork = await readLease(input.deps.db, input.roaster.id);
        return { runId: "r1", status: "partial", stats: { job_id: input.roaster.slug } };
      },
    });
    expect(summary).toEqual({ runId: "r1", status: "partial", stats: { job_id: "good" } });
    expect(leaseDuringWork).toMatchObject({ roaster_id: roasterId, job_id: "j-lease" });
    expect(await readLease(d.db, roasterId)).toBeNull();
    await expect(
      runJob({ jobId: "j2", job: job("down"), attempt: 1, deps: d, log: d.log, signal: new AbortController().signal, work: httpWork(store.url) }),
    ).rejects.toMatchObject({ retry: "transient", code: "http_503" });
    expect(await readLease(d.db, (await findRoaster(d.db, "down"))!.id)).toBeNull();
  });

  it("runJob's work is stopped, with the reason, by shutdown, by its lease lost and at its deadline", async () => {
    const { deps: d } = deps();
    const roasterId = (await findRoaster(d.db, "good"))!.id;
    let started = false;
    // Work that runs until its signal is aborted, and fails with the signal's reason.
    const untilAborted: JobWork = ({ signal }) => {
      started = true;
      return new Promise((_, reject) => {
        if (signal.aborted) reject(signal.reason as Error);
        signal.addEventListener("abort", () => reject(signal.reason as Error), { once: true });
      });
    };
    const run = (jobId: string, signal: AbortSignal, runDeps = d) =>
      runJob({ jobId, job: job("good"), attempt: 1, deps: runDeps, log: runDeps.log, signal, work: untilAborted });

    const shutdown = new AbortController();
    const stopped = run("j-shutdown", shutdown.signal);
    await until(() => started, 2000, "the work to start");
    shutdown.abort(new Error("worker shut down"));
    await expect(stopped).rejects.toThrow("worker shut down");

    await expect(run("j-already", AbortSignal.abort(new Error("already shut down")))).rejects.toThrow("already shut down");

    started = false;
    const lost = run("j-lost", new AbortController().signal);
    await until(() => started, 2000, "the work to start");
    await d.db.query("UPDATE coffee_scraper.roaster_leases SET holder = 'someone else' WHERE roaster_id = $1", [roasterId]);
    await expect(lost).rejects.toThrow("roaster lease lost");
    await d.db.query("DELETE FROM coffee_scraper.roaster_leases WHERE roaster_id = $1", [roasterId]);

    const short = createDeps({ ...settings, JOB_TIMEOUT_MS: 1000 }, d.db, d.log);
    await expect(run("j-deadline", new AbortController().signal, short)).rejects.toMatchObject({ code: "deadline" });
    expect(await readLease(d.db, roasterId)).toBeNull();
  });

  it("a run's last attempt serves its schedule slot, unless shutdown interrupted it (the job goes back on the queue)", async () => {
    const { deps: d } = deps();
    const roaster = (await findRoaster(d.db, "gone"))!;
    const slotOf = async (jobId: string) =>
      (await d.db.query<{ finished: boolean }>("SELECT finished_at IS NOT NULL AS finished FROM coffee_scraper.schedule_slots WHERE job_id = $1", [jobId]))[0]!.finished;
    /** Records a failed run, as the pipeline does, and tells runJob so; `beforeEnd` runs first. */
    const failingWork =
      (beforeEnd: () => void): JobWork =>
      async (input) => {
        const runId = await startRun(input.deps.db, { sourceId: input.roaster.source_id!, jobId: input.jobId, jobType: input.job.type });
        beforeEnd();
        const failure = transient("network_error", "the store went away");
        await finishRun(input.deps.db, runId, "fail", {});
        await input.runEnded({ runId, failure });
        throw failure;
      };
    for (const [jobId, slotAt, interrupted] of [
      ["j-last-attempt", "2026-05-01T03:00:00.000Z", false],
      ["j-last-attempt-shutdown", "2026-06-01T03:00:00.000Z", true],
    ] as const) {
      await recordSlots(d.db, [{ roasterId: roaster.id, type: "full_refresh", slotAt: new Date(slotAt), jobId, servedBy: null }]);
      const shutdown = new AbortController();
      await expect(
        runJob({
          jobId,
          job: job("gone", slotAt),
          attempt: 5,
          maxAttempts: 5,
          deps: d,
          log: d.log,
          signal: shutdown.signal,
          work: failingWork(() => interrupted && shutdown.abort(new Error("SIGTERM"))),
        }),
      ).rejects.toMatchObject({ code: "network_error" });
      expect(await slotOf(jobId), jobId).toBe(!interrupted);
    }
  });

  it("scrapeOnce runs the job inline with the same logs, and fails on a missing roaster", async () => {
    const { deps: d, lines } = deps();
    const summary = await scrapeOnce({ deps: d, roaster: "good", type: "price_only", work: httpWork(store.url) });
    expect(summary.status).toBe("ok");
    expect(lines.filter((l) => l.msg === "job started")).toHaveLength(1);
    expect(lines.find((l) => l.msg === "job finished")).toMatchObject({ roaster: "good", type: "price_only", outcome: "completed" });
    await expect(scrapeOnce({ deps: d, roaster: "nobody", type: "full_refresh" })).rejects.toMatchObject({ code: "roaster_not_found" });
  });

  it("enqueueRoasters dedupes within the minute, rejects unknown slugs and takes only active roasters for --all", async () => {
    const queue = openEmbeddedQueue({ retry: retryPolicyFrom(settings), retention: retentionFrom(settings) });
    const at = new Date("2026-05-01T10:20:30.456Z");
    const d = { db: testDb().db, queue, clock: { now: () => at } };
    const first = await enqueueRoasters(d, { roasters: ["good", "slow"], type: "price_only" });
    expect(first).toEqual([
      { roaster: "good", id: jobIdFor({ roaster: "good", type: "price_only", slot: "manual:2026-05-01T10:20Z" }), added: true },
      { roaster: "slow", id: "price_only.slow.manual20260501T1020Z", added: true },
    ]);
    expect(manualSlot(at)).toBe("manual:2026-05-01T10:20Z");
    expect((await enqueueRoasters(d, { roasters: ["good"], type: "price_only" }))[0]!.added).toBe(false);
    await expect(enqueueRoasters(d, { roasters: ["good", "nobody", "sleepy"], type: "full_refresh" })).rejects.toBeInstanceOf(
      UnknownRoastersError,
    );
    const all = await enqueueRoasters(d, { roasters: "all", type: "full_refresh" });
    expect(all.map((r) => r.roaster)).toEqual(ROASTERS.filter((s) => s !== "sleepy").sort());
    await queue.close();
  });

  it("collectStatus shows each roaster's last run from scrape_runs", async () => {
    const { db } = testDb();
    const good = (await findRoaster(db, "good"))!;
    await db.query(`WITH r AS (INSERT INTO scrape_runs (source_id, started_at, finished_at, status) VALUES
        ($1, now() - interval '2 hours', now() - interval '2 hours', 'fail'),
        ($1, now() - interval '1 hour', now() - interval '1 hour', 'ok') RETURNING id, status)
      INSERT INTO coffee_scraper.run_jobs (run_id, job_id, job_type)
      SELECT id, 'manual-' || status, CASE status WHEN 'ok' THEN 'price_only' ELSE 'full_refresh' END FROM r`, [good.source_id]);
    const queue = openEmbeddedQueue({ retry: retryPolicyFrom(settings), retention: retentionFrom(settings) });
    const status = await collectStatus({ db, queue });
    expect(status.roasters.find((r) => r.roaster === "good")?.lastRun).toMatchObject({ status: "ok", jobType: "price_only" });
    expect(status.roasters.find((r) => r.roaster === "slow")?.lastRun).toBeNull();
    expect(formatStatus(status)).toMatch(/good\s+ok {2}price_only/);
    await queue.close();
  });

  it("decideRetry maps retry classes to the queue's signals", () => {
    const ctx = { attempt: 2, maxAttempts: 6, signal: new AbortController().signal };
    const s = { JOB_DEFER_MS: 1000, JOB_BACKOFF_JITTER: 0.2, JOB_RETRY_AFTER_CAP_MS: 3_600_000 };
    expect(decideRetry(new ScrapeError("robots_disallowed", "disallowed"), ctx, s)).toMatchObject({ outcome: "failed", signal: expect.any(FailJobError) });
    expect(decideRetry(transient("timeout", "timeout"), ctx, s)).toMatchObject({ outcome: "retrying", signal: { message: "timeout" } });
    expect(decideRetry(transient("timeout", "timeout"), { ...ctx, attempt: 6 }, s)).toMatchObject({ outcome: "failed" });
    const throttle = decideRetry(throttled("rate_limited", "slow down", 30_000), ctx, s);
    expect(throttle.outcome).toBe("retrying");
    expect(throttle.signal).toBeInstanceOf(RetryLaterError);
    expect((throttle.signal as RetryLaterError).delayMs).toBe(30_000);
    // A wait beyond JOB_RETRY_AFTER_CAP_MS, a final error (deadline, Crawl-delay beyond the cap),
    // a database error no retry fixes: failed now, the attempts left unused.
    const tooLong = decideRetry(throttled("retry_after_too_long", "wait years", 3_600_001), ctx, s);
    expect(tooLong).toMatchObject({ outcome: "failed", signal: expect.any(FailJobError) });
    expect(tooLong.signal.message).toBe("wait years; a wait beyond JOB_RETRY_AFTER_CAP_MS (3600 s): not retried, the roaster's next slot tries again");
    expect(decideRetry(throttled("crawl_delay_too_long", "1 h apart", 3_600_000), ctx, s)).toMatchObject({ outcome: "failed" });
    expect(decideRetry(deadlineError(1000), ctx, s)).toMatchObject({ outcome: "failed", signal: expect.any(FailJobError) });
    expect(decideRetry(Object.assign(new Error("invalid input syntax"), { code: "22P02" }), ctx, s)).toMatchObject({ outcome: "failed" });
    expect(decideRetry(Object.assign(new Error("could not serialize"), { code: "40001" }), ctx, s)).toMatchObject({ outcome: "retrying" });
    const aborted = new AbortController();
    aborted.abort();
    expect(decideRetry(new Error("aborted"), { ...ctx, signal: aborted.signal }, s).signal).toBeInstanceOf(DeferJobError);
  });

  it("runWorkerUntilSignal drains on the first signal and exits at once on the second", async () => {
    const queue = openEmbeddedQueue({ retry: retryPolicyFrom(settings), retention: retentionFrom(settings) });
    const { deps: d, lines } = deps();
    const exits: number[] = [];
    const running = runWorkerUntilSignal({ deps: d, queue, work: httpWork(store.url), signals: ["SIGUSR2"], exit: (c) => exits.push(c) });
    const { id } = await queue.enqueue(job("slow", "2026-06-01T00:00:00.000Z"));
    await until(() => lines.some((l) => l.jobId === id && l.msg === "job started"));
    process.kill(process.pid, "SIGUSR2");
    await until(() => lines.some((l) => l.msg === "shutting down"));
    process.kill(process.pid, "SIGUSR2");
    await until(() => exits.length === 1);
    expect(exits).toEqual([1]);
    expect(await running).toEqual({ drained: true });
    expect(linesOf(lines, id, "job finished")[0]).toMatchObject({ outcome: "completed" });
    expect(process.listenerCount("SIGUSR2")).toBe(0);
    await queue.close();
  });
});
