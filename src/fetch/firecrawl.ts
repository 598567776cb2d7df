import { Agent } from "undici";
import { redactSecrets } from "../core/secrets.ts";
import { permanent, ScrapeError, throttled, transient } from "../core/errors.ts";
import type { Logger } from "../core/logger.ts";
import { postToService } from "./service-post.ts";
import { parseRetryAfter, requestBackoffMs } from "./retry.ts";
import { sleep } from "../core/timers.ts";

// Firecrawl (https://docs.firecrawl.dev), the paid fallback fetcher: it fetches and renders a
// store's pages for us, so it is not the polite client (Firecrawl's own crawler is polite to
// the store); what we owe it is bounded calls and never overspending. Every call is paid for
// first, through the CreditLedger (the database behind it, see db/firecrawl-credits.ts); a
// call Firecrawl refused before working (429, 402, 401) is given back. Calls have a timeout,
// a size cap, Retry-After honoured up to a cap, and a bounded number of attempts. The API key
// is sent in a header only: never in a URL, a log line or an error message.

/** Credits per call, as Firecrawl bills them: a map is 1; a scrape with JSON extraction 5 (1 + 4). */
export const FIRECRAWL_CREDITS = { map: 1, scrapeJson: 5 } as const;

/** Attempts per call, the first included. */
const MAX_ATTEMPTS = 3;
/** One call, headers and body: a JSON extraction renders the page and runs a model over it. */
const CALL_TIMEOUT_MS = 120_000;
/** Asked of Firecrawl per scrape (it stops waiting for the store after this). */
const SCRAPE_TIMEOUT_MS = 60_000;

export interface FirecrawlSettings {
  apiKey: string;
  baseUrl: string;
  maxBytes: number;
  retryAfterCapMs: number;
  retryBaseMs: number;
}

export interface CreditLedger {
  /** Counts `credits` against the budget; false when that would pass it (nothing counted). */
  reserve(credits: number): Promise<{ granted: boolean; used: number; budget: number }>;
  /** Gives back a reservation whose call was certainly not billed. */
  release(credits: number): Promise<void>;
}

export interface FirecrawlAnswer {
  /** The page asked about (the artifact's URL), the answer's status, and Firecrawl's JSON body. */
  url: string;
  status: number;
  contentType: string | null;
  body: Buffer;
  json: unknown;
}

export interface FirecrawlStats {
  calls: number;
  credits: number;
  retries: number;
}

export const BUDGET_EXHAUSTED = "firecrawl_budget_exhausted";
export const ACCOUNT_EXHAUSTED = "firecrawl_credits_exhausted";

export class FirecrawlClient {
  readonly stats: FirecrawlStats = { calls: 0, credits: 0, retries: 0 };
  private readonly dispatcher: Agent;

  constructor(
    private readonly settings: FirecrawlSettings,
    private readonly ledger: CreditLedger,
    private readonly options: { signal?: AbortSignal; log?: Logger; random?: () => number } = {},
  ) {
    this.dispatcher = new Agent({ headersTimeout: CALL_TIMEOUT_MS, bodyTimeout: CALL_TIMEOUT_MS, connections: 4 });
  }

  /** The site's URLs (Firecrawl's /v1/map), at most `limit`. */
  async map(site: string, limit: number): Promise<FirecrawlAnswer & { links: string[] }> {
    const answer = await this.call("/v1/map", { url: site, limit, includeSubdomains: false }, FIRECRAWL_CREDITS.map, site);
    const links = (answer.json as { links?: unknown } | null)?.links;
    const urls = (Array.isArray(links) ? links : [])
      .map((l: unknown) => (typeof l === "string" ? l : typeof (l as { url?: unknown })?.url === "string" ? (l as { url: string }).url : null))
      .filter((u): u is string => u !== null)
      .slice(0, limit);
    return { ...answer, links: urls };
  }

