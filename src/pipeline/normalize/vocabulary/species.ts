// Species names → species_enum (the ratio and chicory values are worked out by parseSpecies).
// Robusta's botanical name (Coffea canephora) and liberica's close cousin excelsa (now
// classed as a liberica variety) are read too.
import type { Species } from "../../../db/enums.ts";
import type { VocabularyEntry } from "./phrase.ts";

export const SPECIES_VOCABULARY: readonly VocabularyEntry<
  Extract<Species, "arabica" | "robusta" | "liberica">
>[] = [
  { value: "arabica", synonyms: ["arabica", "arabicas", "coffea arabica"] },
  { value: "robusta", synonyms: ["robusta", "robustas", "canephora", "coffea canephora"] },
  { value: "liberica", synonyms: ["liberica", "libericas", "excelsa"] },
];

export const CHICORY_SYNONYMS: readonly string[] = ["chicory"];
