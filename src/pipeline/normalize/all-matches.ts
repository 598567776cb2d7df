// Every match of a global pattern in a text, as String.prototype.matchAll finds them.
// matchAll copies its pattern on every call (the spec builds a new RegExp from it), and for
// the vocabulary's alternations of hundreds of phrases that copy cost several times the
// search itself, once per text and per parser: this reuses the pattern instead.

/** Matches of `pattern` (which must have the "g" flag) in `text`, left to right, without overlaps. */
export function allMatches(pattern: RegExp, text: string): RegExpExecArray[] {
  if (!pattern.global) throw new TypeError(`allMatches needs a global pattern: ${pattern.source.slice(0, 60)}`);
  const matches: RegExpExecArray[] = [];
  pattern.lastIndex = 0;
  for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
    matches.push(m);
    // An empty match would be found again at the same place (matchAll steps past it too).
    if (m[0] === "") pattern.lastIndex = advance(text, pattern.lastIndex, /[uv]/.test(pattern.flags));
  }
  pattern.lastIndex = 0;
  return matches;
}

/** The index after `index`, past a whole surrogate pair in unicode mode (as the spec's AdvanceStringIndex). */
function advance(text: string, index: number, unicode: boolean): number {
  if (!unicode || index + 1 >= text.length) return index + 1;
  const first = text.charCodeAt(index);
  const second = text.charCodeAt(index + 1);
  return first >= 0xd800 && first <= 0xdbff && second >= 0xdc00 && second <= 0xdfff ? index + 2 : index + 1;
}
