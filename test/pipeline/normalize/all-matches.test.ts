import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { allMatches } from "../../../src/pipeline/normalize/all-matches.ts";

// allMatches stands in for String.prototype.matchAll in the normalizers (without copying the
// pattern each time): it must find exactly what matchAll finds, empty matches included.

const summary = (ms: RegExpMatchArray[]) => ms.map((m) => ({ index: m.index, groups: [...m] }));

describe("allMatches", () => {
  const patterns = [/\d+\s*(g|kg)/gi, /a*/g, /(?<![a-z])x?/gi, /\b/g, /(?:)/gu, /./gu, /notes?:\s*([^\n]+)/gi];

  it("finds what matchAll finds, for every kind of pattern, empty matches included", () => {
    const text = fc.string({ unit: fc.constantFrom("a", "x", "1", "2", " ", "g", "k", "\n", "notes:", "\ud83d\ude00", "\ud800"), maxLength: 24 });
    fc.assert(
      fc.property(fc.constantFrom(...patterns), text, (pattern, s) => {
        expect(summary(allMatches(pattern, s))).toEqual(summary([...s.matchAll(pattern)]));
      }),
      { numRuns: 2000 },
    );
  });

  it("starts from the beginning whatever a previous search left in lastIndex", () => {
    const pattern = /b/g;
    pattern.lastIndex = 2;
    expect(allMatches(pattern, "bab").map((m) => m.index)).toEqual([0, 2]);
    expect(pattern.lastIndex).toBe(0);
  });

  it("refuses a pattern without the global flag, as matchAll does", () => {
    expect(() => allMatches(/a/, "a")).toThrow(TypeError);
  });
});
