import { readFileSync } from "node:fs";
import path from "node:path";
import { isDeepStrictEqual } from "node:util";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeJson } from "../../src/platforms/json.ts";
import { jsonSourceOf, parseJsonInParts, SPLIT_ABOVE_BYTES } from "../../src/platforms/json-parts.ts";
import type { StoredResponse } from "../../src/platforms/adapter.ts";

// A large answer is parsed item by item (src/platforms/json-parts.ts): it must give exactly
// what JSON.parse of the whole gives, and take apart nothing that is not valid JSON.

const FIXTURES = path.resolve(import.meta.dirname, "../fixtures");

/** JSON.parse of the bytes as decodeJson reads them whole (a leading byte-order mark dropped), or the error. */
function wholeParse(body: Buffer): { value: unknown } | { error: true } {
  try {
    return { value: JSON.parse(body.toString("utf8").replace(/^\uFEFF/, "")) };
  } catch {
    return { error: true };
  }
}

/** Every object in `value` that remembers its source, with that source parsed again. */
function sourced(value: unknown, out: [object, unknown][] = []): [object, unknown][] {
  if (value === null || typeof value !== "object") return out;
  const source = jsonSourceOf(value);
  if (source) out.push([value, JSON.parse(source.toString("utf8"))]);
  for (const v of Object.values(value)) sourced(v, out);
  return out;
}

/** Strings heavy in what JSON escapes or uses as punctuation, and in characters past ASCII. */
const str = fc.string({
  unit: fc.oneof(fc.constantFrom('"', "\\", "{", "}", "[", "]", ",", ":", " ", "\n", "\u0001", "a", "é", "€", "😀"), fc.string({ unit: "binary", minLength: 1, maxLength: 1 })),
});
/** Keys that an object built by assignment would get wrong, among ordinary ones. */
const key = fc.oneof({ weight: 8, arbitrary: str }, fc.constantFrom("__proto__", "constructor", "0", "10", "1", "a"));
/** JSON's white space, between any two tokens. */
const space = fc.constantFrom("", "", " ", "\n", "\t", "\r\n  ");
const scalar = fc
  .oneof(fc.constantFrom(null, true, false), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), str)
  .map((v) => JSON.stringify(v));
const arrayOf = (item: fc.Arbitrary<string>) =>
  fc.tuple(fc.array(fc.tuple(space, item, space), { maxLength: 5 }), space).map(([items, s]) => `[${s}${items.map(([a, v, b]) => a + v + b).join(",")}]`);
const objectOf = (value: fc.Arbitrary<string>) =>
  fc
    .tuple(fc.array(fc.tuple(space, key, space, space, value, space), { maxLength: 5 }), space)
    .map(([members, s]) => `{${s}${members.map(([a, k, b, c, v, d]) => `${a}${JSON.stringify(k)}${b}:${c}${v}${d}`).join(",")}}`);
/** JSON text, keys repeated at times (as JSON.stringify never writes them). */
const { value } = fc.letrec<{ value: string; array: string; object: string }>((tie) => ({
  value: fc.oneof({ depthSize: "small" }, scalar, tie("array"), tie("object")),
  array: arrayOf(tie("value")),
  object: objectOf(tie("value")),
}));
const document = fc.oneof(
  arrayOf(objectOf(value)), // WooCommerce's shape: a top-level array of objects
  objectOf(fc.oneof(value, arrayOf(objectOf(value)))), // Shopify's: an object with arrays of objects among its members
  value, // anything
);

/** What counts as large, down to nothing: every container taken apart (as deep as the bound lets). */
const splitAbove = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 60 }));

