// Grind of a variant, mapped onto grind_enum through the table in vocabulary/grind.ts.
import type { Grind } from "../../db/enums.ts";
import { GRIND_VOCABULARY } from "./vocabulary/grind.ts";
import { alternation, wordPattern } from "./vocabulary/phrase.ts";
import { rememberRecent } from "./remember-recent.ts";

export interface GrindResult {
  grind: Grind | null;
  raw: string | null;
}

export interface GrindOptions {
  /**
   * The texts are values of an option named as a grind ("Grind: Medium"), so bare
   * fineness words ("Fine", "Medium", "Coarse") and "Whole" count. Default true.
   */
  fromGrindOption?: boolean;
}

const PATTERNS = GRIND_VOCABULARY.map((e) => ({
  pattern: wordPattern(alternation(e.synonyms)),
  grind: e.value,
  optionOnly: e.optionOnly ?? false,
}));

const WHOLE_ANYWHERE = PATTERNS.filter((p) => p.grind === "whole" && !p.optionOnly).map((p) => p.pattern);
const WHOLE_AS_OPTION = PATTERNS.filter((p) => p.grind === "whole").map((p) => p.pattern);

/** Does the text say whole bean ("Whole Beans", "Ganze Bohne"; as a grind option's value also "Beans")? */
export function saysWholeBean(text: string, options: GrindOptions = {}): boolean {
  const patterns = (options.fromGrindOption ?? true) ? WHOLE_AS_OPTION : WHOLE_ANYWHERE;
  return segments(text.slice(0, 2000)).some((part) => patterns.some((p) => p.test(part)));
}

/** Splits "250g / Whole Bean" into the parts a shop joins options with. */
function segments(text: string): string[] {
  return text
    .split(/\s*[/|,;]\s*|\s+-\s+/)
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/** Texts in priority order, e.g. [grind option value, variant title]. First match wins. */
export function parseGrind(texts: (string | null | undefined)[], options: GrindOptions = {}): GrindResult {
  const inText = (options.fromGrindOption ?? true) ? grindInOptionValue : grindInText;
  for (const text of texts) {
    if (typeof text !== "string") continue;
    const hit = inText(text);
    if (hit !== null) return { ...hit };
  }
  return { grind: null, raw: null };
}

function grindIn(text: string, fromGrindOption: boolean): GrindResult | null {
  const parts = segments(text.slice(0, 2000));
  // Table order beats position: "Ground, for espresso" is espresso, not "other".
  for (const { pattern, grind, optionOnly } of PATTERNS) {
    if (optionOnly && !fromGrindOption) continue;
    const hit = parts.find((part) => pattern.test(part));
    if (hit !== undefined) return { grind, raw: hit };
  }
  return null;
}

// Every variant of a coffee reads its grind again from the same few values (see remember-recent.ts).
const RECENT = { size: 64, maxInputLength: 200 };
const grindInOptionValue = rememberRecent((text) => grindIn(text, true), RECENT);
const grindInText = rememberRecent((text) => grindIn(text, false), RECENT);
