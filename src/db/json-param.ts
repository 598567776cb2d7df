// A JSON parameter already encoded as UTF-8 (a page's documents, megabytes of them), for a
// `$n::jsonb` placeholder. Both drivers send it as it is, in jsonb's binary input format: as a
// string of that size it would be encoded to UTF-8 again by the driver, at ten times the cost
// of encoding its parts.

/** jsonb's binary input: a version byte (1), then the JSON text. */
const JSONB_BINARY_VERSION = Buffer.from([1]);

export class JsonBytes {
  private constructor(readonly binary: Buffer) {}

  /** The JSON text these parts make, put together once, in jsonb's binary input format. */
  static of(...texts: Buffer[]): JsonBytes {
    return new JsonBytes(Buffer.concat([JSONB_BINARY_VERSION, ...texts]));
  }

  /** The JSON text (a view, not a copy). */
  get utf8(): Buffer {
    return this.binary.subarray(JSONB_BINARY_VERSION.length);
  }
}

/** For pg, which sends a Buffer in binary format. */
export function asPgParam(value: unknown): unknown {
  return value instanceof JsonBytes ? value.binary : value;
}

// (PGlite: db/pglite.ts sends it to its thread as { jsonbBinary }, passed on there as binary.)
