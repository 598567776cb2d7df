// Pack weight of a variant, in whole grams, from the texts a shop shows to buyers.
// Shopify's `grams` is the shipping weight (wrong for roughly a third of coffee variants,
// see docs/stores.md), so it is only a last resort and always flagged.
import type { RawOption } from "../../platforms/raw-product.ts";

export type WeightSource = "variant_title" | "option" | "product_title" | "shipping_grams";

export interface WeightInput {
  variantTitle: string | null;
  options: RawOption[];
  productTitle: string | null;
  shippingGrams: number | null;
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
// A number starts on its own (not inside another, nor as the exponent of "1e308 g").
const WEIGHT = new RegExp(`(?<![\\d.])(?<!\\d[eE][+-]?)(\\d+(?:\\.\\d+)?)[\\s-]*${UNIT_PATTERN}(?![a-z])`, "g");

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
  return s
    .toLowerCase()
    .replace(/(\d),(\d{3})(?!\d)/g, "$1$2")
    .replace(/(\d),(\d{1,2})(?!\d)/g, "$1.$2");
}

function unitFactor(unit: string): number {
  if (unit.startsWith("k")) return GRAMS_PER_UNIT.kg!;
  if (unit.startsWith("o")) return GRAMS_PER_UNIT.oz!;
  if (unit.startsWith("l") || unit.startsWith("p")) return GRAMS_PER_UNIT.lb!;
  return GRAMS_PER_UNIT.g!;
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
  for (const m of text.matchAll(WEIGHT)) {
    const g = toGrams(Number(m[1]), unitFactor(m[2]!));
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

/** A bare number ("200") is a weight only where the option's name says it is one. */
function parseUnitlessOption(option: RawOption): number | null {
  if (!WEIGHT_LIKE_OPTION_NAME.test(option.name ?? "")) return null;
  const m = /^\s*(\d+(?:[.,]\d+)?)\s*$/.exec(option.value ?? "");
  if (!m) return null;
  const unitInName = new RegExp(`\\(\\s*${UNIT_PATTERN}\\s*\\)|\\bin\\s+${UNIT_PATTERN}\\b`).exec(
    option.name.toLowerCase(),
  );
  const unit = unitInName ? (unitInName[1] ?? unitInName[2] ?? "g") : "g";
  return toGrams(Number(m[1]!.replace(",", ".")), unitFactor(unit));
}

function isPlaceholderTitle(title: string): boolean {
  return /^\s*default\s*title\s*$/i.test(title);
}

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
      const size = parseSizeText(text);
      tierPack ??= size?.packCount ?? null;
      const grams = size?.grams ?? (option ? parseUnitlessOption(option) : null);
      if (grams !== null) {
        // A pack count counts only next to the weight it multiplies: "SKIA Coffee (Pack of 2)"
        // with a "200g" variant means two 100 g bags, not two 200 g bags.
        return { grams, packCount: tierPack, source: tier.source, warnings };
      }
    }
    firstPack ??= tierPack;
  }

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
  warnings.push("no pack weight found in variant title, options or product title");
  return { grams: null, packCount: firstPack, source: null, warnings };
}
