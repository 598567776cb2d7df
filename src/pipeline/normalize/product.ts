// A RawProduct → NormalizedProduct: classification, coffee attributes, variants, images.
// Pure and total: odd input yields warnings and empty fields, never an exception.
import type { RawImage, RawProduct, RawVariant } from "../../platforms/raw-product.ts";
import { parseAltitude } from "./altitude.ts";
import { classifyProduct, type Classification } from "./classify.ts";
import { parseDecaf } from "./decaf.ts";
import { parseOrigin } from "./origin.ts";
import { parseProcess } from "./process.ts";
import { parseRoastLevel, parseRoastStyle } from "./roast.ts";
import { objectArray, safely, stringArray, stringOrNull } from "./safe.ts";
import { parseSpecies } from "./species.ts";
import { parseTastingNotes } from "./tasting-notes.ts";
import { cleanText, decodeEntities, htmlToMarkdown, htmlToText, slugify } from "./text.ts";
import type { NormalizedImage, NormalizedProduct } from "./types.ts";
import { parseVarieties } from "./varieties.ts";
import { normalizeVariant } from "./variant.ts";

export interface NormalizeContext {
  /** Currency of this fetch (Shopify /meta.json or the roaster's config); the payload's own wins. */
  currency: string | null;
  /** Decided elsewhere (the LLM enricher, for a product the rules found no signal in): the rules are not asked. */
  classification?: Classification;
}

// Turndown is linear but not fast; a description this long is a broken page, not prose.
const MAX_DESCRIPTION_HTML = 1_000_000;

type CoffeeAttributes = Pick<
  NormalizedProduct,
  | "roastLevel"
  | "roastLevelRaw"
  | "roastStyleRaw"
  | "process"
  | "processRaw"
  | "species"
  | "decaf"
  | "varieties"
  | "country"
  | "region"
  | "altitude"
  | "tastingNotes"
>;

const NO_ATTRIBUTES: CoffeeAttributes = {
  roastLevel: null,
  roastLevelRaw: null,
  roastStyleRaw: null,
  process: null,
  processRaw: null,
  species: null,
  decaf: false,
  varieties: [],
  country: null,
  region: null,
  altitude: null,
  tastingNotes: [],
};

/**
 * Most-trusted first: the shop's short labels (title, tags, type, categories, options as
 * "Name: value") before description prose, since parsers let the first mention decide.
 */
function attributeTexts(raw: RawProduct, name: string, tags: string[], descriptionText: string): string[] {
  const options = objectArray<{ name: unknown; values: unknown }>(raw.options).flatMap((o) =>
    stringArray(o.values).map((v) => `${typeof o.name === "string" ? o.name : ""}: ${decodeEntities(v)}`),
  );
  return [
    name,
    ...tags,
    decodeEntities(stringOrNull(raw.productType) ?? ""),
    ...stringArray(raw.categories).map(decodeEntities),
    ...options,
    descriptionText,
  ];
}

function coffeeAttributes(texts: string[], warnings: string[]): CoffeeAttributes {
  const roast = safely("roast parsing", () => parseRoastLevel(texts), { level: null, raw: null }, warnings);
  const process = safely(
    "process parsing",
    () => parseProcess(texts),
    { process: null, raw: null },
    warnings,
  );
  const origin = safely(
    "origin parsing",
    () => parseOrigin(texts),
    { country: null, region: null },
    warnings,
  );
  return {
    roastLevel: roast.level,
    roastLevelRaw: roast.raw,
    roastStyleRaw: safely("roast style parsing", () => parseRoastStyle(texts), null, warnings),
    process: process.process,
    processRaw: process.raw,
    species: safely("species parsing", () => parseSpecies(texts), null, warnings),
    decaf: safely("decaf parsing", () => parseDecaf(texts), false, warnings),
    varieties: safely("variety parsing", () => parseVarieties(texts), [], warnings),
    country: origin.country,
    region: origin.region,
    altitude: safely("altitude parsing", () => parseAltitude(texts), null, warnings),
    tastingNotes: safely("tasting notes parsing", () => parseTastingNotes(texts), [], warnings),
  };
}

function positiveInt(value: unknown): number | null {
  return typeof value === "number" && Number.isInteger(value) && value > 0 ? value : null;
}

