import { createHash } from "node:crypto";
import dns from "node:dns";
import { readFileSync } from "node:fs";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import type { LookupFunction } from "../../src/fetch/guard.ts";

// A real HTTP server on 127.0.0.1 (port 0) that plays a Shopify storefront or a WooCommerce
// Store API from the fixtures in test/fixtures. Products can be multiplied with fresh ids
// (1,000 Shopify products, 300 Woo variable products, …). It answers conditional requests
// (ETag / Last-Modified → 304), serves robots.txt, injects faults on demand, and records
// every request's start, end and the number in flight, so pacing is measured at the server.

const FIXTURES = fileURLToPath(new URL("../fixtures/", import.meta.url));
type Json = Record<string, unknown>;

export function shopifyFixtureProducts(): Json[] {
  const data = JSON.parse(readFileSync(`${FIXTURES}shopify-products-page-blue-tokai.json`, "utf8")) as { products: Json[] };
  return data.products;
}

export function wooFixtureProducts(): Json[] {
  return JSON.parse(readFileSync(`${FIXTURES}woocommerce-store-api-products-page-babas-beans.json`, "utf8")) as Json[];
}

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
  /**
   * First request on its connection. Such a request reaches the server later after its
   * start than one on a kept-alive connection (the TCP handshake sits in between), so the
   * gap after it, as seen here, is shorter than the client spaced it by that much.
   */
  newConnection: boolean;
}

export type FaultMatch = string | RegExp | ((request: RecordedRequest) => boolean);

