import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { openEmbeddedQueue } from "../../src/queue/embedded.ts";
import { after, MAX_TIMER_DELAY_MS, sleep, timerDelay } from "../../src/core/timers.ts";

// A delay above 2³¹−1 ms, negative or NaN becomes 1 ms in Node, with a TimeoutOverflowWarning:
// a busy loop. src/ arms timers only through src/core/timers.ts, which clamps every delay.

const SRC = fileURLToPath(new URL("../../src/", import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : [],
  );
}

/** Collects the process's warnings while `fn` runs. */
async function warningsDuring(fn: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  const onWarning = (w: Error) => seen.push(w.name);
  process.on("warning", onWarning);
  try {
    await fn();
    await new Promise((r) => setImmediate(r));
  } finally {
    process.off("warning", onWarning);
  }
  return seen;
}

describe("timers", () => {
  it("timerDelay keeps every delay in [0, 2³¹−1] ms", () => {
    expect(timerDelay(2 ** 31 - 1)).toBe(MAX_TIMER_DELAY_MS);
    expect(timerDelay(3_000_000_000_000)).toBe(MAX_TIMER_DELAY_MS);
    expect(timerDelay(Infinity)).toBe(MAX_TIMER_DELAY_MS);
    expect(timerDelay(Number.MAX_SAFE_INTEGER)).toBe(MAX_TIMER_DELAY_MS);
    expect(timerDelay(-5)).toBe(0);
    expect(timerDelay(-Infinity)).toBe(0);
    expect(timerDelay(NaN)).toBe(0);
    expect(timerDelay(0.2)).toBe(1);
    expect(timerDelay(250)).toBe(250);
  });

  it("a huge wait arms no overflowing timer, and stays a wait (it does not fire)", async () => {
    let fired = false;
    const warnings = await warningsDuring(async () => {
      const timer = after(3_000_000 * 1000, () => (fired = true));
      const aborted = new AbortController();
      const waiting = sleep(2 ** 40, { signal: aborted.signal }).catch(() => "aborted");
      await new Promise((r) => setTimeout(r, 50));
      clearTimeout(timer);
      aborted.abort();
      expect(await waiting).toBe("aborted");
    });
    expect(fired).toBe(false);
    expect(warnings).not.toContain("TimeoutOverflowWarning");
  });

  it("the embedded queue holds a job delayed by years without a busy loop", async () => {
    const queue = openEmbeddedQueue({ retry: { attempts: 1, backoffMs: 10, jitter: 0 }, retention: { keepCompleted: 1, keepFailed: 1 } });
    const warnings = await warningsDuring(async () => {
      const [result] = await queue.enqueueMany([{ roaster: "r", type: "full_refresh", slot: "manual:x", reason: "t" }], {
        delayMs: 1000 * 3_000_000_000,
      });
      await new Promise((r) => setTimeout(r, 50));
      expect(await queue.stateOf(result!.id)).toBe("delayed");
    });
    await queue.close();
    expect(warnings).not.toContain("TimeoutOverflowWarning");
  });

  it("no file in src/ but timers.ts calls setTimeout, setInterval, AbortSignal.timeout or node:timers directly", () => {
    const direct = /\bset(Timeout|Interval)\s*\(|AbortSignal\.timeout\s*\(|["']node:timers(\/promises)?["']/;
    const offenders = sourceFiles(SRC)
      .filter((file) => path.basename(file) !== "timers.ts")
      .flatMap((file) =>
        readFileSync(file, "utf8")
          .split("\n")
          .map((line, i) => ({ line: line.replace(/\/\/.*$/, ""), where: `${path.relative(SRC, file)}:${i + 1}` }))
          .filter(({ line }) => direct.test(line))
          .map(({ where }) => where),
      );
    expect(offenders).toEqual([]);
  });
});
