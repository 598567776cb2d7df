// Runs the normalizers over the two real store payloads in test/fixtures. Every expected
// value below was written by reading the JSON (titles, option values, prices), not by
// running the code under test.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Grind } from "../../../src/db/enums.ts";
import type { RawProduct, RawVariant } from "../../../src/platforms/raw-product.ts";
import { normalizeProduct, type NormalizedProduct } from "../../../src/pipeline/normalize/index.ts";

// ---------- local mapping of the raw payloads to RawProduct (test-only) ----------

interface ShopifyVariant {
  id: number;
  title: string;
  option1: string | null;
  option2: string | null;
  option3: string | null;
  sku: string | null;
  price: string;
  compare_at_price: string | null;
  available: boolean;
  grams: number;
}
interface ShopifyProduct {
  id: number;
  title: string;
  handle: string;
  body_html: string | null;
  product_type: string;
  vendor: string;
  tags: string[];
  options: { name: string; values: string[] }[];
  variants: ShopifyVariant[];
  images: { src: string; alt: string | null; width: number; height: number; position: number }[];
  published_at: string | null;
}

function fromShopify(p: ShopifyProduct): RawProduct {
  const optionNames = p.options.map((o) => o.name);
  return {
    platform: "shopify",
    platformProductId: String(p.id),
    title: p.title,
    handle: p.handle,
    url: null,
    descriptionHtml: p.body_html,
    productType: p.product_type,
    vendor: p.vendor,
    tags: p.tags,
    categories: [],
    options: p.options.map((o) => ({ name: o.name, values: o.values })),
    variants: p.variants.map((v): RawVariant => ({
      platformVariantId: String(v.id),
      title: v.title,
      options: [v.option1, v.option2, v.option3].flatMap((value, i) =>
        value === null ? [] : [{ name: optionNames[i] ?? `Option ${i + 1}`, value }],
      ),
      sku: v.sku,
      price: { amount: v.price },
      compareAtPrice: { amount: v.compare_at_price },
      available: v.available,
      stockQty: null,
      shippingGrams: v.grams,
      raw: v,
    })),
    images: p.images.map((img) => ({
      url: img.src,
      alt: img.alt,
      width: img.width,
      height: img.height,
      position: img.position,
    })),
    currency: null,
    publishedAt: p.published_at,
    raw: p,
  };
}

interface WooProduct {
  id: number;
  name: string;
  type: string;
  permalink: string;
  short_description: string;
  description: string;
  sku: string;
  is_in_stock: boolean;
  low_stock_remaining: number | null;
  prices: { price: string; regular_price: string; currency_code: string; currency_minor_unit: number };
  images: { src: string; alt: string }[];
  categories: { name: string }[];
  tags: { name: string }[];
  attributes: { name: string; terms: { name: string; slug: string }[] }[];
  variations: { id: number; attributes: { name: string; value: string }[] }[];
}

function fromWoo(p: WooProduct): RawProduct {
  // Variations carry no prices in this listing: use the product-level price for them here.
  const price = { amount: p.prices.price, minorUnit: p.prices.currency_minor_unit };
  const compareAtPrice = { amount: p.prices.regular_price, minorUnit: p.prices.currency_minor_unit };
  const base = {
    sku: p.sku || null,
    price,
    compareAtPrice,
    available: p.is_in_stock,
    stockQty: p.low_stock_remaining,
    shippingGrams: null,
  };
  const variants: RawVariant[] =
    p.variations.length > 0
      ? p.variations.map((v) => ({
          ...base,
          platformVariantId: String(v.id),
          title: null,
          options: v.attributes.map((a) => ({ name: a.name, value: a.value })),
          raw: v,
        }))
      : [{ ...base, platformVariantId: String(p.id), title: null, options: [], raw: p }];
  return {
    platform: "woocommerce",
    platformProductId: String(p.id),
    title: p.name,
    handle: null,
    url: p.permalink,
    descriptionHtml: [p.short_description, p.description].filter((s) => s !== "").join("\n") || null,
    productType: null,
    vendor: null,
    tags: p.tags.map((t) => t.name),
    categories: p.categories.map((c) => c.name),
    options: p.attributes.map((a) => ({ name: a.name, values: a.terms.map((t) => t.name) })),
    variants,
    images: p.images.map((img, i) => ({
      url: img.src,
      alt: img.alt,
      width: null,
      height: null,
      position: i,
    })),
    currency: p.prices.currency_code,
    publishedAt: null,
    raw: p,
  };
}

