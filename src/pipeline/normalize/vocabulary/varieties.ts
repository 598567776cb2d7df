// Coffee varieties (cultivars): spellings → the usual display name.
//
// Indian research-station selections are listed with their many spellings because most
// stores we read are Indian. Source of the names: the Central Coffee Research Institute
// (Coffee Board of India) numbering: Sln 795 (S795, "SL 795", the common misspelling),
// Sln 9, Sln 5A / 5B, Sln 6, Chandragiri (Sln 12), Cauvery (Sln 13, a Catimor), Hemavathy,
// CxR (a robusta selection). "SL 28/34/9" are Scott Laboratories (Kenya) selections.
import type { VocabularyEntry } from "./phrase.ts";

export const VARIETY_VOCABULARY: readonly VocabularyEntry<string>[] = [
  { value: "SL-795", synonyms: ["sl 795", "sln 795", "s 795", "s795", "selection 795", "s.l. 795"] },
  { value: "SL-28", synonyms: ["sl 28", "s.l. 28"] },
  { value: "SL-34", synonyms: ["sl 34", "s.l. 34"] },
  { value: "SL-9", synonyms: ["sl 9", "s.l. 9"] },
  { value: "Selection 9", synonyms: ["selection 9", "sln 9", "s9"] },
  { value: "Selection 5A", synonyms: ["selection 5 a", "sln 5 a", "s5a"] },
  { value: "Selection 5B", synonyms: ["selection 5 b", "sln 5 b", "s5b"] },
  { value: "Selection 6", synonyms: ["selection 6", "sln 6", "s6"] },
  { value: "Chandragiri", synonyms: ["chandragiri", "sln 12", "selection 12"] },
  { value: "Cauvery", synonyms: ["cauvery", "sln 13", "selection 13"] },
  { value: "Hemavathy", synonyms: ["hemavathy", "hemavathi"] },
  { value: "CxR", synonyms: ["cxr", "c x r", "cx r"] },
  { value: "Catimor", synonyms: ["catimor"] },
  { value: "Catuai", synonyms: ["catuai", "catuaí", "catuaì"] },
  { value: "Caturra", synonyms: ["caturra"] },
  { value: "Bourbon", synonyms: ["bourbon"] },
  { value: "Typica", synonyms: ["typica"] },
  { value: "Gesha", synonyms: ["gesha", "geisha", "gisha"] },
  { value: "Kent", synonyms: ["kent", "kents"] },
  { value: "Pacamara", synonyms: ["pacamara"] },
  { value: "Maragogype", synonyms: ["maragogype", "maragogipe"] },
  { value: "Mundo Novo", synonyms: ["mundo novo"] },
  { value: "Castillo", synonyms: ["castillo"] },
  { value: "Sarchimor", synonyms: ["sarchimor"] },
  { value: "Pacas", synonyms: ["pacas"] },
  { value: "Villa Sarchi", synonyms: ["villa sarchi"] },
  {
    value: "Ethiopian Heirloom",
    synonyms: ["ethiopian heirloom", "ethiopian landrace", "heirloom", "landrace"],
  },
  { value: "Ruiru 11", synonyms: ["ruiru 11"] },
  { value: "Batian", synonyms: ["batian"] },
  { value: "Obata", synonyms: ["obata"] },
  { value: "Marsellesa", synonyms: ["marsellesa"] },
  { value: "Parainema", synonyms: ["parainema"] },
  { value: "Wush Wush", synonyms: ["wush wush"] },
  { value: "Sidra", synonyms: ["sidra"] },
  { value: "Laurina", synonyms: ["laurina"] },
  { value: "Arusha", synonyms: ["arusha"] },
  { value: "Lempira", synonyms: ["lempira"] },
];

/** Coloured bourbons are varieties of their own ("Pink Bourbon"). */
export const BOURBON_COLOURS: readonly string[] = ["red", "yellow", "pink", "orange"];
