// JSON.parse of a store answer without decoding it into one string. A listing page is
// megabytes of UTF-8; as one string (twice its bytes when a description carries a character
// past Latin-1) it lands in V8's large-object space, where every allocation is fresh memory
// from the kernel, and on a virtual machine (Firecracker, as Fly.io runs) first touching that
// memory costs more than decoding it. So an answer is taken apart, a few levels deep: the
// answer itself (WooCommerce's page), the arrays right under it (Shopify's `products`), and
// large arrays and objects (a big product); their small values are decoded and parsed one by one:
// small strings, the same values (bench:normalize prints both ways and their page faults).
// Every byte is either inside a piece JSON.parse reads or checked here as JSON's punctuation,
// so a document is taken apart only when it is valid JSON; any other answer gets `null`, and
// is parsed whole by the caller (whose error is the one told).
//
// An object parsed as one piece remembers the bytes it was read from (`jsonSourceOf`): what
// a listing said about a product, to hash as it came (pipeline/listing-hash.ts), whatever the
// size of the page it came on.

/** An object larger than this many bytes is taken apart; a smaller one is parsed as one piece. */
export const SPLIT_ABOVE_BYTES = 64 * 1024;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

/** Thrown inside: the answer is not one this takes apart (or not valid JSON). */
class NotSplit extends Error {}

/**
 * How deep containers are taken apart: a page, its items, their members (a WooCommerce
 * product's `variations`), their elements. A bound, so that the bytes are scanned at most
 * this many times whatever the nesting.
 */
const MAX_SPLIT_DEPTH = 3;

/** The bytes an object was parsed from as one piece, for as long as the object lives. */
const sources = new WeakMap<object, Buffer>();

/** The UTF-8 JSON `value` was parsed from, when parseJsonInParts read it as one piece. */
export function jsonSourceOf(value: object): Buffer | undefined {
  return sources.get(value);
}

/** The parsed answer when it is a JSON array or object taken apart cleanly; else null. */
export function parseJsonInParts(body: Buffer, splitAbove = SPLIT_ABOVE_BYTES): { value: unknown } | null {
  const bom = body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? 3 : 0;
  const reader = new PartsReader(body, bom, splitAbove);
  try {
    reader.skipSpace();
    const first = reader.peek();
    if (first !== OPEN_ARRAY && first !== OPEN_OBJECT) return null;
    const value = reader.container(0);
    reader.skipSpace();
    return reader.atEnd() ? { value } : null;
  } catch {
    // NotSplit, or a piece JSON.parse refused: parsed whole, the document decides.
    return null;
  }
}

class PartsReader {
  constructor(
    private readonly body: Buffer,
    private at: number,
    private readonly splitAbove: number,
  ) {}

  peek(): number | undefined {
    return this.body[this.at];
  }

  atEnd(): boolean {
    return this.at === this.body.length;
  }

  /** JSON's white space: space, tab, line feed, carriage return. */
  skipSpace(): void {
    for (let c = this.body[this.at]; c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09; c = this.body[++this.at]);
  }

  /** The array or object starting here, its items (members' values) read by `item`. */
  container(depth: number): unknown {
    return this.peek() === OPEN_ARRAY ? this.array(depth) : this.object(depth);
  }

  private fail(): never {
    throw new NotSplit();
  }

  private expect(byte: number): void {
    if (this.body[this.at] !== byte) this.fail();
    this.at += 1;
  }

  /** An array of objects or arrays (one with a number, string, … in it is not taken apart). */
  private array(depth: number): unknown[] {
    const items: unknown[] = [];
    this.expect(OPEN_ARRAY);
    this.skipSpace();
    if (this.peek() === CLOSE_ARRAY) {
      this.at += 1;
      return items;
    }
    for (;;) {
      const c = this.peek();
      if (c !== OPEN_OBJECT && c !== OPEN_ARRAY) this.fail();
      items.push(this.item(depth + 1));
      this.skipSpace();
      if (this.peek() === CLOSE_ARRAY) {
        this.at += 1;
        return items;
      }
      this.expect(COMMA);
      this.skipSpace();
    }
  }

  private object(depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.expect(OPEN_OBJECT);
    this.skipSpace();
    if (this.peek() === CLOSE_OBJECT) {
      this.at += 1;
      return out;
    }
    for (;;) {
      if (this.peek() !== QUOTE) this.fail();
      const key = this.item(depth + 1) as string;
      this.skipSpace();
      this.expect(COLON);
      this.skipSpace();
      const value = this.item(depth + 1);
      // As JSON.parse does: an own property, "__proto__" included; a repeated key's last value.
      if (key === "__proto__") Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      else out[key] = value;
      this.skipSpace();
      if (this.peek() === CLOSE_OBJECT) {
        this.at += 1;
        return out;
      }
      this.expect(COMMA);
      this.skipSpace();
    }
  }

  /**
   * The value starting here: a large array or object (within the depth bound), or an array
   * right under the answer (Shopify's `products`), taken apart in turn; anything else decoded
   * and parsed on its own.
   */
  private item(depth: number): unknown {
    const start = this.at;
    const end = this.valueEnd(start);
    const first = this.body[start];
    const container = first === OPEN_ARRAY || first === OPEN_OBJECT;
    if (container && depth < MAX_SPLIT_DEPTH && (end - start > this.splitAbove || (first === OPEN_ARRAY && depth === 1))) {
      try {
        const value = this.container(depth);
        if (this.at === end) return value;
      } catch (err) {
        if (!(err instanceof NotSplit)) throw err;
      }
      // Not one to take apart (an array of numbers, say): parsed whole, as a piece.
    }
    this.at = end;
    const value: unknown = JSON.parse(this.body.toString("utf8", start, end));
    if (first === OPEN_OBJECT) sources.set(value as object, this.body.subarray(start, end));
    return value;
  }

  /** Where the value starting at `i` ends, if it is valid (JSON.parse of the piece checks that it is). */
  private valueEnd(i: number): number {
    const { body } = this;
    const first = body[i];
    if (first === QUOTE) return this.stringEnd(i);
    if (first !== OPEN_OBJECT && first !== OPEN_ARRAY) {
      // A number, true, false or null: up to the next punctuation or space.
      let j = i;
      for (let c = body[j]; c !== undefined && c !== COMMA && c !== CLOSE_ARRAY && c !== CLOSE_OBJECT && c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09; c = body[++j]);
      return j;
    }
    // One pass over the bytes (a loop over a Uint8Array, cheaper here than a native search
    // per string: a listing's strings are mostly short keys).
    let depth = 0;
    let inString = false;
    for (let j = i; j < body.length; j++) {
      const c = body[j];
      if (inString) {
        if (c === BACKSLASH) j += 1;
        else if (c === QUOTE) inString = false;
      } else if (c === QUOTE) inString = true;
      else if (c === OPEN_OBJECT || c === OPEN_ARRAY) depth += 1;
      else if ((c === CLOSE_OBJECT || c === CLOSE_ARRAY) && --depth === 0) return j + 1;
    }
    return this.fail();
  }

  /** Just past the string whose opening quote is at `i`. */
  private stringEnd(i: number): number {
    const { body } = this;
    for (let j = i + 1; j < body.length; j++) {
      const c = body[j];
      if (c === BACKSLASH) j += 1;
      else if (c === QUOTE) return j + 1;
    }
    return this.fail();
  }

}
