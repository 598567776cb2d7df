// Processing method names → process_enum, most specific first (the first entry that
// matches a text wins, so "anaerobic natural" is anaerobic and "semi-washed" is not washed).
//
// `names` are unambiguous wherever they appear. `labelNames` are words that name a process
// in a short label ("Natural", "Honey", "Monsoon") but mean something else in prose ("a
// natural ecosystem", "notes of honey"): in prose they count only with process context
// ("natural process", "honey lot", "Process: Honey").
//
// Conventions: co-ferments, koji, yeast inoculation, thermal shock and infusions are
// "experimental" (the enum has no closer value). "Semi-washed" means wet-hulled in
// Indonesia and pulped natural in Brazil and India, so it is "other" rather than a guess.
// "Monsooned" is the Indian monsooning of Malabar coffees (Coffee Board of India's
// "Monsooned Malabar"), a process of its own in the enum.
import type { Process } from "../../../db/enums.ts";

export interface ProcessEntry {
  value: Process;
  names: readonly string[];
  labelNames?: readonly string[];
}

export const PROCESS_VOCABULARY: readonly ProcessEntry[] = [
  { value: "other", names: ["semi washed", "semiwashed"] },
  { value: "carbonic_maceration", names: ["carbonic maceration"] },
  { value: "double_fermented", names: ["double fermented", "double ferment", "double fermentation"] },
  { value: "anaerobic", names: ["anaerobic", "anaerobically", "anaerobic fermentation"] },
  {
    value: "experimental",
    names: [
      "co fermented",
      "co ferment",
      "co fermentation",
      "cofermented",
      "koji",
      "koji fermented",
      "yeast inoculated",
      "yeast inoculation",
      "yeast fermented",
      "yeast fermentation",
      "thermal shock",
      "infused",
      "experimental process",
      "experimental processing",
      "experimental lot",
      "experimental fermentation",
    ],
    labelNames: ["experimental"],
  },
  { value: "monsooned", names: ["monsooned", "monsoon malabar", "monsooning"], labelNames: ["monsoon"] },
  { value: "wet_hulled", names: ["wet hulled", "wet hulling", "giling basah"] },
  { value: "pulped_natural", names: ["pulped natural", "pulp natural"] },
  {
    value: "honey",
    names: [
      "red honey",
      "yellow honey",
      "black honey",
      "white honey",
      "golden honey",
      "honey process",
      "honey processed",
      "honey processing",
      "honey lot",
      "honey method",
    ],
    labelNames: ["honey"],
  },
  {
    value: "natural",
    names: [
      "natural process",
      "natural processed",
      "natural processing",
      "naturally processed",
      "natural lot",
      "natural method",
      "dry process",
      "dry processed",
      "unwashed",
      "sun dried natural",
    ],
    labelNames: ["natural", "naturals", "sun dried"],
  },
  {
    value: "washed",
    names: ["washed", "fully washed", "wet process", "wet processed", "gewaschen", "lavado"],
  },
];
