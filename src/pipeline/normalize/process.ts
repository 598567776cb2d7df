// Processing method (process_enum).
//
// Short label texts (tags, titles, option values: "Natural", "Washed") may name a process
// with a bare word. In prose a bare word is not enough ("a natural and healthy
// ecosystem", "notes of honey"), so prose patterns need process context ("natural lot",
// "honey processed", "processed using the natural method").
// Within one text the most specific process wins ("anaerobic natural" → anaerobic).
// Co-ferments, koji, yeast inoculation, thermal shock and infusions → "experimental";
// semi-washed (which means different things in different countries) → "other".
import type { Process } from "../../db/enums.ts";
import { usableTexts } from "./first-match.ts";

export interface ProcessResult {
  process: Process | null;
  raw: string | null;
}

interface ProcessRule {
  process: Process;
  prose: RegExp;
  label?: RegExp;
}

const LABEL_MAX_LENGTH = 60;

// Ordered most specific first.
const RULES: ProcessRule[] = [
  { process: "carbonic_maceration", prose: /\bcarbonic[\s-]*maceration\b/i },
  { process: "double_fermented", prose: /\bdouble[\s-]*ferment(?:ed|ation)?\b/i },
  { process: "anaerobic", prose: /\banaerobic(?:ally)?\b/i },
  {
    process: "experimental",
    prose:
      /\bco[\s-]*ferment(?:ed|ation)?\b|\bkoji\b|\byeast[\s-]*(?:inoculat\w*|ferment\w*)|\bthermal[\s-]*shock\b|\binfused\b|\bexperimental[\s-]*(?:process\w*|lots?|ferment\w*)\b/i,
    label: /\bexperimental\b/i,
  },
  {
    process: "monsooned",
    prose: /\bmonsooned\b|\bmonsoon[\s-]*malabar\b/i,
    label: /\bmonsoon(?:ed)?\b/i,
  },
  { process: "wet_hulled", prose: /\bwet[\s-]*hull(?:ed|ing)?\b|\bgiling[\s-]*basah\b/i },
  { process: "pulped_natural", prose: /\bpulped[\s-]*natural\b/i },
  {
    process: "honey",
    prose:
      /\b(?:red|yellow|black|white|golden)[\s-]*honey\b|\bhoney[\s-]*(?:process(?:ed|ing)?|lots?|method|sun[\s-]*dried)\b|\bprocess(?:ed|ing)?\s*[:\-–]\s*honey\b/i,
    label: /\bhoney\b/i,
  },
  {
    process: "natural",
    prose:
      /\bnatural(?:ly)?[\s-]*(?:process(?:ed|ing)?|lots?|method|sun[\s-]*dried)\b|\bprocess(?:ed|ing)?\s*[:\-–]\s*natural\b|\bprocessed\s+(?:using\s+)?(?:the\s+)?natural\b|\bdry[\s-]*process(?:ed|ing)?\b|\bunwashed\b/i,
    label: /\bnaturals?\b|\bsun[\s-]*dried\b/i,
  },
  {
    process: "washed",
    prose: /(?<![\w-])(?:fully[\s-]*)?washed\b|\bwet[\s-]*process(?:ed|ing)?\b/i,
  },
  { process: "other", prose: /\bsemi[\s-]*washed\b/i },
];

function matchText(text: string): ProcessResult | null {
  const isLabel = text.length <= LABEL_MAX_LENGTH;
  for (const rule of RULES) {
    const m = rule.prose.exec(text) ?? (isLabel && rule.label ? rule.label.exec(text) : null);
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
