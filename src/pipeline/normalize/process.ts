// Processing method (process_enum), through the table in vocabulary/process.ts.
//
// Short label texts (tags, titles, option values: "Natural", "Washed") may name a process
// with a bare word. In prose a bare word is not enough ("a natural and healthy
// ecosystem", "notes of honey"), so prose needs process context ("natural lot", "honey
// processed", "Process: Natural"). Within one text the table's order decides (most
// specific first: "anaerobic natural" → anaerobic).
import type { Process } from "../../db/enums.ts";
import { usableTexts } from "./first-match.ts";
import { PROCESS_VOCABULARY } from "./vocabulary/process.ts";
import { alternation, wordPattern } from "./vocabulary/phrase.ts";

export interface ProcessResult {
  process: Process | null;
  raw: string | null;
}

// Longer than this a text is prose (a sentence), not a label.
const LABEL_MAX_LENGTH = 32;

const RULES = PROCESS_VOCABULARY.map((e) => {
  const label = e.labelNames ? alternation(e.labelNames) : null;
  return {
    process: e.value,
    anywhere: wordPattern(
      [
        alternation(e.names),
        // "Process: Honey", "processed: natural"
        ...(label ? [`process(?:ed|ing)?\\s*[:\\-–]\\s*(?:${label})`] : []),
      ].join("|"),
    ),
    label: label ? wordPattern(label) : null,
  };
});

// Any rule's pattern, in one: most texts (tags, sizes, prose) name no process, and one
// search tells so where the rules would each search the text.
const ANY_RULE = new RegExp(
  RULES.flatMap((r) => [r.anywhere, ...(r.label ? [r.label] : [])])
    .map((p) => `(?:${p.source})`)
    .join("|"),
  "i",
);

function matchText(text: string): ProcessResult | null {
  if (!ANY_RULE.test(text)) return null;
  const isLabel = text.length <= LABEL_MAX_LENGTH;
  for (const rule of RULES) {
    const m = rule.anywhere.exec(text) ?? (isLabel && rule.label ? rule.label.exec(text) : null);
    if (m) return { process: rule.process, raw: m[0] };
  }
  return null;
}

/** Texts most-trusted first; the first text that names a process decides. */
export function parseProcess(texts: (string | null | undefined)[]): ProcessResult {
  for (const text of usableTexts(texts)) {
    const hit = matchText(text);
    if (hit) return hit;
  }
  return { process: null, raw: null };
}
