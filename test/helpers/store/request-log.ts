import type http from "node:http";
import { performance } from "node:perf_hooks";
import type { RecordedRequest, RequestMatch } from "./types.ts";

// What a store stand-in saw: every request's start, end and the number in flight when it
// arrived, so pacing and concurrency are measured at the server, where a store feels them.

export function matches(match: RequestMatch, record: RecordedRequest): boolean {
  if (typeof match === "string") return record.path.startsWith(match);
  if (match instanceof RegExp) return match.test(record.path);
  return match(record);
}

export interface RequestLog {
  requests: RecordedRequest[];
  /** Records `req` on arrival and its end when `res` closes. */
  record(req: http.IncomingMessage, res: http.ServerResponse): RecordedRequest;
  maxInFlight(): number;
  startGaps(match?: RequestMatch): number[];
  minPacedGap(match?: RequestMatch): number;
  requestsTo(match: RequestMatch): RecordedRequest[];
}

export function requestLog(): RequestLog {
  const requests: RecordedRequest[] = [];
  const sockets = new WeakSet<object>();
  let inFlight = 0;
  const picked = (match?: RequestMatch) => requests.filter((r) => match === undefined || matches(match, r));
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
    startGaps(match) {
      const starts = picked(match).map((r) => r.startedAt);
      return starts.slice(1).map((t, i) => t - starts[i]!);
    },
    minPacedGap(match) {
      const chosen = picked(match);
      const gaps = chosen.slice(1).flatMap((r, i) => (chosen[i]!.newConnection ? [] : [r.startedAt - chosen[i]!.startedAt]));
      return Math.min(...gaps);
    },
    requestsTo: (match) => requests.filter((r) => matches(match, r)),
  };
}
