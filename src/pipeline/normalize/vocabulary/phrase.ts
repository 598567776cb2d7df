// Vocabulary tables list synonyms as plain phrases, the way shops write them. This turns a
// phrase into a pattern once, at module load: case-insensitive, whole words, and a space in
// the phrase stands for any run of spaces, hyphens or dots ("full city" also reads
// "Full-City", "pour over" also "pour-over" and "pourover").
import { allMatches } from "../all-matches.ts";

export interface VocabularyEntry<V> {
  value: V;
  synonyms: readonly string[];
  /** Regex source: a match followed by this is not this value ("Salem, Oregon" is no Indian hill range). */
  unlessFollowedBy?: string;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Regex source of one phrase, without boundaries. */
export function phraseSource(phrase: string): string {
  return phrase.trim().toLowerCase().split(/\s+/).map(escape).join("[\\s.-]*");
}

/** Whole-word boundaries that also hold next to "+" and other non-word ends. */
export function wordPattern(source: string, flags = "i"): RegExp {
  return new RegExp(`(?<![a-z0-9])(?:${source})(?![a-z0-9])`, flags);
}

/** One alternation of every synonym, longest first so "full city" wins over "city". */
export function alternation(phrases: readonly string[]): string {
  return [...phrases]
    .sort((a, b) => b.length - a.length)
    .map(phraseSource)
    .join("|");
}

export interface ScanHit<V> {
  index: number;
  value: V;
}

/**
 * One pass over a text for every synonym of every entry (a single alternation, longest
 * phrase first), instead of one regex per entry: descriptions run to thousands of
 * characters, and a table of forty entries would read each of them forty times.
 */
export function compileScanner<V>(entries: readonly VocabularyEntry<V>[]): {
  first(text: string): ScanHit<V> | null;
  all(text: string): ScanHit<V>[];
} {
  const phrases = entries.flatMap((e) => e.synonyms.map((s) => ({ s, guard: e.unlessFollowedBy })));
  const source = phrases
    .sort((a, b) => b.s.length - a.s.length)
    .map(({ s, guard }) => `${phraseSource(s)}(?![a-z0-9])${guard ? `(?!${guard})` : ""}`)
    .join("|");
  const once = new RegExp(`(?<![a-z0-9])(?:${source})`, "i");
  const every = new RegExp(once.source, "gi");
  const valueOf = lookup(entries);
  const hit = (m: RegExpExecArray | RegExpMatchArray): ScanHit<V> => ({ index: m.index!, value: valueOf(m[0])! });
  return {
    first: (text) => {
      const m = once.exec(text);
      return m ? hit(m) : null;
    },
    all: (text) => allMatches(every, text).map(hit),
  };
}

/** The value a matched phrase names, by exact (normalised) synonym. */
export function lookup<V>(entries: readonly VocabularyEntry<V>[]): (text: string) => V | null {
  const index = new Map<string, V>();
  const key = (s: string) => s.toLowerCase().replace(/[\s.-]+/g, "");
  for (const e of entries) {
    for (const s of e.synonyms) {
      if (index.has(key(s)) && index.get(key(s)) !== e.value) throw new Error(`"${s}" names two values`);
      index.set(key(s), e.value);
    }
  }
  return (text) => index.get(key(text)) ?? null;
}
