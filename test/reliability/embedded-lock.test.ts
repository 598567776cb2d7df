import { fork, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, linkSync, lstatSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { answers, claimDataDir, OwnerSocketDirError, ownerSocketPath, readOwnerInfo } from "../../src/db/embedded/ownership.ts";
import { runCli } from "../helpers/cli.ts";
import { until } from "../helpers/until.ts";
import { killAll, spawnCli, type Child } from "./processes.ts";

// The embedded database's owner lock under contention, with real processes: racers that
// recover the same stale lock at the same instant (aligned to the microsecond by busy-waiting
// on the wall clock), round after round, never both become owner. A long DATA_DIR's socket
// lives in a private directory (0700, ours) and a squatted one is refused. A `worker` next to
// a `start` that owns DATA_DIR names it.

const RACERS = 3;
const ROUNDS = 40;

type Reply = { ready?: true; kind?: "owner" | "taken" | "error"; recovered?: boolean; message?: string; released?: true };

function startRacer(): Promise<{ proc: ChildProcess; next(): Promise<Reply> }> {
  const proc = fork(path.resolve("test/db/fixtures/claim-racer.ts"), [], { execArgv: ["--import", "tsx/esm"], stdio: "inherit" });
  const inbox: Reply[] = [];
  const waiting: ((r: Reply) => void)[] = [];
  proc.on("message", (m: Reply) => (waiting.length ? waiting.shift()!(m) : inbox.push(m)));
  const next = () => new Promise<Reply>((resolve) => (inbox.length ? resolve(inbox.shift()!) : waiting.push(resolve)));
  return next().then(() => ({ proc, next }));
}

/** A socket file nobody listens on, as a process killed with -9 leaves it, with its owner file. */
async function leaveStaleLock(dataDir: string, deadPid: number): Promise<void> {
  const socketPath = ownerSocketPath(dataDir);
  const scratch = path.join(dataDir, "scratch.sock");
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(scratch, resolve));
  linkSync(scratch, socketPath); // a second name for the listening socket…
  await new Promise<void>((resolve) => server.close(() => resolve())); // …which outlives it
  rmSync(scratch, { force: true });
  writeFileSync(path.join(dataDir, "owner.json"), JSON.stringify({ pid: deadPid, command: "start", startedAt: new Date().toISOString() }));
}

describe.skipIf(process.platform === "win32")("stale lock recovery races", () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "cs-lock-race-"));
  let racers: Awaited<ReturnType<typeof startRacer>>[] = [];
  let deadPid: number;
  beforeAll(async () => {
    racers = await Promise.all(Array.from({ length: RACERS }, startRacer));
    deadPid = spawnSync(process.execPath, ["-e", ""]).pid!;
  }, 60_000);
  afterAll(async () => {
    for (const r of racers) {
      r.proc.send({ exit: true });
      await new Promise((resolve) => r.proc.once("exit", resolve));
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(`${RACERS} processes recovering the same stale lock at the same instant: exactly one owns, ${ROUNDS} rounds`, async () => {
    const socketPath = ownerSocketPath(dataDir);
    const outcomes: string[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      await leaveStaleLock(dataDir, deadPid);
      expect(await answers(socketPath)).toBe(false);
      const at = Date.now() + 150;
      for (const r of racers) r.proc.send({ go: { dataDir, at } });
      const replies = await Promise.all(racers.map((r) => r.next()));
      const owners = replies.filter((r) => r.kind === "owner");
      outcomes.push(replies.map((r) => `${r.kind}${r.recovered ? "+recovered" : ""}`).join(","));
      expect(replies.filter((r) => r.kind === "error"), JSON.stringify(replies)).toEqual([]);
      expect(owners, `round ${round}: ${JSON.stringify(replies)}`).toHaveLength(1);
      expect(replies.filter((r) => r.recovered), `round ${round}`).toHaveLength(1);
      // The one owner is the one other processes reach.
      expect(await answers(socketPath)).toBe(true);
      const ownerPid = racers[replies.findIndex((r) => r.kind === "owner")]!.proc.pid;
      expect(readOwnerInfo(dataDir)?.pid).toBe(ownerPid);
      for (const r of racers) r.proc.send({ release: true });
      await Promise.all(racers.map((r) => r.next()));
    }
    expect(outcomes).toHaveLength(ROUNDS);
  }, 120_000);
});

describe("the owner socket of a long DATA_DIR", () => {
  const previousTmp = process.env.TMPDIR;
  const privateTmp = mkdtempSync(path.join(tmpdir(), "cs-socket-tmp-"));
  const longDir = path.join(mkdtempSync(path.join(tmpdir(), "cs-long-")), "d".repeat(120));
  beforeAll(() => {
    process.env.TMPDIR = privateTmp; // os.tmpdir() follows it: this test's own shared temp dir
    mkdirSync(longDir, { recursive: true });
  });
  afterAll(() => {
    if (previousTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previousTmp;
    rmSync(privateTmp, { recursive: true, force: true });
    rmSync(path.dirname(longDir), { recursive: true, force: true });
  });

  it("lives in a directory of ours with mode 0700, not at a predictable name in the shared temp dir", async () => {
    const socketPath = ownerSocketPath(longDir);
    const dir = path.dirname(socketPath);
    expect(dir).toBe(path.join(privateTmp, `coffee-scraper-${process.getuid!()}`));
    const info = lstatSync(dir);
    expect(info.isDirectory()).toBe(true);
    expect(info.mode & 0o777).toBe(0o700);
    expect(info.uid).toBe(process.getuid!());
    const claim = await claimDataDir(longDir, "test", () => {});
    try {
      expect(claim.kind).toBe("owner");
      expect(await answers(socketPath)).toBe(true);
    } finally {
      if (claim.kind === "owner") await claim.release();
    }
  });

  it("refuses a directory others can use (squatted, or made world-writable)", () => {
    const dir = path.join(privateTmp, `coffee-scraper-${process.getuid!()}`);
    chmodSync(dir, 0o777);
    try {
      expect(() => ownerSocketPath(longDir)).toThrow(OwnerSocketDirError);
      expect(() => ownerSocketPath(longDir)).toThrow(/mode 777, 700 expected/);
    } finally {
      chmodSync(dir, 0o700);
    }
    rmSync(dir, { recursive: true });
    writeFileSync(dir, "not a directory");
    try {
      expect(() => ownerSocketPath(longDir)).toThrow(/not a directory/);
    } finally {
      rmSync(dir);
    }
  });
});

describe("`worker` next to a `start` that owns DATA_DIR", () => {
  const children: Child[] = [];
  const dataDir = mkdtempSync(path.join(tmpdir(), "cs-worker-owner-"));
  afterAll(async () => {
    await killAll(children);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("names the owner (pid and command) instead of saying no `start` runs", async () => {
    const start = spawnCli(["start"], { DATA_DIR: dataDir, DASHBOARD_PORT: "0", ROASTERS_FILE: path.join(dataDir, "none.yaml") });
    children.push(start);
    await until(() => start.lines().some((l) => l.msg === "scheduler and worker running; Ctrl-C to stop"), 60_000, "start to run");
    const worker = await runCli(["worker"], { DATA_DIR: dataDir });
    expect(worker.code).toBe(2);
    expect(worker.stderr).toContain(`\`coffee-scraper start\` (pid ${start.pid})`);
    expect(worker.stderr).not.toMatch(/no `coffee-scraper start` is running/);
    expect(worker.stderr).toMatch(/REDIS_URL/);
  }, 90_000);
});
