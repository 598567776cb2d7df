// Is a store product coffee, and what kind of product is it? Every answer carries the rule
// that decided it (`reason`, "<rule>: <evidence>"), so a wrong call can be traced and fixed.
//
// THE RULE
// - Coffee (isCoffee = true): roasted beans and ground coffee, and also drip bags,
//   capsules and instant coffee. Roasters sell those per coffee origin and with prices we
//   want to track; `kind` tells the formats apart.
// - Not coffee: equipment, merchandise, gift hampers/boxes/sets (even when they contain a
//   bag of coffee: the price is for the bundle), classes/workshops/courses/events, food and
//   chocolate, subscriptions (a schedule of deliveries, not a product with a pack price),
//   gift cards, and ready-to-drink beverages (cans, bottles, cold-brew drinks).
//
// HOW (first rule that fires wins; the rule names are what `reason` starts with)
//  declared          non-coffee kinds the shop declared in product type or categories, or a
//                    few unambiguous tags ("Event", "Equipment", "Gift Card"). Tags such as
//                    "Subscription" on a coffee offered on subscription too are not used.
//  no-shipping       no variant requires shipping: a service (a class, a gift card), never a
//                    bag of coffee.
//  title-kind        gift cards, classes/courses ("SCA Barista Skills", "Latte Art Workshop"),
//                    subscriptions, gift hampers named in the title. Weaker class words
//                    ("Coffee 101", "Session", "Experience", "SCA") are read after the grind,
//                    roast and chocolate rules, and only when no option is a bag size.
//  event-options     options that book a date or a seat ("Date", "Seat", "Batch") or values
//                    that are dates, with no grind and no bag size.
//  school-vendor     a vendor that is an academy or training arm.
//  coffee-format     drip bags, capsules, instant named in title, type or categories.
//  grind-option      a grind option ("Grind", "Grind Size", "Mahlgrad").
//  roast             a roast level in tags, title, type or option values.
//  chocolate-series  an option offering "Milk" and "White" (a chocolate range named
//                    Dark / Milk / White, never a roast).
//  equipment-title   a brewer, grinder, kettle, scoop… named in the title, even beside "Coffee"
//                    (unless an option is a bag size).
//  equipment-vendor  the vendor is an equipment maker (Hario, Fellow, Bialetti…).
//  declared-coffee   product type or category says coffee/beans/blend/estate.
//  title-not-coffee  merchandise or food in the title.
//  ready-to-drink    cans, bottles, cold-brew drinks (type, categories or title).
//  described-class   the description calls the product a class, course or workshop ("a
//                    two-hour class", "this workshop"), when nothing stronger has decided.
//  title-coffee      "coffee"/"beans"/"estate"/"blend" in the title.
//  sold-by-weight    an option value that is a bag size in grams/kg/oz/lb.
//  no-signal         nothing to go on: "other", not coffee.
import type { RawProduct } from "../../platforms/raw-product.ts";
import { saysWholeBean } from "./grind.ts";
import { parseRoastLevel } from "./roast.ts";
import { decodeEntities } from "./text.ts";
import { EQUIPMENT_BRANDS, SCHOOL_VENDOR_WORDS } from "./vocabulary/brands.ts";
import { alternation, wordPattern } from "./vocabulary/phrase.ts";

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

const GIFT_CARD =
  /\bgift[\s-]*cards?\b|\be[\s-]*gift\b|\bgift[\s-]*vouchers?\b|\bgift[\s-]*certificates?\b|\bgutscheine?\b|\bvouchers?\b/i;
// Words that make a title a class wherever they stand…
const CLASS_TITLE =
  /\btraining\b|\bworkshops?\b|\bclass(?:es)?\b|\bcourses?\b|\bmasterclass\b|\broastery\s+tour\b|\bevents?\b|\bcupping\s+sessions?\b|\bacademy\b|\b(?:grund)?kurs(?:e)?\b|\bcertification\b|\bskills\b|\bbarista\s+(?:basics|training|course|skills)\b/i;
