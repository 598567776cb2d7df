import diagnosticsChannel from "node:diagnostics_channel";
import type { Socket } from "node:net";
import { performance } from "node:perf_hooks";
import { matches } from "./request-log.ts";
import type { RequestMatch } from "./types.ts";

// When the client put each request to one server on the wire, taken from undici's
// diagnostics channel in the moment it writes the request's headers to the socket. Pacing is
// measured here, not in a stand-in's request handler: in a test the stand-in shares the
// client's event loop, so a client busy parsing a page (or a GC pause) makes the handler
// notice one arrival late and the next on time, and a gap the client kept looks tens of
// milliseconds shorter there than the store, on its own machine, would see it (on CI:
// 48 ms seen at the handler of a gap kept at ≥ 90 ms). The pacer measures each start from
// just after the previous request was written (src/fetch/sent-hook.ts), a moment later than
// the one noted here, so a gap seen here is at least the pacer's, new connections included.

export interface SentRequest {
  method: string;
  /** Path and query. */
  path: string;
  /** Host the request was addressed to, without port. */
  host: string;
  /** performance.now() when its headers were written to the socket. */
  sentAt: number;
}

export type SentMatch = RequestMatch<SentRequest>;

export interface WireLog {
  sent: SentRequest[];
  /** Gaps between successive sends, ms, in order. */
  startGaps(match?: SentMatch): number[];
  /** The smallest of those gaps. */
  minPacedGap(match?: SentMatch): number;
  stop(): void;
}

interface SendHeadersMessage {
  request: { method: string; path: string; origin: string };
  socket: Socket;
}

const SEND_HEADERS = "undici:client:sendHeaders";

export function wireLog(port: number): WireLog {
  const sent: SentRequest[] = [];
  const onSend = (message: unknown) => {
    const { request, socket } = message as SendHeadersMessage;
    if (socket.remotePort !== port) return;
    sent.push({
      method: request.method,
      path: request.path,
      host: new URL(request.origin).hostname,
      sentAt: performance.now(),
    });
  };
  diagnosticsChannel.subscribe(SEND_HEADERS, onSend);
  const picked = (match?: SentMatch) => sent.filter((r) => match === undefined || matches(match, r));
  const startGaps = (match?: SentMatch) => {
    const times = picked(match).map((r) => r.sentAt);
    return times.slice(1).map((t, i) => t - times[i]!);
  };
  return {
    sent,
    startGaps,
    minPacedGap: (match) => Math.min(...startGaps(match)),
    stop: () => void diagnosticsChannel.unsubscribe(SEND_HEADERS, onSend),
  };
}
