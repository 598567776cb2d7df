// Is a store product coffee, and what kind of product is it?
//
// THE RULE
// - Coffee (isCoffee = true): roasted beans and ground coffee, and also drip bags,
//   capsules and instant coffee. Roasters sell those per coffee origin and with prices we
//   want to track; `kind` tells the formats apart.
// - Not coffee: equipment, merchandise, gift hampers/boxes/sets (even when they contain a
//   bag of coffee: the price is for the bundle), classes/workshops/events, food and
//   chocolate, subscriptions (a schedule of deliveries, not a product with a pack price),
//   gift cards, and ready-to-drink beverages (cans, bottles, cold-brew drinks).
//
// HOW (first rule that fires wins)
// 1. Non-coffee categories declared by the shop in product type, categories or a few
//    unambiguous tags ("Gifting", "Training", "Subscription", "Equipment", "Event").
//    Tags like "Subscription" on a coffee (a coffee offered on subscription too) are not
//    used for this: only product type, categories and title are.
// 2. Coffee formats named in title/type/categories: drip bags, capsules, instant.
// 3. Strong coffee evidence: a grind option or grind values, a roast level in tags, title,
//    type or options, or a product type/category that says coffee/beans/blend/estate.
// 4. Non-coffee words in the title (equipment, merchandise, food, ready-to-drink).
// 5. Weak coffee evidence: "coffee"/"beans"/"estate"/"blend" in the title, or a weight
//    option in grams/kg.
// 6. Otherwise "other", not coffee.
import type { RawProduct } from "../../platforms/raw-product.ts";
import { decodeEntities } from "./text.ts";

export type ProductKind =
  | "beans"
  | "ground"
  | "drip_bags"
  | "capsules"
  | "instant"
  | "equipment"
  | "merchandise"
  | "gift_hamper"
  | "class"
  | "food"
  | "subscription"
  | "gift_card"
  | "other";

export interface Classification {
  isCoffee: boolean;
  kind: ProductKind;
  reason: string;
}

const GIFT_CARD = /\bgift[\s-]*cards?\b|\be[\s-]*gift\b|\bgift[\s-]*vouchers?\b|\bgift[\s-]*certificates?\b/i;
const CLASS =
  /\btraining\b|\bworkshops?\b|\bclass(?:es)?\b|\bcourses?\b|\bmasterclass\b|\broastery\s+tour\b|\bevents?\b|\bcupping\s+session\b/i;
const SUBSCRIPTION = /\bsubscri(?:ption|be)s?\b|\bdeliveries\b/i;
const GIFT_HAMPER = /\bgifting\b|\bhampers?\b|\bgift[\s-]*(?:box|set|pack|kit|bundle)(?:es)?\b|\bgifts?\b/i;
const EQUIPMENT =
  /\bequipments?\b|\bbrewing\s+(?:gear|equipment|tools?)\b|\bmanual\s+brewing\b|\bbrewers?\b|\bgrinders?\b|\bkettles?\b|\bscales?\b|\bdrippers?\b|\bfilter\s+papers?\b|\baccessor(?:y|ies)\b/i;
const EQUIPMENT_TITLE =
  /\bfrench\s+press\b|\baero\s*press\b|\bv60\b|\bchemex\b|\bmoka\s+pot\b|\bgrinders?\b|\bkettles?\b|\bscales?\b|\bdrippers?\b|\bfilter\s+papers?\b|\bespresso\s+machine\b|\bcold\s+brew\s+(?:maker|bottle|jar)\b|\bsyphon\b|\bpour[\s-]*over\s+(?:set|kit|stand|cone)\b/i;
const MERCH =
  /\bmerch(?:andise)?\b|\bapparel\b|\bt[\s-]*shirts?\b|\bhoodies?\b|\btote(?:\s+bags?)?\b|\bcaps?\b|\bmugs?\b|\btumblers?\b|\bsippers?\b|\bcups?\b|\bnotebooks?\b|\bstickers?\b|\bposters?\b/i;
