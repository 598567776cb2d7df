import { describe, expect, it } from "vitest";
import type { RawOption } from "../../../src/platforms/raw-product.ts";
import { parseSizeText, parseWeight } from "../../../src/pipeline/normalize/weight.ts";

const noOptions: RawOption[] = [];

describe("parseWeight: size strings seen in the wild (docs/stores.md)", () => {
  it.each([
    ["250g", 250, null],
    ["1kg", 1000, null],
    ["1Kg", 1000, null],
    ["1000g", 1000, null],
    ["200 g", 200, null],
    ["1 kg", 1000, null],
    ["250 gms", 250, null],
    ["100gms", 100, null],
    ["200g x 4", 200, 4],
    ["4 x 200g", 200, 4],
    ["12 Oz", 340, null],
    ["12 oz.", 340, null],
    ["5 Pounds", 2268, null],
    ["1 lb", 454, null],
    ["2 lbs", 907, null],
    ["2lb / Whole Bean", 907, null],
    ["WHOLE BEANS / 250g", 250, null],
    ["Pouch / 250 gms / Whole Beans", 250, null],
    ["3 / 250g", 250, null],
    ["Full Bar (60g) - ₹395/-", 60, null],
    ["10oz Case Pack (6)", 283, 6],
    ["1.5kg", 1500, null],
    ["0,5 kg", 500, null],
    ["1,000g", 1000, null],
    ["500 Grams", 500, null],
    ["250 gram", 250, null],
    ["2 KGS", 2000, null],
    ["75g / Whole Bean", 75, null],
  ])("%s → %s g, pack %s", (title, grams, pack) => {
    const r = parseWeight({ variantTitle: title, options: noOptions, productTitle: null, shippingGrams: 0 });
    expect(r).toMatchObject({ grams, packCount: pack, source: "variant_title" });
    expect(r.warnings).toEqual([]);
  });

  it.each([
    ["Pack of 5 Sachets", 5],
    ["12 Pack", 12],
    ["1 bag", null],
    ["Default Title", null],
    ["Bangalore - 27th September - Saturday", null],
    ["600ml", null],
  ])("%s has no weight (pack %s) → null plus a warning, never 0", (title, pack) => {
    const r = parseWeight({ variantTitle: title, options: noOptions, productTitle: null, shippingGrams: 0 });
    expect(r).toMatchObject({ grams: null, packCount: pack, source: null });
    expect(r.warnings).toHaveLength(1);
  });
});

describe("parseWeight: source order and fallbacks", () => {
  it("variant title beats options and product title", () => {
    const r = parseWeight({
      variantTitle: "500g / Whole Bean",
      options: [{ name: "Size", value: "250g" }],
      productTitle: "Blend 1kg",
      shippingGrams: 250,
    });
    expect(r).toMatchObject({ grams: 500, source: "variant_title" });
  });

  it("options when the title has none (Woo variations have no title)", () => {
    const r = parseWeight({
      variantTitle: null,
      options: [
        { name: "Grind Size", value: "whole-beans" },
        { name: "Weight", value: "1-kg" },
      ],
      productTitle: "Attikan",
      shippingGrams: null,
    });
    expect(r).toMatchObject({ grams: 1000, source: "option" });
  });

  it.each([
    ["Size", "200", 200],
    ["Weight", "250", 250],
    ["Weight (kg)", "1", 1000],
    ["Net Wt", "500", 500],
  ])("unitless option value counts when the option name %s says weight: %s → %i", (name, value, grams) => {
    const r = parseWeight({
      variantTitle: null,
      options: [{ name, value }],
      productTitle: null,
      shippingGrams: null,
    });
    expect(r).toMatchObject({ grams, source: "option" });
  });

  it.each([
    ["Installments", "3"],
    ["Grind", "200"],
    ["Quantity", "2"],
  ])("a bare number under option %s is not a weight", (name, value) => {
    const r = parseWeight({
      variantTitle: null,
      options: [{ name, value }],
      productTitle: null,
      shippingGrams: null,
    });
    expect(r.grams).toBeNull();
  });

  it("product title as third source", () => {
    const r = parseWeight({
      variantTitle: "Whole Bean",
      options: [{ name: "Grind", value: "Whole Bean" }],
      productTitle: "Silver Oak Cafe Blend 75g",
      shippingGrams: 250,
    });
    expect(r).toMatchObject({ grams: 75, source: "product_title" });
  });

  it("a pack count in the product title does not multiply a weight found in the variant", () => {
    const r = parseWeight({
      variantTitle: "200g",
      options: [{ name: "Size", value: "200g" }],
      productTitle: "SKIA Coffee (Pack of 2)",
      shippingGrams: 0,
    });
    expect(r).toMatchObject({ grams: 200, packCount: null });
  });

  it("shipping grams only as a last resort, with a warning saying so", () => {
    const r = parseWeight({
      variantTitle: "Whole Bean",
      options: [],
      productTitle: "Attikan Estate",
      shippingGrams: 454,
    });
    expect(r).toMatchObject({ grams: 454, source: "shipping_grams" });
    expect(r.warnings[0]).toMatch(/shipping/);
  });

  it.each([0, -5, Number.NaN, null])("shipping grams %s is no weight: null, never 0", (shippingGrams) => {
    const r = parseWeight({ variantTitle: null, options: [], productTitle: null, shippingGrams });
    expect(r.grams).toBeNull();
    expect(r.source).toBeNull();
    expect(r.warnings).toHaveLength(1);
  });
});

