import { describe, expect, it } from "vitest";
import type { RawProduct } from "../../../src/platforms/raw-product.ts";
import { classifyProduct } from "../../../src/pipeline/normalize/classify.ts";
import { rawProduct } from "./helpers.ts";

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
