import type { IncomingMessage, ServerResponse } from "node:http";
import { gzipSync } from "node:zlib";
import type { Answer, Fault } from "./types.ts";

// Faults a store stand-in injects in place of (or before) its normal answer: error statuses,
// resets, stalls, bodies too big or cut short, redirects. `normal` is the answer the request
// would otherwise get (a truncated body is the real one, cut).

/** Answers `req` with `fault`; true when the fault answered, false when the normal answer should follow. */
export async function applyFault(
  fault: Fault,
  req: IncomingMessage,
  res: ServerResponse,
  normal: () => Answer,
): Promise<boolean> {
  switch (fault.kind) {
    case "status":
      res.writeHead(fault.status, { "content-type": "application/json", ...fault.headers });
      res.end(fault.body ?? JSON.stringify({ error: `injected ${fault.status}` }));
      return true;
    case "reset":
      req.socket.destroy();
      return true;
    case "slow":
      await delay(fault.ms);
      return res.destroyed;
    case "html":
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end("<!doctype html><html><head><title>Store</title></head><body><h1>Welcome</h1></body></html>");
      return true;
    case "oversize": {
      res.writeHead(200, {
        "content-type": "application/json",
        ...(fault.chunked ? {} : { "content-length": String(fault.bytes) }),
      });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      let left = fault.bytes;
      const pump = () => {
        while (left > 0 && !res.destroyed) {
          const n = Math.min(left, chunk.length);
          left -= n;
          if (!res.write(chunk.subarray(0, n))) return void res.once("drain", pump);
        }
        if (!res.destroyed) res.end();
      };
      pump();
      return true;
    }
    case "gzipBomb":
      res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" });
      res.end(gzipSync(Buffer.alloc(fault.bytes, 0x20)));
      return true;
    case "redirect":
      res.writeHead(fault.status ?? 302, { location: fault.location });
      res.end();
      return true;
    case "truncated": {
      const answer = normal();
      res.writeHead(200, { "content-type": "application/json" });
      res.end(answer.body.slice(0, Math.floor(answer.body.length / 2)));
      return true;
    }
  }
}

export const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
