// Country and growing region, through the tables in vocabulary/regions.ts: an Indian
// district or hill range beats a state ("Chikmagalur, Karnataka" → region Chikmagalur), and
// any Indian place implies country India.
import { usableTexts } from "./first-match.ts";
import { compileTable } from "./vocabulary/phrase.ts";
import { COUNTRY_VOCABULARY, INDIAN_REGION_VOCABULARY, INDIAN_STATE_VOCABULARY } from "./vocabulary/regions.ts";

export interface OriginResult {
  country: string | null;
  region: string | null;
}

const COUNTRIES = compileTable(COUNTRY_VOCABULARY);
const INDIAN_REGIONS = compileTable(INDIAN_REGION_VOCABULARY);
const INDIAN_STATES = compileTable(INDIAN_STATE_VOCABULARY);

function firstName(texts: string[], table: [RegExp, string][]): string | null {
  for (const text of texts) {
    let best: { index: number; name: string } | null = null;
    for (const [pattern, name] of table) {
      const m = pattern.exec(text);
      if (m && (best === null || m.index < best.index)) best = { index: m.index, name };
    }
    if (best) return best.name;
  }
  return null;
}

export function parseOrigin(texts: (string | null | undefined)[]): OriginResult {
  const usable = usableTexts(texts);
  const region = firstName(usable, INDIAN_REGIONS) ?? firstName(usable, INDIAN_STATES);
  const country = firstName(usable, COUNTRIES);
  return { country: country ?? (region ? "India" : null), region };
}
