// Roast level (roast_level_enum) and roast style (free text: espresso/filter/omni roast).
//
// A level word counts only next to "roast" or "profile" ("medium-dark-roast", "Roast
// Profile : Dark Roast", "roasted to a medium profile", "medium-dark profile"): alone,
// "medium" and "light" describe acidity, body and mouthfeel far more often than the roast.
// The names and what they map to are in vocabulary/roast.ts (City → medium, Full City →
// medium_dark, Vienna/French/Italian → dark, Cinnamon/Nordic → light).
import type { RoastLevel } from "../../db/enums.ts";
import { firstMatch } from "./first-match.ts";
import { alternation, lookup } from "./vocabulary/phrase.ts";
import { ROAST_LEVELS_VOCABULARY } from "./vocabulary/roast.ts";

export interface RoastLevelResult {
  level: RoastLevel | null;
  raw: string | null;
}

const LEVEL = `(${alternation(ROAST_LEVELS_VOCABULARY.flatMap((e) => e.synonyms))})`;
const END = "(?![a-z0-9+])";

const ROAST_LEVEL_PATTERNS: RegExp[] = [
  new RegExp(`\\broast(?:ed)?\\s*(?:profile|level|type|degree)?\\s*[:\\-–]\\s*${LEVEL}${END}`, "i"),
  new RegExp(`(?<![a-z])${LEVEL}[\\s-]*(?:roast(?:ed|s)?|profile)\\b`, "i"),
  new RegExp(`\\broast(?:ed)?\\s+(?:to\\s+)?(?:an?\\s+)?${LEVEL}${END}`, "i"),
];

const levelOf = lookup(ROAST_LEVELS_VOCABULARY);

/** Texts most-trusted first: tags and options before description prose. */
export function parseRoastLevel(texts: (string | null | undefined)[]): RoastLevelResult {
  const hit = firstMatch(texts, ROAST_LEVEL_PATTERNS);
  if (!hit) return { level: null, raw: null };
  return { level: levelOf(hit.match[1] ?? ""), raw: hit.match[0].trim() };
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
