// Roast level (roast_level_enum) and roast style (free text: espresso/filter/omni roast).
//
// A level word counts only next to "roast" ("medium-dark-roast", "Roast Profile : Dark
// Roast", "roasted to a medium profile"): alone, "medium" and "light" describe acidity,
// body and mouthfeel far more often than the roast.
// Classic names are mapped too: City → medium, Full City → medium_dark, Vienna/French/
// Italian → dark, Cinnamon/New England/Nordic → light.
import type { RoastLevel } from "../../db/enums.ts";
import { firstMatch } from "./first-match.ts";

export interface RoastLevelResult {
  level: RoastLevel | null;
  raw: string | null;
}

const LEVEL =
  "(light[\\s-]*(?:to[\\s-]*)?medium|medium[\\s-]*(?:to[\\s-]*)?light|medium[\\s-]*(?:to[\\s-]*)?dark|" +
  "full[\\s-]*city\\+?|half[\\s-]*city|light|medium|dark|city\\+?|cinnamon|new[\\s-]*england|vienna|french|italian|nordic)";

const ROAST_LEVEL_PATTERNS: RegExp[] = [
  new RegExp(`\\broast(?:ed)?\\s*(?:profile|level|type|degree)?\\s*[:\\-–]\\s*${LEVEL}(?![a-z])`, "i"),
  new RegExp(`(?<![a-z])${LEVEL}[\\s-]*roast(?:ed|s)?\\b`, "i"),
  new RegExp(`\\broast(?:ed)?\\s+(?:to\\s+)?(?:an?\\s+)?${LEVEL}(?![a-z])`, "i"),
];

function toRoastLevel(word: string): RoastLevel | null {
  const w = word
    .toLowerCase()
    .replace(/[\s-]+/g, " ")
    .replace(/\bto /, "")
    .trim();
  if (w === "light medium" || w === "medium light") return "light_medium";
  if (w === "medium dark" || w.startsWith("full city")) return "medium_dark";
  if (["light", "cinnamon", "new england", "half city", "nordic"].includes(w)) return "light";
  if (w === "medium" || w.startsWith("city")) return "medium";
  if (["dark", "vienna", "french", "italian"].includes(w)) return "dark";
  return null;
}

/** Texts most-trusted first: tags and options before description prose. */
export function parseRoastLevel(texts: (string | null | undefined)[]): RoastLevelResult {
  const hit = firstMatch(texts, ROAST_LEVEL_PATTERNS);
  if (!hit) return { level: null, raw: null };
  return { level: toRoastLevel(hit.match[1] ?? ""), raw: hit.match[0].trim() };
}

const ROAST_STYLE_PATTERNS: RegExp[] = [
  /\b(?:omni|espresso|filter|cold[\s-]*brew)[\s-]*roast(?:ed|s)?\b/i,
  /\broasted\s+for\s+(?:espresso|filter|cold[\s-]*brew)\b/i,
  /\broast\s*style\s*[:\-–]\s*[a-z][a-z\s-]{1,30}/i,
];

/** The roast's intended brew style as the shop wrote it ("Espresso Roast", "omni roast"). */
export function parseRoastStyle(texts: (string | null | undefined)[]): string | null {
  const hit = firstMatch(texts, ROAST_STYLE_PATTERNS);
  return hit ? hit.match[0].trim() : null;
}