function load<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../../fixtures/${name}`, import.meta.url), "utf8")) as T;
}

const shopify = load<{ products: ShopifyProduct[] }>("shopify-products-page-blue-tokai.json").products.map(
  (p) => normalizeProduct(fromShopify(p), { currency: "INR" }),
);
const woo = load<WooProduct[]>("woocommerce-store-api-products-page-babas-beans.json").map((p) =>
  normalizeProduct(fromWoo(p), { currency: null }),
);

function byName(list: NormalizedProduct[], name: string): NormalizedProduct {
  const found = list.find((p) => p.name === name);
  if (!found) throw new Error(`fixture product "${name}" not found`);
  return found;
}

// ---------- classification: every product of both fixtures ----------

const SHOPIFY_CLASSES: [string, boolean, string][] = [
  ["Meghmalhar Gift Hamper", false, "gift_hamper"],
  ["Meghmitra Gift Set", false, "gift_hamper"],
  ["Kadamb Gift Box", false, "gift_hamper"],
  ["Sanchay Gift Set", false, "gift_hamper"],
  ["Aaranya Gift Hamper", false, "gift_hamper"],
  ["Bakula Gift Hamper", false, "gift_hamper"],
  ["Chitrang Gift Set", false, "gift_hamper"],
  ["Kurinji Gift Hamper", false, "gift_hamper"],
  ["Ketaki Gift Box", false, "gift_hamper"],
  ["Parijat Gift Hamper", false, "gift_hamper"],
  ["Gulmohar Gift Set", false, "gift_hamper"],
  ["Phalgun Gift Box", false, "gift_hamper"],
  ["Silver Oak Cafe Blend 75g", true, "beans"],
  ["Kolli Berri Estate", true, "beans"],
  ["A Peek into The World of Specialty Coffee | Roastery Tour", false, "class"],
  ["Matcha Brewing Workshop", false, "class"],
  ["Riverdale Estate - Gesha Natural", true, "beans"],
  ["French Press 600 ml", false, "equipment"],
  ["Are You Really Tasting Your Coffee?", false, "class"],
  ["Riverdale Estate N72", true, "beans"],
  ["Baarbara Estate", true, "beans"],
  ["Baarbara Estate Subscription", false, "subscription"],
  ["Harley Estate - Grappa Subscription", false, "subscription"],
  ["Warsanlyngdoh Coffee Collective", true, "beans"],
  ["Kuttinkhan Upper Estate", true, "beans"],
  ["Kelchandra Kuttinkhan Estate Subscription", false, "subscription"],
  ["Mooleh Manay Estate – CM Natural", true, "beans"],
  ["SKIA Coffee (Pack of 2)", true, "beans"],
  ["Amaltas Blend", true, "beans"],
  ["Seethargundu Estate", true, "beans"],
];

const WOO_CLASSES: [string, boolean, string][] = [
  ["Hustler", true, "beans"],
  // A cold-brew listing with no grind, roast or size: the bottled drink, not beans.
  ["Neat", false, "other"],
  ["Jampui Hills", true, "beans"],
  ["Roasters Booster", true, "beans"],
  ["SUBSCRIPTION – 24 DELIVERIES", false, "subscription"],
  ["SUBSCRIPTION – 12 DELIVERIES", false, "subscription"],
  ["SUBSCRIPTION – 6 DELIVERIES", false, "subscription"],
  ["SOUTH INDIAN FILTER COFFEE", true, "ground"],
  ["ARAKU VALLEY", true, "beans"],
  ["ROBUSTA KAAPI ROYALE", true, "beans"],
];

describe("classification of every fixture product", () => {
  it("covers every product in both fixtures", () => {
    expect(shopify.map((p) => p.name)).toEqual(SHOPIFY_CLASSES.map(([t]) => t));
    expect(woo.map((p) => p.name)).toEqual(WOO_CLASSES.map(([t]) => t));
  });
  it.each([
    ...SHOPIFY_CLASSES.map((c) => [...c, shopify] as const),
    ...WOO_CLASSES.map((c) => [...c, woo] as const),
  ])("%s → isCoffee %s (%s)", (title, isCoffee, kind, list) => {
    const p = byName(list, title);
    expect({ isCoffee: p.isCoffee, kind: p.kind }).toEqual({ isCoffee, kind });
    expect(p.classificationReason).not.toBe("");
  });
});

// ---------- weight and grind of every coffee variant ----------

const BLUE_TOKAI_GRINDS: Record<string, Grind> = {
  "Whole Bean": "whole",
  Aeropress: "aeropress",
  Channi: "channi",
  "Coffee Filter": "coffee filter",
  "Cold Brew": "cold brew",
  "Commercial Espresso": "commercial espresso",
  "French Press": "french press",
  "Home Espresso": "home espresso",
  "Inverted Aeropress": "inverted aeropress",
  "Moka Pot": "moka pot",
  Pourover: "pour over",
  "South Indian Filter": "south indian filter",
  Turkish: "turkish",
};

// [title, variant count, size option value → grams]
const SHOPIFY_SIZE_BY_GRIND: [string, number, Record<string, number>][] = [
  ["Kolli Berri Estate", 39, { "250g": 250, "500g": 500, "1kg": 1000 }],
  ["Riverdale Estate N72", 39, { "250g": 250, "500g": 500, "1000g": 1000 }],
  ["Baarbara Estate", 39, { "250g": 250, "500g": 500, "1Kg": 1000 }],
  ["Warsanlyngdoh Coffee Collective", 39, { "250g": 250, "500g": 500, "1000g": 1000 }],
  ["Kuttinkhan Upper Estate", 39, { "250g": 250, "500g": 500, "1kg": 1000 }],
  ["Amaltas Blend", 39, { "250g": 250, "500g": 500, "1Kg": 1000 }],
  ["Seethargundu Estate", 39, { "250g": 250, "500g": 500, "1Kg": 1000 }],
];

describe("Shopify fixture: weight and grind of every coffee variant", () => {
  it.each(SHOPIFY_SIZE_BY_GRIND)("%s: all %i size × grind variants", (title, count, sizes) => {
    const p = byName(shopify, title);
    expect(p.variants).toHaveLength(count);
    const raw = load<{ products: ShopifyProduct[] }>("shopify-products-page-blue-tokai.json").products.find(
      (r) => r.title === title,
    )!;
    for (const [i, v] of p.variants.entries()) {
      const rawVariant = raw.variants[i]!;
      expect(v.weightG, rawVariant.title).toBe(sizes[rawVariant.option1!]);
      expect(v.weightSource).toBe("variant_title");
      expect(v.packCount).toBeNull();
      expect(v.grind, rawVariant.title).toBe(BLUE_TOKAI_GRINDS[rawVariant.option2!]);
      expect(v.grindRaw).toBe(rawVariant.option2);
    }
    expect(p.defaultGrind).toBe("whole");
  });

  it.each([
    ["Silver Oak Cafe Blend 75g", 75, "whole"],
    ["Riverdale Estate - Gesha Natural", 100, null],
    ["Mooleh Manay Estate – CM Natural", 200, null],
    // "(Pack of 2)" in the product title: the 200g variant is the two 100 gms bags together.
    ["SKIA Coffee (Pack of 2)", 200, null],
  ] as const)("%s: its single variant weighs %i g", (title, grams, grind) => {
    const [v] = byName(shopify, title).variants;
    expect(v).toMatchObject({ weightG: grams, weightSource: "variant_title", packCount: null, grind });
  });

  it("Baarbara Estate: the parsed size wins over shipping grams (250 on every variant)", () => {
    const kg = byName(shopify, "Baarbara Estate").variants.find(
      (v) => v.platformVariantId === "40085579989047",
    );
    expect(kg?.weightG).toBe(250);
    const big = byName(shopify, "Baarbara Estate").variants.filter((v) => v.weightG === 1000);
    expect(big).toHaveLength(13);
  });

  it.each([
    "Baarbara Estate Subscription",
    "Harley Estate - Grappa Subscription",
    "Kelchandra Kuttinkhan Estate Subscription",
  ])("%s: 'instalments / size' titles read the size, and are subscriptions", (title) => {
    const p = byName(shopify, title);
    expect(p.variants).toHaveLength(12);
    const sizes = { "250g": 250, "500g": 500, "1kg": 1000 } as Record<string, number>;
    for (const v of p.variants) expect(v.subscriptionAvailable).toBe(true);
    const weights = p.variants.map((v) => v.weightG);
    // Per instalment count (3, 6, 12, 24) the three sizes in order.
    expect(weights).toEqual([3, 6, 12, 24].flatMap(() => Object.values(sizes)));
  });

  it("prices in major units, compare-at price and sale flag", () => {
    const sub = byName(shopify, "Kelchandra Kuttinkhan Estate Subscription").variants[0]!;
    expect(sub).toMatchObject({ price: 2025, compareAtPrice: 2250, isSale: true, currency: "INR" });
    const half = byName(shopify, "Kelchandra Kuttinkhan Estate Subscription").variants[4]!;
    expect(half.price).toBe(7323.75);
    const kolli = byName(shopify, "Kolli Berri Estate").variants[0]!;
    expect(kolli).toMatchObject({ price: 700, compareAtPrice: null, isSale: false, inStock: false });
    // "0.00" compare-at price on workshops means "none".
    const tour = byName(shopify, "A Peek into The World of Specialty Coffee | Roastery Tour").variants[0]!;
    expect(tour).toMatchObject({ price: 750, compareAtPrice: null, isSale: false });
  });

  it("non-coffee products carry no weight warnings and no coffee attributes", () => {
    const hamper = byName(shopify, "Meghmalhar Gift Hamper");
    expect(hamper.variants[0]).toMatchObject({ weightG: null, grind: null, warnings: [] });
    expect(hamper.roastLevel).toBeNull();
    const press = byName(shopify, "French Press 600 ml").variants[0]!;
    expect(press).toMatchObject({ weightG: null, sku: "FP600N" });
  });
});

const WOO_GRINDS: Record<string, Grind> = {
  "aero-press": "aeropress",
  "cold-brew": "cold brew",
  espresso: "espresso",
  "french-press": "french press",
  "mocha-pot": "moka pot",
  syphon: "syphon",
  "whole-beans": "whole",
};

describe("WooCommerce fixture: every coffee variant", () => {
  const rawWoo = load<WooProduct[]>("woocommerce-store-api-products-page-babas-beans.json");

  it.each([
    ["Hustler", 7, 290],
    ["ARAKU VALLEY", 7, 380],
    ["ROBUSTA KAAPI ROYALE", 7, 380],
  ] as const)("%s: %i grind variations, no size anywhere in the payload", (title, count, price) => {
    const p = byName(woo, title);
    const raw = rawWoo.find((r) => r.name === title)!;
    expect(p.variants).toHaveLength(count);
    for (const [i, v] of p.variants.entries()) {
      const slug = raw.variations[i]!.attributes[0]!.value;
      expect(v.grind, slug).toBe(WOO_GRINDS[slug]);
      expect(v).toMatchObject({ weightG: null, weightSource: null, price, currency: "INR" });
      expect(v.warnings.some((w) => w.includes("no pack weight"))).toBe(true);
    }
  });

  it.each([
    ["Jampui Hills", null, false],
    ["Roasters Booster", null, false],
    ["SOUTH INDIAN FILTER COFFEE", 149, true],
  ] as const)("%s: simple product, weight unknown, price %s", (title, price, isSale) => {
    const [v, ...rest] = byName(woo, title).variants;
    expect(rest).toHaveLength(0);
    expect(v).toMatchObject({ weightG: null, grind: null, price, isSale });
  });

  it("SOUTH INDIAN FILTER COFFEE: minor units 14900/30000 → 149 on sale from 300", () => {
    const [v] = byName(woo, "SOUTH INDIAN FILTER COFFEE").variants;
    expect(v).toMatchObject({ price: 149, compareAtPrice: 300, isSale: true });
  });

  it('Jampui Hills: out-of-stock price "0" is no price, with a warning', () => {
    const [v] = byName(woo, "Jampui Hills").variants;
    expect(v?.inStock).toBe(false);
    expect(v?.warnings.some((w) => w.includes('"0"'))).toBe(true);
  });

  it("subscriptions: 294 variations each, grind from the grind option, not the coffee name", () => {
    const p = byName(woo, "SUBSCRIPTION – 24 DELIVERIES");
    expect(p.variants).toHaveLength(294);
    const v = p.variants.find((x) => x.platformVariantId === "3259");
    // Grind Size "syphon", Coffee "south-indian-filter-coffee".
    expect(v).toMatchObject({ grind: "syphon", subscriptionAvailable: true, price: 8880 });
  });
});

// ---------- coffee attributes read from the fixtures ----------

describe("coffee attributes from the fixtures", () => {
  it.each([
    ["Kolli Berri Estate", "medium_dark", null, "Chikmagalur"],
    ["Riverdale Estate N72", "medium", "natural", "Tamil Nadu"],
    ["Baarbara Estate", "medium_dark", "washed", "Karnataka"],
    ["Seethargundu Estate", "light", "washed", "Kerala"],
    ["Amaltas Blend", "light", "washed", "Kerala"],
    ["Warsanlyngdoh Coffee Collective", "medium", "natural", "Khasi Hills"],
    ["Riverdale Estate - Gesha Natural", "light", "natural", "Yercaud"],
  ] as const)("%s: roast %s, process %s, region %s", (title, roast, process, region) => {
    const p = byName(shopify, title);
    expect({ roast: p.roastLevel, process: p.process, region: p.region, country: p.country }).toEqual({
      roast,
      process,
      region,
      country: "India",
    });
  });

  it("Gesha: variety and tasting notes", () => {
    expect(byName(shopify, "Riverdale Estate - Gesha Natural").varieties).toEqual(["Gesha"]);
    expect(byName(shopify, "Riverdale Estate N72").tastingNotes).toEqual([
      "pineapple",
      "grapefruit",
      "dried fig",
    ]);
    expect(byName(shopify, "Kuttinkhan Upper Estate").tastingNotes).toEqual([
      "red grapes",
      "sweet lime",
      "cane sugar",
    ]);
  });

  it.each([
    ["Hustler", "dark", "blend", "Coorg", "2800-3600 ft"],
    ["Jampui Hills", "medium", "arabica", "Jampui Hills", "3050-3300 ft"],
    ["Roasters Booster", "dark", "blend", "Coorg", "2800-3600 ft"],
    ["ARAKU VALLEY", "medium_dark", "arabica", "Araku Valley", "2600-2980 ft"],
    ["ROBUSTA KAAPI ROYALE", null, "robusta", "Manjarabad", null],
  ] as const)(
    "%s: roast %s, species %s, region %s, altitude %s",
    (title, roast, species, region, altitude) => {
      const p = byName(woo, title);
      expect({ roast: p.roastLevel, species: p.species, region: p.region, altitude: p.altitude }).toEqual({
        roast,
        species,
        region,
        altitude,
      });
    },
  );

  it("ARAKU VALLEY: 'a natural and healthy ecosystem' is not a process", () => {
    expect(byName(woo, "ARAKU VALLEY").process).toBeNull();
  });

  it("SOUTH INDIAN FILTER COFFEE: chicory blend sold as filter coffee", () => {
    expect(byName(woo, "SOUTH INDIAN FILTER COFFEE").species).toBe("filter_coffee_mix");
  });

  it("names are entity-decoded, slugs derived, images kept in order", () => {
    const p = byName(woo, "SUBSCRIPTION – 24 DELIVERIES");
    expect(p.slug).toBe("subscription-24-deliveries");
    expect(p.images[0]).toMatchObject({ alt: "SUBSCRIPTION - 24 DELIVERIES", sortOrder: 0 });
    const hustler = byName(woo, "Hustler");
    expect(hustler.images[0]?.alt).toBeNull();
    expect(hustler.directBuyUrl).toBe("https://babasbeanscoffee.com/product/hustler/");
    const kolli = byName(shopify, "Kolli Berri Estate");
    expect(kolli.slug).toBe("kolli-berri-estate");
    expect(kolli.images.map((i) => i.sortOrder)).toEqual([0, 1, 2]);
    expect(kolli.descriptionMd).toContain("**ground coffee**");
  });
});
