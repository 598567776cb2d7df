import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/open-database.ts";
import { POSTGRES_URL } from "../helpers/database.ts";
import { startStoreServer, type StoreServer } from "../helpers/store-server.ts";
import { until } from "../helpers/until.ts";
import { referenceSnapshot, type RoasterSpec } from "./fleet.ts";
import { expectEveryJobFinished, snapshot, snapshotDiff } from "./outcomes.ts";
import { killAll, spawnCli, type Child } from "./processes.ts";

// The all-in-one `start` on the embedded database and queue, killed with -9 in the middle of
// a job and started again: the interrupted job runs again (the scheduler finds its slot
// recorded, unfinished and unknown to the new in-memory queue), ends as a finished run, and
// the data is what an undisturbed run leaves. (The reference run needs PostgreSQL.)

describe.skipIf(!POSTGRES_URL)("embedded start killed with -9 and restarted", () => {
  const children: Child[] = [];
  let store: StoreServer;
  let dir: string;
  let roasters: RoasterSpec[];
  let reference: unknown[];

  beforeAll(async () => {
    store = await startStoreServer({ platform: "shopify", products: 300 });
    roasters = [{ slug: "embedded-a", url: store.url, platform: "shopify" }];
    reference = await referenceSnapshot(roasters);
    store.requests.splice(0);
    dir = mkdtempSync(path.join(tmpdir(), "cs-rel-start-"));
    writeFileSync(
      path.join(dir, "roasters.yaml"),
      `roasters:\n  - slug: embedded-a\n    name: embedded-a\n    website: ${store.url}\n    platform: shopify\n    currency: INR\n`,
    );
  });
  afterEach(async () => killAll(children));
  afterAll(async () => {
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const env = () => ({
    DATA_DIR: path.join(dir, "data"),
    ROASTERS_FILE: path.join(dir, "roasters.yaml"),
    ALLOW_PRIVATE_NETWORKS: "true",
    DASHBOARD_PORT: "0",
    SCHEDULER_TICK_MS: "1000",
    SCHEDULER_LOST_AFTER_MS: "1000",
    LEASE_TTL_MS: "2000",
    HTTP_DELAY_MS: "20",
    HTTP_JITTER_MS: "0",
    SHUTDOWN_TIMEOUT_MS: "5000",
  });

  it("the interrupted job runs again after the restart and ends as a finished run; data as undisturbed", async () => {
    // The second listing page hangs the first time: the job is mid-run (page 1 written) when killed.
    store.addFault({ kind: "slow", ms: 60_000, times: 1, match: (r) => r.path.includes("page=2") });
    const first = spawnCli(["start"], env(), dir);
    children.push(first);
    await until(
      () => store.requests.some((r) => r.path.includes("page=2")),
      40_000,
      "the job to reach page 2",
    );
    const started = first.lines().find((l) => l.msg === "job started");
    expect(started).toBeDefined();
    const jobId = started!.jobId as string;
    first.proc.kill("SIGKILL");
    await first.exit;

    const second = spawnCli(["start"], env(), dir);
    children.push(second);
    await until(
      () =>
        second
          .lines()
          .some((l) => l.jobId === jobId && l.msg === "job finished" && l.outcome === "completed"),
      60_000,
      `job ${jobId} to run again and complete after the restart`,
    );
    second.proc.kill("SIGTERM");
    expect((await second.exit).code).toBe(0);
    expect(store.requests.filter((r) => r.path.includes("page=2")).length).toBeGreaterThanOrEqual(2);

    const db = await openDatabase({ dataDir: path.join(dir, "data") });
    try {
      expect(await expectEveryJobFinished(db, [jobId])).toEqual([]);
      // The killed attempt's run is closed (as failed, interrupted), not left running.
      const runs = await db.query<{ status: string }>(
        `SELECT status FROM coffee_scraper.runs WHERE job_id = $1 ORDER BY started_at`,
        [jobId],
      );
      expect(runs.map((r) => r.status)).toEqual(["fail", "ok"]);
      expect(snapshotDiff(await snapshot(db), reference)).toEqual([]);
    } finally {
      await db.close();
    }
  }, 90_000);
});
