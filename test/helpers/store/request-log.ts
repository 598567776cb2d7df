import type http from "node:http";
import { performance } from "node:perf_hooks";
import type { RecordedRequest, RequestMatch } from "./types.ts";

// What a store stand-in saw: every request's start, end and the number in flight when it
// arrived, so concurrency is measured at the server, where a store feels it (pacing is
// measured where the client writes each request: see wire-log.ts).

export function matches<R extends { path: string }>(match: RequestMatch<R>, record: R): boolean {
  if (typeof match === "string") return record.path.startsWith(match);
  if (match instanceof RegExp) return match.test(record.path);
  return match(record);
}

export interface RequestLog {
  requests: RecordedRequest[];
  /** Records `req` on arrival and its end when `res` closes. */
  record(req: http.IncomingMessage, res: http.ServerResponse): RecordedRequest;
  maxInFlight(): number;
  requestsTo(match: RequestMatch): RecordedRequest[];
}

export function requestLog(): RequestLog {
  const requests: RecordedRequest[] = [];
  const sockets = new WeakSet<object>();
  let inFlight = 0;
  return {
    requests,
    record(req, res) {
      inFlight++;
      const record: RecordedRequest = {
        method: req.method ?? "GET",
        path: req.url ?? "/",
        host: (req.headers.host ?? "").replace(/:\d+$/, ""),
        headers: req.headers,
        startedAt: performance.now(),
        endedAt: null,
        inFlight,
        status: null,
        fault: null,
        newConnection: !sockets.has(req.socket),
      };
      sockets.add(req.socket);
      requests.push(record);
      res.on("close", () => {
        inFlight--;
        record.endedAt = performance.now();
        record.status = res.headersSent ? res.statusCode : null;
      });
      return record;
    },
    maxInFlight: () => Math.max(0, ...requests.map((r) => r.inFlight)),
    requestsTo: (match) => requests.filter((r) => matches(match, r)),
  };
}
