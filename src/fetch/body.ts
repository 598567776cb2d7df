import { pipeline, Readable, type Transform } from "node:stream";
import zlib from "node:zlib";
import { permanent, transient } from "../errors.ts";

// Reads a response body, decoding gzip/br/deflate, and stops the moment it grows past the
// cap — counted on the wire and again after decoding, so a gzip bomb is cut off too.

export const TOO_LARGE_CODE = "response_too_large";

function decoderFor(encoding: string | null): Transform | null {
  switch ((encoding ?? "").trim().toLowerCase()) {
    case "":
    case "identity":
      return null;
    case "gzip":
    case "x-gzip":
      return zlib.createGunzip();
    case "br":
      return zlib.createBrotliDecompress();
    case "deflate":
      return zlib.createInflate();
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
  let wire = 0;
  async function* counted(): AsyncGenerator<Buffer> {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      wire += chunk.length;
      options.onWireBytes(chunk.length);
      if (wire > maxBytes) throw tooLarge("on the wire");
      yield chunk;
    }
  }
  let decoder: Transform | null;
  try {
    decoder = decoderFor(options.encoding);
  } catch (err) {
    body.destroy();
    throw err;
  }
  const source: AsyncIterable<Buffer> = decoder
    ? (pipeline(Readable.from(counted()), decoder, () => {}) as unknown as AsyncIterable<Buffer>)
    : counted();
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of source) {
      size += chunk.length;
      if (size > maxBytes) throw tooLarge("after decoding");
      chunks.push(chunk);
    }
  } catch (err) {
    body.destroy();
    decoder?.destroy();
    if (err instanceof Error && "code" in err && typeof err.code === "string" && err.code.startsWith("Z_")) {
      throw transient("invalid_encoding", `response from ${url} is not valid ${options.encoding} data (truncated?): ${err.message}`, err);
    }
    throw err;
  }
  return Buffer.concat(chunks, size);
}
