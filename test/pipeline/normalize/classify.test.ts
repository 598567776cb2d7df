import { describe, expect, it } from "vitest";
import type { RawProduct } from "../../../src/platforms/raw-product.ts";
import { classifyProduct } from "../../../src/pipeline/normalize/classify.ts";
import { rawProduct, rawVariant } from "./helpers.ts";

const grindOption = { name: "Grind", values: ["Whole Bean", "French Press"] };
const sizeOption = { name: "Size", values: ["250g", "1kg"] };

describe("classifyProduct", () => {
  it.each<[string, Partial<RawProduct>, boolean, string]>([
    [
      "coffee with a Grind option",
      { title: "Attikan Estate", options: [sizeOption, grindOption] },
      true,
      "beans",
    ],
    [
      "ground-only coffee",
      { title: "Attikan Estate", options: [{ name: "Grind", values: ["French Press"] }] },
      true,
      "ground",
    ],
    ["roast tag", { title: "Nano X", productType: "Nano", tags: ["light-roast"] }, true, "beans"],
    [
      "coffee category (Woo)",
      { title: "Jampui Hills", categories: ["SINGLE ESTATE COFFEES"] },
      true,
      "beans",
    ],
    [
      "chicory filter coffee",
      { title: "South Indian Filter Coffee", categories: ["HOUSE BLENDS"] },
      true,
      "ground",
    ],
    ["sold by weight, title says coffee", { title: "SKIA Coffee", options: [sizeOption] }, true, "beans"],
    ["drip bags", { title: "Easy Pour Drip Bags - Pack of 10", productType: "Drip Bags" }, true, "drip_bags"],
    ["capsules", { title: "Nespresso Compatible Capsules", productType: "Capsules" }, true, "capsules"],
    ["instant", { title: "Instant Coffee Jar", productType: "Instant Coffee" }, true, "instant"],
    [
      "gift hamper by type",
      { title: "Meghmalhar Gift Hamper", productType: "Gifting" },
      false,
      "gift_hamper",
    ],
    ["gift box by title", { title: "Coffee Lovers Gift Box", options: [sizeOption] }, false, "gift_hamper"],
    [
      "workshop",
      { title: "Matcha Brewing Workshop", productType: "Training", tags: ["Event"] },
      false,
      "class",
    ],
    ["event tag", { title: "Roastery Tour", tags: ["Event"] }, false, "class"],
    [
      "subscription by type",
      { title: "Baarbara Estate Subscription", productType: "Subscription", options: [sizeOption] },
      false,
      "subscription",
    ],
    [
      "subscription by category",
      { title: "SUBSCRIPTION &#8211; 6 DELIVERIES", categories: ["SUBSCRIPTION"], options: [grindOption] },
      false,
      "subscription",
    ],
    [
      "a coffee tagged Subscription stays coffee",
      {
        title: "Riverdale Estate N72",
        productType: "Single Estate Coffee",
        tags: ["Subscription", "subscriptioncoffee"],
        options: [grindOption],
      },
      true,
      "beans",
    ],
    [
      "equipment by type",
      { title: "French Press 600 ml", productType: "Manual Brewing", tags: ["Equipment", "french press"] },
      false,
      "equipment",
    ],
    ["equipment by title", { title: "Hario V60 Dripper" }, false, "equipment"],
    ["grinder", { title: "Timemore C2 Grinder", productType: "" }, false, "equipment"],
    ["merchandise", { title: "Enamel Mug", productType: "Merchandise" }, false, "merchandise"],
    ["tote by title", { title: "Canvas Tote Bag" }, false, "merchandise"],
    ["food", { title: "Dark Chocolate Bar", productType: "Chocolate" }, false, "food"],
    [
      "coffee chocolate bar",
      {
        title: "Coffee Chocolate Full Bar",
        options: [{ name: "Size", values: ["Full Bar (60g) - ₹395/-"] }],
      },
      false,
      "food",
    ],
    ["gift card", { title: "Gift Card", productType: "Gift Card" }, false, "gift_card"],
    ["ready-to-drink cold brew", { title: "Neat", categories: ["COLD BREW"] }, false, "other"],
    [
      "cold brew coffee with grind option",
      { title: "Hustler", categories: ["COLD BREW"], options: [grindOption] },
      true,
      "beans",
    ],
    ["canned coffee", { title: "Cold Brew Can 250ml" }, false, "other"],
    ["nothing to go on", { title: "Mystery" }, false, "other"],
  ])("%s", (_label, product, isCoffee, kind) => {
    const r = classifyProduct(rawProduct(product));
    expect({ isCoffee: r.isCoffee, kind: r.kind }).toEqual({ isCoffee, kind });
    expect(r.reason.length).toBeGreaterThan(0);
  });
});

const dateOption = { name: "Date", values: ["Saturday 12 July 11am", "Sunday 13 July 4pm"] };
const noShipping = [rawVariant({ requiresShipping: false }), rawVariant({ platformVariantId: "v2", requiresShipping: false })];

