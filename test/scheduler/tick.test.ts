import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "../../src/db/database.ts";
import { openDatabase } from "../../src/db/open-database.ts";
import type { QueueBackend } from "../../src/queue/backend.ts";
import { openEmbeddedQueue } from "../../src/queue/embedded.ts";
import { jobIdFor } from "../../src/queue/job.ts";
import { roasterOutlook } from "../../src/scheduler/next.ts";
import { markSlotFinished } from "../../src/db/slots.ts";
import { scheduleTick } from "../../src/scheduler/tick.ts";
import { testEngines, useTestDatabase } from "../helpers/database.ts";
import { captureLogger } from "../helpers/logs.ts";
import { clearRoasters, finishedRun, roaster, seedRoasters, slotRows } from "./seed.ts";

// The scheduler's "done when" on both database engines, with the in-process queue (the
// BullMQ case is in bullmq.test.ts).

const DEC_1 = new Date("2026-12-01T03:20:00Z");
const DEC_6_SUNDAY = new Date("2026-12-06T04:20:00Z");
const FULL_DEC_1 = "2026-12-01T03:00:00.000Z";
const PRICE_NOV_29 = "2026-11-29T04:00:00.000Z";

const newQueue = () =>
  openEmbeddedQueue({
    retry: { attempts: 3, backoffMs: 10, jitter: 0 },
    retention: { keepCompleted: 100, keepFailed: 100 },
  });

