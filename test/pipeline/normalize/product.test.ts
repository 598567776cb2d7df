import { describe, expect, it } from "vitest";
import { normalizeProduct } from "../../../src/pipeline/normalize/product.ts";
import type { RawProduct } from "../../../src/platforms/raw-product.ts";
import { rawProduct, rawVariant } from "./helpers.ts";

describe("normalizeProduct", () => {
  it("combines classification, attributes, variants and images", () => {
    const p = normalizeProduct(
      rawProduct({
        platformProductId: "42",
        title: "Attikan Estate &#8211; Natural",
        handle: "attikan-estate",
        url: "https://shop.example/products/attikan-estate",
        descriptionHtml:
          "<p>Grown in Baba Budangiri at 1,200-1,400 masl. SL-795 and Selection 9.</p><p>Tasting notes: cocoa, orange</p><script>x()</script>",
        productType: "Single Estate Coffee",
        tags: ["medium-dark-roast", "Natural", "medium-dark-roast", " "],
        options: [
          { name: "Size", values: ["250g", "1kg"] },
          { name: "Grind", values: ["Whole Bean", "Moka Pot"] },
        ],
        variants: [
          rawVariant({
            platformVariantId: "1",
            title: "250g / Whole Bean",
            options: [
              { name: "Size", value: "250g" },
              { name: "Grind", value: "Whole Bean" },
            ],
            price: { amount: "450.00" },
            compareAtPrice: { amount: "500.00" },
            shippingGrams: 300,
          }),
          rawVariant({
            platformVariantId: "2",
            title: "1kg / Moka Pot",
            options: [
              { name: "Size", value: "1kg" },
              { name: "Grind", value: "Moka Pot" },
            ],
            price: { amount: "1600.00" },
            available: false,
          }),
        ],
        images: [
          { url: "https://cdn/b.jpg", alt: "Back", width: 900, height: 1200, position: 2 },
          { url: "https://cdn/a.jpg", alt: "", width: 0, height: null, position: 1 },
        ],
      }),
      { currency: "INR" },
    );
    expect(p).toMatchObject({
      platformProductId: "42",
      isCoffee: true,
      kind: "beans",
      name: "Attikan Estate – Natural",
      slug: "attikan-estate",
      directBuyUrl: "https://shop.example/products/attikan-estate",
      roastLevel: "medium_dark",
      roastLevelRaw: "medium-dark-roast",
      process: "natural",
      species: null,
      decaf: false,
      varieties: ["SL-795", "Selection 9"],
      country: "India",
      region: "Baba Budangiri",
      altitude: "1200-1400 masl",
      tastingNotes: ["cocoa", "orange"],
      tags: ["medium-dark-roast", "Natural"],
      defaultGrind: "whole",
      warnings: [],
    });
    expect(p.descriptionMd).not.toContain("x()");
    expect(p.variants).toEqual([
      {
        platformVariantId: "1",
        sku: null,
        weightG: 250,
        weightSource: "variant_title",
        packCount: null,
        grind: "whole",
        grindRaw: "Whole Bean",
        currency: "INR",
        price: 450,
        compareAtPrice: 500,
        isSale: true,
        inStock: true,
        stockQty: null,
        subscriptionAvailable: false,
        warnings: [],
      },
      expect.objectContaining({
        weightG: 1000,
        grind: "moka pot",
        price: 1600,
        isSale: false,
        inStock: false,
      }),
    ]);
    expect(p.images).toEqual([
      { url: "https://cdn/a.jpg", alt: null, width: null, height: null, sortOrder: 0 },
      { url: "https://cdn/b.jpg", alt: "Back", width: 900, height: 1200, sortOrder: 1 },
    ]);
  });

  it.each<[string, string | null, string | null, string | null]>([
    ["payload currency wins", "USD", "INR", "USD"],
    ["context currency when the payload has none", null, "INR", "INR"],
    ["unknown", null, null, null],
  ])("currency: %s", (_label, payload, ctx, expected) => {
    const p = normalizeProduct(rawProduct({ currency: payload }), { currency: ctx });
    expect(p.variants[0]?.currency).toBe(expected);
  });

  it("warns about prices with no currency", () => {
    const p = normalizeProduct(rawProduct(), { currency: null });
    expect(p.warnings.join(" ")).toMatch(/currency/);
  });

  it("empty variants, null fields: warnings instead of errors", () => {
    const p = normalizeProduct(
      rawProduct({ title: "", variants: [], descriptionHtml: null, productType: null, images: [] }),
      { currency: null },
    );
    expect(p.variants).toEqual([]);
    expect(p.name).toBe("Untitled product p1");
    expect(p.slug).toBe("untitled-product-p1");
    expect(p.warnings).toEqual(expect.arrayContaining(["product has no variants", "product has no title"]));
  });

  it("survives values of the wrong type at run time", () => {
    const broken = {
      ...rawProduct(),
      tags: null,
      categories: "x",
      options: [null, { name: 5, values: "y" }],
      variants: [null, { platformVariantId: 7, price: null, compareAtPrice: undefined, options: "z" }],
      images: [{ url: null }, "img"],
    } as unknown as RawProduct;
    const p = normalizeProduct(broken, { currency: "INR" });
    expect(p.variants).toHaveLength(1);
    expect(p.variants[0]).toMatchObject({ platformVariantId: "7", price: null, weightG: null });
    expect(p.images).toEqual([]);
    expect(p.tags).toEqual([]);
  });

  it("huge descriptions are bounded, not fatal", () => {
    const html = `<p>${"Washed natural light roast ".repeat(60_000)}</p>`;
    const p = normalizeProduct(rawProduct({ descriptionHtml: html, tags: ["light-roast"] }), {
      currency: "INR",
    });
    expect(p.warnings.some((w) => w.startsWith("description truncated"))).toBe(true);
    expect(p.roastLevel).toBe("light");
  });

  it("subscription products: variants flagged, product not coffee, no weight warnings dropped", () => {
    const p = normalizeProduct(
      rawProduct({
        title: "Baarbara Estate Subscription",
        productType: "Subscription",
        options: [
          { name: "Installments", values: ["3"] },
          { name: "Size", values: ["250g"] },
        ],
        variants: [
          rawVariant({
            title: "3 / 250g",
            options: [
              { name: "Installments", value: "3" },
              { name: "Size", value: "250g" },
            ],
            price: { amount: "2025.00" },
            compareAtPrice: { amount: "2250.00" },
          }),
        ],
      }),
      { currency: "INR" },
    );
    expect(p).toMatchObject({ isCoffee: false, kind: "subscription", roastLevel: null });
    expect(p.variants[0]).toMatchObject({ weightG: 250, subscriptionAvailable: true, isSale: true });
  });

  it("a Woo variant option named Subscription marks the variant", () => {
    const p = normalizeProduct(
      rawProduct({
        categories: ["Coffee"],
        variants: [rawVariant({ options: [{ name: "Purchase", value: "Subscribe & save" }] })],
      }),
      { currency: "INR" },
    );
    expect(p.variants[0]?.subscriptionAvailable).toBe(true);
  });
});