const FOOD =
  /\bfood\b|\bchocolates?\b|\bcookies?\b|\bbiscotti\b|\bgranola\b|\bsnacks?\b|\bnuts\b|\bcrackers?\b|\bteas?\b|\bmatcha\b|\bsyrups?\b|\bbakery\b|\bbar\b/i;
const READY_TO_DRINK =
  /\bready[\s-]*to[\s-]*drink\b|\brtd\b|\bcans?\b|\bbottled?\b|\bcold[\s-]*brew\b|\bconcentrate\b|\bbeverages?\b/i;
const DRIP_BAGS =
  /\bdrip[\s-]*(?:coffee[\s-]*)?bags?\b|\beasy[\s-]*pour\b|\bpour[\s-]*over\s+(?:bags?|sachets?)\b|\bdip[\s-]*bags?\b|\bsteep(?:ed)?[\s-]*bags?\b|\bcoffee\s+bags\b/i;
const CAPSULES = /\bcapsules?\b|\bnespresso\b|\bpods?\b/i;
const INSTANT = /\binstant\b|\bfreeze[\s-]*dried\b|\bsoluble\b/i;
const COFFEE_CATEGORY =
  /\bcoffees?\b|\bbeans?\b|\bblends?\b|\bestates?\b|\broast(?:ed|s)?\b|\bsingle[\s-]*origins?\b|\bespresso\b|\barabica\b|\brobusta\b|\bmicro[\s-]*lots?\b|\bnano\b/i;
const COFFEE_TITLE = /\bcoffees?\b|\bbeans?\b|\bestates?\b|\bblends?\b|\broast\b|\bkaapi\b|\bespresso\b/i;
const ROAST_MENTION =
  /\b(?:light|medium|dark|city)[\s-]*(?:to[\s-]*)?(?:medium|dark)?[\s-]*roast\b|\broast\s*(?:level|profile)?\s*:/i;
const GRIND_OPTION_NAME = /\bgrind|\bgrinding\b|\bbrew(?:ing)?\s+method\b/i;
const WHOLE_BEAN = /\bwhole[\s-]*beans?\b/i;
const GROUND_HINT = /\bground\b|\bpowder\b|\bfilter\s+coffee\b|\bchicory\b/i;
const WEIGHT_VALUE = /\d\s*(?:g|gms?|grams?|kg|kgs|oz|lbs?)\b/i;

const UNAMBIGUOUS_TAGS: [RegExp, ProductKind][] = [
  [/^(?:event|events|workshop|training|class)$/i, "class"],
  [/^(?:equipment|equipments|brewing equipment|brew gear)$/i, "equipment"],
  [/^(?:merch|merchandise|apparel)$/i, "merchandise"],
  [/^(?:gift card|gift cards|giftcard)$/i, "gift_card"],
  [/^(?:gifting|gift hamper|hamper|gift box)$/i, "gift_hamper"],
];

const NOT_COFFEE: [RegExp, ProductKind][] = [
  [GIFT_CARD, "gift_card"],
  [CLASS, "class"],
  [SUBSCRIPTION, "subscription"],
  [GIFT_HAMPER, "gift_hamper"],
  [EQUIPMENT, "equipment"],
  [MERCH, "merchandise"],
  [FOOD, "food"],
];

function notCoffee(kind: ProductKind, reason: string): Classification {
  return { isCoffee: false, kind, reason };
}

function strings(values: unknown): string[] {
  return Array.isArray(values) ? values.filter((v): v is string => typeof v === "string") : [];
}

interface Signals {
  title: string;
  declared: { label: string; text: string }[];
  tags: string[];
  optionNames: string[];
  optionValues: string[];
}

function readSignals(p: RawProduct): Signals {
  const options = Array.isArray(p.options) ? p.options.filter((o) => o && typeof o === "object") : [];
  const declared: { label: string; text: string }[] = [];
  if (typeof p.productType === "string" && p.productType.trim() !== "") {
    declared.push({ label: "product_type", text: decodeEntities(p.productType) });
  }
  for (const c of strings(p.categories)) declared.push({ label: "category", text: decodeEntities(c) });
  return {
    title: typeof p.title === "string" ? decodeEntities(p.title) : "",
    declared,
    tags: strings(p.tags).map((t) => decodeEntities(t).trim()),
    optionNames: options.map((o) => (typeof o.name === "string" ? o.name : "")),
    optionValues: options.flatMap((o) => strings(o.values)),
  };
}

