// Grind of a variant, mapped onto grind_enum.
//
// The enum carries two generations of values ("cold_brew"/"cold brew", "moka"/"moka pot").
// We always write the spelled-out generation ("cold brew", "moka pot") because the rest of
// the brew-method values only exist in that form; "cold_brew" and "moka" are never produced.
// A bare "ground" (no brew method) maps to "other": we know it is not whole bean but not
// for which brewer. "coffee filter" and "south indian filter" are distinct options in
// stores (Blue Tokai sells both), so they stay distinct from a plain "filter".
import type { Grind } from "../../db/enums.ts";

export interface GrindResult {
  grind: Grind | null;
  raw: string | null;
}

// Most specific first: "inverted aeropress" before "aeropress", "south indian filter" before "filter".
const GRIND_PATTERNS: [RegExp, Grind][] = [
  [/\bwhole[\s-]*beans?\b|\bbeans?\s*\(?\s*whole\b|\bunground\b|\bnot\s*ground\b/, "whole"],
  [/\binverted[\s-]*aero[\s-]*press\b/, "inverted aeropress"],
  [/\baero[\s-]*press\b/, "aeropress"],
  [/\bcommercial[\s-]*espresso\b/, "commercial espresso"],
  [/\bhome[\s-]*espresso\b/, "home espresso"],
  [/\bsouth[\s-]*indian[\s-]*filter\b/, "south indian filter"],
  [/\bcoffee[\s-]*filter\b/, "coffee filter"],
  [/\bfrench[\s-]*press\b|\bcafeti[eè]re\b|\bplunger\b/, "french press"],
  [/\bmoc?ha?[\s-]*pot\b|\bmoka\b|\bstove[\s-]*top\b/, "moka pot"],
  [/\bcold[\s-]*brew\b/, "cold brew"],
  [/\bpour[\s-]*over\b|\bv[\s-]?60\b|\bchemex\b|\bkalita\b|\bdripper\b/, "pour over"],
  [/\bs[iy]phon\b/, "syphon"],
  [/\bturkish\b|\bibrik\b|\bcezve\b/, "turkish"],
  [/\bchanni\b/, "channi"],
  [/\bespresso\b/, "espresso"],
  [/\bomni\b/, "omni"],
  [/\bfilter\b|\bdrip\b/, "filter"],
  [/\bground\b|\bgrind\b|\bpowder\b/, "other"],
];

/** Splits "250g / Whole Bean" into the parts a shop joins options with. */
function segments(text: string): string[] {
  return text
    .split(/\s*[/|,;]\s*|\s+-\s+/)
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/** Texts in priority order, e.g. [grind option value, variant title]. First match wins. */
export function parseGrind(texts: (string | null | undefined)[]): GrindResult {
  for (const text of texts) {
    if (typeof text !== "string") continue;
    const parts = segments(text.slice(0, 2000));
    // Pattern priority beats position: "Ground, for espresso" is espresso, not "other".
    for (const [pattern, grind] of GRIND_PATTERNS) {
      const hit = parts.find((part) => pattern.test(part.toLowerCase()));
      if (hit !== undefined) return { grind, raw: hit };
    }
  }
  return { grind: null, raw: null };
}
