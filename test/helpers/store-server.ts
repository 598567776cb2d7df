import type { IncomingMessage, ServerResponse } from "node:http";
import { startLocalServer } from "./local-server.ts";
import { applyFault, delay } from "./store/faults.ts";
import { generateShopify, generateVariations, generateWoo, type Json, type WooGeneration } from "./store/fixtures.ts";
import { matches, requestLog } from "./store/request-log.ts";
import { route, type RouteOptions } from "./store/routes.ts";
import { answerSender, type SendOptions } from "./store/send.ts";
import type { Answer, Fault, RecordedRequest, RequestMatch } from "./store/types.ts";
import { wireLog, type SentMatch } from "./store/wire-log.ts";

// A real HTTP server on 127.0.0.1 (port 0) that plays a Shopify storefront or a WooCommerce
// Store API from the fixtures in test/fixtures. Products can be multiplied with fresh ids
// (1,000 Shopify products, 300 Woo variable products, …). It answers conditional requests
// (ETag / Last-Modified → 304), serves robots.txt, injects faults on demand, and records
// every request's start, end and the number in flight, so concurrency is measured at the
// server; pacing is measured where the client writes each request to it (store/wire-log.ts).
// The parts live in store/: fixtures, routes, faults, sending, the request log.

export { shopifyFixtureProducts, wooFixtureProducts } from "./store/fixtures.ts";
export { loopbackLookup } from "./store/loopback-dns.ts";
export type { Fault, RecordedRequest } from "./store/types.ts";
export type FaultMatch = RequestMatch;

export interface StoreServerOptions extends RouteOptions, SendOptions, WooGeneration {
  /** Delay before every answer, ms. */
  latencyMs?: number;
}

export interface StoreServer {
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
  /** The generated products as served (mutate, then call `changed()`). */
  products: Json[];
  /** Woo: variations by parent id. */
  variations: Map<number, Json[]>;
  requests: RecordedRequest[];
  addFault(fault: Fault): void;
  clearFaults(): void;
  /** Forget cached bodies after mutating `products` (new ETags). */
  changed(): void;
  /** Highest number of requests in flight at once (optionally among matching requests' arrivals). */
  maxInFlight(): number;
  /** Gaps between successive requests as the client wrote them to this server, ms (see wire-log.ts). */
  startGaps(match?: SentMatch): number[];
  /** The smallest of those gaps. */
  minPacedGap(match?: SentMatch): number;
  /** Requests matching `match`. */
  requestsTo(match: FaultMatch): RecordedRequest[];
  close(): Promise<void>;
}

/**
 * A margin for floating-point only: the pacer measures each gap from just after the previous
 * request was written (src/fetch/sent-hook.ts), later than the wire log notes that write, so
 * a gap between two writes is never shorter than the pacer's, however the process was held
 * up. Assert `minPacedGap() >= delay - jitter - PACING_SLACK_MS`.
 */
export const PACING_SLACK_MS = 1;

export async function startStoreServer(options: StoreServerOptions): Promise<StoreServer> {
  const products = options.platform === "shopify" ? generateShopify(options.products) : generateWoo(options);
  const variations = new Map<number, Json[]>();
  if (options.platform === "woocommerce") {
    for (const p of products) variations.set(p.id as number, generateVariations(p, options.maxVariations));
  }
  const catalogue = { products, variations };
  const faults: (Fault & { used: number })[] = [];
  const log = requestLog();
  const send = answerSender(options);
  // Bodies are built once per host and path, until `changed()`: a big catalogue's pages cost
  // the server nothing after the first, so its clock notices arrivals promptly.
  const bodies = new Map<string, Answer>();

  const routed = (record: RecordedRequest): Answer => {
    const key = `${record.host} ${record.path}`;
    const cached = bodies.get(key);
    if (cached) return cached;
    const answer = route(options, catalogue, record.host, record.path);
    if (answer.status === 200) bodies.set(key, answer);
    return answer;
  };

  async function handle(req: IncomingMessage, res: ServerResponse, record: RecordedRequest): Promise<void> {
    if (options.latencyMs) await delay(options.latencyMs);
    const fault = faults.find((f) => (f.times === undefined || f.used < f.times) && matches(f.match, record));
    if (fault) {
      fault.used++;
      record.fault = fault.kind;
      if (await applyFault(fault, req, res, () => routed(record))) return;
    }
    send(req, res, routed(record));
  }

  const server = await startLocalServer((req, res) => {
    const record = log.record(req, res);
    void handle(req, res, record).catch((err: unknown) => {
      if (!res.headersSent) {
        res.statusCode = 500;
        res.end(String(err));
      } else res.destroy();
    });
  });
  const wire = wireLog(server.port);

  return {
    url: server.url,
    port: server.port,
    products,
    variations,
    requests: log.requests,
    addFault: (fault) => void faults.push({ ...fault, used: 0 }),
    clearFaults: () => void faults.splice(0),
    changed: () => bodies.clear(),
    maxInFlight: log.maxInFlight,
    startGaps: wire.startGaps,
    minPacedGap: wire.minPacedGap,
    requestsTo: log.requestsTo,
    close: () => {
      wire.stop();
      return server.close();
    },
  };
}