// …and words that do only when nothing says coffee more strongly: a "Session Blend", an
// "Experience" espresso, "SCA 87 points" and an "Espresso 101" blend are coffees.
const WEAK_CLASS_TITLE = /\bsessions?\b|\bexperiences?\b|\beducation\b|\b101\b|\bsca\b/i;
// A shop's own product type or category ("Experience", "Education") says it plainly.
const CLASS = new RegExp(`${CLASS_TITLE.source}|${WEAK_CLASS_TITLE.source}`, "i");
const SUBSCRIPTION = /\bsubscri(?:ption|be)s?\b|\bdeliveries\b|\babo(?:nnement)?\b|\bof\s+the\s+month\s+club\b|\bcoffee\s+club\b/i;
const GIFT_HAMPER = /\bgifting\b|\bhampers?\b|\bgift[\s-]*(?:box|set|pack|kit|bundle)(?:es)?\b|\bgifts?\b/i;
const EQUIPMENT =
  /\bequipments?\b|\bbrewing(?:\s+(?:gear|equipment|tools?|kits?))?$|\bbrew(?:ing)?\s+(?:gear|equipment|tools?|kits?)\b|\bmanual\s+brewing\b|\bbrewers?\b|\bgrinders?\b|\bkettles?\b|\bscales?\b|\bdrippers?\b|\bfilter\s+papers?\b|\baccessor(?:y|ies)\b/i;
