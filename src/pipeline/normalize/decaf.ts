// Decaffeinated or not. "Non-decaf" and "not decaf" must not count.
import { usableTexts } from "./first-match.ts";

const DECAF =
  /(?<!\bnon[\s-]?|\bnot\s)\bdecaf(?:feinated|finated|feinato)?\b|\bswiss[\s-]*water\b|\bmountain[\s-]*water[\s-]*process\b|\bsugar[\s-]*cane[\s-]*(?:ea[\s-]*)?(?:process|decaf)\b|\bcaffeine[\s-]*free\b/i;

export function parseDecaf(texts: (string | null | undefined)[]): boolean {
  return usableTexts(texts).some((t) => DECAF.test(t));
}
