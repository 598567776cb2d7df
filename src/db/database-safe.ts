// Store data on its way into PostgreSQL. A text or jsonb value can hold neither a NUL
// character nor half of a UTF-16 surrogate pair (22P05/22021), and a hostile store can nest
// JSON thousands deep (a stack overflow in the server's jsonb parser, or in ours): one such
// value anywhere in a product — even in a field we never read — would fail the statement
// that carries the whole page. So every string is cleaned and nesting is cut at a depth no
// real store reaches; the product then fails or succeeds on its own merits.

export const MAX_JSON_DEPTH = 32;
const TOO_DEEP = `[nested deeper than ${MAX_JSON_DEPTH} levels: dropped]`;

// NUL, and a high surrogate not followed by a low one or a low one not preceded by a high one.
// eslint-disable-next-line no-control-regex
const UNSAFE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function databaseSafeString(value: string): string {
  return value.replace(UNSAFE, (c) => (c === "\u0000" ? "" : "\uFFFD"));
}

/** A copy of `value` with every string (keys included) cleaned and nesting cut at MAX_JSON_DEPTH. */
export function databaseSafe(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return databaseSafeString(value);
  if (value === null || typeof value !== "object") return value;
  if (value instanceof Date) return value;
  if (depth >= MAX_JSON_DEPTH) return TOO_DEEP;
  if (Array.isArray(value)) return value.map((v) => databaseSafe(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[databaseSafeString(k)] = databaseSafe(v, depth + 1);
  return out;
}
