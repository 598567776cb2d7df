// Property-based checks: the normalizers are total functions over arbitrary input.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { normalizeProduct } from "../../../src/pipeline/normalize/product.ts";
import { parsePrice } from "../../../src/pipeline/normalize/price.ts";
import { parseSizeText, parseWeight } from "../../../src/pipeline/normalize/weight.ts";
import { parseGrind } from "../../../src/pipeline/normalize/grind.ts";
import { parseProcess } from "../../../src/pipeline/normalize/process.ts";
import { parseRoastLevel } from "../../../src/pipeline/normalize/roast.ts";
import { GRINDS, PROCESSES, ROAST_LEVELS, SPECIES } from "../../../src/db/enums.ts";
import { classifyProduct } from "../../../src/pipeline/normalize/classify.ts";
import { parseOrigin } from "../../../src/pipeline/normalize/origin.ts";
import { parseSpecies } from "../../../src/pipeline/normalize/species.ts";
import { parseVarieties } from "../../../src/pipeline/normalize/varieties.ts";
import { GRIND_VOCABULARY } from "../../../src/pipeline/normalize/vocabulary/grind.ts";
import { PROCESS_VOCABULARY } from "../../../src/pipeline/normalize/vocabulary/process.ts";
import { INDIAN_REGION_VOCABULARY } from "../../../src/pipeline/normalize/vocabulary/regions.ts";
import { ROAST_LEVELS_VOCABULARY } from "../../../src/pipeline/normalize/vocabulary/roast.ts";
import { VARIETY_VOCABULARY } from "../../../src/pipeline/normalize/vocabulary/varieties.ts";
import { rawProduct, rawVariant } from "./helpers.ts";
import type { RawProduct } from "../../../src/platforms/raw-product.ts";

// Strings biased towards the characters our patterns care about, plus arbitrary unicode.
const sizeish = fc.oneof(
  fc.string(),
  fc.string({ unit: "grapheme" }),
  fc.stringMatching(/^[0-9 .,x×kgozlbs/()-]{0,20}$/),
  fc.constantFrom("250g", "1e308 kg", "0g", "-5kg", "0.0001 lb", "99999999kg", "Pack of 0", "NaN oz"),
);
const nullableString = fc.option(sizeish, { nil: null });

