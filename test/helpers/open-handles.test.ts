import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { startLocalServer } from "./local-server.ts";
import { activeResources, openHandlesLeft, resourcesAbove } from "./open-handles.ts";

// The open-handles check sees what a test leaves open, lets go of what closes, and fails a
// test file that leaks: proven on the helper itself and on a whole vitest run.

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

describe("openHandlesLeft", () => {
  it("reports a server left listening, and nothing once it is closed", async () => {
    const baseline = activeResources();
    const server = await startLocalServer((_req, res) => res.end("ok"));
    const left = await openHandlesLeft(baseline, 100);
    expect(left).toContain("TCPServerWrap ×1");
    expect(left).toContain(`  server listening on 127.0.0.1:${server.port}`);
    await server.close();
    expect(await openHandlesLeft(baseline)).toEqual([]);
  });

  it("counts a pending timer", () => {
    // Taken with nothing in between: vitest's own short timers come and go around a test.
    const baseline = activeResources();
    const timer = setTimeout(() => {}, 61_234); // a duration of its own: see open-handles.ts on timers
    expect(resourcesAbove(baseline)).toEqual(["Timeout ×1"]);
    clearTimeout(timer);
    expect(resourcesAbove(baseline)).toEqual([]);
  });

  it("reports a running child process with its command", async () => {
    const baseline = activeResources();
    const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
    const exited = new Promise((resolve) => child.once("exit", resolve));
    try {
      const left = await openHandlesLeft(baseline, 100);
      expect(left).toContain("ProcessWrap ×1");
      expect(left.some((l) => l.startsWith(`  child process ${child.pid}:`))).toBe(true);
    } finally {
      child.kill("SIGKILL");
      await exited;
    }
    expect(await openHandlesLeft(baseline)).toEqual([]);
  });

  it("waits for a socket that is closing to be gone", async () => {
    const server = await startLocalServer((_req, res) => res.end("ok"));
    const baseline = activeResources();
    await (await fetch(server.url)).text(); // a kept-alive connection, closed by close() below
    await server.close();
    expect(await openHandlesLeft(baseline)).toEqual([]);
  });
});

describe("the check on every test file", () => {
  it("fails a file whose tests pass but which leaves a server listening", () => {
    const run = spawnSync(
      process.execPath,
      ["node_modules/vitest/vitest.mjs", "run", "--config", "test/helpers/open-handles-fixture/vitest.config.ts"],
      { cwd: ROOT, encoding: "utf8", env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" }, timeout: 60_000 },
    );
    const output = run.stdout + run.stderr;
    expect(run.status, output).not.toBe(0);
    expect(output).toContain("this test file left open handles");
    expect(output).toContain("TCPServerWrap ×1");
    expect(output).toMatch(/1 passed/); // the test itself passed: the file failed for the leak
  }, 90_000);
});
