// Coffee varieties (cultivars) under their usual display names, de-duplicated, in the
// order they are first mentioned. Indian research-station names are included
// (SL-795, Selection 9, Chandragiri, Cauvery) because the stores we read are mostly Indian;
// "S795" is the common misspelling of SL-795.
import { usableTexts } from "./first-match.ts";

const VARIETIES: [RegExp, string][] = [
  [/\bs\.?\s?l\.?[\s-]?795\b|\bs[\s-]?795\b/i, "SL-795"],
  [/\bs\.?\s?l\.?[\s-]?28\b/i, "SL-28"],
  [/\bs\.?\s?l\.?[\s-]?34\b/i, "SL-34"],
  [/\bs\.?\s?l\.?[\s-]?9\b/i, "SL-9"],
  [/\b(?:selection|sln\.?)[\s-]?9\b/i, "Selection 9"],
  [/\b(?:selection|sln\.?)[\s-]?5\s?b\b/i, "Selection 5B"],
  [/\b(?:selection|sln\.?)[\s-]?6\b/i, "Selection 6"],
  [/\bchandragiri\b/i, "Chandragiri"],
  [/\bcauvery\b/i, "Cauvery"],
  [/\bcatimor\b/i, "Catimor"],
  [/\bcatua[ií]\b/i, "Catuai"],
  [/\bcaturra\b/i, "Caturra"],
  [/\bbourbon\b/i, "Bourbon"],
  [/\btypica\b/i, "Typica"],
  [/\bg[ei]i?sha\b/i, "Gesha"],
  [/\bkents?\b/i, "Kent"],
  [/\bpacamara\b/i, "Pacamara"],
  [/\bmaragog[iy]pe\b/i, "Maragogype"],
  [/\bmundo\s+novo\b/i, "Mundo Novo"],
  [/\bcastillo\b/i, "Castillo"],
  [/\bsarchimor\b/i, "Sarchimor"],
  [/\bhemavathy\b/i, "Hemavathy"],
  [/\bpacas\b/i, "Pacas"],
  [/\bvilla\s+sarchi\b/i, "Villa Sarchi"],
  [/\b(?:ethiopian\s+)?(?:landrace|heirloom)\b/i, "Ethiopian Heirloom"],
  [/\bruiru\s*11\b/i, "Ruiru 11"],
  [/\bbatian\b/i, "Batian"],
  [/\bobata\b/i, "Obata"],
  [/\bmarsellesa\b/i, "Marsellesa"],
  [/\bparainema\b/i, "Parainema"],
  [/\bwush\s+wush\b/i, "Wush Wush"],
  [/\bsidra\b/i, "Sidra"],
  [/\blaurina\b/i, "Laurina"],
];

// Coloured bourbons are named varieties of their own.
const COLOURED_BOURBON = /\b(red|yellow|pink|orange)\s+bourbon\b/i;

export function parseVarieties(texts: (string | null | undefined)[]): string[] {
  const found: string[] = [];
  const add = (name: string): void => {
    if (!found.includes(name)) found.push(name);
  };
  for (const text of usableTexts(texts)) {
    const hits: { index: number; name: string }[] = [];
    const coloured = COLOURED_BOURBON.exec(text);
    if (coloured) {
      const colour = coloured[1]!.toLowerCase();
      hits.push({ index: coloured.index, name: `${colour[0]!.toUpperCase()}${colour.slice(1)} Bourbon` });
    }
    for (const [pattern, name] of VARIETIES) {
      if (name === "Bourbon" && coloured) continue;
      const m = pattern.exec(text);
      if (m) hits.push({ index: m.index, name });
    }
    hits.sort((a, b) => a.index - b.index).forEach((h) => add(h.name));
  }
  return found;
}
