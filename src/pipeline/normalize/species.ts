// Bean species (species_enum).
//
// The first text that names a species decides, so a title "Robusta Kaapi Royale" is not
// overruled by prose comparing it with arabica. Ratios ("80% arabica 20% robusta",
// "Arabica 70 : Robusta 30") map to the four ratio values the enum has; other ratios are
// "blend". Chicory anywhere makes it a chicory blend: with no species named it is a
// "filter_coffee_mix" when sold as filter coffee, else "blend_chicory".
import type { Species } from "../../db/enums.ts";
import { usableTexts } from "./first-match.ts";
import { alternation, wordPattern } from "./vocabulary/phrase.ts";
import { CHICORY_SYNONYMS, SPECIES_VOCABULARY } from "./vocabulary/species.ts";

const speciesPattern = (species: string) =>
  wordPattern(alternation(SPECIES_VOCABULARY.find((e) => e.value === species)!.synonyms));
const ARABICA = speciesPattern("arabica");
const ROBUSTA = speciesPattern("robusta");
const LIBERICA = speciesPattern("liberica");
const CHICORY = wordPattern(alternation(CHICORY_SYNONYMS));
const NO_CHICORY = /\b(?:no|without|zero|free\s+of)\s+(?:added\s+)?chicory\b|\bchicory[\s-]*free\b/i;
const FILTER_COFFEE = /\bfilter[\s-]*coffee\b/i;
const FILTER_COFFEE_MIX = /\bfilter[\s-]*coffee[\s-]*(?:mix|powder|blend)\b/i;

const SEP = "[\\s,&/+:\\-–]*(?:and\\s*)?";
const RATIO_PATTERNS: { pattern: RegExp; arabicaFirst: boolean }[] = [
  {
    pattern: new RegExp(`(\\d{1,3})\\s*%?\\s*arabica${SEP}(\\d{1,3})\\s*%?\\s*robusta`, "i"),
    arabicaFirst: true,
  },
  {
    pattern: new RegExp(`(\\d{1,3})\\s*%?\\s*robusta${SEP}(\\d{1,3})\\s*%?\\s*arabica`, "i"),
    arabicaFirst: false,
  },
  {
    pattern: new RegExp(
      `arabica\\s*[:\\-–]?\\s*(\\d{1,3})\\s*%?${SEP}robusta\\s*[:\\-–]?\\s*(\\d{1,3})`,
      "i",
    ),
    arabicaFirst: true,
  },
  {
    pattern: new RegExp(
      `robusta\\s*[:\\-–]?\\s*(\\d{1,3})\\s*%?${SEP}arabica\\s*[:\\-–]?\\s*(\\d{1,3})`,
      "i",
    ),
    arabicaFirst: false,
  },
  { pattern: /(\d{1,3})\s*[:/]\s*(\d{1,3})\s*arabica\s*[:/&-]?\s*(?:and\s*)?robusta/i, arabicaFirst: true },
];

function ratioSpecies(arabica: number, robusta: number): Species {
  if (arabica + robusta !== 100) return "blend";
  if (arabica === 80) return "arabica_80_robusta_20";
  if (arabica === 70) return "arabica_70_robusta_30";
  if (arabica === 60) return "arabica_60_robusta_40";
  if (arabica === 50) return "arabica_50_robusta_50";
  if (arabica === 20) return "robusta_80_arabica_20";
  return "blend";
}

function speciesInText(text: string): Species | null {
  for (const { pattern, arabicaFirst } of RATIO_PATTERNS) {
    const m = pattern.exec(text);
    if (!m) continue;
    const first = Number(m[1]);
    const second = Number(m[2]);
    return arabicaFirst ? ratioSpecies(first, second) : ratioSpecies(second, first);
  }
  const a = ARABICA.test(text);
  const r = ROBUSTA.test(text);
  const l = LIBERICA.test(text);
  const count = [a, r, l].filter(Boolean).length;
  if (count > 1) return "blend";
  if (a) return "arabica";
  if (r) return "robusta";
  if (l) return "liberica";
  return null;
}

function withChicory(species: Species | null, soldAsFilterCoffee: boolean): Species {
  if (species === "arabica") return "arabica_chicory";
  if (species === "robusta") return "robusta_chicory";
  if (species === null && soldAsFilterCoffee) return "filter_coffee_mix";
  return "blend_chicory";
}

export function parseSpecies(texts: (string | null | undefined)[]): Species | null {
  const usable = usableTexts(texts);
  if (usable.some((t) => FILTER_COFFEE_MIX.test(t))) return "filter_coffee_mix";
  let species: Species | null = null;
  for (const text of usable) {
    species = speciesInText(text);
    if (species) break;
  }
  if (usable.some((t) => CHICORY.test(t) && !NO_CHICORY.test(t))) {
    return withChicory(
      species,
      usable.some((t) => FILTER_COFFEE.test(t)),
    );
  }
  return species;
}
