// Tasting notes from "Tasting notes: a, b, c" lines, "notes of a, b and c" prose and
// "notes_x" tags. Prose lists run on into sentences ("…cane sugar, wrapped in a syrupy
// mouthfeel"), so a list stops at the first item that reads like a clause.
import { allMatches } from "./all-matches.ts";
import { usableTexts } from "./first-match.ts";

const LABELLED = /\b(?:tasting|flavou?r|cup(?:ping)?|coffee)?[ \t]*notes?[ \t]*[:\-–][ \t]*([^\n]+)/gi;
const PROSE = /\b(?:notes?|flavou?rs?|hints?)\s+of\s+([^.\n]+)/gi;
const TAG = /^(?:tasting[_\s-]*)?(?:notes?|flavou?rs?|taste)[_:\s-]+(.+)$/i;

const CLAUSE_WORD =
  /\b(?:a|an|the|with|in|into|to|that|which|each|every|its|it|is|are|was|wrapped|followed|leading|concluding|finish|mouthfeel|body|acidity|aftertaste|cup|sip|brew)\b/i;
const MAX_NOTES = 15;

function splitList(list: string): string[] {
  const notes: string[] = [];
  for (const piece of list.split(/,|;|\||\/|&|\+|\band\b|\s+-\s+/i)) {
    const note = piece
      .trim()
      .replace(/^(?:and|or)\s+/i, "")
      .replace(/[.!:)(]+$/g, "")
      .trim()
      .toLowerCase();
    if (note === "") continue;
    if (note.split(/\s+/).length > 4 || note.length > 40 || CLAUSE_WORD.test(note)) break;
    notes.push(note);
  }
  return notes;
}

export function parseTastingNotes(texts: (string | null | undefined)[]): string[] {
  const found: string[] = [];
  for (const text of usableTexts(texts)) {
    const lists: string[] = [];
    const tag = TAG.exec(text.trim());
    if (tag && text.length <= 60) lists.push(tag[1]!.replace(/[_-]+/g, " "));
    for (const m of allMatches(LABELLED, text)) lists.push(m[1]!);
    for (const m of allMatches(PROSE, text)) lists.push(m[1]!);
    for (const note of lists.flatMap(splitList)) {
      if (!found.includes(note)) found.push(note);
      if (found.length >= MAX_NOTES) return found;
    }
  }
  return found;
}
