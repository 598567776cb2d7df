import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { databaseSafe, databaseSafeString, MAX_JSON_DEPTH } from "../../src/db/database-safe.ts";

// databaseSafe returns a value with nothing to clean as it is (no copy) and cleans a copy of
// anything else. These pin both halves: what must never reach the database, and the cases
// that look harmless to a quick read but must still be copied.

function nested(levels: number, bottom: unknown = "bottom"): unknown {
  let value = bottom;
  for (let i = 0; i < levels; i++) value = i % 2 === 0 ? { d: value } : [value];
  return value;
}

function depthOf(value: unknown): number {
  if (value === null || typeof value !== "object" || value instanceof Date) return 0;
  const children = Array.isArray(value) ? value : Object.values(value);
  return 1 + Math.max(0, ...children.map(depthOf));
}

function strings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (value === null || typeof value !== "object") return [];
  if (Array.isArray(value)) return value.flatMap(strings);
  return Object.entries(value).flatMap(([k, v]) => [k, ...strings(v)]);
}

// eslint-disable-next-line no-control-regex
const UNSAFE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The cleaning as it was before values with nothing to clean were returned as they are: every value copied. */
function copiedAlways(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return databaseSafeString(value);
  if (value === null || typeof value !== "object") return value;
  if (value instanceof Date) return value;
  if (depth >= MAX_JSON_DEPTH) return `[nested deeper than ${MAX_JSON_DEPTH} levels: dropped]`;
  if (Array.isArray(value)) return value.map((v) => copiedAlways(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[databaseSafeString(k)] = copiedAlways(v, depth + 1);
  return out;
}

describe("databaseSafeString", () => {
  it("drops NUL and replaces half surrogate pairs, keeping whole pairs", () => {
    expect(databaseSafeString("a\u0000b")).toBe("ab");
    expect(databaseSafeString("x\ud800")).toBe("x\ufffd");
    expect(databaseSafeString("\udc00x")).toBe("\ufffdx");
    expect(databaseSafeString("\ud800\ud800\udc00")).toBe("\ufffd\ud800\udc00");
    expect(databaseSafeString("coffee \ud83d\ude00")).toBe("coffee \ud83d\ude00");
  });
});

describe("databaseSafe", () => {
  it("returns clean plain data as it is, without copying it", () => {
    const value = { name: "Coffee ☕ \ud83d\ude00", n: 1, ok: true, none: null, list: [1, "a", { b: [] }], at: new Date(0) };
    expect(databaseSafe(value)).toBe(value);
    const bare = Object.assign(Object.create(null) as object, { k: "v" });
    expect(databaseSafe(bare)).toBe(bare);
    expect(databaseSafe(nested(MAX_JSON_DEPTH))).toEqual(nested(MAX_JSON_DEPTH));
  });

  // Each of these passes a quick look at most of the value: the copy must still be made.
  const mustBeCopied: [string, () => unknown, (cleaned: unknown) => void][] = [
    ["a NUL deep inside", () => ({ a: [{ b: ["fine", "bad\u0000"] }] }), (c) => expect(c).toEqual({ a: [{ b: ["fine", "bad"] }] })],
    ["a high surrogate at the end of a string", () => ({ t: "x\ud800" }), (c) => expect(c).toEqual({ t: "x\ufffd" })],
    ["a half pair after a whole one", () => ({ t: "\ud83d\ude00\ud83d" }), (c) => expect(c).toEqual({ t: "\ud83d\ude00\ufffd" })],
    ["a lone low surrogate", () => ["\udc00"], (c) => expect(c).toEqual(["\ufffd"])],
    ["a NUL in a key", () => ({ ["k\u0000"]: 1 }), (c) => expect(c).toEqual({ k: 1 })],
    ["a lone surrogate in a key", () => ({ ["k\udfff"]: 1 }), (c) => expect(c).toEqual({ "k\ufffd": 1 })],
    [
      "nesting one level deeper than allowed",
      () => nested(MAX_JSON_DEPTH + 1),
      (c) => expect(depthOf(c)).toBe(MAX_JSON_DEPTH),
    ],
    [
      'an own "__proto__" key, as JSON.parse makes it',
      () => JSON.parse('{"a": 1, "__proto__": {"b": 2}}') as unknown,
      (c) => expect(JSON.stringify(c)).toBe('{"a":1}'),
    ],
    ["a Map", () => ({ m: new Map([["a", 1]]) }), (c) => expect(c).toEqual({ m: {} })],
    ["a Buffer", () => ({ b: Buffer.from("hi") }), (c) => expect(JSON.stringify(c)).toBe('{"b":{"0":104,"1":105}}')],
    ["a function", () => ({ f: () => 1, a: "x" }), (c) => expect(Object.keys(c as object)).toEqual(["f", "a"])],
  ];
  for (const [what, make, check] of mustBeCopied) {
    it(`copies and cleans a value with ${what}`, () => {
      const value = make();
      const cleaned = databaseSafe(value);
      expect(cleaned).not.toBe(value);
      check(cleaned);
      expect(JSON.stringify(cleaned)).toBe(JSON.stringify(copiedAlways(value)));
    });
  }

  it("cuts a hostile depth (thousands of levels) without overflowing the stack", () => {
    const cleaned = databaseSafe(nested(20_000));
    expect(depthOf(cleaned)).toBe(MAX_JSON_DEPTH);
  });

  const risky = fc.oneof(
    fc.constantFrom("\u0000", "\ud800", "\udbff", "\udc00", "\udfff", "\ud83d\ude00", "a", " ", "é"),
    fc.string({ maxLength: 1 }),
  );
  const text = fc.string({ unit: risky, maxLength: 8 });
  const { value: json } = fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      text,
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.array(tie("value"), { maxLength: 4 }),
      fc.dictionary(text, tie("value"), { maxKeys: 4 }),
    ),
  }));

  it("leaves no NUL, no half surrogate pair and no deeper nesting, and writes what a full copy writes", () => {
    fc.assert(
      fc.property(json, fc.integer({ min: 0, max: MAX_JSON_DEPTH + 3 }), (value, extra) => {
        const input = nested(extra, value);
        const cleaned = databaseSafe(input);
        expect(strings(cleaned).filter((s) => UNSAFE.test(s))).toEqual([]);
        expect(depthOf(cleaned)).toBeLessThanOrEqual(MAX_JSON_DEPTH);
        expect(JSON.stringify(cleaned)).toBe(JSON.stringify(copiedAlways(input)));
      }),
      { numRuns: 500 },
    );
  });
});
