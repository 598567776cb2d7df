import { Backoffs } from "bullmq";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/core/logger.ts";
import {
  DeferJobError,
  FailJobError,
  RetryLaterError,
  retryDelayMs,
  type Consumer,
  type JobContext,
  type QueueBackend,
  type Retention,
  type RetryPolicy,
} from "../../src/queue/backend.ts";
import { openBullmqQueue } from "../../src/queue/bullmq.ts";
import { openEmbeddedQueue } from "../../src/queue/embedded.ts";
import { jobIdFor, type JobPayload } from "../../src/queue/job.ts";
import { startTestServer, type TestServer } from "../helpers/http.ts";
import { hasRedis, REDIS_URL, useRedisPrefix } from "../helpers/redis.ts";
import { until } from "../helpers/until.ts";

// One contract, both backends: the same tests, unchanged, against BullMQ on a real Redis and
// against the embedded queue. Handlers do real work: GETs to a local HTTP server.

const filePrefix = useRedisPrefix();
let serial = 0;

type Open = (options: { retry?: Partial<RetryPolicy>; retention?: Partial<Retention> }) => QueueBackend;
const RETRY: RetryPolicy = { attempts: 6, backoffMs: 200, jitter: 0.2 };
const RETENTION: Retention = { keepCompleted: 100, keepFailed: 100 };

const backends: { name: string; skip: boolean; open: Open }[] = [
  {
    name: "embedded",
    skip: false,
    open: (o) => openEmbeddedQueue({ retry: { ...RETRY, ...o.retry }, retention: { ...RETENTION, ...o.retention } }),
  },
  {
    name: "bullmq",
    skip: !hasRedis,
    open: (o) =>
      openBullmqQueue({
        redisUrl: REDIS_URL!,
        prefix: `${filePrefix}-${++serial}`,
        retry: { ...RETRY, ...o.retry },
        retention: { ...RETENTION, ...o.retention },
        lockDurationMs: 5000,
        stalledIntervalMs: 5000,
        maxStalledCount: 1,
        log: silentLogger(),
      }),
  },
];

const job = (roaster: string, slot = "2026-01-01T00:00:00.000Z", type: JobPayload["type"] = "full_refresh"): JobPayload => ({
  roaster,
  type,
  slot,
  reason: "test",
});

let store: TestServer;
beforeAll(async () => {
  store = await startTestServer(async (_req, res, url) => {
    const wait = Number(url.searchParams.get("wait") ?? 0);
    if (wait) await new Promise((r) => setTimeout(r, wait));
    res.statusCode = Number(url.searchParams.get("status") ?? 200);
    res.end("{}");
  });
});
afterAll(() => store.close());

/** The handler's real work: one GET; a non-2xx answer is an error. */
async function fetchStore(query: string, signal?: AbortSignal): Promise<void> {
  const res = await fetch(`${store.url}/?${query}`, { signal: signal ?? null });
  await res.text();
  if (!res.ok) throw new Error(`store answered ${res.status}`);
}

describe("retryDelayMs", () => {
  it("is BullMQ's exponential backoff with jitter: base × 2^(n-1), within [d × (1 − jitter), d]", () => {
    const policy = { attempts: 6, backoffMs: 1000, jitter: 0.2 };
    const bull = Backoffs.builtinStrategies.exponential!(1000, 0.2);
    for (let n = 1; n <= 5; n++) {
      const nominal = 1000 * 2 ** (n - 1);
      const ours = Array.from({ length: 300 }, () => retryDelayMs(policy, n));
      const theirs = Array.from({ length: 300 }, () => bull(n) as number);
      for (const sample of [ours, theirs]) {
        expect(Math.min(...sample)).toBeGreaterThanOrEqual(nominal * 0.8);
        expect(Math.max(...sample)).toBeLessThanOrEqual(nominal);
        expect(Math.max(...sample) - Math.min(...sample)).toBeGreaterThan(nominal * 0.1); // really jittered
      }
    }
    expect(retryDelayMs({ ...policy, jitter: 0 }, 3)).toBe(4000);
    expect(retryDelayMs(policy, 3, new RetryLaterError(new Error("429"), 7777))).toBe(7777);
  });
});