const EQUIPMENT_TITLE =
  /\bfrench\s+press\b|\b(?:coffee|travel)\s+press\b|\baero\s*press\b|\bv60\b|\bchemex\b|\bmoka\s+pot\b|\bgrinders?\b|\bkettles?\b|\bscales?\b|\bdrippers?\b|\bfilter\s+papers?\b|\b(?:coffee|decoction|paper|steel|brass|cloth|metal|reusable)\s+filters?\b|\bfilters?\s*(?:#\s*\d|\(\s*\d)|\bespresso\s+machine\b|\bcold\s+brew\s+(?:maker|bottle|jar|pitcher)\b|\bsyphon\b|\b(?:pour[\s-]*over|brewing|starter|brew)\s+(?:coffee\s+)?(?:set|kit|stand|cone)\b|\bscoops?\b|\bcanisters?\b|\btampers?\b|\bbrush(?:es)?\b|\bpitchers?\b|\bcarafes?\b|\bmakers?\b|\bknock\s*box\b|\bmilk\s+jug\b|\bthermometers?\b/i;
const MERCH =
  /\bmerch(?:andise)?\b|\bapparel\b|\bt[\s-]*shirts?\b|\btees?\b|\bhoodies?\b|\bbeanies?\b|\btote(?:\s+bags?)?\b|\bcaps?\b|\bmugs?\b|\btumblers?\b|\bsippers?\b|\bcups?\b|\bnotebooks?\b|\bstickers?\b|\bposters?\b|\bbooks?\b|\bdabara\b/i;
const FOOD =
  /\bfood\b|\bchocolates?\b|\bschokolade\b|\bcookies?\b|\bbiscotti\b|\bgranola\b|\bsnacks?\b|\btreats?\b|\bconfectionery\b|\btruffles?\b|\bnuts\b|\bcrackers?\b|\bteas?\b|\bmatcha\b|\bsyrups?\b|\bbakery\b|\bcacao\b|\bcocoa\b/i;
const READY_TO_DRINK =
  /\bready[\s-]*to[\s-]*drink\b|\brtd\b|\bcans?\b|\bbottles?\b|\bbottled\b|\bcold[\s-]*brew\b|\bconcentrate\b|\bbeverages?\b|\bdrinks\b/i;
const DRIP_BAGS =
  /\bdrip[\s-]*(?:coffee[\s-]*|filter[\s-]*)?(?:bags?|pouch(?:es)?)\b|\beasy[\s-]*pour\b|\bpour[\s-]*over\s+(?:bags?|sachets?)\b|\bdip[\s-]*bags?\b|\bsteep(?:ed|ing)?[\s-]*bags?\b|\bcoffee\s+bags\b/i;
const CAPSULES = /\bcapsules?\b|\bnespresso\b|\bpods?\b|\bk[\s-]*cups?\b/i;
const INSTANT = /\binstant\b|\bfreeze[\s-]*dried\b|\bsoluble\b/i;
const COFFEE_CATEGORY =
  /\bcoffees?\b|\bkaffee\b|\bbeans?\b|\bblends?\b|\bestates?\b|\broast(?:ed|s)?\b|\bsingle[\s-]*origins?\b|\bespresso\b|\barabica\b|\brobusta\b|\bmicro[\s-]*lots?\b|\bnano\b/i;
const COFFEE_TITLE = /\bcoffees?\b|\bbeans?\b|\bestates?\b|\bblends?\b|\broast\b|\bkaapi\b|\bespresso\b/i;
// Every roast-level pattern needs one of these words: a cheap test before the full parse.
const MAY_NAME_ROAST = /roast|profile/i;
const GRIND_OPTION_NAME = /\bgrind|\bgrinding\b|\bbrew(?:ing)?\s+method\b|\bmahlgrad\b/i;
const GROUND_HINT = /\bground\b|\bpowder\b|\bfilter\s+coffee\b|\bchicory\b/i;
const WEIGHT_VALUE = /\d\s*(?:g|gms?|grams?|kg|kgs|oz|lbs?)\b/i;
// "A two-hour class", "this workshop", "our beginners' course": a description that says what
// the product is. (A bare "class" is too loose: "world-class", "first-class beans".)
const DESCRIBED_CLASS =
  /\b(?:a|an|this|our|the)\s+(?:[\w'’-]+\s+){0,2}(?:class|course|workshop|masterclass|training)\b(?!-)/i;
// The top of a description is where a shop says what the product is.
const DESCRIPTION_CHARS = 3000;
// Options that book something: a date, a seat, a batch of a course.
const EVENT_OPTION_NAME =
  /^\s*(?:dates?|start\s+date|seats?|batch(?:es)?|sessions?|slots?|times?|intake|termin|tickets?|participants?|attendees?|city|location|venue)\s*$/i;
const MONTH = "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?";
const DATE_VALUE = new RegExp(
  `\\b\\d{1,2}(?:st|nd|rd|th)?\\s+(?:${MONTH})\\b|\\b(?:${MONTH})\\s+\\d{1,2}(?:st|nd|rd|th)?\\b|\\b\\d{1,2}[./]\\d{1,2}[./]\\d{2,4}\\b|\\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\\b|\\b\\d{1,2}(?::\\d{2})?\\s*(?:am|pm)\\b`,
  "i",
);
const EQUIPMENT_VENDOR = wordPattern(alternation(EQUIPMENT_BRANDS));
const SCHOOL_VENDOR = wordPattern(alternation(SCHOOL_VENDOR_WORDS));

const UNAMBIGUOUS_TAGS: [RegExp, ProductKind][] = [
  [/^(?:event|events|workshop|workshops|training|class|classes|course|courses)$/i, "class"],
  [/^(?:equipment|equipments|brewing equipment|brew gear)$/i, "equipment"],
  [/^(?:merch|merchandise|apparel)$/i, "merchandise"],
  [/^(?:gift card|gift cards|giftcard)$/i, "gift_card"],
  [/^(?:gifting|gift hamper|hamper|gift box)$/i, "gift_hamper"],
];

const DECLARED_NOT_COFFEE: [RegExp, ProductKind][] = [
  [GIFT_CARD, "gift_card"],
  [CLASS, "class"],
  [SUBSCRIPTION, "subscription"],
  [GIFT_HAMPER, "gift_hamper"],
  [EQUIPMENT, "equipment"],
  [MERCH, "merchandise"],
  [FOOD, "food"],
  [/\bready[\s-]*to[\s-]*drink\b|\bbeverages?\b|\bdrinks\b/i, "other"],
];

function decided(isCoffee: boolean, kind: ProductKind, rule: string, evidence: string): Classification {
  return { isCoffee, kind, reason: `${rule}: ${evidence}` };
}

function strings(values: unknown): string[] {
  return Array.isArray(values) ? values.filter((v): v is string => typeof v === "string") : [];
}

interface Signals {
  title: string;
  vendor: string;
  declared: { label: string; text: string }[];
  tags: string[];
  optionNames: string[];
  optionValues: string[];
  /** Every variant says it needs no shipping (and at least one says so). */
  noShipping: boolean;
}

/**
 * The start of the description as plain text. Read only by the last rules: most products
 * are decided before them, so it is not made unless needed.
 */
function descriptionStart(p: RawProduct): string {
  return typeof p.descriptionHtml === "string"
    ? decodeEntities(p.descriptionHtml.slice(0, DESCRIPTION_CHARS).replace(/<[^>]*>/g, " ")).replace(/\s+/g, " ")
    : "";
}

function readSignals(p: RawProduct): Signals {
  const options = Array.isArray(p.options) ? p.options.filter((o) => o && typeof o === "object") : [];
  const declared: { label: string; text: string }[] = [];
  if (typeof p.productType === "string" && p.productType.trim() !== "") {
    declared.push({ label: "product_type", text: decodeEntities(p.productType) });
  }
  for (const c of strings(p.categories)) declared.push({ label: "category", text: decodeEntities(c) });
  const variants = Array.isArray(p.variants) ? p.variants.filter((v) => v && typeof v === "object") : [];
  return {
    title: typeof p.title === "string" ? decodeEntities(p.title) : "",
    vendor: typeof p.vendor === "string" ? decodeEntities(p.vendor) : "",
    declared,
    tags: strings(p.tags).map((t) => decodeEntities(t).trim()),
    optionNames: options.map((o) => (typeof o.name === "string" ? o.name : "")),
    optionValues: options.flatMap((o) => strings(o.values)),
    noShipping: variants.length > 0 && variants.every((v) => v.requiresShipping === false),
  };
}

function coffeeKind(s: Signals): ProductKind {
  if (saysWholeBean(s.title, { fromGrindOption: false })) return "beans";
  if (s.optionValues.some((v) => saysWholeBean(v))) return "beans";
  if (s.optionNames.some((n) => GRIND_OPTION_NAME.test(n))) return "ground";
  if ([s.title, ...s.declared.map((d) => d.text)].some((v) => GROUND_HINT.test(v))) return "ground";
  return "beans";
}

function coffee(s: Signals, rule: string, evidence: string): Classification {
  return decided(true, coffeeKind(s), rule, evidence);
}

/** A class, gift card or "other" for a product nothing ships. */
function serviceKind(s: Signals): ProductKind {
  if (GIFT_CARD.test(s.title)) return "gift_card";
  if (CLASS.test(s.title) || s.optionNames.some((n) => EVENT_OPTION_NAME.test(n))) return "class";
  return "other";
}

function eventOptions(s: Signals): string | null {
  if (s.optionNames.some((n) => GRIND_OPTION_NAME.test(n))) return null;
  if (s.optionValues.some((v) => WEIGHT_VALUE.test(v))) return null;
  const name = s.optionNames.find((n) => EVENT_OPTION_NAME.test(n));
  if (name !== undefined) return `option "${name}"`;
  const date = s.optionValues.find((v) => DATE_VALUE.test(v));
  return date === undefined ? null : `option value "${date}" is a date`;
}

export function classifyProduct(p: RawProduct): Classification {
  const s = readSignals(p);
  const titleAndDeclared = [{ label: "title", text: s.title }, ...s.declared];

  for (const [pattern, kind] of DECLARED_NOT_COFFEE) {
    const hit = s.declared.find((d) => pattern.test(d.text));
    if (hit) return decided(false, kind, "declared", `${hit.label} "${hit.text}" → ${kind}`);
  }
  for (const tag of s.tags) {
    const rule = UNAMBIGUOUS_TAGS.find(([pattern]) => pattern.test(tag));
    if (rule) return decided(false, rule[1], "declared", `tag "${tag}" → ${rule[1]}`);
  }
  if (s.noShipping) {
    const kind = serviceKind(s);
    return decided(false, kind, "no-shipping", `no variant requires shipping (a service, not a bag of coffee) → ${kind}`);
  }
  for (const [pattern, kind] of [
    [GIFT_CARD, "gift_card"],
    [CLASS_TITLE, "class"],
    [SUBSCRIPTION, "subscription"],
    [GIFT_HAMPER, "gift_hamper"],
  ] as const) {
    if (pattern.test(s.title)) return decided(false, kind, "title-kind", `title "${s.title}" → ${kind}`);
  }
  const event = eventOptions(s);
  if (event) return decided(false, "class", "event-options", `${event} books a date or a seat`);
  if (SCHOOL_VENDOR.test(s.vendor)) return decided(false, "class", "school-vendor", `vendor "${s.vendor}"`);

  for (const [pattern, kind] of [
    [DRIP_BAGS, "drip_bags"],
    [CAPSULES, "capsules"],
    [INSTANT, "instant"],
  ] as const) {
    const hit = titleAndDeclared.find((d) => pattern.test(d.text));
    if (hit) return decided(true, kind, "coffee-format", `${hit.label} "${hit.text}" → ${kind}`);
  }

  const grindOption = s.optionNames.find((n) => GRIND_OPTION_NAME.test(n));
  if (grindOption) return coffee(s, "grind-option", `a "${grindOption}" option`);
  const roastText = [...s.tags, s.title, ...s.declared.map((d) => d.text), ...s.optionValues].find(
    (t) => MAY_NAME_ROAST.test(t) && parseRoastLevel([t]).level !== null,
  );
  if (roastText !== undefined) return coffee(s, "roast", `roast level in "${roastText}"`);
  const values = s.optionValues.map((v) => v.trim().toLowerCase());
  if (values.includes("milk") && values.includes("white")) {
    return decided(false, "food", "chocolate-series", "options offer Milk and White: a chocolate range");
  }
  const soldByWeight = s.optionValues.some((v) => WEIGHT_VALUE.test(v));
  const weakClass = WEAK_CLASS_TITLE.exec(s.title);
  if (weakClass && !soldByWeight) {
    return decided(false, "class", "title-kind", `title "${s.title}" says "${weakClass[0]}" and offers no bag size`);
  }
  // A bag size in the options outweighs a tool's name in the title ("Rain Maker Blend, 250g").
  if (EQUIPMENT_TITLE.test(s.title) && !soldByWeight) {
    return decided(false, "equipment", "equipment-title", `title "${s.title}"`);
  }
  if (EQUIPMENT_VENDOR.test(s.vendor)) return decided(false, "equipment", "equipment-vendor", `vendor "${s.vendor}"`);
  const coffeeDeclared = s.declared.find((d) => COFFEE_CATEGORY.test(d.text));
  if (coffeeDeclared) return coffee(s, "declared-coffee", `${coffeeDeclared.label} "${coffeeDeclared.text}"`);

  for (const [pattern, kind] of [
    [EQUIPMENT, "equipment"],
    [MERCH, "merchandise"],
    [FOOD, "food"],
  ] as const) {
    if (pattern.test(s.title)) return decided(false, kind, "title-not-coffee", `title "${s.title}" → ${kind}`);
  }
  const drink = titleAndDeclared.find((d) => READY_TO_DRINK.test(d.text));
  if (drink) {
    return decided(false, "other", "ready-to-drink", `${drink.label} "${drink.text}" with no grind, roast or size`);
  }

  const described = DESCRIBED_CLASS.exec(descriptionStart(p));
  if (described) return decided(false, "class", "described-class", `description says "${described[0]}"`);
  if (COFFEE_TITLE.test(s.title)) return coffee(s, "title-coffee", `title "${s.title}"`);
  const weight = s.optionValues.find((v) => WEIGHT_VALUE.test(v));
  if (weight !== undefined) return coffee(s, "sold-by-weight", `option value "${weight}"`);

  return decided(false, "other", "no-signal", "no coffee signal in type, categories, tags, title, vendor or options");
}
