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