export type Fault = { match: FaultMatch; times?: number } & (
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

export interface StoreServerOptions {
  platform: "shopify" | "woocommerce";
  /** How many products; generated from the fixture's with fresh ids. Default: the fixture unchanged. */
  products?: number;
  /** Woo: generate from variable fixture products only. */
  variableOnly?: boolean;
  /** Woo: generate from simple fixture products only. */
  simpleOnly?: boolean;
  /** Woo: at most this many variations per variable product. */
  maxVariations?: number;
  /** Shopify /meta.json and /cart.js currency (default "INR"); null: both answer 404. */
  currency?: string | null;
  /** robots.txt body; null: 404. Default allows everything. */
  robotsTxt?: string | null;
  /** Strong ETags and If-None-Match → 304 (default true). */
  etag?: boolean;
  /** A fixed Last-Modified and If-Modified-Since → 304 (default none). */
  lastModified?: string;
  /** Woo: only the unversioned /wp-json/wc/store/products exists. */
  wooLegacyOnly?: boolean;
  /** Woo: ignore `parent` in `?type=variation` listings (as some stores do). */
  wooIgnoresParent?: boolean;
  /** Hosts (Host header, no port) that answer 404 to everything but robots.txt: the apex of an apex→www store. */
  notFoundHosts?: string[];
  /** Delay before every answer, ms. */
  latencyMs?: number;
  /** gzip JSON bodies when the client accepts it (default true). */
  gzip?: boolean;
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
  /** Gaps between successive request starts, ms, in arrival order. */
  startGaps(match?: FaultMatch): number[];
  /**
   * The smallest gap between successive request starts, leaving out gaps that follow a
   * request which opened a new connection (see RecordedRequest.newConnection).
   */
  minPacedGap(match?: FaultMatch): number;
  /** Requests matching `match`. */
  requestsTo(match: FaultMatch): RecordedRequest[];
  close(): Promise<void>;
}

/**
 * How much shorter a gap between request starts can look at this server than the client
 * made it: server and client share one event loop and, in a test run, two cores with other
 * test files, so noticing one arrival (or, when the client is busy parsing a page, sending it)
 * can be delayed by up to ~20 ms on a loaded CI machine while the next goes out and is noticed
 * at once. Assert
 * `minPacedGap() >= delay - jitter - PACING_SLACK_MS` with delays well above this.
 */
export const PACING_SLACK_MS = 25;

const DEFAULT_ROBOTS = "User-agent: *\nDisallow: /checkout\nDisallow: /cart\n";

export async function startStoreServer(options: StoreServerOptions): Promise<StoreServer> {
  const products = options.platform === "shopify" ? generateShopify(options.products) : generateWoo(options);
  const variations = new Map<number, Json[]>();
  if (options.platform === "woocommerce") {
    for (const p of products) variations.set(p.id as number, generateVariations(p, options.maxVariations));
  }
  const faults: (Fault & { used: number })[] = [];
  const requests: RecordedRequest[] = [];
  const bodies = new Map<string, Answer>();
  let inFlight = 0;
  const sockets = new WeakSet<object>();

  const server = http.createServer((req, res) => {
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
    void handle(req, res, record).catch((err: unknown) => {
      if (!res.headersSent) {
        res.statusCode = 500;
        res.end(String(err));
      } else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse, record: RecordedRequest): Promise<void> {
    if (options.latencyMs) await delay(options.latencyMs);
    const fault = faults.find((f) => (f.times === undefined || f.used < f.times) && matches(f.match, record));
    if (fault) {
      fault.used++;
      record.fault = fault.kind;
      const done = await applyFault(fault, req, res, record);
      if (done) return;
    }
    const answer = route(record);
    send(req, res, answer);
  }

  async function applyFault(fault: Fault, req: IncomingMessage, res: ServerResponse, record: RecordedRequest) {
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
        const answer = route(record);
        res.writeHead(200, { "content-type": "application/json" });
        res.end(answer.body.slice(0, Math.floor(answer.body.length / 2)));
        return true;
      }
    }
  }

  const gzipped = new WeakMap<object, Buffer>();

  function send(req: IncomingMessage, res: ServerResponse, answer: Answer) {
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
    let body: Buffer = Buffer.from(answer.body);
    if (options.gzip !== false && /gzip/.test(String(req.headers["accept-encoding"] ?? "")) && body.length > 1024) {
      // Compressed once per cached answer: the server's own work stays small, so its clock
      // notices arrivals promptly (see PACING_SLACK_MS).
      let zipped = gzipped.get(answer);
      if (!zipped) gzipped.set(answer, (zipped = gzipSync(body)));
      body = zipped;
      headers["content-encoding"] = "gzip";
    }
    headers["content-length"] = String(body.length);
    res.writeHead(answer.status, headers);
    res.end(body);
  }

  function route(record: RecordedRequest) {
    const cached = bodies.get(`${record.host} ${record.path}`);
    if (cached) return cached;
    const answer = compute(record);
    if (answer.status === 200) bodies.set(`${record.host} ${record.path}`, answer);
    return answer;
  }

  function compute(record: RecordedRequest): Answer {
    const url = new URL(record.path, "http://store.test");
    const json = (status: number, data: unknown, headers: Record<string, string> = {}) => ({
      status,
      headers: { "content-type": "application/json; charset=utf-8", ...headers },
      body: JSON.stringify(data),
    });
    if (url.pathname === "/robots.txt") {
      const robots = options.robotsTxt === undefined ? DEFAULT_ROBOTS : options.robotsTxt;
      if (robots === null) return { status: 404, headers: { "content-type": "text/plain" }, body: "not found" };
      return { status: 200, headers: { "content-type": "text/plain" }, body: robots };
    }
    if (options.notFoundHosts?.includes(record.host)) return json(404, { errors: "Not Found" });
    if (options.platform === "shopify") {
      if (url.pathname === "/products.json") {
        const limit = Math.min(250, Math.max(1, Number(url.searchParams.get("limit") ?? 30)));
        const page = Math.max(1, Number(url.searchParams.get("page") ?? 1));
        if (page * limit > 25_000) return json(400, { errors: "Page * Limit exceeds the 25000 limit." });
        return json(200, { products: products.slice((page - 1) * limit, page * limit) });
      }
      if (url.pathname === "/meta.json" && options.currency !== null) {
        return json(200, { currency: options.currency ?? "INR", country: "IN", published_products_count: products.length });
      }
      if (url.pathname === "/cart.js" && options.currency !== null) {
        return json(200, { token: "x", items: [], currency: options.currency ?? "INR" });
      }
      return json(404, { errors: "Not Found" });
    }
    const legacy = "/wp-json/wc/store/products";
    const v1 = "/wp-json/wc/store/v1/products";
    const base = options.wooLegacyOnly ? legacy : v1;
    if (url.pathname === base) {
      const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get("per_page") ?? 10)));
      const page = Math.max(1, Number(url.searchParams.get("page") ?? 1));
      let items: Json[] = products;
      if (url.searchParams.get("type") === "variation") {
        const parents = (url.searchParams.get("parent") ?? "").split(",").filter(Boolean).map(Number);
        items =
          parents.length && !options.wooIgnoresParent
            ? parents.flatMap((id) => variations.get(id) ?? [])
            : [...variations.values()].flat();
      }
      const totalPages = Math.ceil(items.length / perPage);
      if (page > Math.max(1, totalPages)) {
        return json(400, { code: "rest_post_invalid_page_number", message: "The page number requested is larger than the number of pages available." });
      }
      return json(200, items.slice((page - 1) * perPage, page * perPage), {
        "x-wp-total": String(items.length),
        "x-wp-totalpages": String(totalPages),
      });
    }
    const single = url.pathname.startsWith(`${base}/`) ? Number(url.pathname.slice(base.length + 1)) : NaN;
    if (Number.isInteger(single)) {
      const product = products.find((p) => p.id === single);
      const variation = [...variations.values()].flat().find((v) => v.id === single);
      if (product ?? variation) return json(200, product ?? variation);
      return json(404, { code: "woocommerce_rest_product_invalid_id", message: "Invalid product ID.", data: { status: 404 } });
    }
    return json(404, { code: "rest_no_route", message: "No route was found matching the URL and request method." });
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    products,
    variations,
    requests,
    addFault: (fault) => void faults.push({ ...fault, used: 0 }),
    clearFaults: () => void faults.splice(0),
    changed: () => bodies.clear(),
    maxInFlight: () => Math.max(0, ...requests.map((r) => r.inFlight)),
    startGaps(match) {
      const starts = requests.filter((r) => match === undefined || matches(match, r)).map((r) => r.startedAt);
      return starts.slice(1).map((t, i) => t - starts[i]!);
    },
    minPacedGap(match) {
      const picked = requests.filter((r) => match === undefined || matches(match, r));
      const gaps = picked.slice(1).flatMap((r, i) => (picked[i]!.newConnection ? [] : [r.startedAt - picked[i]!.startedAt]));
      return Math.min(...gaps);
    },
    requestsTo: (match) => requests.filter((r) => matches(match, r)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
  etag?: string;
}

function matches(match: FaultMatch, record: RecordedRequest): boolean {
  if (typeof match === "string") return record.path.startsWith(match);
  if (match instanceof RegExp) return match.test(record.path);
  return match(record);
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `n` Shopify products from the fixture's 30, with fresh product/variant/image ids and handles. */
function generateShopify(n: number | undefined): Json[] {
  const fixture = shopifyFixtureProducts();
  if (n === undefined) return fixture;
  return Array.from({ length: n }, (_, i) => {
    const source = fixture[i % fixture.length]!;
    const id = 9_000_000 + i;
    const variants = (source.variants as Json[]).map((v, j) => ({ ...v, id: id * 100 + j, product_id: id }));
    const images = ((source.images as Json[] | undefined) ?? []).map((img, j) => ({ ...img, id: id * 100 + j, product_id: id }));
    return { ...source, id, handle: `${String(source.handle)}-${i}`, variants, images };
  });
}

/** `n` Woo products from the fixture's 10 with fresh ids; variation ids follow their parent's. */
function generateWoo(options: StoreServerOptions): Json[] {
  let fixture = wooFixtureProducts();
  if (options.variableOnly) fixture = fixture.filter((p) => (p.variations as unknown[]).length > 0);
  if (options.simpleOnly) fixture = fixture.filter((p) => (p.variations as unknown[]).length === 0);
  const n = options.products;
  const count = n ?? fixture.length;
  return Array.from({ length: count }, (_, i) => {
    const source = fixture[i % fixture.length]!;
    if (n === undefined && !options.variableOnly && !options.simpleOnly && options.maxVariations === undefined) {
      return source;
    }
    const id = 100_000 + i * 1000;
    const listed = (source.variations as Json[]).slice(0, options.maxVariations ?? Infinity);
    return {
      ...source,
      id,
      permalink: `${String(source.permalink).replace(/\/$/, "")}-${i}/`,
      variations: listed.map((v, j) => ({ ...v, id: id + 1 + j })),
    };
  });
}

/**
 * Store API variations of a generated product: priced from the parent (each one 10.00 more
 * than the last), every fifth out of stock.
 */
function generateVariations(parent: Json, max: number | undefined): Json[] {
  const prices = parent.prices as Json;
  const base = Number(prices.price) > 0 ? Number(prices.price) : 50_000;
  return (parent.variations as Json[]).slice(0, max ?? Infinity).map((v, j) => {
    const attributes = v.attributes as { name: string; value: string }[];
    const price = String(base + j * 1000);
    return {
      id: v.id,
      parent: parent.id,
      type: "variation",
      name: parent.name,
      variation: attributes.map((a) => `${a.name}: ${a.value}`).join(", "),
      permalink: parent.permalink,
      sku: `${String(parent.id)}-${j}`,
      prices: { ...prices, price, regular_price: price, sale_price: price, price_range: null },
      attributes: [],
      variations: [],
      is_in_stock: j % 5 !== 4,
      low_stock_remaining: null,
    };
  });
}

/** DNS for tests: the given names resolve to 127.0.0.1, everything else as usual. */
export function loopbackLookup(...names: string[]): LookupFunction {
  return (hostname, options, callback) => {
    if (names.includes(hostname)) return callback(null, [{ address: "127.0.0.1", family: 4 }]);
    dns.lookup(hostname, { ...options, all: true }, callback);
  };
}