describe("classifyProduct: the kinds issue 16 names, each decided by its rule", () => {
  it.each<[string, Partial<RawProduct>, boolean, string, string]>([
    ["a Coffee 101 class", { title: "Coffee 101 - Home Brewing Class", options: [dateOption] }, false, "class", "title-kind"],
    ["an SCA skills programme", { title: "SCA Barista Skills Foundation", options: [{ name: "Batch", values: ["August"] }] }, false, "class", "title-kind"],
    ["a workshop sold by date only", { title: "Saturday at the Roastery", options: [dateOption] }, false, "class", "event-options"],
    ["a seat booking", { title: "Latte Art with Priya", options: [{ name: "Seat", values: ["1 Seat", "2 Seats"] }] }, false, "class", "event-options"],
    ["a course that ships nothing", { title: "Tasting Evening", variants: noShipping }, false, "other", "no-shipping"],
    ["an e-gift card that ships nothing", { title: "E-Gift Card", variants: noShipping }, false, "gift_card", "no-shipping"],
    ["an academy vendor", { title: "Espresso Foundations", vendor: "Monsoon Academy" }, false, "class", "school-vendor"],
    ["a kettle that says Coffee and Pour Over", { title: "Pour Over Coffee Kettle 600ml" }, false, "equipment", "equipment-title"],
    ["a scoop that says Coffee", { title: "Coffee Scoop - Brass" }, false, "equipment", "equipment-title"],
    ["a steel decoction filter", { title: "Coffee Decoction Filter - Steel", options: [{ name: "Size", values: ["4 cups"] }] }, false, "equipment", "equipment-title"],
    ["a pour over set", { title: "Pour Over Coffee Set" }, false, "equipment", "equipment-title"],
    ["a dripper sold under its maker's name", { title: "Dripper 02 - Porcelain", vendor: "Hario", productType: "" }, false, "equipment", "equipment-title"],
    ["a brewer by its maker only", { title: "Stagg EKG", vendor: "Fellow" }, false, "equipment", "equipment-vendor"],
    ["chocolate sold as Dark / Milk / White", { title: "Estate Series", options: [{ name: "Roast", values: ["Dark", "Milk", "White"] }] }, false, "food", "chocolate-series"],
    ["drip bags are coffee", { title: "Drip Coffee Bags - Box of 10", productType: "Coffee" }, true, "drip_bags", "coffee-format"],
    ["K-cups are coffee", { title: "K-Cup Compatible Pods" }, true, "capsules", "coffee-format"],
    ["instant is coffee", { title: "Instant Speciality Coffee - 8 Servings" }, true, "instant", "coffee-format"],
    ["a coffee with a Mahlgrad option", { title: "Kenia Gatomboya AA", options: [{ name: "Mahlgrad", values: ["Ganze Bohne", "Filter"] }] }, true, "beans", "grind-option"],
    ["a coffee whose vendor is the roaster", { title: "Guatemala Huehuetenango", vendor: "Nordlys Kaffe", productType: "Coffee" }, true, "beans", "declared-coffee"],
    ["a coffee sold by weight only", { title: "Yemen Haraz", options: [{ name: "Size", values: ["4 oz", "8 oz"] }] }, true, "beans", "sold-by-weight"],
    ["a class only its description names", { title: "Coffee Brewing Basics", descriptionHtml: "<p>A two-hour class at the roastery.</p>" }, false, "class", "described-class"],
    ["'world-class' is no class", { title: "Estate Coffee", descriptionHtml: "<p>World-class beans from a first-class estate.</p>" }, true, "beans", "title-coffee"],
    ["a Session Blend with a grind option is coffee", { title: "Session Blend", options: [grindOption] }, true, "beans", "grind-option"],
    ["SCA points in a coffee's title", { title: "Ethiopia Guji (SCA 87)", options: [sizeOption] }, true, "beans", "sold-by-weight"],
    ["Coffee 101 with nothing else to go on", { title: "Coffee 101" }, false, "class", "title-kind"],
    ["a tool's word in a coffee sold by size", { title: "Rain Maker Blend", options: [sizeOption] }, true, "beans", "title-coffee"],
    ["a coffee named for its roast", { title: "French Roast", tags: ["dark"], options: [{ name: "Size", values: ["340g"] }] }, true, "beans", "roast"],
  ])("%s", (_label, product, isCoffee, kind, rule) => {
    const r = classifyProduct(rawProduct(product));
    expect({ isCoffee: r.isCoffee, kind: r.kind }).toEqual({ isCoffee, kind });
    expect(r.reason.startsWith(`${rule}: `)).toBe(true);
  });

  it("a coffee whose variants all ship stays coffee (requires_shipping true is no evidence)", () => {
    const r = classifyProduct(
      rawProduct({ title: "Attikan Estate", options: [grindOption], variants: [rawVariant({ requiresShipping: true })] }),
    );
    expect(r.isCoffee).toBe(true);
  });

  it("a date-like value beside a grind option is not an event", () => {
    const r = classifyProduct(
      rawProduct({ title: "Harvest Lot", options: [grindOption, { name: "Roast Date", values: ["Monday"] }] }),
    );
    expect(r).toMatchObject({ isCoffee: true, kind: "beans" });
  });
});
