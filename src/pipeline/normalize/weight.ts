// Pack weight of a variant, in whole grams, from the texts a shop shows to buyers.
// Shopify's `grams` is the shipping weight (wrong for roughly a third of coffee variants,
// see docs/stores.md), so it is only a last resort and always flagged.
import type { RawOption } from "../../platforms/raw-product.ts";
import { allMatches } from "./all-matches.ts";
import { rememberRecent } from "./remember-recent.ts";

export type WeightSource = "variant_title" | "option" | "product_title" | "description" | "shipping_grams";

export interface WeightInput {
  variantTitle: string | null;
  options: RawOption[];
  productTitle: string | null;
  shippingGrams: number | null;
  /** Every value of each product option, for the unit of a bare number ("250, 500, 1"). */
  optionValues?: { name: string; values: string[] }[];
  /** The product description as text: where drip bags and sachets state their fill. */
  description?: string | null;
}

export interface WeightResult {
  grams: number | null;
  packCount: number | null;
  source: WeightSource | null;
  warnings: string[];
}

interface SizeMatch {
  grams: number | null;
  packCount: number | null;
}

const GRAMS_PER_UNIT: Record<string, number> = {
  g: 1,
  kg: 1000,
  oz: 28.3495,
  lb: 453.592,
};

// Longest spellings first so "kgs" is not read as "kg" + "s". Woo slugs put a hyphen
// between number and unit ("1-kg").
const UNIT_PATTERN =
  "(kilograms?|kilogrammes?|kilos?|kgs?|grams?|grammes?|gms?|grm?s?|g|ounces?|oz|pounds?|lbs?)";
const FRACTIONS: Record<string, number> = { "½": 1 / 2, "¼": 1 / 4, "¾": 3 / 4, "⅓": 1 / 3, "⅔": 2 / 3, "⅛": 1 / 8 };
const FRACTION_CHARS = Object.keys(FRACTIONS).join("");
// A plain or decimal number, a mixed fraction ("8 1/2", "1½") or a bare fraction ("3/4", "½").
const NUMBER = `(\\d+(?:\\.\\d+)?(?:\\s+\\d{1,2}\\/\\d{1,2}|\\s*[${FRACTION_CHARS}])?|\\d{1,2}\\/\\d{1,2}|[${FRACTION_CHARS}])`;
// A number starts on its own: not inside another, not as the exponent of "1e308 g", not
// as the denominator of a fraction.
const WEIGHT = new RegExp(`(?<![\\d.${FRACTION_CHARS}])(?<!\\d[eE][+-]?)(?<!\\d\\/)${NUMBER}[\\s-]*${UNIT_PATTERN}(?![a-z])`, "g");

