import type { Readable } from "node:stream";
import { promisify } from "node:util";
import zlib from "node:zlib";
import { permanent, transient } from "../core/errors.ts";

// Reads a response body, decoding gzip/br/deflate, and stops the moment it grows past the
// cap: counted on the wire while streaming, and again while decoding (zlib's
// maxOutputLength), so a gzip bomb is cut off too. Decoding runs in one call on libuv's
// thread pool, off the event loop.

export const TOO_LARGE_CODE = "response_too_large";

/**
 * zlib's output chunk: a decode hands each one back to the event loop, so zlib's 16 KB
 * default costs ~60 round trips for a 1 MB page (twice the CPU of 128 KB ones, measured).
 */
const DECODE_CHUNK_BYTES = 128 * 1024;

type Decode = (buffer: Buffer, options: zlib.ZlibOptions & zlib.BrotliOptions) => Promise<Buffer>;
const gunzip = promisify(zlib.gunzip) as Decode;
const brotli = promisify(zlib.brotliDecompress) as Decode;
const inflate = promisify(zlib.inflate) as Decode;

function decoderFor(encoding: string | null): Decode | null {
  switch ((encoding ?? "").trim().toLowerCase()) {
    case "":
    case "identity":
      return null;
    case "gzip":
    case "x-gzip":
      return gunzip;
    case "br":
      return brotli;
    case "deflate":
      return inflate;
    default:
      throw permanent("unsupported_encoding", `unsupported Content-Encoding "${encoding}"`);
  }
}

export interface ReadBodyOptions {
  url: string;
  encoding: string | null;
  maxBytes: number;
  /** Called with each chunk's size as it arrives on the wire. */
  onWireBytes: (n: number) => void;
}

export async function readBody(body: Readable, options: ReadBodyOptions): Promise<Buffer> {
  const { url, maxBytes } = options;
  const tooLarge = (what: string) =>
    permanent(TOO_LARGE_CODE, `response from ${url} is larger than HTTP_MAX_BYTES (${maxBytes} bytes ${what}); aborted`);
  let decode: Decode | null;
  try {
    decode = decoderFor(options.encoding);
  } catch (err) {
    body.destroy();
    throw err;
  }
  const chunks: Buffer[] = [];
  let wire = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      wire += chunk.length;
      options.onWireBytes(chunk.length);
      if (wire > maxBytes) throw tooLarge("on the wire");
      chunks.push(chunk);
    }
  } catch (err) {
    body.destroy();
    throw err;
  }
  const raw = Buffer.concat(chunks, wire);
  if (!decode) return raw;
  try {
    return await decode(raw, { maxOutputLength: maxBytes, chunkSize: DECODE_CHUNK_BYTES });
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === "ERR_BUFFER_TOO_LARGE" || err instanceof RangeError) throw tooLarge("after decoding");
    throw transient(
      "invalid_encoding",
      `response from ${url} is not valid ${options.encoding} data (truncated?): ${(err as Error).message}`,
      err,
    );
  }
}
