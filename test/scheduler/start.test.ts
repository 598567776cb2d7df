import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { BIN } from "../helpers/cli.ts";
import { parseLogLines, type LogLine } from "../helpers/logs.ts";

// `coffee-scraper start` (what `npm start` runs) on a fresh directory: the scheduler and the
// worker in one process on the embedded database and queue, stopped with Ctrl-C / SIGTERM.

// The stores refuse connections (port 9): jobs fail at once, which is all this needs.
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
    env: {
      ...inherited,
      LOG_FORMAT: "json",
      DATA_DIR: path.join(cwd, "data"),
      SHUTDOWN_TIMEOUT_MS: "3000",
      ...env,
    },
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
        if (child.exitCode !== null)
          throw new Error(`start exited (${child.exitCode}) before "${msg}": ${stderr}`);
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
    expect(msgs, JSON.stringify(msgs)).toEqual(
      expect.arrayContaining(["shutting down", "scheduler stopped", "worker stopped"]),
    );
  });

  it("with no roasters: says how to add some, keeps running, and stops on SIGTERM", async () => {
    const dir = tempDir(false);
    const app = start(dir, {});
    const warning = await app
      .waitFor("scheduler and worker running; Ctrl-C to stop")
      .then(() =>
        app.lines.find((l) => typeof l.msg === "string" && l.msg.startsWith("no roasters configured")),
      );
    expect(warning?.msg).toContain("roasters.example.yaml");
    expect(warning?.msg).toContain("coffee-scraper roasters add");
    const { code } = await app.stop("SIGTERM");
    expect(code).toBe(0);
  });
});
