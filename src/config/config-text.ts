import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { parse as parseYaml, YAMLError } from "yaml";

// The files an operator hands us (CONFIG_FILE, a roasters file) are read within a size
// bound and parsed as YAML (a superset of JSON). A syntax error is reported by position and
// kind only: the parser's own message quotes the offending lines, and those may hold a
// DATABASE_URL with its password.

/** Largest CONFIG_FILE or roasters file read: ~5,000 roasters, parsed well within a 256 MB heap. */
export const MAX_CONFIG_FILE_BYTES = 2 * 1024 * 1024;

export type ConfigText = { ok: true; data: unknown } | { ok: false; problem: string };

export function readConfigText(file: string, maxBytes = MAX_CONFIG_FILE_BYTES): ConfigText {
  let text: string;
  try {
    const read = readBounded(file, maxBytes);
    if (read === null) {
      return { ok: false, problem: `larger than ${maxBytes} bytes (${Math.round(maxBytes / 1024 / 1024)} MB), the most a config or roasters file may hold; split it` };
    }
    text = read;
  } catch (err) {
    return { ok: false, problem: `cannot read file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` };
  }
  try {
    return { ok: true, data: parseYaml(text, { prettyErrors: true }) };
  } catch (err) {
    return { ok: false, problem: describeYamlError(err) };
  }
}

/** The file's text, or null when it holds more than `maxBytes` (a file still growing included). */
function readBounded(file: string, maxBytes: number): string | null {
  const fd = openSync(file, "r");
  try {
    if (fstatSync(fd).size > maxBytes) return null;
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    for (let n = -1; n !== 0 && length <= maxBytes; length += n) {
      n = readSync(fd, buffer, length, buffer.length - length, null);
    }
    return length > maxBytes ? null : buffer.toString("utf8", 0, length);
  } finally {
    closeSync(fd);
  }
}

/** "not valid YAML or JSON at line 3, column 14: bad indentation of a mapping entry" — no source text. */
export function describeYamlError(err: unknown): string {
  // Alias resolution throws plain errors, without a position (and naming the anchor).
  if (!(err instanceof YAMLError)) return "not valid YAML or JSON: an alias that cannot be resolved (an unknown anchor, or too many aliases)";
  const position = err.linePos?.[0];
  const where = position ? ` at line ${position.line}, column ${position.col}` : "";
  return `not valid YAML or JSON${where}: ${YAML_PROBLEMS[err.code] ?? err.code.toLowerCase().replace(/_/g, " ")}`;
}

// The parser's codes, in words. Its messages are not used: some quote the source.
const YAML_PROBLEMS: Record<string, string> = {
  ALIAS_PROPS: "an alias cannot have an anchor or a tag",
  BAD_ALIAS: "a bad alias",
  BAD_DIRECTIVE: "a bad directive",
  BAD_DQ_ESCAPE: "a bad escape in a double-quoted string",
  BAD_INDENT: "bad indentation",
  BAD_PROP_ORDER: "anchor and tag in the wrong order",
  BAD_SCALAR_START: "a plain value cannot start with this character",
  BLOCK_AS_IMPLICIT_KEY: "a block value used as a key",
  BLOCK_IN_FLOW: "a block value inside a flow collection ([…] or {…})",
  DUPLICATE_KEY: "a key appears twice in one mapping",
  IMPOSSIBLE: "an impossible construct",
  KEY_OVER_1024_CHARS: "a key longer than 1024 characters",
  MISSING_CHAR: "a missing character (an unclosed quote, bracket or brace?)",
  MULTILINE_IMPLICIT_KEY: "a key spread over several lines",
  MULTIPLE_ANCHORS: "several anchors on one value",
  MULTIPLE_DOCS: "several documents in one file",
  MULTIPLE_TAGS: "several tags on one value",
  NON_STRING_KEY: "a key that is not a string",
  RESOURCE_EXHAUSTION: "too many aliases or too deep nesting",
  TAB_AS_INDENT: "a tab used for indentation",
  TAG_RESOLVE_FAILED: "a value that does not match its tag",
  UNEXPECTED_TOKEN: "an unexpected token",
  BAD_COLLECTION_TYPE: "a collection of the wrong type",
};
