import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDeps } from "../../src/app/runtime.ts";
import { startDashboard, type Dashboard } from "../../src/dashboard/server.ts";
import type { QueueBackend } from "../../src/queue/backend.ts";
import { openQueue } from "../../src/queue/open-queue.ts";
import { useTestDatabase } from "../helpers/database.ts";
import { captureLogger } from "../helpers/logs.ts";
import { hasRedis, REDIS_URL, useRedisPrefix } from "../helpers/redis.ts";
import { seedSettings } from "./seed.ts";

// Bull Board under /queues when the queue is BullMQ on Redis (real Redis, a random prefix):
// its page and assets load, its API sees our queue and its jobs, and its write endpoints
// refuse cross-site requests. Without REDIS_URL the dashboard has no /queues.

const prefix = useRedisPrefix();
const database = useTestDatabase("pglite");
const { log } = captureLogger();

/** The answer's status, its body read: an unread body holds its connection open past the test. */
async function statusOf(response: Promise<Response>): Promise<number> {
  const res = await response;
  await res.arrayBuffer();
  return res.status;
}

describe.skipIf(!hasRedis)("Bull Board on real Redis", () => {
  let queue: QueueBackend;
  let dash: Dashboard;
  beforeAll(async () => {
    const settings = seedSettings({ REDIS_URL, QUEUE_PREFIX: prefix });
    queue = await openQueue(settings, log);
    const deps = createDeps(settings, database().db, log);
    dash = await startDashboard({ settings, db: database().db, queue, log, clock: deps.clock, artifacts: deps.artifacts });
  });
  afterAll(async () => {
    await dash?.close();
    await queue?.obliterate().catch(() => {});
    await queue?.close();
  });

  it("serves the board and its assets, and its API lists our queue's jobs", async () => {
    const { id } = await queue.enqueue({ roaster: "some-roaster", type: "full_refresh", slot: "2026-01-01T00:00:00Z", reason: "test" });
    const page = await fetch(`${dash.url}/queues`);
    expect(page.status).toBe(200);
    // Nobody may frame it (clickjacking its buttons), like every other page.
    expect(page.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    const html = await page.text();
    const script = /<script[^>]+src="([^"]+)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    expect(await statusOf(fetch(new URL(script!, `${dash.url}/queues/`)))).toBe(200);

    const api = await fetch(`${dash.url}/queues/api/queues?activeQueue=scrape&status=waiting&page=1&jobsPerPage=10`);
    expect(api.status).toBe(200);
    const body = (await api.json()) as { queues: { name: string; counts: Record<string, number>; jobs: { id: string }[] }[] };
    const scrape = body.queues.find((q) => q.name === "scrape")!;
    expect(scrape.counts.waiting).toBe(1);
    expect(scrape.jobs.map((j) => j.id)).toEqual([id]);

    // The overview links to it.
    expect(await (await fetch(`${dash.url}/`)).text()).toContain('href="/queues"');
  });

  it("refuses writes that do not come from the dashboard's own origin", async () => {
    const pause = (headers: Record<string, string>) => statusOf(fetch(`${dash.url}/queues/api/queues/scrape/pause`, { method: "PUT", headers }));
    expect(await pause({})).toBe(403);
    expect(await pause({ origin: "https://attacker.example" })).toBe(403);
    expect(await pause({ origin: dash.url, "sec-fetch-site": "cross-site" })).toBe(403);
    const api = await fetch(`${dash.url}/queues/api/queues?activeQueue=scrape&status=waiting&page=1&jobsPerPage=10`);
    const body = (await api.json()) as { queues: { name: string; isPaused: boolean }[] };
    expect(body.queues.find((q) => q.name === "scrape")!.isPaused).toBe(false);
  });
});

describe("without Redis", () => {
  it("has no /queues", async () => {
    const settings = seedSettings();
    const queue = await openQueue(settings, log);
    const deps = createDeps(settings, database().db, log);
    const dash = await startDashboard({ settings, db: database().db, queue, log, clock: deps.clock, artifacts: deps.artifacts });
    try {
      expect(await statusOf(fetch(`${dash.url}/queues`))).toBe(404);
    } finally {
      await dash.close();
      await queue.close();
    }
  });
});
