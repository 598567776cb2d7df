// Coffee varieties (cultivars) under their usual display names (vocabulary/varieties.ts),
// de-duplicated, in the order they are first mentioned.
import { usableTexts } from "./first-match.ts";
import { compileScanner } from "./vocabulary/phrase.ts";
import { BOURBON_COLOURS, VARIETY_VOCABULARY } from "./vocabulary/varieties.ts";

const VARIETIES = compileScanner(VARIETY_VOCABULARY);
const COLOURED_BOURBON = new RegExp(`\\b(${BOURBON_COLOURS.join("|")})\\s+bourbon\\b`, "i");

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
    for (const { index, value } of VARIETIES.all(text)) {
      if (value === "Bourbon" && coloured) continue;
      hits.push({ index, name: value });
    }
    hits.sort((a, b) => a.index - b.index).forEach((h) => add(h.name));
  }
  return found;
}
