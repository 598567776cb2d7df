import { z } from "zod";
import { PROCESSES, ROAST_LEVELS } from "../db/enums.ts";
import type { NormalizedProduct } from "../pipeline/normalize/types.ts";
import { C0_CONTROLS } from "../core/control-characters.ts";

// What the enricher asks the model about one product: only the fields the deterministic
// parsers left unknown, with the product's own text. The answer must fit a JSON schema built
// from zod (enum values, ranges, lengths) and is validated again with the same zod schema:
// a model that ignores the schema gets its answer refused, never stored.

/** Bumped whenever the prompt or the answer's shape changes: every cached answer is then asked again. */
export const PROMPT_VERSION = 1;

export const CONFIDENCES = ["low", "medium", "high"] as const;
export type Confidence = (typeof CONFIDENCES)[number];

/** Fields the model can be asked for; acidity and body are on a 1–5 scale. */
export const ENRICHABLE_FIELDS = [
  "is_coffee",
  "roast_level",
  "process",
  "varieties",
  "country",
  "region",
  "altitude_m",
  "tasting_notes",
  "acidity",
  "body",
] as const;
export type EnrichableField = (typeof ENRICHABLE_FIELDS)[number];

const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((v) => !C0_CONTROLS.test(v), "must not contain control characters");

const VALUES = {
  is_coffee: z.boolean(),
  roast_level: z.enum(ROAST_LEVELS),
  process: z.enum(PROCESSES),
  varieties: z.array(text(60)).min(1).max(10),
  country: text(60),
  region: text(100),
  altitude_m: z.number().int().min(200).max(3500),
  tasting_notes: z.array(text(40)).min(1).max(12),
  acidity: z.number().min(1).max(5),
  body: z.number().min(1).max(5),
} satisfies Record<EnrichableField, z.ZodType>;

const DESCRIPTIONS: Record<EnrichableField, string> = {
  is_coffee: "whether this is roasted coffee to drink (beans, ground, drip bags), not equipment, merchandise, a class or a gift",
  roast_level: "how dark the beans are roasted",
  process: "how the cherries were processed after picking",
  varieties: "the coffee plant varieties (cultivars), e.g. SL9, Catuai, Bourbon",
  country: "the country the coffee was grown in, in English",
  region: "the growing region or estate's district within the country",
  altitude_m: "the growing altitude in metres above sea level (the low end of a range)",
  tasting_notes: "the flavours the product text says the coffee tastes of, as short notes",
  acidity: "perceived acidity from 1 (low) to 5 (bright)",
  body: "perceived body from 1 (light) to 5 (heavy)",
};

/** The answer's schema for `fields`: each field is null (the text does not say) or a value with a confidence. */
export function answerSchema(fields: readonly EnrichableField[]) {
  const shape: Record<string, z.ZodType> = {};
  for (const field of fields) {
    shape[field] = z.strictObject({ value: VALUES[field], confidence: z.enum(CONFIDENCES) }).nullable();
  }
  return z.strictObject(shape);
}

export type Answer = Partial<Record<EnrichableField, { value: unknown; confidence: Confidence } | null>>;

/**
 * The fields of `product` the parsers left unknown (acidity and body: no parser reads them);
 * with `isCoffee`, first whether it is coffee at all (the rules found no signal either way).
 */
export function unknownFields(product: NormalizedProduct, options: { isCoffee?: boolean } = {}): EnrichableField[] {
  const unknown: EnrichableField[] = options.isCoffee ? ["is_coffee"] : [];
  if (product.roastLevel === null) unknown.push("roast_level");
  if (product.process === null) unknown.push("process");
  if (product.varieties.length === 0) unknown.push("varieties");
  if (product.country === null) unknown.push("country");
  if (product.region === null) unknown.push("region");
  if (product.altitude === null) unknown.push("altitude_m");
  if (product.tastingNotes.length === 0) unknown.push("tasting_notes");
  unknown.push("acidity", "body");
  return unknown;
}

/** The product as the model reads it: its title, type, tags and description, cut to `maxChars`. */
export function productText(product: NormalizedProduct, maxChars: number): string {
  const parts = [
    `Title: ${product.name}`,
    product.tags.length > 0 ? `Tags: ${product.tags.join(", ")}` : null,
    product.descriptionMd ? `Description:\n${product.descriptionMd}` : null,
  ].filter((p): p is string => p !== null);
  return parts.join("\n").slice(0, maxChars);
}

export const SYSTEM_PROMPT =
  "You read one coffee product listed by a specialty roaster and fill in facts about the coffee. " +
  "Answer only from the text given. For each field, give null when the text does not say or clearly imply it; " +
  "never guess. Give each value a confidence: high when the text states it, medium when it clearly implies it, " +
  "low otherwise. Answer with JSON that fits the schema.";

export function userPrompt(fields: readonly EnrichableField[], productTextValue: string): string {
  const asked = fields.map((f) => `- ${f}: ${DESCRIPTIONS[f]}`).join("\n");
  return `Fields:\n${asked}\n\nProduct:\n${productTextValue}`;
}
