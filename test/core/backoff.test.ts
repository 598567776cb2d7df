import { Backoffs } from "bullmq";
import { afterEach, describe, expect, it, vi } from "vitest";
import { backoffMs } from "../../src/core/backoff.ts";
import { requestBackoffMs } from "../../src/fetch/retry.ts";
import { retryDelayMs, RetryLaterError } from "../../src/queue/backend.ts";

// The one backoff: jobs on both queue backends and request-level retries wait by it.

afterEach(() => {
  vi.restoreAllMocks();
});

describe("backoffMs", () => {
  it("doubles from the base: 1, 2, 4, 8, 16 s for a 1 s base without jitter", () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffMs(n, 1000, 0))).toEqual([1000, 2000, 4000, 8000, 16_000]);
  });

  it("takes the jittered fraction off the top: [d × (1 − jitter), d]", () => {
    for (let n = 1; n <= 5; n++) {
      const d = 1000 * 2 ** (n - 1);
      expect(backoffMs(n, 1000, 0.2, () => 0)).toBe(d * 0.8);
      expect(backoffMs(n, 1000, 0.2, () => 0.999_999)).toBe(d - 1);
      expect(backoffMs(n, 1000, 0.2, () => 0.5)).toBe(d * 0.9);
    }
  });

  it("is BullMQ's exponential strategy to the millisecond, for the same random draw", () => {
    const bull = Backoffs.builtinStrategies.exponential!(1000, 0.2);
    for (const draw of [0, 0.123, 0.5, 0.987]) {
      vi.spyOn(Math, "random").mockReturnValue(draw);
      for (let n = 1; n <= 6; n++) expect(backoffMs(n, 1000, 0.2)).toBe(bull(n));
      vi.restoreAllMocks();
    }
    const plain = Backoffs.builtinStrategies.exponential!(1000, 0);
    for (let n = 1; n <= 6; n++) expect(backoffMs(n, 1000, 0)).toBe(plain(n));
  });

  it("is what both queue backends wait, unless the error names its own delay", () => {
    const policy = { attempts: 6, backoffMs: 1000, jitter: 0 };
    expect([1, 2, 3, 4, 5].map((n) => retryDelayMs(policy, n))).toEqual([1000, 2000, 4000, 8000, 16_000]);
    expect(retryDelayMs(policy, 3, new RetryLaterError(new Error("429"), 7777))).toBe(7777);
  });

  it("gives request retries 1, 2, 4 … × base plus up to a quarter more", () => {
    for (let n = 1; n <= 5; n++) {
      const d = 1000 * 2 ** (n - 1);
      expect(requestBackoffMs(n, 1000, () => 0)).toBe(d);
      expect(requestBackoffMs(n, 1000, () => 0.5)).toBe(d * 1.125);
      expect(requestBackoffMs(n, 1000, () => 0.999_999)).toBeLessThan(d * 1.25);
      expect(requestBackoffMs(n, 1000, () => 0.999_999)).toBeGreaterThanOrEqual(d * 1.25 - 1);
    }
    expect(requestBackoffMs(3, 0, () => 0.5)).toBe(0);
  });
});
