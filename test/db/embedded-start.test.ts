import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/open-database.ts";
import { BIN, runCli } from "../helpers/cli.ts";
import { parseLogLines } from "../helpers/logs.ts";

// Issue: two processes that open one PGlite directory both "succeed" and one's writes vanish.
// Here `start` owns DATA_DIR and every other command goes through it.

function startAllInOne(dataDir: string): { child: ChildProcess; output: () => string; ready: Promise<void> } {
  let output = "";
  const { DATABASE_URL: _d, REDIS_URL: _r, ...env } = process.env;
  const child = spawn(process.execPath, [BIN, "start"], {
    cwd: dataDir,
    env: { ...env, DATA_DIR: dataDir, LOG_FORMAT: "json", SCHEDULER_TICK_MS: "60000", DASHBOARD_PORT: "0" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d.toString();
      if (output.includes("scheduler and worker running")) resolve();
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.on("exit", (code) => reject(new Error(`start exited early (${code}):\n${output}`)));
  });
  return { child, output: () => output, ready };
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.on("exit", resolve)));

describe("`start` owns the embedded database; other commands go through it", () => {
  it("imports and lists from other processes while start runs, 10 times over, losing nothing", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "cs-start-owner-"));
    const start = startAllInOne(dataDir);
    await start.ready;
    const env = { DATA_DIR: dataDir };
    for (let round = 0; round < 10; round += 1) {
      const file = path.join(dataDir, `round-${round}.yaml`);
      writeFileSync(
        file,
        Array.from(
          { length: 20 },
          (_, i) => `- {slug: r${round}-n${i}, name: "R ${round}/${i}", website: "https://r${round}-${i}.example", is_active: false}`,
        ).join("\n"),
      );
      const [imported, listed] = await Promise.all([
        runCli(["roasters", "import", file], env),
        runCli(["roasters", "list", "--json"], env),
      ]);
      expect(imported.stderr).toBe("");
      expect(imported.code).toBe(0);
      expect(imported.stdout).toContain("20 added, 0 updated");
      expect(listed.code).toBe(0);
      const slugs = (JSON.parse(listed.stdout) as { slug: string }[]).map((r) => r.slug);
      // The list ran beside the import: it sees every earlier round, and this round all or nothing.
      const thisRound = slugs.filter((s) => s.startsWith(`r${round}-`)).length;
      expect([0, 20]).toContain(thisRound);
      expect(slugs.length - thisRound).toBe(round * 20);
    }
    // The embedded queue lives in `start` too; status reads it through the owner.
    const status = await runCli(["status", "--json"], env);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toHaveProperty("queue.counts.waiting");

    // A second worker on the embedded database is refused, naming the owner.
    const worker = await runCli(["worker"], env);
    expect(worker.code).not.toBe(0);

    start.child.kill("SIGINT");
    expect(await exited(start.child)).toBe(0);
    const db = await openDatabase({ dataDir, command: "test" });
    try {
      const [row] = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM roasters");
      expect(row!.n).toBe(200);
    } finally {
      await db.close();
    }
  }, 180_000);

  it("after kill -9 of start, the next command starts normally", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "cs-start-kill-"));
    const start = startAllInOne(dataDir);
    await start.ready;
    start.child.kill("SIGKILL");
    await exited(start.child);
    const listed = await runCli(["roasters", "list", "--json"], { DATA_DIR: dataDir });
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([]);
    expect(listed.stderr).toMatch(new RegExp(`recovered the embedded database lock left by a dead process \\(pid ${start.child.pid}, \`start\`\\)`));
    const again = startAllInOne(dataDir);
    await again.ready;
    again.child.kill("SIGTERM");
    expect(await exited(again.child)).toBe(0);
    expect(parseLogLines(again.output()).some((l) => l.msg === "database ready")).toBe(true);
  }, 120_000);
});