describe.each(backends)("queue contract: $name", ({ name, skip, open }) => {
  const opened: QueueBackend[] = [];
  const consumers: Consumer[] = [];
  const make: Open = (o) => {
    const q = open(o);
    opened.push(q);
    return q;
  };
  const consume = (q: QueueBackend, handler: (j: JobContext) => Promise<unknown>, concurrency = 1) => {
    const c = q.consume(handler, { concurrency });
    consumers.push(c);
    return c;
  };
  afterEach(async () => {
    await Promise.all(consumers.splice(0).map((c) => c.close({ timeoutMs: 2000 })));
    for (const q of opened.splice(0)) {
      await q.obliterate().catch(() => {});
      await q.close();
    }
  });

  it.skipIf(skip)("dedupes by the deterministic job id and counts jobs by state", async () => {
    const q = make({});
    const first = await q.enqueue(job("alpha"));
    expect(first).toEqual({ id: jobIdFor(job("alpha")), added: true });
    expect(await q.enqueue(job("alpha"))).toEqual({ id: first.id, added: false });
    const many = await q.enqueueMany([job("alpha"), job("beta"), job("alpha", "2026-01-02T00:00:00.000Z")]);
    expect(many.map((r) => r.added)).toEqual([false, true, true]);
    await q.enqueue(job("gamma"), { delayMs: 60_000 });
    expect(await q.counts()).toEqual({ waiting: 3, active: 0, delayed: 1, completed: 0, failed: 0 });
    expect(await q.stateOf(first.id)).toBe("waiting");
    expect(await q.stateOf("no.such.job")).toBeNull();
    await q.remove(first.id);
    expect(await q.stateOf(first.id)).toBeNull();
  });

  it.skipIf(skip)("runs each job once, never more than `concurrency` at a time", async () => {
    const q = make({});
    let running = 0;
    let peak = 0;
    const seen: string[] = [];
    consume(
      q,
      async (j) => {
        running += 1;
        peak = Math.max(peak, running);
        try {
          await fetchStore(`wait=40&job=${j.id}`);
          seen.push(j.payload.roaster);
        } finally {
          running -= 1;
        }
      },
      3,
    );
    const roasters = Array.from({ length: 12 }, (_, i) => `r${i}`);
    await q.enqueueMany(roasters.map((r) => job(r)));
    await until(async () => (await q.counts()).completed === 12);
    expect(seen.sort()).toEqual([...roasters].sort());
    expect(peak).toBe(3);
    // A completed id is still known: enqueuing it again is a no-op.
    expect((await q.enqueue(job("r0"))).added).toBe(false);
  });

  it.skipIf(skip)("holds a delayed job back until its time", async () => {
    const q = make({});
    const startedAt: number[] = [];
    consume(q, async () => {
      startedAt.push(Date.now());
      await fetchStore("");
    });
    const t0 = Date.now();
    await q.enqueue(job("late"), { delayMs: 400 });
    await until(async () => (await q.counts()).completed === 1);
    expect(startedAt[0]! - t0).toBeGreaterThanOrEqual(390);
  });

  it.skipIf(skip)("retries a failing job 6 times with gaps ≈ 1, 2, 4, 8, 16 × base (jittered), then fails it", async () => {
    const q = make({});
    const attempts: { attempt: number; at: number }[] = [];
    consume(q, async (j) => {
      attempts.push({ attempt: j.attempt, at: Date.now() });
      await fetchStore("status=503");
    });
    const { id } = await q.enqueue(job("flaky"));
    await until(async () => (await q.stateOf(id)) === "failed");
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3, 4, 5, 6]);
    const gaps = attempts.slice(1).map((a, i) => a.at - attempts[i]!.at);
    gaps.forEach((gap, i) => {
      const nominal = RETRY.backoffMs * 2 ** i;
      expect(gap, `gap ${i + 1} of ${gaps.join(", ")}`).toBeGreaterThanOrEqual(nominal * (1 - RETRY.jitter) - 5);
      expect(gap, `gap ${i + 1} of ${gaps.join(", ")}`).toBeLessThanOrEqual(nominal + 150);
    });
    const [failure] = await q.recentFailures(5);
    expect(failure).toMatchObject({ id, reason: "store answered 503", attempts: 6, payload: job("flaky") });
    expect(failure!.failedAt).toBeInstanceOf(Date);
    expect((await q.counts()).failed).toBe(1);
  }, 20_000);

  it.skipIf(skip)("fails a FailJobError at once, without retries", async () => {
    const q = make({ retry: { backoffMs: 10 } });
    let calls = 0;
    consume(q, async () => {
      calls += 1;
      await fetchStore("status=404").catch((err: Error) => {
        throw new FailJobError(err);
      });
    });
    const { id } = await q.enqueue(job("gone"));
    await until(async () => (await q.stateOf(id)) === "failed");
    expect(calls).toBe(1);
    expect((await q.recentFailures(1))[0]).toMatchObject({ id, reason: "store answered 404", attempts: 1 });
  });

  it.skipIf(skip)("defers a job without using an attempt", async () => {
    const q = make({ retry: { attempts: 2 } });
    const calls: { attempt: number; at: number }[] = [];
    consume(q, async (j) => {
      calls.push({ attempt: j.attempt, at: Date.now() });
      await fetchStore("");
      if (calls.length <= 3) throw new DeferJobError(150, "roaster busy");
    });
    const { id } = await q.enqueue(job("busy"));
    await until(async () => (await q.stateOf(id)) === "completed");
    // Three deferrals and a success, all on attempt 1, though only 2 attempts are allowed.
    expect(calls.map((c) => c.attempt)).toEqual([1, 1, 1, 1]);
    for (let i = 1; i < calls.length; i++) expect(calls[i]!.at - calls[i - 1]!.at).toBeGreaterThanOrEqual(140);
  });

  it.skipIf(skip)("waits a RetryLaterError's own delay instead of the backoff, using an attempt", async () => {
    const q = make({ retry: { backoffMs: 10, jitter: 0 } });
    const calls: { attempt: number; at: number }[] = [];
    consume(q, async (j) => {
      calls.push({ attempt: j.attempt, at: Date.now() });
      await fetchStore("");
      if (j.attempt === 1) throw new RetryLaterError(new Error("429 Too Many Requests"), 500);
    });
    const { id } = await q.enqueue(job("throttled"));
    await until(async () => (await q.stateOf(id)) === "completed");
    expect(calls.map((c) => c.attempt)).toEqual([1, 2]);
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(490);
  });

  it.skipIf(skip)("close lets a running job finish and takes no new ones", async () => {
    const q = make({});
    const done: string[] = [];
    const c = consume(q, async (j) => {
      await fetchStore("wait=300");
      done.push(j.payload.roaster);
    });
    await q.enqueue(job("first"));
    await until(() => c.running === 1);
    await q.enqueue(job("second"));
    expect(await c.close({ timeoutMs: 5000 })).toBe(true);
    expect(done).toEqual(["first"]);
    expect(await q.stateOf(jobIdFor(job("second")))).toBe("waiting");
  });

  it.skipIf(skip)("close past its timeout aborts the running job's signal", async () => {
    const q = make({});
    let aborted = false;
    const c = consume(q, async (j) => {
      try {
        await fetchStore("wait=3000", j.signal);
      } catch (err) {
        aborted = j.signal.aborted;
        throw err;
      }
    });
    await q.enqueue(job("slow"));
    await until(() => c.running === 1);
    const t0 = Date.now();
    expect(await c.close({ timeoutMs: 200 })).toBe(false);
    expect(Date.now() - t0).toBeLessThan(2000);
    await until(() => aborted);
  });

  it.skipIf(skip)("keeps only a bounded number of finished jobs", async () => {
    const q = make({ retention: { keepCompleted: 3, keepFailed: 2 }, retry: { attempts: 1 } });
    consume(q, (j) => fetchStore(j.payload.roaster.startsWith("bad") ? "status=500" : ""), 2);
    await q.enqueueMany(["a", "b", "c", "d", "e", "bad1", "bad2", "bad3"].map((r) => job(r)));
    await until(async () => {
      const c = await q.counts();
      return c.waiting + c.active + c.delayed === 0;
    });
    const counts = await q.counts();
    expect(counts.completed).toBe(3);
    expect(counts.failed).toBe(2);
    expect(name).toBeTruthy();
  });
});
