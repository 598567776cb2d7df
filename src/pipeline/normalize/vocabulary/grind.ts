// Grind names → grind_enum, most specific first (the first entry that matches wins).
//
// The enum carries two generations of values ("cold_brew"/"cold brew", "moka"/"moka pot");
// we always write the spelled-out generation, because the other brew methods exist only in
// that form. A bare "ground" (no brewer) is "other": not whole bean, brewer unknown.
// "coffee filter" and "south indian filter" are distinct options in Indian stores, so they
// stay distinct from a plain "filter".
//
// Fineness words map to the brewer each fineness is ground for, after the usual grind-size
// charts (SCA brewing guides, grinder makers' charts): extra fine → turkish, fine →
// espresso, medium-fine → pour over, medium → filter (drip), medium-coarse → pour over
// (Chemex), coarse → french press, extra coarse → cold brew. A bare fineness word counts
// only as the value of a grind option (`optionOnly`): elsewhere "medium" is a roast or a
// body and "fine" an adjective.
import type { Grind } from "../../../db/enums.ts";
import type { VocabularyEntry } from "./phrase.ts";

export interface GrindEntry extends VocabularyEntry<Grind> {
  optionOnly?: boolean;
}

export const GRIND_VOCABULARY: readonly GrindEntry[] = [
  {
    value: "whole",
    synonyms: [
      "whole bean",
      "whole beans",
      "beans whole",
      "beans (whole)",
      "unground",
      "not ground",
      "ganze bohne",
      "ganze bohnen",
    ],
  },
  { value: "whole", synonyms: ["whole", "beans", "bean"], optionOnly: true },
  { value: "inverted aeropress", synonyms: ["inverted aeropress", "inverted aero press"] },
  { value: "aeropress", synonyms: ["aeropress", "aero press"] },
  { value: "commercial espresso", synonyms: ["commercial espresso"] },
  { value: "home espresso", synonyms: ["home espresso"] },
  { value: "south indian filter", synonyms: ["south indian filter"] },
  { value: "coffee filter", synonyms: ["coffee filter"] },
  { value: "turkish", synonyms: ["extra fine grind", "turkish", "ibrik", "cezve"] },
  { value: "turkish", synonyms: ["extra fine"], optionOnly: true },
  { value: "cold brew", synonyms: ["extra coarse grind", "cold brew"] },
  { value: "cold brew", synonyms: ["extra coarse"], optionOnly: true },
  { value: "pour over", synonyms: ["medium fine grind", "medium coarse grind"] },
  { value: "pour over", synonyms: ["medium fine", "medium coarse"], optionOnly: true },
  { value: "french press", synonyms: ["french press", "cafetiere", "cafetière", "plunger", "coarse grind"] },
  { value: "french press", synonyms: ["coarse"], optionOnly: true },
  { value: "moka pot", synonyms: ["moka pot", "mocha pot", "moka", "mokka", "stove top", "stovetop"] },
  { value: "pour over", synonyms: ["pour over", "v60", "chemex", "kalita", "kalita wave", "dripper"] },
  { value: "syphon", synonyms: ["syphon", "siphon", "vacuum pot"] },
  { value: "channi", synonyms: ["channi"] },
  { value: "espresso", synonyms: ["espresso", "fine grind"] },
  { value: "espresso", synonyms: ["fine"], optionOnly: true },
  { value: "omni", synonyms: ["omni"] },
  { value: "filter", synonyms: ["filter", "drip", "medium grind"] },
  { value: "filter", synonyms: ["medium"], optionOnly: true },
  { value: "other", synonyms: ["ground", "grind", "powder", "percolator"] },
];
