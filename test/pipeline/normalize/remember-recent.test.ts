import { describe, expect, it } from "vitest";
import { rememberRecent } from "../../../src/pipeline/normalize/remember-recent.ts";

describe("rememberRecent", () => {
  const counted = () => {
    const calls: string[] = [];
    return { calls, fn: (s: string) => (calls.push(s), s === "none" ? null : s.length) };
  };

  it("computes each recent input once, null results included", () => {
    const { calls, fn } = counted();
    const remembered = rememberRecent(fn, { size: 4 });
    expect(["ab", "none", "ab", "none", "abc"].map(remembered)).toEqual([2, null, 2, null, 3]);
    expect(calls).toEqual(["ab", "none", "abc"]);
  });

  it("forgets the oldest input beyond its size, so memory stays bounded", () => {
    const { calls, fn } = counted();
    const remembered = rememberRecent(fn, { size: 2 });
    for (const s of ["a", "b", "c", "a"]) remembered(s);
    expect(calls).toEqual(["a", "b", "c", "a"]);
  });

  it("does not keep inputs longer than its limit", () => {
    const { calls, fn } = counted();
    const remembered = rememberRecent(fn, { size: 4, maxInputLength: 3 });
    for (const s of ["long!", "long!", "ok", "ok"]) remembered(s);
    expect(calls).toEqual(["long!", "long!", "ok"]);
  });
});
