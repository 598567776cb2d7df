// Store data on its way into PostgreSQL. A text or jsonb value can hold neither a NUL
// character nor half of a UTF-16 surrogate pair (22P05/22021), and a hostile store can nest
// JSON thousands deep (a stack overflow in the server's jsonb parser, or in ours): one such
// value anywhere in a product — even in a field we never read — would fail the statement
// that carries the whole page. So every string is cleaned and nesting is cut at a depth no
// real store reaches; the product then fails or succeeds on its own merits.
//
// Nearly all store data has nothing to clean, and copying every product (its whole source
// object included) cost more than normalizing it. So a value is first only read: when it
// is plain JSON-like data with nothing to change it is returned as it is, and only
// otherwise copied and cleaned.

export const MAX_JSON_DEPTH = 32;
const TOO_DEEP = `[nested deeper than ${MAX_JSON_DEPTH} levels: dropped]`;

// NUL, and a high surrogate not followed by a low one or a low one not preceded by a high one.
// eslint-disable-next-line no-control-regex
const UNSAFE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const UNSAFE_ANYWHERE = new RegExp(UNSAFE.source);
// A plain character class, much quicker to scan for than UNSAFE's lookarounds: most
// strings hold none of these, and only those that do (an emoji's whole pair, say) are
// looked at closely.
// eslint-disable-next-line no-control-regex
const NUL_OR_SURROGATE = /[\u0000\uD800-\uDFFF]/;

function isClean(value: string): boolean {
  return !NUL_OR_SURROGATE.test(value) || !UNSAFE_ANYWHERE.test(value);
}

export function databaseSafeString(value: string): string {
  return isClean(value) ? value : value.replace(UNSAFE, (c) => (c === "\u0000" ? "" : "\uFFFD"));
}

/**
 * `value` with every string (keys included) cleaned and nesting cut at MAX_JSON_DEPTH: the
 * value itself when there is nothing to change (so it must not be mutated afterwards as if
 * it were a copy), else a cleaned copy.
 */
export function databaseSafe(value: unknown): unknown {
  return isDatabaseSafe(value, 0) ? value : cleanedCopy(value, 0);
}

/**
 * True when `cleanedCopy` would change nothing that reaches the database: every string and
 * key is clean, nesting stays under MAX_JSON_DEPTH, and every object is a plain object,
 * an array or a Date. Anything else (a class instance, a Map, a Buffer, a function, a key
 * "__proto__" that a copy would turn into a prototype) takes the copy, as it always did.
 */
function isDatabaseSafe(value: unknown, depth: number): boolean {
  if (typeof value === "string") return isClean(value);
  if (typeof value !== "object" || value === null) return typeof value !== "function";
  if (value instanceof Date) return true;
  if (depth >= MAX_JSON_DEPTH) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!isDatabaseSafe(value[i], depth + 1)) return false;
    return true;
  }
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) return false;
  const record = value as Record<string, unknown>;
  // for…in on a plain object visits its own enumerable string keys, as Object.entries does.
  for (const key in record) {
    if (key === "__proto__" || !isClean(key) || !isDatabaseSafe(record[key], depth + 1)) return false;
  }
  return true;
}

function cleanedCopy(value: unknown, depth: number): unknown {
  if (typeof value === "string") return databaseSafeString(value);
  if (value === null || typeof value !== "object") return value;
  if (value instanceof Date) return value;
  if (depth >= MAX_JSON_DEPTH) return TOO_DEEP;
  if (Array.isArray(value)) return value.map((v) => cleanedCopy(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[databaseSafeString(k)] = cleanedCopy(v, depth + 1);
  return out;
}
