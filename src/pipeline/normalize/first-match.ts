// Shared search over prioritised texts: the first text that matches wins, and within
// that text the leftmost match wins. Normalizers list texts most-trusted first.

export interface TextMatch {
  match: RegExpExecArray;
  pattern: RegExp;
}

// Attribute text comes from store descriptions of arbitrary size; the facts we look for
// sit near the top, and a bound keeps every regex linear on hostile input.
export const MAX_TEXT_LENGTH = 20_000;

export function usableTexts(texts: readonly (string | null | undefined)[]): string[] {
  if (!Array.isArray(texts)) return [];
  return texts
    .filter((t): t is string => typeof t === "string" && t.trim() !== "")
    .map((t) => t.slice(0, MAX_TEXT_LENGTH));
}

/** Leftmost match of any pattern in `text` (patterns must not be global). */
export function leftmostMatch(text: string, patterns: readonly RegExp[]): TextMatch | null {
  let best: TextMatch | null = null;
  for (const pattern of patterns) {
    const match = pattern.exec(text);
    if (match && (best === null || match.index < best.match.index)) best = { match, pattern };
  }
  return best;
}

export function firstMatch(
  texts: readonly (string | null | undefined)[],
  patterns: readonly RegExp[],
): TextMatch | null {
  for (const text of usableTexts(texts)) {
    const hit = leftmostMatch(text, patterns);
    if (hit) return hit;
  }
  return null;
}
