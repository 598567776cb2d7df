// Country and growing region, through the tables in vocabulary/regions.ts: an Indian
// district or hill range beats a state ("Chikmagalur, Karnataka" → region Chikmagalur), and
// any Indian place implies country India.
import { usableTexts } from "./first-match.ts";
import { compileScanner } from "./vocabulary/phrase.ts";
import { COUNTRY_VOCABULARY, INDIAN_REGION_VOCABULARY, INDIAN_STATE_VOCABULARY } from "./vocabulary/regions.ts";

export interface OriginResult {
  country: string | null;
  region: string | null;
}

const COUNTRIES = compileScanner(COUNTRY_VOCABULARY);
const INDIAN_REGIONS = compileScanner(INDIAN_REGION_VOCABULARY);
const INDIAN_STATES = compileScanner(INDIAN_STATE_VOCABULARY);

/** The leftmost name in the first text that has one. */
function firstName(texts: string[], table: ReturnType<typeof compileScanner<string>>): string | null {
  for (const text of texts) {
    const hit = table.first(text);
    if (hit) return hit.value;
  }
  return null;
}

export function parseOrigin(texts: (string | null | undefined)[]): OriginResult {
  const usable = usableTexts(texts);
  const region = firstName(usable, INDIAN_REGIONS) ?? firstName(usable, INDIAN_STATES);
  const country = firstName(usable, COUNTRIES);
  return { country: country ?? (region ? "India" : null), region };
}
