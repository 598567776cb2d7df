// The coffee-attribute parsers live one per file; this module groups them for callers
// that want "everything about the bean" from one import.
export { parseAltitude } from "./altitude.ts";
export { parseDecaf } from "./decaf.ts";
export { parseOrigin, type OriginResult } from "./origin.ts";
export { parseTastingNotes } from "./tasting-notes.ts";
export { parseVarieties } from "./varieties.ts";
