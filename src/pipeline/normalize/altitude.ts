// Growing altitude as a normalized display string: "1200-1400 masl", "2800-3600 ft".
// Only numbers with an altitude unit count, and only within the range coffee grows at,
// so "600 ml" or "15 m" of something else never becomes an altitude.
import { usableTexts } from "./first-match.ts";

const NUM = "(\\d{1,2}[,.]\\d{3}|\\d{3,5})";
const METRES = "m\\.?a\\.?s\\.?l\\.?|masl|mts?|meters?|metres?|m";
const FEET = "ft\\.?|feet";
const UNIT = `(${METRES}|${FEET})(?![a-z])`;
const ASL = "(?:\\s*(?:asl|a\\.s\\.l\\.?|msl|above\\s+(?:mean\\s+)?sea\\s+level))?";
const ALTITUDE = new RegExp(
  `${NUM}(?:\\s*(?:${METRES}|${FEET})(?![a-z])${ASL})?(?:\\s*(?:-|–|—|to)\\s*${NUM})?\\s*${UNIT}${ASL}`,
  "i",
);

const LIMITS = { m: [200, 3500], ft: [600, 12_000] } as const;

function toNumber(s: string): number {
  return Number(s.replace(/[,.]/g, ""));
}

function inRange(n: number, unit: "m" | "ft"): boolean {
  return n >= LIMITS[unit][0] && n <= LIMITS[unit][1];
}

export function parseAltitude(texts: (string | null | undefined)[]): string | null {
  for (const text of usableTexts(texts)) {
    const m = ALTITUDE.exec(text);
    if (!m) continue;
    const unit = /^f/i.test(m[3]!) ? "ft" : "m";
    const low = toNumber(m[1]!);
    const high = m[2] ? toNumber(m[2]) : null;
    if (!inRange(low, unit) || (high !== null && (!inRange(high, unit) || high < low))) continue;
    const label = unit === "ft" ? "ft" : "masl";
    return high !== null && high !== low ? `${low}-${high} ${label}` : `${low} ${label}`;
  }
  return null;
}

const FEET_TO_M = 0.3048;

/**
 * The metres of an altitude as parseAltitude writes it ("1200-1400 masl", "4000 ft"):
 * {minM, maxM} (equal for a single value), feet converted and rounded; null otherwise.
 */
export function altitudeRangeM(display: string | null): { minM: number; maxM: number } | null {
  const m = display === null ? null : /^(\d+)(?:-(\d+))? (masl|ft)$/.exec(display);
  if (!m) return null;
  const toM = (n: number) => (m[3] === "ft" ? Math.round(n * FEET_TO_M) : n);
  const low = toM(Number(m[1]));
  return { minM: low, maxM: m[2] ? toM(Number(m[2])) : low };
}
