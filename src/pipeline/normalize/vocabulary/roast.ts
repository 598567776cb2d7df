// Roast level names → roast_level_enum.
//
// Source of the convention: the classic American roast names as coffee roasting references
// group them (the SCA roast colour tiles and the usual roast-degree charts): Cinnamon, New
// England and Half City are light; American, City and City+ are medium; Full City and
// Full City+ are medium-dark; Vienna, French, Italian and Spanish are dark. So City → medium
// is the field's own convention, not ours. "Nordic" is the Scandinavian light filter roast.
// Style words (espresso, filter, omni roast) say what a roast is for, not how dark it is:
// they are not here (see parseRoastStyle).
import type { RoastLevel } from "../../../db/enums.ts";
import type { VocabularyEntry } from "./phrase.ts";

export const ROAST_LEVELS_VOCABULARY: readonly VocabularyEntry<RoastLevel>[] = [
  { value: "light_medium", synonyms: ["light medium", "light to medium", "medium light", "medium to light"] },
  { value: "medium_dark", synonyms: ["medium dark", "medium to dark", "full city", "full city+"] },
  {
    value: "light",
    synonyms: ["light", "cinnamon", "new england", "half city", "light city", "nordic", "blonde"],
  },
  { value: "medium", synonyms: ["medium", "city", "city+", "american"] },
  { value: "dark", synonyms: ["dark", "vienna", "french", "italian", "spanish", "continental"] },
];
