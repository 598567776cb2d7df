import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { gzipSync } from "node:zlib";
import type { Answer } from "./types.ts";

// Sends a routed answer as a store's CDN would: strong ETags and Last-Modified with 304s for
// conditional requests, gzip when the client accepts it.

export interface SendOptions {
  /** Strong ETags and If-None-Match → 304 (default true). */
  etag?: boolean;
  /** A fixed Last-Modified and If-Modified-Since → 304. */
  lastModified?: string;
  /** gzip JSON bodies when the client accepts it (default true). */
  gzip?: boolean;
}

export function answerSender(options: SendOptions): (req: IncomingMessage, res: ServerResponse, answer: Answer) => void {
  const gzipped = new WeakMap<object, Buffer>();
  // Encoded once per cached answer too: a body of megabytes costs ~10 ms to encode, and this
  // server shares its process (and clock) with the client under test.
  const encoded = new WeakMap<object, Buffer>();
  return (req, res, answer) => {
    const headers: Record<string, string> = { ...answer.headers };
    if (answer.status === 200 && headers["content-type"]?.includes("json")) {
      if (options.etag !== false) {
        headers.etag = answer.etag ??= `"${createHash("sha1").update(answer.body).digest("hex")}"`;
        if (req.headers["if-none-match"] === headers.etag) return void res.writeHead(304, headers).end();
      }
      if (options.lastModified) {
        headers["last-modified"] = options.lastModified;
        if (options.etag === false && req.headers["if-modified-since"] === options.lastModified) {
          return void res.writeHead(304, headers).end();
        }
      }
    }
    let body = encoded.get(answer);
    if (!body) encoded.set(answer, (body = Buffer.from(answer.body)));
    if (options.gzip !== false && /gzip/.test(String(req.headers["accept-encoding"] ?? "")) && body.length > 1024) {
      // Compressed once per cached answer: the server's own work stays small, so it notices
      // arrivals promptly (the number in flight is counted on arrival).
      let zipped = gzipped.get(answer);
      if (!zipped) gzipped.set(answer, (zipped = gzipSync(body)));
      body = zipped;
      headers["content-encoding"] = "gzip";
    }
    headers["content-length"] = String(body.length);
    res.writeHead(answer.status, headers);
    res.end(body);
  };
}
