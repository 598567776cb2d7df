import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { BIN } from "../helpers/cli.ts";
import { parseLogLines, type LogLine } from "../helpers/logs.ts";

// The real CLI as child processes of a reliability suite: spawned with only the settings a
// test gives, killed together, and measured (resident memory) from /proc.

/** Every log line written by a child of this test file (the secrets suite greps them). */
export const ALL_OUTPUT: string[] = [];

export interface Child {
  proc: ChildProcess;
  pid: number;
  out(): string;
  lines(): LogLine[];
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  alive(): boolean;
}

/** The real CLI as a long-running child, with only the given settings (nothing inherited but PATH and the like). */
export function spawnCli(
  args: string[],
  env: Record<string, string | undefined>,
  cwd = process.cwd(),
): Child {
  const { DATABASE_URL: _d, REDIS_URL: _r, CONFIG_FILE: _c, ...inherited } = process.env;
  const proc = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: { ...inherited, LOG_FORMAT: "json", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const collect = (d: Buffer) => {
    const s = d.toString("utf8");
    out += s;
    ALL_OUTPUT.push(s);
  };
  proc.stdout!.on("data", collect);
  proc.stderr!.on("data", collect);
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on("exit", (code, signal) => resolve({ code, signal })),
  );
  return {
    proc,
    pid: proc.pid!,
    out: () => out,
    lines: () => parseLogLines(out),
    exit,
    alive: () => proc.exitCode === null && proc.signalCode === null,
  };
}

export async function killAll(children: Child[]): Promise<void> {
  for (const c of children.splice(0)) {
    if (c.alive()) c.proc.kill("SIGKILL");
    await c.exit;
  }
}

/** Settings for worker processes in these suites: fast pacing, quick lease/lock expiry. */
export function workerEnv(extra: Record<string, string | undefined>): Record<string, string | undefined> {
  return {
    ALLOW_PRIVATE_NETWORKS: "true",
    DATA_DIR: mkdtempSync(path.join(tmpdir(), "cs-rel-")),
    HTTP_DELAY_MS: "20",
    HTTP_JITTER_MS: "0",
    HTTP_RETRIES: "3",
    HTTP_RETRY_BASE_MS: "100",
    JOB_ATTEMPTS: "8",
    JOB_BACKOFF_MS: "200",
    JOB_DEFER_MS: "200",
    LEASE_TTL_MS: "2000",
    QUEUE_LOCK_DURATION_MS: "1000",
    QUEUE_STALLED_INTERVAL_MS: "500",
    SHUTDOWN_TIMEOUT_MS: "20000",
    WORKER_CONCURRENCY: "4",
    ...extra,
  };
}

/** Peak resident set (VmHWM, kB) of a live process. */
export function peakRssKb(pid: number): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

export function currentRssKb(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}