function coffeeKind(s: Signals): ProductKind {
  if ([s.title, ...s.optionValues].some((v) => WHOLE_BEAN.test(v))) return "beans";
  const hasGrindValues = s.optionNames.some((n) => GRIND_OPTION_NAME.test(n));
  if (hasGrindValues) return "ground";
  if ([s.title, ...s.declared.map((d) => d.text)].some((v) => GROUND_HINT.test(v))) return "ground";
  return "beans";
}

function coffee(s: Signals, reason: string): Classification {
  return { isCoffee: true, kind: coffeeKind(s), reason };
}

export function classifyProduct(p: RawProduct): Classification {
  const s = readSignals(p);
  const titleAndDeclared = [{ label: "title", text: s.title }, ...s.declared];

  // 1. What the shop declared (type, categories), then the title, for non-coffee kinds.
  for (const [pattern, kind] of NOT_COFFEE) {
    const hit = s.declared.find((d) => pattern.test(d.text));
    if (hit) return notCoffee(kind, `${hit.label} "${hit.text}" → ${kind}`);
  }
  for (const tag of s.tags) {
    const rule = UNAMBIGUOUS_TAGS.find(([pattern]) => pattern.test(tag));
    if (rule) return notCoffee(rule[1], `tag "${tag}" → ${rule[1]}`);
  }
  for (const [pattern, kind] of [
    [GIFT_CARD, "gift_card"],
    [CLASS, "class"],
    [SUBSCRIPTION, "subscription"],
    [GIFT_HAMPER, "gift_hamper"],
  ] as const) {
    if (pattern.test(s.title)) return notCoffee(kind, `title "${s.title}" → ${kind}`);
  }

  // 2. Coffee formats other than beans and ground coffee.
  for (const [pattern, kind] of [
    [DRIP_BAGS, "drip_bags"],
    [CAPSULES, "capsules"],
    [INSTANT, "instant"],
  ] as const) {
    const hit = titleAndDeclared.find((d) => pattern.test(d.text));
    if (hit) return { isCoffee: true, kind, reason: `${hit.label} "${hit.text}" → ${kind}` };
  }

  // 3. Strong coffee evidence.
  const grindOption = s.optionNames.find((n) => GRIND_OPTION_NAME.test(n));
  if (grindOption) return coffee(s, `has a "${grindOption}" option`);
  const roastText = [...s.tags, s.title, ...s.declared.map((d) => d.text), ...s.optionValues].find((t) =>
    ROAST_MENTION.test(t),
  );
  if (roastText !== undefined) return coffee(s, `roast level in "${roastText}"`);
  const coffeeDeclared = s.declared.find((d) => COFFEE_CATEGORY.test(d.text));
  if (coffeeDeclared) return coffee(s, `${coffeeDeclared.label} "${coffeeDeclared.text}" says coffee`);

  // 4. Non-coffee words in the title, and drinks declared by type or category.
  for (const [pattern, kind] of [
    [EQUIPMENT_TITLE, "equipment"],
    [EQUIPMENT, "equipment"],
    [MERCH, "merchandise"],
    [FOOD, "food"],
  ] as const) {
    if (pattern.test(s.title)) return notCoffee(kind, `title "${s.title}" → ${kind}`);
  }
  const drink = titleAndDeclared.find((d) => READY_TO_DRINK.test(d.text));
  if (drink) {
    return notCoffee("other", `${drink.label} "${drink.text}" with no grind, roast or size: ready-to-drink`);
  }

  // 5. Weak coffee evidence.
  if (COFFEE_TITLE.test(s.title)) return coffee(s, `title "${s.title}" says coffee`);
  const weight = s.optionValues.find((v) => WEIGHT_VALUE.test(v));
  if (weight !== undefined) return coffee(s, `sold by weight ("${weight}")`);

  return notCoffee("other", "no coffee signal in type, categories, tags, title or options");
}