describe("properties", () => {
  it("parsePrice never throws and returns null or a finite positive number", () => {
    fc.assert(
      fc.property(
        fc.option(fc.oneof(fc.string(), fc.stringMatching(/^-?[0-9.,e]{0,25}$/)), { nil: null }),
        fc.option(fc.integer({ min: -3, max: 12 }), { nil: undefined }),
        (amount, minorUnit) => {
          const price = parsePrice(minorUnit === undefined ? { amount } : { amount, minorUnit });
          if (price !== null) {
            expect(Number.isFinite(price)).toBe(true);
            expect(price).toBeGreaterThan(0);
            expect(price).toBeLessThanOrEqual(10_000_000);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("parseWeight never throws and never returns negative, NaN or 0 grams", () => {
    fc.assert(
      fc.property(
        nullableString,
        fc.array(fc.record({ name: sizeish, value: sizeish }), { maxLength: 4 }),
        nullableString,
        fc.option(fc.oneof(fc.double(), fc.integer()), { nil: null }),
        (variantTitle, options, productTitle, shippingGrams) => {
          const r = parseWeight({ variantTitle, options, productTitle, shippingGrams });
          if (r.grams !== null) {
            expect(Number.isInteger(r.grams)).toBe(true);
            expect(r.grams).toBeGreaterThan(0);
          } else {
            expect(r.source).toBeNull();
            expect(r.warnings.length).toBeGreaterThan(0);
          }
          if (r.packCount !== null) expect(r.packCount).toBeGreaterThan(1);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("normalizeProduct never throws on arbitrary strings in all fields", () => {
    const variant = fc.record({
      platformVariantId: sizeish,
      title: nullableString,
      options: fc.array(fc.record({ name: sizeish, value: sizeish }), { maxLength: 3 }),
      sku: nullableString,
      price: fc.record({ amount: nullableString }),
      compareAtPrice: fc.record({ amount: nullableString }),
      available: fc.option(fc.boolean(), { nil: null }),
      stockQty: fc.option(fc.integer(), { nil: null }),
      shippingGrams: fc.option(fc.double(), { nil: null }),
      raw: fc.constant(null),
    });
    const product = fc.record({
      platform: fc.constantFrom("shopify" as const, "woocommerce" as const),
      platformProductId: sizeish,
      title: sizeish,
      handle: nullableString,
      url: nullableString,
      descriptionHtml: fc.option(
        fc.oneof(
          sizeish,
          fc.string().map((s) => `<p>${s}</p><script>${s}`),
        ),
        { nil: null },
      ),
      productType: nullableString,
      vendor: nullableString,
      tags: fc.array(sizeish, { maxLength: 5 }),
      categories: fc.array(sizeish, { maxLength: 3 }),
      options: fc.array(fc.record({ name: sizeish, values: fc.array(sizeish, { maxLength: 3 }) }), {
        maxLength: 3,
      }),
      variants: fc.array(variant, { maxLength: 3 }),
      images: fc.array(
        fc.record({
          url: sizeish,
          alt: nullableString,
          width: fc.option(fc.integer(), { nil: null }),
          height: fc.option(fc.integer(), { nil: null }),
          position: fc.integer(),
        }),
        { maxLength: 2 },
      ),
      currency: nullableString,
      publishedAt: nullableString,
      raw: fc.constant(null),
    });
    fc.assert(
      fc.property(product, nullableString, (raw: RawProduct, currency) => {
        const p = normalizeProduct(raw, { currency });
        expect(typeof p.name).toBe("string");
        expect(p.name.length).toBeGreaterThan(0);
        for (const v of p.variants) {
          if (v.weightG !== null) expect(v.weightG).toBeGreaterThan(0);
          if (v.price !== null) expect(Number.isFinite(v.price)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});

// Sizes as shops write them: a number, optional spacing, a unit in one of its spellings.
const UNIT_SPELLINGS: [string[], number][] = [
  [["g", "G", "gm", "gms", "GMS", "gram", "grams", "Grams", "grammes"], 1],
  [["kg", "KG", "Kg", "kgs", "kilo", "kilos", "kilogram", "kilograms"], 1000],
  [["oz", "OZ", "Oz", "ounce", "ounces"], 28.3495],
  [["lb", "LB", "lbs", "Lbs", "pound", "pounds", "Pounds"], 453.592],
];
const size = fc
  .tuple(
    fc.integer({ min: 0, max: UNIT_SPELLINGS.length - 1 }),
    fc.nat(),
    fc.integer({ min: 1, max: 5000 }),
    fc.constantFrom("", " ", "  ", "-"),
  )
  .map(([unit, spelling, amount, gap]) => {
    const [spellings, factor] = UNIT_SPELLINGS[unit]!;
    return { spellings, factor, amount, gap, spelling: spellings[spelling % spellings.length]! };
  });

describe("properties of the size parser", () => {
  it("never negative, never 0, never absurd (over 100 kg), whatever the text", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), sizeish, fc.stringMatching(/^-?[0-9 ./½¼¾-]{0,12}(?:kg|g|oz|lb)$/)), (text) => {
        const grams = parseSizeText(text)?.grams ?? null;
        if (grams !== null) {
          expect(Number.isInteger(grams)).toBe(true);
          expect(grams).toBeGreaterThanOrEqual(1);
          expect(grams).toBeLessThanOrEqual(100_000);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it("a size reads the same under any spacing, case and spelling of its unit", () => {
    fc.assert(
      fc.property(size, fc.nat(), ({ spellings, factor, amount, gap, spelling }, other) => {
        const expected = Math.round(amount * factor);
        const grams = parseSizeText(`${amount}${gap}${spelling}`)?.grams ?? null;
        const again = parseSizeText(`${amount}${gap === "" ? " " : ""}${spellings[other % spellings.length]!.toUpperCase()}`)?.grams ?? null;
        expect(grams).toBe(again);
        if (expected >= 1 && expected <= 100_000) expect(grams).toBe(expected);
        else expect(grams).toBeNull();
      }),
      { numRuns: 2000 },
    );
  });

  it("a minus sign or a range around a size never yields a weight", () => {
    fc.assert(
      fc.property(size, fc.integer({ min: 1, max: 999 }), fc.constantFrom("-", "- ", " - ", "–", " to "), (s, low, dash) => {
        const text = `${s.amount}${s.gap}${s.spelling}`;
        expect(parseSizeText(`-${text}`)?.grams ?? null).toBeNull();
        expect(parseSizeText(`${low}${dash}${text}`)?.grams ?? null).toBeNull();
      }),
      { numRuns: 1000 },
    );
  });

  it("a mixed fraction is the whole plus the fraction, never the fraction's last digit", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.constantFrom([1, 2], [1, 4], [3, 4], [1, 3]), fc.constantFrom("oz", "lb"), (whole, [n, d], unit) => {
        const factor = unit === "oz" ? 28.3495 : 453.592;
        expect(parseSizeText(`${whole} ${n}/${d} ${unit}`)?.grams).toBe(Math.round((whole + n! / d!) * factor));
      }),
      { numRuns: 500 },
    );
  });

  it("grind, roast and process parsers only ever produce values of the users' enums", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), sizeish, fc.constantFrom("Medium Grind", "Full City+", "Semi-washed", "Fine", "Whole")), (text) => {
        const grind = parseGrind([text]).grind;
        if (grind !== null) expect(GRINDS).toContain(grind);
        const roast = parseRoastLevel([text]).level;
        if (roast !== null) expect(ROAST_LEVELS).toContain(roast);
        const process = parseProcess([text]).process;
        if (process !== null) expect(PROCESSES).toContain(process);
      }),
      { numRuns: 2000 },
    );
  });
});

/** The same words as a shop might type them: any case, spaces doubled, hyphens for spaces. */
const respelled = (phrase: string) =>
  fc
    .tuple(fc.constantFrom("lower", "upper", "title"), fc.constantFrom(" ", "  ", "-"))
    .map(([casing, gap]) => {
      const spaced = phrase.replace(/ /g, gap);
      if (casing === "upper") return spaced.toUpperCase();
      if (casing === "title") return spaced.replace(/(^|[\s-])([a-z])/g, (_m, p: string, c: string) => p + c.toUpperCase());
      return spaced.toLowerCase();
    });
/** Each plain synonym of a table, respelled, with the value it must read as. */
const respelledSynonyms = <V>(table: readonly { value: V; synonyms: readonly string[] }[]) =>
  fc
    .constantFrom(...table.flatMap((e) => e.synonyms.filter((s) => /^[a-z0-9 ]+$/.test(s)).map((s) => ({ s, value: e.value }))))
    .chain(({ s, value }) => respelled(s).map((t) => ({ t, value })));

describe("properties of the vocabulary parsers", () => {
  it("grind, roast, variety and region names read the same under any case and spacing", () => {
    fc.assert(fc.property(respelledSynonyms(GRIND_VOCABULARY), ({ t, value }) => parseGrind([t]).grind === value));
    fc.assert(fc.property(respelledSynonyms(ROAST_LEVELS_VOCABULARY), ({ t, value }) => parseRoastLevel([`${t} roast`]).level === value));
    fc.assert(
      fc.property(respelledSynonyms(VARIETY_VOCABULARY), ({ t, value }) => {
        expect(parseVarieties([`Varieties: ${t}.`])).toEqual([value]);
      }),
    );
    fc.assert(fc.property(respelledSynonyms(INDIAN_REGION_VOCABULARY), ({ t, value }) => parseOrigin([`Grown in ${t}.`]).region === value));
  });

  it("process names read the same under any case and spacing", () => {
    const table = PROCESS_VOCABULARY.map((e) => ({ value: e.value, synonyms: e.names }));
    fc.assert(fc.property(respelledSynonyms(table), ({ t, value }) => parseProcess([t]).process === value));
  });

  it("species are enum values, and varieties come only from the table, each once", () => {
    const names = new Set(VARIETY_VOCABULARY.map((e) => e.value));
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.constantFrom("SL 795 and S795, Chandragiri; arabica 70 robusta 30 with chicory")), (text) => {
        const species = parseSpecies([text]);
        if (species !== null) expect(SPECIES).toContain(species);
        const varieties = parseVarieties([text, text]);
        expect(new Set(varieties).size).toBe(varieties.length);
        for (const v of varieties) expect(names.has(v) || / Bourbon$/.test(v)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});

const RULES = [
  "declared", "no-shipping", "title-kind", "event-options", "school-vendor", "coffee-format", "grind-option", "roast",
  "chocolate-series", "equipment-title", "equipment-vendor", "declared-coffee", "title-not-coffee", "ready-to-drink",
  "described-class", "title-coffee", "sold-by-weight", "no-signal",
];
const COFFEE_KINDS = ["beans", "ground", "drip_bags", "capsules", "instant"];

describe("properties of classification", () => {
  it("never throws; names one of its rules; coffee exactly when the kind is a coffee format", () => {
    const text = fc.oneof(fc.string(), sizeish, fc.constantFrom("Coffee 101", "Gift Card", "Whole Bean", "Dark", "Milk", "White", "Date", "Grind", "250g"));
    fc.assert(
      fc.property(
        text,
        fc.option(text, { nil: null }),
        fc.option(text, { nil: null }),
        fc.array(text, { maxLength: 4 }),
        fc.array(fc.record({ name: text, values: fc.array(text, { maxLength: 4 }) }), { maxLength: 3 }),
        fc.array(fc.option(fc.boolean(), { nil: null }), { minLength: 1, maxLength: 3 }),
        (title, productType, vendor, tags, options, shipping) => {
          const variants = shipping.map((requiresShipping, i) => rawVariant({ platformVariantId: `v${i}`, requiresShipping }));
          const r = classifyProduct(rawProduct({ title, productType, vendor, tags, options, variants }));
          expect(RULES).toContain(r.reason.split(":")[0]);
          expect(r.isCoffee).toBe(COFFEE_KINDS.includes(r.kind));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
