import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { BIN, runCli } from "../helpers/cli.ts";
import { useTestDatabase } from "../helpers/database.ts";
import { parseLogLines, type LogLine } from "../helpers/logs.ts";
import { deleteKeys, hasRedis, randomPrefix, REDIS_URL } from "../helpers/redis.ts";

// The scheduler's commands as users and CI run them: `schedule --once`, `roasters next`,
// `healthcheck`, and the all-in-one `start` stopped with Ctrl-C.

const roasters = [
  { slug: "alpha", name: "Alpha", website: "http://127.0.0.1:9", platform: "shopify" },
  { slug: "beta", name: "Beta", website: "http://127.0.0.1:9", platform: "woocommerce", full_cadence: "*/30 * * * *" },
  { slug: "dormant", name: "Dormant", website: "http://127.0.0.1:9", is_active: false },
];

function tempDir(withRoasters: boolean): string {
  const dir = mkdtempSync(path.join(tmpdir(), "cs-start-"));
  if (withRoasters) writeFileSync(path.join(dir, "roasters.yaml"), stringify({ roasters }));
  return dir;
}

describe("schedule and roasters next on the embedded database", () => {
  const database = useTestDatabase("pglite", { shareWithChildren: true });
  const env = () => ({ DATA_DIR: database().dataDir });

  it("--dry-run --json lists what is due and why, and records nothing", async () => {
    const dir = tempDir(true);
    expect((await runCli(["roasters", "import", path.join(dir, "roasters.yaml")], env())).code).toBe(0);
    const dry = await runCli(["schedule", "--once", "--dry-run", "--json", "--at", "2026-12-01T03:20:00Z"], env());
    expect(dry.code).toBe(0);
    const summary = JSON.parse(dry.stdout) as { due: { roaster: string; type: string; slot: string }[]; enqueued: string[] };
    expect(summary.due.map((d) => [d.roaster, d.type, d.slot])).toEqual([
      ["alpha", "full_refresh", "2026-12-01T03:00:00.000Z"],
      ["beta", "full_refresh", "2026-12-01T03:00:00.000Z"],
    ]);
    expect(summary.enqueued).toEqual([]);
    const rows = await database().withDb((db) => db.query("SELECT 1 FROM schedule_slots"));
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
    expect(list.find((r) => r.roaster === "dormant")).toMatchObject({ active: false, full: { next: null, dueNow: null } });
  });
});

describe.skipIf(!hasRedis)("schedule --once with Redis", () => {
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
    const ok = await runCli(["healthcheck", "--json"], { DATA_DIR: database().dataDir, REDIS_URL });
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, queue: { kind: "bullmq", checked: true, ok: true } });
    const started = Date.now();
    const bad = await runCli(["healthcheck", "--timeout", "1000"], { DATA_DIR: database().dataDir, REDIS_URL: "redis://127.0.0.1:1" });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain("UNHEALTHY");
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});

interface Running {
  lines: LogLine[];
  waitFor(msg: string, timeoutMs?: number): Promise<LogLine>;
  stop(signal: NodeJS.Signals): Promise<{ code: number | null; ms: number; stderr: string }>;
}

/** `coffee-scraper start` in `cwd`, its JSON log lines collected as they come. */
function start(cwd: string, env: Record<string, string>): Running {
  const { DATABASE_URL: _d, REDIS_URL: _r, CONFIG_FILE: _c, ...inherited } = process.env;
  const child = spawn(process.execPath, [BIN, "start"], {
    cwd,
    env: { ...inherited, LOG_FORMAT: "json", DATA_DIR: path.join(cwd, "data"), SHUTDOWN_TIMEOUT_MS: "3000", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  const lines: LogLine[] = [];
  child.stdout.on("data", (d: Buffer) => {
    stdout += d.toString();
    const cut = stdout.lastIndexOf("\n");
    if (cut >= 0) {
      lines.push(...parseLogLines(stdout.slice(0, cut)));
      stdout = stdout.slice(cut + 1);
    }
  });
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  const killer = setTimeout(() => child.kill("SIGKILL"), 50_000);
  return {
    lines,
    async waitFor(msg, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const found = lines.find((l) => l.msg === msg);
        if (found) return found;
        if (child.exitCode !== null) throw new Error(`start exited (${child.exitCode}) before "${msg}": ${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`no "${msg}" within ${timeoutMs} ms; stderr: ${stderr}`);
    },
    async stop(signal) {
      const t0 = Date.now();
      child.kill(signal);
      const code = await exited;
      clearTimeout(killer);
      return { code, ms: Date.now() - t0, stderr };
    },
  };
}

describe("start: scheduler and worker in one process", () => {
  it("on a fresh directory with roasters.yaml: migrates, imports, schedules, works, and exits 0 on SIGINT", async () => {
    const dir = tempDir(true);
    // The store refuses connections: with no retries each job fails at once.
    const app = start(dir, { JOB_ATTEMPTS: "1", HTTP_RETRIES: "0" });
    await app.waitFor("scheduler and worker running; Ctrl-C to stop");
    expect(app.lines.find((l) => l.msg === "roasters imported")).toMatchObject({ added: 3 });
    expect(app.lines.find((l) => l.msg === "worker started")).toMatchObject({ queue: "embedded" });
    const tick = await app.waitFor("schedule tick");
    expect(tick).toMatchObject({ roasters: 3, due: 2, enqueued: 2 });
    await app.waitFor("job started"); // the worker took a scheduled job from the embedded queue
    await app.waitFor("job finished");
    const { code, ms, stderr } = await app.stop("SIGINT");
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(ms).toBeLessThan(8000);
    const msgs = app.lines.map((l) => l.msg);
    expect(msgs, JSON.stringify(msgs)).toEqual(expect.arrayContaining(["shutting down", "scheduler stopped", "worker stopped"]));
  });

  it("with no roasters: says how to add some, keeps running, and stops on SIGTERM", async () => {
    const dir = tempDir(false);
    const app = start(dir, {});
    const warning = await app.waitFor("scheduler and worker running; Ctrl-C to stop").then(() =>
      app.lines.find((l) => typeof l.msg === "string" && l.msg.startsWith("no roasters configured")),
    );
    expect(warning?.msg).toContain("roasters.example.yaml");
    expect(warning?.msg).toContain("coffee-scraper roasters add");
    const { code } = await app.stop("SIGTERM");
    expect(code).toBe(0);
  });
});