describe.each(testEngines())("scheduleTick on %s", (engine) => {
  const database = useTestDatabase(engine);
  let queue: QueueBackend;
  const db = () => database().db;
  const tick = (at: Date, extra: { dryRun?: boolean; db?: Database; lostAfterMs?: number } = {}) =>
    scheduleTick({
      db: extra.db ?? db(),
      queue,
      at,
      lostAfterMs: extra.lostAfterMs ?? 0,
      ...(extra.dryRun ? { dryRun: true } : {}),
    });

  beforeEach(async () => {
    await clearRoasters(db());
    queue = newQueue();
  });
  afterEach(async () => {
    await queue.close();
  });

  it("enqueues one full refresh per roaster on Dec 1 (price slot served by it), and nothing on a repeat", async () => {
    await seedRoasters(db(), [
      roaster("alpha"),
      roaster("beta"),
      roaster("gamma"),
      roaster("dormant", { is_active: false }),
    ]);
    const first = await tick(DEC_1);
    expect(first.due.map((d) => [d.roaster, d.type, d.slot])).toEqual([
      ["alpha", "full_refresh", FULL_DEC_1],
      ["beta", "full_refresh", FULL_DEC_1],
      ["gamma", "full_refresh", FULL_DEC_1],
    ]);
    expect(first.due[0]!.reason).toMatch(/never scraped/);
    expect(first.due[0]!.serves).toEqual([{ type: "price_only", slot: PRICE_NOV_29 }]);
    expect(first.enqueued.sort()).toEqual(
      ["alpha", "beta", "gamma"].map((r) => jobIdFor({ type: "full_refresh", roaster: r, slot: FULL_DEC_1 })),
    );
    expect(await queue.counts()).toMatchObject({ waiting: 3 });
    expect(first.skipped.filter((s) => s.roaster === "dormant").map((s) => s.reason)).toEqual([
      "inactive",
      "inactive",
    ]);

    const rows = await slotRows(db());
    expect(rows).toHaveLength(6);
    const alphaPrice = rows.find((r) => r.slug === "alpha" && r.job_type === "price_only")!;
    expect(alphaPrice).toMatchObject({
      slot_at: PRICE_NOV_29,
      served_by: first.due[0]!.jobId,
      job_id: first.due[0]!.jobId,
    });
    expect(rows.some((r) => r.slug === "dormant")).toBe(false);

    const second = await tick(DEC_1);
    expect(second.due).toEqual([]);
    expect(second.enqueued).toEqual([]);
    expect(await queue.counts()).toMatchObject({ waiting: 3 });
    expect(await slotRows(db())).toHaveLength(6);
  });

  it("enqueues price runs on Sunday Dec 6 after Dec 1's full refreshes", async () => {
    await seedRoasters(db(), [roaster("alpha"), roaster("beta")]);
    await tick(DEC_1);
    const sunday = await tick(DEC_6_SUNDAY);
    expect(sunday.due.map((d) => [d.roaster, d.type, d.slot, d.reason])).toEqual([
      ["alpha", "price_only", "2026-12-06T04:00:00.000Z", "scheduled"],
      ["beta", "price_only", "2026-12-06T04:00:00.000Z", "scheduled"],
    ]);
    expect(sunday.enqueued).toHaveLength(2);
    expect((await tick(DEC_6_SUNDAY)).enqueued).toEqual([]);
  });

  it("gives a */30 roaster a new full slot every half hour; missed slots collapse into one", async () => {
    await seedRoasters(db(), [roaster("often", { full_cadence: "*/30 * * * *", allow_frequent_cadence: true })]);
    const at = (t: string) => tick(new Date(`2026-12-02T${t}Z`));
    const slotsOf = (s: Awaited<ReturnType<typeof at>>) =>
      s.due.filter((d) => d.type === "full_refresh").map((d) => d.slot);
    expect(slotsOf(await at("10:05:00"))).toEqual(["2026-12-02T10:00:00.000Z"]);
    expect(slotsOf(await at("10:29:59"))).toEqual([]);
    expect(slotsOf(await at("10:30:00"))).toEqual(["2026-12-02T10:30:00.000Z"]);
    const late = await at("13:10:00"); // 11:00 … 13:00 missed while down: one job, not five
    expect(slotsOf(late)).toEqual(["2026-12-02T13:00:00.000Z"]);
    expect(late.due[0]!.previousSlot).toBe("2026-12-02T10:30:00.000Z");
    expect(await queue.counts()).toMatchObject({ waiting: 3 });
  });

  it("thins a cadence under its floor written by another client: `* * * * *` gives one full refresh an hour, said once", async () => {
    await seedRoasters(db(), [roaster("eager"), roaster("allowed", { allow_frequent_cadence: true })]);
    // The users' own client writes the roasters table too, without our validation.
    await db().query(`UPDATE roasters SET full_cadence = '* * * * *' WHERE slug IN ('eager', 'allowed')`);
    const { log, lines } = captureLogger();
    const warned = new Set<string>();
    const at = (t: string) =>
      scheduleTick({ db: db(), queue, at: new Date(`2026-12-02T${t}Z`), lostAfterMs: 0, log, warnedUnderFloor: warned });
    const full = (s: Awaited<ReturnType<typeof at>>, slug: string) =>
      s.due.filter((d) => d.type === "full_refresh" && d.roaster === slug).map((d) => d.slot);
    const thinned = (s: Awaited<ReturnType<typeof at>>) =>
      s.skipped.filter((x) => x.reason === "under the cadence floor").map((x) => [x.roaster, x.type, x.slot]);

    const first = await at("10:00:00");
    expect(full(first, "eager")).toEqual(["2026-12-02T10:00:00.000Z"]);
    // `roasters next` shows the slots the scheduler will take.
    const outlook = await roasterOutlook(db(), new Date("2026-12-02T10:30:30Z"));
    expect(outlook.find((r) => r.roaster === "eager")!.full).toMatchObject({ dueNow: null, next: "2026-12-02T11:00:00.000Z" });
    expect(outlook.find((r) => r.roaster === "allowed")!.full).toMatchObject({
      dueNow: "2026-12-02T10:30:00.000Z",
      next: "2026-12-02T10:31:00.000Z",
    });
    for (const t of ["10:01:00", "10:30:00", "10:59:00"]) {
      const s = await at(t);
      expect(full(s, "eager")).toEqual([]);
      expect(thinned(s)).toEqual([["eager", "full_refresh", `2026-12-02T${t.slice(0, 5)}:00.000Z`]]);
      expect(full(s, "allowed")).toEqual([`2026-12-02T${t.slice(0, 5)}:00.000Z`]); // on purpose: every minute
    }
    expect(full(await at("11:00:00"), "eager")).toEqual(["2026-12-02T11:00:00.000Z"]);
    const warnings = lines.filter((l) => l.level === 40 && l.roaster === "eager");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.msg).toMatch(/"\* \* \* \* \*" fires more often than FULL_CADENCE_MIN_INTERVAL_MS \(1 h\).*allow_frequent_cadence/);
    expect(lines.some((l) => l.roaster === "allowed" && l.level === 40)).toBe(false);
  });

  it("after the queue is flushed, re-enqueues the slots that never finished, and only those", async () => {
    await seedRoasters(db(), [roaster("alpha"), roaster("beta"), roaster("gamma")]);
    const first = await tick(DEC_1);
    const id = (r: string) => first.due.find((d) => d.roaster === r)!.jobId;

    // Still on the queue: not lost.
    const queued = await tick(new Date("2026-12-01T03:30:00Z"));
    expect(queued.enqueued).toEqual([]);
    expect(queued.skipped.filter((s) => s.reason === "already enqueued").map((s) => s.state)).toEqual([
      "waiting",
      "waiting",
      "waiting",
    ]);

    // alpha finished and was marked; beta's run finished (scrape_runs.job_id) but was never marked.
    const alphaRun = await finishedRun(db(), "alpha", id("alpha"), "full_refresh");
    expect(await markSlotFinished(db(), { jobId: id("alpha"), runId: alphaRun })).toBe(2); // its full and the served price slot
    await finishedRun(db(), "beta", id("beta"), "full_refresh");
    const rows = await slotRows(db());
    expect(rows.filter((r) => r.slug === "alpha").map((r) => [r.finished, r.run_id])).toEqual([
      [true, alphaRun],
      [true, alphaRun],
    ]);

    await queue.obliterate();
    const after = await tick(new Date("2026-12-01T03:40:00Z"));
    expect(after.due.map((d) => [d.roaster, d.type, d.slot])).toEqual([
      ["gamma", "full_refresh", FULL_DEC_1],
    ]);
    expect(after.due[0]!.reason).toMatch(/lost/);
    expect(after.enqueued).toEqual([id("gamma")]);
    expect(await queue.stateOf(id("gamma"))).toBe("waiting");
    expect(await queue.stateOf(id("beta"))).toBeNull();
    expect(await slotRows(db())).toHaveLength(6); // recovery records nothing new
  });

  it("two schedulers at once record and enqueue each slot once", async () => {
    await seedRoasters(
      db(),
      Array.from({ length: 40 }, (_, i) => roaster(`r${String(i).padStart(2, "0")}`)),
    );
    // The second scheduler shares the queue (as two machines share Redis) but, on
    // PostgreSQL, has its own connection pool.
    const t = database();
    const otherDb =
      t.engine === "postgres" ? await openDatabase({ databaseUrl: t.url, dataDir: t.dataDir }) : t.db;
    try {
      const [a, b] = await Promise.all([
        tick(DEC_1, { lostAfterMs: 60_000 }),
        tick(DEC_1, { db: otherDb, lostAfterMs: 60_000 }),
      ]);
      expect(a.enqueued.length + b.enqueued.length).toBe(40);
      expect(new Set([...a.enqueued, ...b.enqueued]).size).toBe(40);
      expect(await queue.counts()).toMatchObject({ waiting: 40 });
      // The database decided who enqueues each slot; the queue's own dedup by job id was not needed.
      const reasons = [...a.skipped, ...b.skipped].map((s) => s.reason);
      expect(reasons).not.toContain("already on the queue");
      for (const s of [a, b]) {
        const byOther = s.skipped.filter((x) => x.reason === "recorded by another scheduler").length;
        const notYetEnqueued = s.skipped.filter(
          (x) => x.reason === "already enqueued" && x.state === "not checked",
        ).length;
        expect(s.enqueued.length + byOther + notYetEnqueued).toBe(40);
      }
      expect(await slotRows(db())).toHaveLength(80);
    } finally {
      if (otherDb !== t.db) await otherDb.close();
    }
  });

  it("a recorded slot is not taken for lost before SCHEDULER_LOST_AFTER_MS", async () => {
    await seedRoasters(db(), [roaster("alpha")]);
    await tick(DEC_1);
    await queue.obliterate();
    const early = await tick(DEC_1, { lostAfterMs: 60_000 });
    expect(early.enqueued).toEqual([]);
    expect(early.skipped.find((s) => s.type === "full_refresh")).toMatchObject({
      reason: "already enqueued",
      state: "not checked",
    });
    expect((await tick(DEC_1, { lostAfterMs: 0 })).enqueued).toHaveLength(1);
  });

  it("never schedules an inactive roaster, and schedules it once reactivated", async () => {
    await seedRoasters(db(), [roaster("sleepy", { is_active: false, full_cadence: "* * * * *" })]);
    for (const at of [DEC_1, DEC_6_SUNDAY, new Date("2027-01-01T03:05:00Z")]) {
      const s = await tick(at);
      expect(s.due).toEqual([]);
      expect(s.skipped.map((x) => x.reason)).toEqual(["inactive", "inactive"]);
    }
    expect(await slotRows(db())).toEqual([]);
    await seedRoasters(db(), [roaster("sleepy", { full_cadence: "* * * * *" })]);
    expect((await tick(DEC_1)).enqueued).toHaveLength(1);
  });

  it("a dry run reports what is due and why, and records and enqueues nothing", async () => {
    await seedRoasters(db(), [roaster("alpha"), roaster("beta")]);
    const dry = await tick(DEC_1, { dryRun: true });
    expect(dry.dryRun).toBe(true);
    expect(dry.due.map((d) => [d.roaster, d.type, d.reason])).toEqual([
      ["alpha", "full_refresh", "never scraped: full refresh at once"],
      ["beta", "full_refresh", "never scraped: full refresh at once"],
    ]);
    expect(dry.enqueued).toEqual([]);
    expect(await queue.counts()).toMatchObject({ waiting: 0 });
    expect(await slotRows(db())).toEqual([]);
  });

  it("a roaster scraped before (a manual run) is due as 'scheduled', not 'never scraped'", async () => {
    await seedRoasters(db(), [roaster("known")]);
    await finishedRun(db(), "known", "full_refresh.known.manual202611010000Z", "full_refresh");
    const s = await tick(DEC_1);
    expect(s.due.map((d) => d.reason)).toEqual(["scheduled"]);
  });
});
