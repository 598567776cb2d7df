import { startLocalServer } from "./local-server.ts";

// A local stand-in of Firecrawl's documented endpoints (POST /v1/map, POST /v1/scrape with
// the json format), on 127.0.0.1 port 0. It checks the Bearer key, bills credits as Firecrawl
// does (map 1, scrape with JSON extraction 5), answers 402 once the account's credits run out
// and 429 with Retry-After on demand, and counts every call.

export interface FirecrawlProduct {
  name: string;
  category?: string;
  currency?: string;
  variants: { title?: string; sku?: string; size?: string; price?: string; currency?: string; available?: boolean }[];
}

export interface FirecrawlStandIn {
  url: string;
  calls: { endpoint: "map" | "scrape"; target: string; status: number; authorized: boolean }[];
  /** Credits billed (only for calls answered 200). */
  billed(): number;
  /** The next `times` calls answer 429 with this Retry-After (seconds). */
  rateLimit(times: number, retryAfterSeconds: number): void;
  close(): Promise<void>;
}

export async function startFirecrawl(options: {
  apiKey: string;
  site: string;
  /** Product pages: path → what extraction finds there. */
  products: Record<string, FirecrawlProduct>;
  /** Other pages the map lists (not products). */
  otherPaths?: string[];
  /** Credits in the Firecrawl account (default: plenty). */
  accountCredits?: number;
  latencyMs?: number;
}): Promise<FirecrawlStandIn> {
  const calls: FirecrawlStandIn["calls"] = [];
  let credits = options.accountCredits ?? 1_000_000;
  let billed = 0;
  let limited = { times: 0, seconds: 0 };

  const server = await startLocalServer((req, res) => {
    let raw = "";
    req.on("data", (d: Buffer) => (raw += d.toString()));
    req.on("end", () => {
      const reply = () => {
        const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
          res.writeHead(status, { "content-type": "application/json", ...headers });
          res.end(JSON.stringify(body));
        };
        const endpoint = req.url === "/v1/map" ? "map" : req.url === "/v1/scrape" ? "scrape" : null;
        let payload: { url?: string; formats?: string[] } = {};
        try {
          payload = JSON.parse(raw) as typeof payload;
        } catch {
          return send(400, { success: false, error: "invalid JSON body" });
        }
        const authorized = req.headers.authorization === `Bearer ${options.apiKey}`;
        const call = { endpoint: endpoint ?? "scrape", target: payload.url ?? "", status: 0, authorized } as FirecrawlStandIn["calls"][number];
        calls.push(call);
        const answer = (status: number, body: unknown, headers?: Record<string, string>) => {
          call.status = status;
          send(status, body, headers);
        };
        if (!endpoint || req.method !== "POST") return answer(404, { success: false, error: "Not found" });
        if (!authorized) return answer(401, { success: false, error: "Unauthorized: Invalid token" });
        if (limited.times > 0) {
          limited.times--;
          return answer(429, { success: false, error: "Rate limit exceeded." }, { "retry-after": String(limited.seconds) });
        }
        const cost = endpoint === "map" ? 1 : (payload.formats ?? []).includes("json") ? 5 : 1;
        if (credits < cost) {
          return answer(402, { success: false, error: "Payment Required: Insufficient credits to perform this request." });
        }
        credits -= cost;
        billed += cost;
        if (endpoint === "map") {
          const links = [...Object.keys(options.products), ...(options.otherPaths ?? [])].map((p) => `${options.site}${p}`);
          return answer(200, { success: true, links });
        }
        const path = payload.url?.startsWith(options.site) ? payload.url.slice(options.site.length) : "";
        const product = options.products[path];
        if (!product) {
          return answer(200, { success: true, data: { json: { is_product_page: false, name: "", variants: [] }, metadata: { sourceURL: payload.url, statusCode: 200 } } });
        }
        return answer(200, {
          success: true,
          data: { json: { is_product_page: true, ...product }, metadata: { sourceURL: payload.url, statusCode: 200, title: product.name } },
        });
      };
      if (options.latencyMs) setTimeout(reply, options.latencyMs);
      else reply();
    });
  });
  return {
    url: server.url,
    calls,
    billed: () => billed,
    rateLimit: (times, seconds) => void (limited = { times, seconds }),
    close: server.close,
  };
}