describe("a large JSON answer parsed in parts", () => {
  it("gives what JSON.parse of the whole gives, for any document", () => {
    fc.assert(
      fc.property(document, space, fc.boolean(), splitAbove, (doc, around, bom, above) => {
        const source = `${bom ? "\uFEFF" : ""}${around}${doc}${around}`;
        const whole = wholeParse(Buffer.from(source));
        if (!("value" in whole)) throw new Error(`generated text is not JSON: ${source}`);
        const parts = parseJsonInParts(Buffer.from(source), Math.min(above, source.length - 1));
        if (parts) {
          expect(isDeepStrictEqual(parts.value, whole.value)).toBe(true);
          expect(JSON.stringify(parts.value)).toBe(JSON.stringify(whole.value));
          for (const [object, again] of sourced(parts.value)) expect(isDeepStrictEqual(object, again)).toBe(true);
        } else {
          // Only what it does not take apart goes whole: a scalar, or a top-level array with a scalar in it.
          const top = whole.value;
          expect(top === null || typeof top !== "object" || (Array.isArray(top) && top.some((v) => v === null || typeof v !== "object"))).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("takes apart nothing that is not valid JSON: a broken answer is parsed whole, and refused there", () => {
    const broken = fc
      .tuple(document, fc.nat(), fc.constantFrom("delete", "insert", "cut"), fc.constantFrom(",", "]", "}", "[", "{", '"', ":", "\\", "x", "1", " ", "\u0001"))
      .map(([valid, at, how, char]) => {
        const i = at % (valid.length + 1);
        return how === "delete" ? valid.slice(0, i) + valid.slice(i + 1) : how === "insert" ? valid.slice(0, i) + char + valid.slice(i) : valid.slice(0, i);
      });
    fc.assert(
      fc.property(broken, splitAbove, (source, above) => {
        // (Bytes: a cut may leave half a surrogate pair, which UTF-8 carries as U+FFFD.)
        const whole = wholeParse(Buffer.from(source));
        const parts = parseJsonInParts(Buffer.from(source), Math.min(above, source.length - 1));
        if ("error" in whole) expect(parts).toBeNull();
        else if (parts) expect(isDeepStrictEqual(parts.value, whole.value)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it("parses an own __proto__ member and a repeated key as JSON.parse does", () => {
    const source = '{"__proto__": [{"polluted": true}], "a": [{"x": 1}], "a": [{"x": 2}], "b": 1}';
    const parts = parseJsonInParts(Buffer.from(source), 0)!.value as Record<string, unknown>;
    expect(Object.getPrototypeOf(parts)).toBe(Object.prototype);
    expect(Object.keys(parts)).toEqual(["__proto__", "a", "b"]);
    expect(parts.a).toEqual([{ x: 2 }]);
    expect(isDeepStrictEqual(parts, JSON.parse(source))).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("reads real store pages as JSON.parse does, each product remembering the bytes it came in, on a page of any size", () => {
    for (const [file, productsOf] of [
      ["shopify-products-page-blue-tokai.json", (v: unknown) => (v as { products: object[] }).products],
      ["woocommerce-store-api-products-page-babas-beans.json", (v: unknown) => v as object[]],
    ] as const) {
      const body = readFileSync(path.join(FIXTURES, file));
      expect(body.length).toBeGreaterThan(SPLIT_ABOVE_BYTES);
      const parts = parseJsonInParts(body);
      expect(parts).not.toBeNull();
      expect(isDeepStrictEqual(parts!.value, JSON.parse(body.toString("utf8")))).toBe(true);
      const products = productsOf(parts!.value);
      // Three of Baba's Beans' products are over SPLIT_ABOVE_BYTES as sent (pretty-printed):
      // taken apart, they remember no bytes.
      expect(products.filter((p) => !jsonSourceOf(p)).length).toBe(file.startsWith("woo") ? 3 : 0);
      for (const product of products.filter((p) => jsonSourceOf(p))) {
        expect(isDeepStrictEqual(JSON.parse(jsonSourceOf(product)!.toString("utf8")), product)).toBe(true);
        // The same product on a page of its own: the same bytes.
        const alone = Buffer.from(file.startsWith("shopify") ? `{"products": [${jsonSourceOf(product)!.toString("utf8")}]}` : `[${jsonSourceOf(product)!.toString("utf8")}]`);
        expect(jsonSourceOf(productsOf(parseJsonInParts(alone)!.value)[0]!)).toEqual(jsonSourceOf(product));
      }
    }
  });

  it("an object larger than the split size is taken apart, and remembers no bytes; its small objects do", () => {
    const sku = "s".repeat(40);
    const page = Buffer.from(`[{"id": 1, "variations": [{"id": 2, "sku": "${sku}"}, {"id": 4}], "body": "${"x".repeat(100)}"}, {"id": 3}]`);
    const products = parseJsonInParts(page, 50)!.value as { id: number; variations?: object[] }[];
    expect(jsonSourceOf(products[0]!)).toBeUndefined();
    expect(jsonSourceOf(products[0]!.variations![0]!)?.toString()).toBe(`{"id": 2, "sku": "${sku}"}`);
    expect(jsonSourceOf(products[0]!.variations![1]!)?.toString()).toBe('{"id": 4}');
    expect(jsonSourceOf(products[1]!)?.toString()).toBe('{"id": 3}');
  });

  it("decodeJson reports a large broken answer as invalid JSON, as it does a small one", () => {
    const body = readFileSync(path.join(FIXTURES, "shopify-products-page-blue-tokai.json"));
    const response = (b: Buffer): StoredResponse =>
      ({ url: "https://store.test/products.json", status: 200, contentType: "application/json", body: b, headers: {} }) as unknown as StoredResponse;
    expect(decodeJson(response(body), "Shopify /products.json")).toEqual(JSON.parse(body.toString("utf8")));
    const cut = body.subarray(0, body.length - 10);
    expect(() => decodeJson(response(cut), "Shopify /products.json")).toThrow(/not valid JSON \(truncated\?\)/);
    const html = Buffer.concat([Buffer.from("<html>"), body]);
    expect(() => decodeJson(response(html), "Shopify /products.json")).toThrow(/with HTML/);
  });
});