  /** One page's data extracted into `schema` (Firecrawl's /v1/scrape with the json format). */
  async scrape(url: string, schema: object, prompt: string): Promise<FirecrawlAnswer> {
    return this.call(
      "/v1/scrape",
      { url, formats: ["json"], jsonOptions: { schema, prompt }, onlyMainContent: false, timeout: SCRAPE_TIMEOUT_MS },
      FIRECRAWL_CREDITS.scrapeJson,
      url,
    );
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  private async call(path: string, payload: object, credits: number, target: string): Promise<FirecrawlAnswer> {
    // Relative to the base, so a self-hosted Firecrawl under a path prefix works too.
    const endpoint = new URL(path.slice(1), this.settings.baseUrl.replace(/\/*$/, "/")).href.replace(/\/v1\/v1\//, "/v1/");
    for (let attempt = 1; ; attempt++) {
      this.options.signal?.throwIfAborted();
      const reservation = await this.ledger.reserve(credits);
      if (!reservation.granted) {
        throw permanent(
          BUDGET_EXHAUSTED,
          `Firecrawl budget reached: ${reservation.used} of ${reservation.budget} credits used this month; a ${credits}-credit call was not made`,
        );
      }
      this.stats.calls++;
      this.stats.credits += credits;
      let status: number;
      let headers: Record<string, string>;
      let body: Buffer;
      try {
        ({ status, headers, body } = await this.exchange(endpoint, payload));
      } catch (err) {
        // It may have reached Firecrawl and been billed: the reservation stands.
        const error = err instanceof ScrapeError ? err : transient("firecrawl_unreachable", `Firecrawl ${path} for ${target} failed: ${redactSecrets((err as Error).message)}`, err);
        if (this.options.signal?.aborted || error.retry !== "transient" || attempt >= MAX_ATTEMPTS) throw error;
        await this.wait(requestBackoffMs(attempt, this.settings.retryBaseMs, this.options.random));
        continue;
      }
      const what = `Firecrawl ${path} for ${target} answered ${status}`;
      if (status >= 200 && status < 300) {
        const json = parseJson(body, what);
        if ((json as { success?: unknown } | null)?.success === false) {
          throw permanent("firecrawl_failed", `${what} with success: false: ${detail(json)}`);
        }
        return { url: target, status, contentType: headers["content-type"] ?? null, body, json };
      }
      if (status === 429 || status === 402 || status === 401 || status === 403) {
        // Refused before any work: nothing was billed.
        this.stats.calls--;
        this.stats.credits -= credits;
        await this.ledger.release(credits);
      }
      if (status === 402) throw permanent(ACCOUNT_EXHAUSTED, `${what}: the Firecrawl account has no credits left`);
      if (status === 401 || status === 403) throw permanent("firecrawl_unauthorized", `${what}: FIRECRAWL_API_KEY was refused`);
      if (status === 429) {
        const retryAfter = parseRetryAfter(headers["retry-after"]);
        if (retryAfter !== null && retryAfter > this.settings.retryAfterCapMs) {
          throw throttled("retry_after_too_long", `${what} with Retry-After ${Math.ceil(retryAfter / 1000)} s, beyond the ${this.settings.retryAfterCapMs / 1000} s cap`, retryAfter);
        }
        if (attempt >= MAX_ATTEMPTS) throw throttled("rate_limited", `${what} after ${MAX_ATTEMPTS} attempts`, retryAfter ?? undefined);
        await this.wait(retryAfter ?? requestBackoffMs(attempt, this.settings.retryBaseMs, this.options.random));
        continue;
      }
      if (status >= 500 && attempt < MAX_ATTEMPTS) {
        await this.wait(requestBackoffMs(attempt, this.settings.retryBaseMs, this.options.random));
        continue;
      }
      const text = `${what}: ${detail(tryJson(body))}`;
      throw new ScrapeError(`firecrawl_${status}`, text);
    }
  }

  private async wait(ms: number): Promise<void> {
    this.stats.retries++;
    this.options.log?.debug({ waitMs: ms }, "Firecrawl call retried");
    if (ms > 0) await sleep(ms, this.options.signal ? { signal: this.options.signal } : {});
  }

  private exchange(endpoint: string, payload: object) {
    return postToService({
      dispatcher: this.dispatcher,
      url: endpoint,
      headers: { authorization: `Bearer ${this.settings.apiKey}`, "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify(payload),
      timeoutMs: CALL_TIMEOUT_MS,
      maxBytes: this.settings.maxBytes,
      timeoutMessage: `no complete answer from Firecrawl within ${CALL_TIMEOUT_MS} ms`,
      signal: this.options.signal,
    });
  }
}

function parseJson(body: Buffer, what: string): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    throw transient("invalid_json", `${what} with ${body.length} bytes that are not JSON`);
  }
}

function tryJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    return body.subarray(0, 200).toString("utf8");
  }
}

/** Firecrawl's own words about a failure, short, with anything secret-shaped removed. */
function detail(json: unknown): string {
  const error = (json as { error?: unknown } | null)?.error;
  const text = typeof error === "string" ? error : typeof json === "string" ? json : JSON.stringify(json ?? null);
  return redactSecrets(text.replace(/\s+/g, " ").slice(0, 200));
}
