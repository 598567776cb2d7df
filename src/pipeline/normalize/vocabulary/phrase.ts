// Vocabulary tables list synonyms as plain phrases, the way shops write them. This turns a
// phrase into a pattern once, at module load: case-insensitive, whole words, and a space in
// the phrase stands for any run of spaces, hyphens or dots ("full city" also reads
// "Full-City", "pour over" also "pour-over" and "pourover").

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

/** [pattern, value] per entry, in table order (tables list the most specific first). */
export function compileTable<V>(entries: readonly VocabularyEntry<V>[]): [RegExp, V][] {
  return entries.map((e) => {
    const guard = e.unlessFollowedBy ? `(?!${e.unlessFollowedBy})` : "";
    return [wordPattern(`(?:${alternation(e.synonyms)})(?![a-z0-9])${guard}`), e.value];
  });
}

/** The value a matched phrase names, by exact (normalised) synonym. */
export function lookup<V>(entries: readonly VocabularyEntry<V>[]): (text: string) => V | null {
  const index = new Map<string, V>();
  const key = (s: string) => s.toLowerCase().replace(/[\s.-]+/g, "");
  for (const e of entries) for (const s of e.synonyms) index.set(key(s), e.value);
  return (text) => index.get(key(text)) ?? null;
}
