import type http from "node:http";

// The words a store stand-in and its tests share: a request as recorded, which requests a
// fault or a query is about, and the faults that can be injected.

export interface RecordedRequest {
  method: string;
  /** Path and query, e.g. "/products.json?limit=250&page=2". */
  path: string;
  /** Host header without port. */
  host: string;
  headers: http.IncomingHttpHeaders;
  /** performance.now() when the request arrived. */
  startedAt: number;
  /** performance.now() when the answer was finished or the socket closed. */
  endedAt: number | null;
  /** Requests in flight when this one arrived, itself included. */
  inFlight: number;
  status: number | null;
  /** The fault that answered it, if any. */
  fault: Fault["kind"] | null;
  /** First request on its connection (the client opened one for it). */
  newConnection: boolean;
}

/** Which requests: a path prefix, a pattern over path and query, or a predicate. */
export type RequestMatch<R extends { path: string } = RecordedRequest> = string | RegExp | ((request: R) => boolean);

export type Fault = { match: RequestMatch; times?: number } & (
  | { kind: "status"; status: number; headers?: Record<string, string>; body?: string }
  /** Socket destroyed before any answer (a connection reset). */
  | { kind: "reset" }
  /** Headers held back `ms` (then the normal answer). */
  | { kind: "slow"; ms: number }
  /** 200 text/html, as a shop theme or a bot wall would send. */
  | { kind: "html" }
  /** 200 application/json of `bytes` bytes; with `chunked` no Content-Length is declared. */
  | { kind: "oversize"; bytes: number; chunked?: boolean }
  /** A small gzip body that decodes to `bytes` bytes. */
  | { kind: "gzipBomb"; bytes: number }
  | { kind: "redirect"; location: string; status?: number }
  /** 200 application/json with the real body cut in half. */
  | { kind: "truncated" }
);

/** One answer as routed, before conditional requests and compression. */
export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
  etag?: string;
}
