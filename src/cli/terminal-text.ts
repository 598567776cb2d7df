import { stripVTControlCharacters } from "node:util";
import { CONTROLS_BUT_LAYOUT } from "../core/control-characters.ts";

// What the CLI prints may come from a store or the database (names, URLs, error messages):
// a terminal must not take any of it as a command (a title set, a clear screen, an OSC 52
// clipboard write). Escape sequences go whole; other C0 and C1 controls are dropped, except
// the newlines and tabs of our own layout.

const JSON_UNSAFE = /[\u007f-\u009f\u2028\u2029]/g;

/** `text` with terminal escape sequences and control characters (but newline and tab) removed. */
export function terminalText(text: string): string {
  return stripVTControlCharacters(text).replace(CONTROLS_BUT_LAYOUT, "");
}

/** JSON for a terminal: the C0 controls JSON.stringify escapes, and DEL and C1 as well (lossless). */
export function terminalJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(JSON_UNSAFE, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