// "250-500g", "250g - 1kg", "12 to 16 oz": a range is no one bag size.
const RANGE_BEFORE = new RegExp(`\\d\\s*(?:${UNIT_PATTERN})?\\.?\\s*(?:-|–|—|to)\\s*$`);
const RANGE_AFTER = /^\s*(?:-|–|—|to)\s*[\d½¼¾]/;
// "-250g", "- 250g" at the start, "Size -1kg": a negative number, not a weight.
const NEGATIVE_BEFORE = /(?:^\s*|[\s(:])[-−–]$|^\s*[-−–]\s*$/;

// Anything heavier is a wholesale sack or a typo; anything lighter rounds to nothing.
const MAX_GRAMS = 100_000;
const MAX_PACK = 1000;

const PACK_PATTERNS: RegExp[] = [
  /\bpack\s*of\s*(\d{1,4})\b/,
  /\b(?:set|box|case|carton)\s*of\s*(\d{1,4})\b/,
  /\b(?:case\s*)?pack\s*\(\s*(\d{1,4})\s*\)/,
  /\b(\d{1,4})\s*-?\s*(?:pack|pk)s?\b/,
  /\b(\d{1,4})\s*(?:sachets?|drip\s*bags?|bags|pods|capsules|cans|bottles|tins)\b/,
];

const WEIGHT_LIKE_OPTION_NAME =
  /\b(?:size|weight|wt|net\s*wt|net\s*weight|grams?|gms?|pack\s*size|bag\s*size)\b/i;

/** Decimal commas ("0,5 kg") become points; thousands separators ("1,000g") go. */
function normalizeNumbers(s: string): string {
  const lower = s.toLowerCase();
  if (!lower.includes(",")) return lower;
  return lower.replace(/(\d),(\d{3})(?!\d)/g, "$1$2").replace(/(\d),(\d{1,2})(?!\d)/g, "$1.$2");
}

function unitFactor(unit: string): number {
  if (unit.startsWith("k")) return GRAMS_PER_UNIT.kg!;
  if (unit.startsWith("o")) return GRAMS_PER_UNIT.oz!;
  if (unit.startsWith("l") || unit.startsWith("p")) return GRAMS_PER_UNIT.lb!;
  return GRAMS_PER_UNIT.g!;
}

/** "8 1/2" → 8.5, "1½" → 1.5, "3/4" → 0.75, "12.5" → 12.5; NaN for "1/0". */
function numberValue(text: string): number {
  const mixed = /^(\d+(?:\.\d+)?)?\s*(?:(\d{1,2})\/(\d{1,2})|(.))?$/u.exec(text.trim());
  if (!mixed) return Number.NaN;
  const whole = mixed[1] ? Number(mixed[1]) : 0;
  if (mixed[2] && mixed[3]) return Number(mixed[3]) === 0 ? Number.NaN : whole + Number(mixed[2]) / Number(mixed[3]);
  if (mixed[4]) return mixed[4] in FRACTIONS ? whole + FRACTIONS[mixed[4]]! : Number.NaN;
  return whole;
}

function toGrams(value: number, factor: number): number | null {
  const grams = Math.round(value * factor);
  return grams >= 1 && grams <= MAX_GRAMS ? grams : null;
}

function toPack(n: number): number | null {
  // A "pack" of one is a single bag: report it as no multipack.
  return Number.isInteger(n) && n > 1 && n <= MAX_PACK ? n : null;
}

function findPackCount(text: string, weightEnd: number | null, weightStart: number | null): number | null {
  if (weightEnd !== null && weightStart !== null) {
    // "200g x 4" and "4 x 200g": the multiplier sits right next to the weight.
    const after = /^\s*[x×*]\s*(\d{1,4})(?![\d.]|\s*(?:kg|g|oz|lb))/.exec(text.slice(weightEnd));
    if (after) return toPack(Number(after[1]));
    const before = /(\d{1,4})\s*[x×*]\s*$/.exec(text.slice(0, weightStart));
    if (before) return toPack(Number(before[1]));
  }
  for (const pattern of PACK_PATTERNS) {
    const m = pattern.exec(text);
    if (m) {
      const pack = toPack(Number(m[1]));
      if (pack !== null) return pack;
    }
  }
  return null;
}

/** Reads one size string: "250g", "1.5kg", "200g x 4", "Full Bar (60g) - ₹395/-", "12 Pack". */
export function parseSizeText(input: string): SizeMatch | null {
  if (typeof input !== "string" || input.trim() === "") return null;
  const text = normalizeNumbers(input.slice(0, 2000));
  let grams: number | null = null;
  let start: number | null = null;
  let end: number | null = null;
  for (const m of allMatches(WEIGHT, text)) {
    const before = text.slice(0, m.index);
    const after = text.slice(m.index + m[0].length);
    if (RANGE_BEFORE.test(before) || RANGE_AFTER.test(after) || NEGATIVE_BEFORE.test(before)) {
      // A range or a negative number: whatever number we picked would be wrong.
      grams = null;
      break;
    }
    const g = toGrams(numberValue(m[1]!), unitFactor(m[2]!));
    if (g !== null) {
      grams = g;
      start = m.index;
      end = m.index + m[0].length;
      break;
    }
  }
  const packCount = findPackCount(text, end, start);
  return grams === null && packCount === null ? null : { grams, packCount };
}

const BARE_NUMBER = /^\s*(\d+(?:[.,]\d+)?)\s*$/;
const bareNumber = (value: string | undefined): number | null => {
  const m = BARE_NUMBER.exec(value ?? "");
  return m ? Number(m[1]!.replace(",", ".")) : null;
};

/**
 * A bare number ("200") is a weight only where the option's name says it is one, and its
 * unit is the name's ("Weight (kg)") or else the one the option's values make obvious:
 * - 50 and up are grams (no one sells a 50 kg or 50 lb retail bag, and 50 oz is 3 lb);
 * - up to 5 beside gram values ("250, 500, 1") or with a fraction ("0.25, 0.5, 1") are kg;
 * - 6 to 49 when every value is (8, 12, 16, 32) are ounces: grams that small are no bag
 *   and kilograms or pounds that large no retail size.
 * Anything else ("1, 2", which may be kg or lb) is no weight: a wrong number is worse than none.
 */
function parseUnitlessOption(option: RawOption, siblings: readonly string[]): number | null {
  if (!WEIGHT_LIKE_OPTION_NAME.test(option.name ?? "")) return null;
  const value = bareNumber(option.value);
  if (value === null) return null;
  const unitInName = new RegExp(`\\(\\s*${UNIT_PATTERN}\\s*\\)|\\bin\\s+${UNIT_PATTERN}\\b`).exec(
    option.name.toLowerCase(),
  );
  if (unitInName) return toGrams(value, unitFactor(unitInName[1] ?? unitInName[2] ?? "g"));
  const values = [value, ...siblings.map(bareNumber).filter((n): n is number => n !== null)];
  if (value >= 50) return toGrams(value, 1);
  if (value <= 5 && values.some((v) => v >= 50 || !Number.isInteger(v))) return toGrams(value, GRAMS_PER_UNIT.kg!);
  if (value >= 6 && values.every((v) => v >= 6 && v < 50)) return toGrams(value, GRAMS_PER_UNIT.oz!);
  return null;
}

function isPlaceholderTitle(title: string): boolean {
  return /^\s*default\s*title\s*$/i.test(title);
}

function siblingValues(input: WeightInput, option: RawOption): string[] {
  const all = Array.isArray(input.optionValues) ? input.optionValues : [];
  return all.find((o) => o && o.name === option.name && Array.isArray(o.values))?.values ?? [];
}

// Drip bags, sachets and sticks state their fill in the description: "10 bags x 11g",
// "12 g each", "10 sticks of 3 g", "Eight 10 g bags", "Net weight: 250 g".
const DESCRIBED_UNIT_WEIGHT: RegExp[] = [
  /\bnet\s*(?:weight|wt\.?)\s*[:\-–]?\s*(\d+(?:\.\d+)?)\s*(g|gms?|grams?|kg)\b/i,
  /\b\d{1,3}\s*(?:[a-z-]+\s+){0,2}(?:x|×)\s*(\d+(?:\.\d+)?)\s*(g|gms?|grams?)\b/i,
  /\b(\d+(?:\.\d+)?)\s*(g|gms?|grams?)\s+each\b/i,
  /\b(?:bags?|sachets?|sticks?|pouches?|pods?|capsules?)\s+of\s+(\d+(?:\.\d+)?)\s*(g|gms?|grams?)\b/i,
  /\b(\d+(?:\.\d+)?)\s*(g|gms?|grams?)\s+(?:(?:drip|steep(?:ing)?|cold\s+brew|coffee|single[\s-]+serve)\s+)?(?:bags?|sachets?|sticks?|pouches?|pods?)\b/i,
];

function describedWeight(description: string | null | undefined): number | null {
  if (typeof description !== "string" || description.trim() === "") return null;
  return describedWeightOf(description);
}

// Every variant of a product without a size of its own reads the same description: the
// last one is remembered.
const describedWeightOf = rememberRecent((description: string): number | null => {
  const text = description.slice(0, 5000);
  for (const pattern of DESCRIBED_UNIT_WEIGHT) {
    const m = pattern.exec(text);
    if (m) return toGrams(Number(m[1]), unitFactor(m[2]!.toLowerCase()));
  }
  return null;
}, { size: 1 });

// parseWeight reads the same option values and titles again and again (see remember-recent.ts).
const sizeOfText = rememberRecent(parseSizeText, { size: 64, maxInputLength: 200 });

export function parseWeight(input: WeightInput): WeightResult {
  const warnings: string[] = [];
  let firstPack: number | null = null;
  const tiers: { source: WeightSource; texts: { text: string; option?: RawOption }[] }[] = [
    {
      source: "variant_title",
      texts:
        input.variantTitle && !isPlaceholderTitle(input.variantTitle) ? [{ text: input.variantTitle }] : [],
    },
    {
      source: "option",
      texts: (Array.isArray(input.options) ? input.options : [])
        .filter((o) => o && typeof o.value === "string")
        .map((o) => ({ text: o.value, option: o })),
    },
    { source: "product_title", texts: input.productTitle ? [{ text: input.productTitle }] : [] },
  ];

  for (const tier of tiers) {
    let tierPack: number | null = null;
    for (const { text, option } of tier.texts) {
      const size = typeof text === "string" ? sizeOfText(text) : parseSizeText(text);
      tierPack ??= size?.packCount ?? null;
      const grams = size?.grams ?? (option ? parseUnitlessOption(option, siblingValues(input, option)) : null);
      if (grams !== null) {
        // A pack count counts only next to the weight it multiplies: "SKIA Coffee (Pack of 2)"
        // with a "200g" variant means two 100 g bags, not two 200 g bags.
        return { grams, packCount: tierPack, source: tier.source, warnings };
      }
    }
    firstPack ??= tierPack;
  }

  const described = describedWeight(input.description);
  if (described !== null) return { grams: described, packCount: firstPack, source: "description", warnings };

  const shipping = input.shippingGrams;
  if (typeof shipping === "number" && Number.isFinite(shipping) && shipping > 0) {
    const grams = toGrams(shipping, 1);
    if (grams !== null) {
      warnings.push(
        `weight ${grams} g taken from Shopify shipping grams: no size in titles or options, and shipping weight is often not the bag size`,
      );
      return { grams, packCount: firstPack, source: "shipping_grams", warnings };
    }
  }
  warnings.push("no pack weight found in variant title, options, product title or description");
  return { grams: null, packCount: firstPack, source: null, warnings };
}