function normalizeImages(raw: unknown): NormalizedImage[] {
  return objectArray<RawImage>(raw)
    .filter((img) => typeof img.url === "string" && img.url.trim() !== "")
    .map((img, i) => ({
      img,
      order: typeof img.position === "number" && Number.isFinite(img.position) ? img.position : i,
    }))
    .sort((a, b) => a.order - b.order)
    .map(({ img }, sortOrder) => ({
      url: img.url.trim(),
      alt: stringOrNull(img.alt) ? cleanText(decodeEntities(img.alt!)) : null,
      width: positiveInt(img.width),
      height: positiveInt(img.height),
      sortOrder,
    }));
}

function uniqueTags(raw: unknown): string[] {
  const tags = stringArray(raw)
    .map((t) => cleanText(decodeEntities(t)))
    .filter((t) => t !== "");
  return [...new Set(tags)];
}

/**
 * The classification normalizeProduct makes (a product the rules fail on is "other", not
 * coffee, with a warning). A caller that writes only coffees asks it first and normalizes
 * only those, passing it on as `NormalizeContext.classification`.
 */
export function classifyListing(raw: RawProduct, warnings: string[] = []): Classification {
  return safely<Classification>(
    "classification",
    () => classifyProduct(raw),
    { isCoffee: false, kind: "other", reason: "classification failed" },
    warnings,
  );
}

export function normalizeProduct(raw: RawProduct, ctx: NormalizeContext): NormalizedProduct {
  const warnings: string[] = [];
  const idValue = raw?.platformProductId as unknown;
  const platformProductId =
    typeof idValue === "string" ? idValue : typeof idValue === "number" ? String(idValue) : "";
  if (platformProductId === "") warnings.push("product has no platform id");

  let name = stringOrNull(raw?.title) ? cleanText(decodeEntities(raw.title)) : "";
  if (name === "") {
    name = `Untitled product ${platformProductId}`.trim();
    warnings.push("product has no title");
  }
  const handle = stringOrNull(raw?.handle);
  const slug = slugify(handle ?? name) || slugify(`product-${platformProductId}`) || "product";

  const html = stringOrNull(raw?.descriptionHtml);
  if (html && html.length > MAX_DESCRIPTION_HTML) {
    warnings.push(`description truncated from ${html.length} characters`);
  }
  const boundedHtml = html ? html.slice(0, MAX_DESCRIPTION_HTML) : null;
  const descriptionMd = safely("description conversion", () => htmlToMarkdown(boundedHtml), null, warnings);
  const descriptionText = safely("description text", () => htmlToText(boundedHtml), "", warnings);

  const classification = ctx?.classification ?? classifyListing(raw, warnings);
  const tags = uniqueTags(raw?.tags);
  const attributes = classification.isCoffee
    ? coffeeAttributes(attributeTexts(raw, name, tags, descriptionText), warnings)
    : NO_ATTRIBUTES;

  const currency = stringOrNull(raw?.currency) ?? stringOrNull(ctx?.currency);
  const rawVariants = objectArray<RawVariant>(raw?.variants);
  const optionValues = objectArray<{ name: unknown; values: unknown }>(raw?.options).map((o) => ({
    name: typeof o.name === "string" ? cleanText(decodeEntities(o.name)) : "",
    values: stringArray(o.values).map((v) => cleanText(decodeEntities(v))),
  }));
  if (rawVariants.length === 0) warnings.push("product has no variants");
  const variants = rawVariants.map((v, i) =>
    normalizeVariant(
      v,
      {
        productTitle: name,
        currency,
        isCoffee: classification.isCoffee,
        isSubscriptionProduct: classification.kind === "subscription",
        productOptions: optionValues,
        descriptionText,
        kind: classification.kind,
      },
      i,
    ),
  );
  if (currency === null && variants.some((v) => v.price !== null)) {
    warnings.push("prices without a currency: the payload has none and none was given");
  }

  return {
    platformProductId,
    isCoffee: classification.isCoffee,
    kind: classification.kind,
    classificationReason: classification.reason,
    name,
    slug,
    descriptionMd,
    directBuyUrl: stringOrNull(raw?.url),
    ...attributes,
    tags,
    // The first variant is what a Shopify product page preselects: the shop's default.
    defaultGrind: variants.find((v) => v.grind !== null)?.grind ?? null,
    variants,
    images: safely("images", () => normalizeImages(raw?.images), [], warnings),
    warnings,
  };
}