describe("parseSizeText", () => {
  it.each([
    ["0.2g", null],
    ["999kg", null],
    ["SL-795", null],
    ["N72", null],
    ["1e308 g", null],
    ["2e3 g", null],
  ])("%s is not a plausible bag size", (text, expected) => {
    expect(parseSizeText(text)?.grams ?? null).toBe(expected);
  });
});

describe("parseWeight: never a wrong number (issue 16)", () => {
  it.each([
    ["8 1/2 oz", 241],
    ["1 1/4 lb", 567],
    ["10 1/2 oz", 298],
    ["1/2 lb", 227],
    ["3/4 lb", 340],
    ["½ lb", 227],
    ["1½ lb", 680],
    ["¾ lb", 340],
    ["2 1/2 lb / Whole Bean", 1134],
    ["12oz (340g)", 340],
  ])("fraction %s → %i g", (title, grams) => {
    const r = parseWeight({ variantTitle: title, options: noOptions, productTitle: null, shippingGrams: null });
    expect(r).toMatchObject({ grams, source: "variant_title" });
  });

  it.each(["-250g", "- 250g", "Size -1kg", "250-500g", "250g - 500g", "250g to 1kg", "1–2 kg", "12 to 16 oz", "200 - 250 g"])(
    "a negative number or a range (%s) is no weight",
    (title) => {
      const r = parseWeight({ variantTitle: title, options: noOptions, productTitle: null, shippingGrams: null });
      expect(r.grams).toBeNull();
    },
  );

  it("'Pouch - 250g' is a separator, not a minus", () => {
    expect(parseSizeText("Pouch - 250g")?.grams).toBe(250);
  });

  const bare = (value: string, values: string[], name = "Weight") =>
    parseWeight({
      variantTitle: null,
      options: [{ name, value }],
      productTitle: null,
      shippingGrams: null,
      optionValues: [{ name, values }],
    }).grams;

  it.each<[string, string[], number | null, string]>([
    ["1", ["250", "500", "1"], 1000, "kg beside gram sizes"],
    ["250", ["250", "500", "1"], 250, "grams"],
    ["0.5", ["0.25", "0.5", "1"], 500, "kg with fractions"],
    ["1", ["0.25", "0.5", "1"], 1000, "kg with fractions"],
    ["12", ["12", "32"], 340, "ounces: 12 g is no bag, 12 kg no retail size"],
    ["32", ["12", "32"], 907, "ounces"],
    ["1", ["1", "2"], null, "kg or lb: unknowable"],
    ["2", ["2"], null, "kg or lb: unknowable"],
    ["12", ["12", "250"], null, "12 beside grams: neither grams nor ounces"],
  ])("bare %s among %j → %s (%s)", (value, values, grams) => {
    expect(bare(value, values)).toBe(grams);
  });

  it("the option name's unit wins over the siblings", () => {
    expect(bare("1", ["1", "2"], "Weight (kg)")).toBe(1000);
    expect(bare("12", ["12", "16"], "Size (g)")).toBe(12);
  });

  it.each([
    ["Ten single-serve drip bags, 10 g each.", 10],
    ["10 bags x 11g.", 11],
    ["Instant specialty coffee, 10 sticks of 3 g.", 3],
    ["Steep like tea. Eight 10 g bags.", 10],
    ["Net weight: 250 g", 250],
  ])("a described fill: %s → %i g", (description, grams) => {
    const r = parseWeight({ variantTitle: null, options: [], productTitle: "Drip Bags", shippingGrams: 150, description });
    expect(r).toMatchObject({ grams, source: "description" });
  });

  it("a description with no stated fill falls through to shipping grams, flagged", () => {
    const r = parseWeight({ variantTitle: null, options: [], productTitle: "Attikan", shippingGrams: 250, description: "Notes of cocoa." });
    expect(r).toMatchObject({ grams: 250, source: "shipping_grams" });
  });
});
