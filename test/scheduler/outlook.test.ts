import { describe, expect, it } from "vitest";
import { systemClock } from "../../src/core/clock.ts";
import { silentLogger } from "../../src/core/logger.ts";
import { openEmbeddedQueue } from "../../src/queue/embedded.ts";
import { startScheduler } from "../../src/scheduler/loop.ts";
import { roasterOutlook } from "../../src/scheduler/next.ts";
import { scheduleTick, type TickSummary } from "../../src/scheduler/tick.ts";
import { testEngines, useTestDatabase } from "../helpers/database.ts";
import { until } from "../helpers/until.ts";
import { clearRoasters, finishedRun, roaster, seedRoasters } from "./seed.ts";

// `roasters next` (roasterOutlook) and the long-running loop, on the real databases.

const queue = () =>
  openEmbeddedQueue({
    retry: { attempts: 1, backoffMs: 10, jitter: 0 },
    retention: { keepCompleted: 10, keepFailed: 10 },
  });

describe.each(testEngines())("roasterOutlook on %s", (engine) => {
  const database = useTestDatabase(engine);

  it("gives the next slots, due-now, the last recorded slot and the last run of each type", async () => {
    const db = database().db;
    await clearRoasters(db);
    await seedRoasters(db, [
      roaster("alpha"),
      roaster("often", { full_cadence: "*/30 * * * *", allow_frequent_cadence: true }),
      roaster("off", { is_active: false }),
    ]);
    const at = new Date("2026-12-01T03:20:00Z");
    const before = await roasterOutlook(db, at);
    expect(before.find((r) => r.roaster === "alpha")).toMatchObject({
      full: {
        next: "2027-01-01T03:00:00.000Z",
        dueNow: "2026-12-01T03:00:00.000Z",
        lastSlot: null,
        lastRun: null,
      },
      price: { next: "2026-12-06T04:00:00.000Z", dueNow: "2026-11-29T04:00:00.000Z" },
    });
    expect(before.find((r) => r.roaster === "off")).toMatchObject({
      active: false,
      full: { next: null, dueNow: null },
    });

    const q = queue();
    const tick = await scheduleTick({ db, queue: q, at });
    await q.close();
    const alphaJob = tick.due.find((d) => d.roaster === "alpha")!.jobId;
    const runId = await finishedRun(db, "alpha", alphaJob, "full_refresh");

    const after = await roasterOutlook(db, new Date("2026-12-01T03:40:00Z"));
    const alpha = after.find((r) => r.roaster === "alpha")!;
    expect(alpha.full).toMatchObject({
      dueNow: null,
      lastSlot: "2026-12-01T03:00:00.000Z",
      lastRun: { id: runId, status: "ok" },
    });
    expect(alpha.price).toMatchObject({ dueNow: null, lastSlot: "2026-11-29T04:00:00.000Z", lastRun: null });
    expect(after.find((r) => r.roaster === "often")!.full).toMatchObject({
      dueNow: "2026-12-01T03:30:00.000Z", // a new half-hour slot since the tick
      next: "2026-12-01T04:00:00.000Z",
    });
  });
});

describe("startScheduler (the long-running loop)", () => {
  const database = useTestDatabase("pglite");

  it("ticks at once and then every tickMs; stop() waits for the tick in progress and ends the ticking", async () => {
    const db = database().db;
    await seedRoasters(db, [roaster("alpha")]);
    const q = queue();
    const ticks: TickSummary[] = [];
    const scheduler = startScheduler({
      db,
      queue: q,
      log: silentLogger(),
      clock: systemClock,
      tickMs: 100,
      onTick: (s) => ticks.push(s),
    });
    try {
      await until(() => ticks.length >= 3, 10_000, "three ticks");
    } finally {
      await scheduler.stop();
    }
    const count = ticks.length;
    expect(count).toBeGreaterThanOrEqual(3);
    expect(ticks[0]!.enqueued).toHaveLength(1); // the first tick enqueued the never-scraped roaster
    expect(ticks.slice(1).every((t) => t.enqueued.length === 0)).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(ticks.length).toBe(count);
    expect(scheduler.ticks).toBe(count);
    await q.close();
  });
});
