import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { stringify } from "yaml";
import { CLI_TEST_TIMEOUT, runCli } from "../helpers/cli.ts";
import { useTestDatabase } from "../helpers/database.ts";
import { deleteKeys, hasRedis, randomPrefix, REDIS_URL } from "../helpers/redis.ts";

// The scheduler's commands as users and CI run them: `schedule --once`, `roasters next`,
// `healthcheck` (the all-in-one `start` is in start.test.ts).

const roasters = [
  { slug: "alpha", name: "Alpha", website: "http://127.0.0.1:9", platform: "shopify" },
  {
    slug: "beta",
    name: "Beta",
    website: "http://127.0.0.1:9",
    platform: "woocommerce",
    full_cadence: "*/30 * * * *",
    allow_frequent_cadence: true,
  },
  { slug: "dormant", name: "Dormant", website: "http://127.0.0.1:9", is_active: false },
];

function tempDir(withRoasters: boolean): string {
  const dir = mkdtempSync(path.join(tmpdir(), "cs-start-"));
  if (withRoasters) writeFileSync(path.join(dir, "roasters.yaml"), stringify({ roasters }));
  return dir;
}

describe("schedule and roasters next on the embedded database", { timeout: CLI_TEST_TIMEOUT }, () => {
  const database = useTestDatabase("pglite", { shareWithChildren: true });
  const env = () => ({ DATA_DIR: database().dataDir });

  it("--dry-run --json lists what is due and why, and records nothing", async () => {
    const dir = tempDir(true);
    expect((await runCli(["roasters", "import", path.join(dir, "roasters.yaml")], env())).code).toBe(0);
    const dry = await runCli(
      ["schedule", "--once", "--dry-run", "--json", "--at", "2026-12-01T03:20:00Z"],
      env(),
    );
    expect(dry.code).toBe(0);
    const summary = JSON.parse(dry.stdout) as {
      due: { roaster: string; type: string; slot: string }[];
      enqueued: string[];
    };
    expect(summary.due.map((d) => [d.roaster, d.type, d.slot])).toEqual([
      ["alpha", "full_refresh", "2026-12-01T03:00:00.000Z"],
      ["beta", "full_refresh", "2026-12-01T03:00:00.000Z"],
    ]);
    expect(summary.enqueued).toEqual([]);
    const rows = await database().withDb((db) => db.query("SELECT 1 FROM coffee_scraper.schedule_slots"));
    expect(rows).toHaveLength(0);

    const text = await runCli(["schedule", "--once", "--dry-run", "--at", "2026-12-01T03:20:00Z"], env());
    expect(text.stdout).toContain("would enqueue full  alpha");
    expect(text.stdout).toContain("inactive");
  });

  it("refuses to enqueue without REDIS_URL (the embedded queue lives in `start`), and rejects a bad --at", async () => {
    const res = await runCli(["schedule", "--once"], env());
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("REDIS_URL is unset");
    const bad = await runCli(["schedule", "--once", "--dry-run", "--at", "next tuesday"], env());
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("ISO 8601");
  });

  it("roasters next --json: the next slots, due-now, and no last runs yet", async () => {
    const res = await runCli(["roasters", "next", "--json"], env());
    expect(res.code).toBe(0);
    const list = JSON.parse(res.stdout) as {
      roaster: string;
      active: boolean;
      full: { cadence: string; next: string | null; dueNow: string | null; lastRun: unknown };
      price: { next: string | null };
    }[];
    const now = Date.now();
    const beta = list.find((r) => r.roaster === "beta")!;
    expect(beta.full.cadence).toBe("*/30 * * * *");
    const next = new Date(beta.full.next!).getTime();
    expect(next).toBeGreaterThan(now - 5000);
    expect(next - now).toBeLessThanOrEqual(30 * 60_000);
    expect(beta.full.dueNow).not.toBeNull(); // never scraped
    expect(beta.full.lastRun).toBeNull();
    expect(new Date(list.find((r) => r.roaster === "alpha")!.price.next!).getUTCDay()).toBe(0); // Sunday
    expect(list.find((r) => r.roaster === "dormant")).toMatchObject({
      active: false,
      full: { next: null, dueNow: null },
    });
  });
});

describe.skipIf(!hasRedis)("schedule --once with Redis", { timeout: CLI_TEST_TIMEOUT }, () => {
  const database = useTestDatabase("pglite", { shareWithChildren: true });

  it("enqueues one full refresh per roaster on Dec 1, nothing on the repeat, price runs on Sunday Dec 6", async () => {
    const prefix = randomPrefix();
    const env = { DATA_DIR: database().dataDir, REDIS_URL, QUEUE_PREFIX: prefix };
    try {
      const dir = tempDir(true);
      expect((await runCli(["roasters", "import", path.join(dir, "roasters.yaml")], env)).code).toBe(0);
      const once = async (at: string) => {
        const res = await runCli(["schedule", "--once", "--json", "--at", at], env);
        expect(res.stderr).not.toContain("Error");
        expect(res.code).toBe(0);
        return JSON.parse(res.stdout) as { enqueued: string[] };
      };
      expect((await once("2026-12-01T03:20:00Z")).enqueued.sort()).toEqual([
        "full_refresh.alpha.20261201T030000000Z",
        "full_refresh.beta.20261201T030000000Z",
      ]);
      expect((await once("2026-12-01T03:20:00Z")).enqueued).toEqual([]);
      expect((await once("2026-12-06T04:20:00Z")).enqueued.sort()).toEqual([
        "full_refresh.beta.20261206T040000000Z", // */30: a new full slot, which serves the price slot too
        "price_only.alpha.20261206T040000000Z",
      ]);
    } finally {
      await deleteKeys(prefix);
    }
  });

  it("healthcheck passes with a reachable Redis and fails fast with an unreachable one", async () => {
    const prefix = randomPrefix();
    onTestFinished(() => deleteKeys(prefix).then(() => {}));
    const ok = await runCli(["healthcheck", "--json"], { DATA_DIR: database().dataDir, REDIS_URL, QUEUE_PREFIX: prefix });
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({
      ok: true,
      queue: { kind: "bullmq", checked: true, ok: true },
    });
    const started = Date.now();
    const bad = await runCli(["healthcheck", "--timeout", "1000"], {
      DATA_DIR: database().dataDir,
      REDIS_URL: "redis://127.0.0.1:1",
    });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain("UNHEALTHY");
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});
