// Public API of the normalization layer: pure functions from store values to schema values.
export { parseAltitude } from "./altitude.ts";
export { classifyProduct, type Classification, type ProductKind } from "./classify.ts";
export { parseDecaf } from "./decaf.ts";
export { parseGrind, type GrindResult } from "./grind.ts";
export { parseOrigin, type OriginResult } from "./origin.ts";
export { parsePrice } from "./price.ts";
export { parseProcess, type ProcessResult } from "./process.ts";
export { classifyListing, normalizeProduct, type NormalizeContext } from "./product.ts";
export { parseRoastLevel, parseRoastStyle, type RoastLevelResult } from "./roast.ts";
export { parseSpecies } from "./species.ts";
export { parseTastingNotes } from "./tasting-notes.ts";
export { cleanText, decodeEntities, htmlToMarkdown, htmlToText, slugify } from "./text.ts";
export type { NormalizedImage, NormalizedProduct, NormalizedVariant } from "./types.ts";
export { parseVarieties } from "./varieties.ts";
export { normalizeVariant, type VariantContext } from "./variant.ts";
export {
  parseSizeText,
  parseWeight,
  type WeightInput,
  type WeightResult,
  type WeightSource,
} from "./weight.ts";
