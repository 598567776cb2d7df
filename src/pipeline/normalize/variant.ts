// One store variant → a NormalizedVariant (weight, grind, prices, stock).
import type { RawOption, RawVariant } from "../../platforms/raw-product.ts";
import { parseGrind } from "./grind.ts";
import { parsePrice } from "./price.ts";
import { objectArray, safely, stringOrNull } from "./safe.ts";
import { cleanText, decodeEntities } from "./text.ts";
import type { NormalizedVariant } from "./types.ts";
import { parseWeight } from "./weight.ts";

export interface VariantContext {
  productTitle: string;
  currency: string | null;
  isCoffee: boolean;
  isSubscriptionProduct: boolean;
  /** The product's options with all their values (the unit of a bare "1" among "250, 500, 1"). */
  productOptions?: { name: string; values: string[] }[];
  /** The product description as text (drip bags state their fill there). */
  descriptionText?: string | null;
  /**
   * The product's kind. Shipping grams of a box of drip bags, capsules or instant coffee
   * are the box's, never the coffee's: those kinds do not fall back to them.
   */
  kind?: string;
}

const PACKAGED_KINDS = new Set(["drip_bags", "capsules", "instant"]);

const GRIND_OPTION_NAME = /\bgrind|\bgrinding\b|\bbrew(?:ing)?\s+method\b/i;
const SUBSCRIPTION_OPTION = /\bsubscri|\binstal?lments?\b|\bdeliver(?:y|ies)\b|\bfrequency\b/i;

function readOptions(raw: unknown): RawOption[] {
  return objectArray<RawOption>(raw)
    .filter((o) => typeof o.value === "string")
    .map((o) => ({
      name: typeof o.name === "string" ? cleanText(decodeEntities(o.name)) : "",
      value: cleanText(decodeEntities(o.value)),
    }));
}

function nonNegativeInteger(value: unknown): number | null {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 ? value : null;
}

/**
 * Grind comes from options named like a grind when there are any: other options can hold
 * words that look like grinds (a Woo subscription's "Coffee: south-indian-filter-coffee").
 */
function grindTexts(title: string | null, options: RawOption[]): { texts: string[]; fromGrindOption: boolean } {
  const grindOptions = options.filter((o) => GRIND_OPTION_NAME.test(o.name));
  if (grindOptions.length > 0) return { texts: grindOptions.map((o) => o.value), fromGrindOption: true };
  return { texts: [...(title ? [title] : []), ...options.map((o) => o.value)], fromGrindOption: false };
}

export function normalizeVariant(raw: RawVariant, ctx: VariantContext, index: number): NormalizedVariant {
  const warnings: string[] = [];
  const id = raw?.platformVariantId;
  const platformVariantId =
    typeof id === "string" && id !== "" ? id : typeof id === "number" ? String(id) : `#${index}`;
  if (platformVariantId === `#${index}`) warnings.push(`variant ${index} has no platform id`);

  const title = stringOrNull(raw?.title) ? cleanText(decodeEntities(raw.title!)) : null;
  const options = safely("reading options", () => readOptions(raw?.options), [], warnings);

  const weight = safely(
    "weight parsing",
    () =>
      parseWeight({
        variantTitle: title,
        options,
        productTitle: ctx.productTitle,
        shippingGrams:
          typeof raw?.shippingGrams === "number" && !PACKAGED_KINDS.has(ctx.kind ?? "") ? raw.shippingGrams : null,
        optionValues: ctx.productOptions ?? [],
        description: ctx.descriptionText ?? null,
      }),
    { grams: null, packCount: null, source: null, warnings: [] },
    warnings,
  );
  // Gift hampers and workshops have no pack weight by nature: not worth a warning.
  if (ctx.isCoffee) warnings.push(...weight.warnings);

  const grind =
    ctx.isCoffee || ctx.isSubscriptionProduct
      ? safely(
          "grind parsing",
          () => {
            const { texts, fromGrindOption } = grindTexts(title, options);
            return parseGrind(texts, { fromGrindOption });
          },
          { grind: null, raw: null },
          warnings,
        )
      : { grind: null, raw: null };

  const price = safely("price parsing", () => parsePrice(raw?.price), null, warnings);
  const compareAtPrice = safely(
    "compare-at price parsing",
    () => parsePrice(raw?.compareAtPrice),
    null,
    warnings,
  );
  if (price === null && stringOrNull(raw?.price?.amount)) {
    warnings.push(`price "${String(raw.price.amount).slice(0, 40)}" is not a usable price`);
  }

  return {
    platformVariantId,
    sku: stringOrNull(raw?.sku)?.trim() ?? null,
    weightG: weight.grams,
    weightSource: weight.source,
    packCount: weight.packCount,
    grind: grind.grind,
    grindRaw: grind.raw,
    currency: ctx.currency,
    price,
    compareAtPrice,
    isSale: price !== null && compareAtPrice !== null && compareAtPrice > price,
    inStock: typeof raw?.available === "boolean" ? raw.available : null,
    stockQty: nonNegativeInteger(raw?.stockQty),
    subscriptionAvailable:
      ctx.isSubscriptionProduct ||
      options.some((o) => SUBSCRIPTION_OPTION.test(o.name) || /\bsubscri/i.test(o.value)),
    warnings,
  };
}
