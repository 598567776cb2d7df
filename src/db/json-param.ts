// A JSON parameter already encoded as UTF-8 (a page's documents, megabytes of them), for a
// `$n::jsonb` placeholder. Each driver sends it its own cheapest way: a string of that size
// would be encoded to UTF-8 again by the driver, at ten times the cost of encoding its parts.

export class JsonBytes {
  constructor(readonly utf8: Buffer) {}
}

/** jsonb's binary input: a version byte (1), then the JSON text. */
const JSONB_BINARY_VERSION = Buffer.from([1]);

/** For pg, which sends a Buffer as it is, in binary format. */
export function asPgParam(value: unknown): unknown {
  return value instanceof JsonBytes ? Buffer.concat([JSONB_BINARY_VERSION, value.utf8]) : value;
}

/** For PGlite, which takes parameters as text. */
export function asPgliteParam(value: unknown): unknown {
  return value instanceof JsonBytes ? value.utf8.toString() : value;
}
