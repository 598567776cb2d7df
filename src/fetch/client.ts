import { Agent, request, type Dispatcher } from "undici";
import type { Roaster } from "../config/roaster.ts";
import { pacingFor } from "../config/pacing.ts";
import type { HttpSettings } from "../config/setting-sections.ts";
import { permanent, ScrapeError, throttled, transient } from "../core/errors.ts";
import type { Logger } from "../core/logger.ts";
import { readBody, TOO_LARGE_CODE } from "./body.ts";
import { assertFetchableUrl, guardedLookup, sameSite, type LookupFunction } from "./guard.ts";
import { Pacer } from "./pacer.ts";
import { parseRetryAfter, requestBackoffMs, RETRYABLE_STATUSES } from "./retry.ts";
import { robotsAgentToken, sharedRobotsCache, type RobotsCache } from "./robots.ts";
import { ON_SENT, reportSent, type SentHook } from "./sent-hook.ts";
import type { RememberedValidators, SiteMemory } from "./site-memory.ts";
import type { FetchStats } from "./stats.ts";
import { NO_VALIDATORS, type Validators } from "./validators.ts";
import { abortAfter, seconds, sleep } from "../core/timers.ts";

// The one way coffee-scraper talks to a roaster's site. Every request passes, in order:
//   URL guard (http(s), same registrable domain, no literal private IPs)
//   → robots.txt (cached per origin; Crawl-delay raises the delay floor)
//   → pacing (concurrency slots, spaced starts)
//   → conditional headers (validators of this exact URL)
//   → the request (timeout, size cap, gzip/br, private-address DNS guard)
//   → retry policy (backoff + jitter; Retry-After honoured up to a cap)
// Redirects are followed by hand, each hop going through the whole gate again.

export type { HttpSettings };

export interface HttpClientOptions {
  settings: HttpSettings;
  /** Where validators are read and robots results recorded; without it requests are unconditional. */
  memory?: SiteMemory;
  /** robots.txt cache; the process-wide one by default. */
  robotsCache?: RobotsCache;
  /** DNS resolution under the private-address guard (the system resolver by default). */
  lookup?: LookupFunction;
  /** Uniform random in [0, 1) for jitter; injectable for tests. */
  random?: () => number;
}

export interface SiteOptions {
  roaster: Pick<Roaster, "id" | "website" | "default_concurrency">;
  /** Added to by every request made through this site client. */
  stats: FetchStats;
  /** Aborts waits and requests at once (shutdown); never retried. */
  signal?: AbortSignal;
  log?: Logger;
  /**
   * The job applies whole pages (a full refresh): conditional requests then only use
   * validators of bodies a full refresh applied (see SiteMemory).
   */
  appliesFullRefresh?: boolean;
}

export interface GetOptions {
  /** Send the validators remembered for this exact URL (If-None-Match / If-Modified-Since). */
  conditional?: boolean;
  /** Accept header; JSON by default. */
  accept?: string;
  /**
   * What a 2xx answer must be, checked on its headers before the body is read (images): a
   * content type that does not match, or a declared length over `maxBytes`, is refused
   * (permanent); a body that turns out longer is cut off at `maxBytes` the same way.
   */
  expect?: BodyExpectation;
}

export interface BodyExpectation {
  contentType: RegExp;
  maxBytes: number;
}

export interface FetchResult {
  /** The URL asked for (the key of its validators). */
  url: string;
  /** Where the answer came from after redirects. */
  finalUrl: string;
  status: number;
  /** A 304 to a conditional request: unchanged since the validators were saved. Body empty. */
  notModified: boolean;
  headers: Record<string, string>;
  contentType: string | null;
  body: Buffer;
  /** Validators of this answer (for a 304: the ones that still hold). */
  validators: Validators;
  /** Whether validators were sent with the request. */
  conditional: boolean;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;
/** Google reads the first 500 KiB of a robots.txt; so do we. */
const ROBOTS_MAX_BYTES = 500 * 1024;

/** Built once per process (it owns the connection pool); hands out one SiteClient per job. */
export class HttpClient {
  readonly settings: HttpSettings;
  readonly dispatcher: Dispatcher;
  readonly robotsCache: RobotsCache;

  constructor(readonly options: HttpClientOptions) {
    this.settings = options.settings;
    this.robotsCache = options.robotsCache ?? sharedRobotsCache;
    this.dispatcher = new Agent({
      connect: { lookup: guardedLookup(options.settings.ALLOW_PRIVATE_NETWORKS, options.lookup) },
      headersTimeout: options.settings.HTTP_TIMEOUT_MS,
      bodyTimeout: options.settings.HTTP_TIMEOUT_MS,
      keepAliveTimeout: 10_000,
    }).compose(reportSent);
  }

  forSite(site: SiteOptions): SiteClient {
    return new SiteClient(this, site);
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}

export function createHttpClient(options: HttpClientOptions): HttpClient {
  return new HttpClient(options);
}

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** A roaster's site as seen by one job: its own pacing, stats and robots bookkeeping. */
export class SiteClient {
  readonly home: URL;
  readonly stats: FetchStats;
  private readonly pacer: Pacer;
  private readonly settings: HttpSettings;
  private readonly agentToken: string;
  private readonly random: () => number;
  private robotsRecorded = false;
  /** The roaster's remembered validators, read at this client's first conditional request. */
  private remembered: Promise<Map<string, RememberedValidators>> | null = null;

  constructor(
    private readonly client: HttpClient,
    private readonly site: SiteOptions,
  ) {
    this.home = new URL(site.roaster.website);
    this.stats = site.stats;
    this.settings = client.settings;
    this.random = client.options.random ?? Math.random;
    this.agentToken = robotsAgentToken(this.settings.USER_AGENT);
    this.pacer = new Pacer({ ...pacingFor(site.roaster, this.settings), random: this.random });
  }

  /**
   * The validators to send for `url`. A full refresh only trusts those of a body a full
   * refresh applied: a price-only run writes prices and stock, not the rest.
   */
  private async rememberedFor(url: string, memory: SiteMemory): Promise<Validators> {
    if (!this.remembered) {
      this.remembered = memory.validatorsOf(this.site.roaster.id);
      // (A failed read is tried again by the next request, as a per-URL read would be.)
      this.remembered.catch(() => (this.remembered = null));
    }
    const known = (await this.remembered).get(url);
    if (!known || (this.site.appliesFullRefresh && !known.appliedByFull)) return NO_VALIDATORS;
    return { etag: known.etag, lastModified: known.lastModified };
  }

  /**
   * GETs `url` (absolute, or relative to the roaster's website) politely. Resolves with any
   * final 2xx, 304 or non-retryable 4xx answer; throws a classified ScrapeError otherwise.
   */
  async get(url: string, options: GetOptions = {}): Promise<FetchResult> {
    try {
      return await this.getUnchecked(url, options);
    } catch (err) {
      if (this.site.signal?.aborted) throw err;
      const error = asScrapeError(err, url);
      this.stats.errors[error.retry]++;
      throw error;
    }
  }

  private async getUnchecked(input: string, options: GetOptions): Promise<FetchResult> {
    const requested = new URL(input, this.home);
    const memory = this.client.options.memory;
    const sent = options.conditional && memory ? await this.rememberedFor(requested.href, memory) : NO_VALIDATORS;
    const headers: Record<string, string> = { accept: options.accept ?? "application/json" };
    if (sent.etag) headers["if-none-match"] = sent.etag;
    if (sent.lastModified) headers["if-modified-since"] = sent.lastModified;
    const conditional = Boolean(sent.etag || sent.lastModified);

    const { answer, finalUrl } = await this.follow(requested, headers, true, options.expect);
    this.stats.statuses[answer.status] = (this.stats.statuses[answer.status] ?? 0) + 1;
    const notModified = answer.status === 304;
    if (notModified) this.stats.notModified++;
    const validators: Validators = {
      etag: answer.headers["etag"] ?? (notModified ? sent.etag : null),
      lastModified: answer.headers["last-modified"] ?? (notModified ? sent.lastModified : null),
    };
    return {
      url: requested.href,
      finalUrl: finalUrl.href,
      status: answer.status,
      notModified,
      headers: answer.headers,
      contentType: answer.headers["content-type"] ?? null,
      body: answer.body,
      validators,
      conditional,
    };
  }

  /** Requests `start`, following redirects within the roaster's registrable domain. */
  private async follow(start: URL, headers: Record<string, string>, checkRobots: boolean, expect?: BodyExpectation) {
    let url = start;
    for (let hop = 0; ; hop++) {
      assertFetchableUrl(url, this.settings.ALLOW_PRIVATE_NETWORKS);
      if (!sameSite(this.home, url)) {
        throw permanent(
          "off_site_url",
          hop === 0
            ? `refused ${url.href}: not on ${this.home.hostname}'s domain`
            : `${start.href} redirects to ${url.href}, outside ${this.home.hostname}'s domain; not followed`,
        );
      }
      if (checkRobots) await this.checkRobots(url);
      const answer = await this.withRetries(url, headers, expect);
      const location = answer.headers["location"];
      if (!REDIRECT_STATUSES.has(answer.status) || !location) return { answer, finalUrl: url };
      if (hop >= MAX_REDIRECTS) {
        throw permanent("too_many_redirects", `${start.href} redirected more than ${MAX_REDIRECTS} times`);
      }
      url = new URL(location, url);
    }
  }

  private async checkRobots(url: URL): Promise<void> {
    const rules = await this.client.robotsCache.get(url.origin, this.settings.ROBOTS_TTL_MS, this.agentToken, () =>
      this.loadRobots(url.origin),
    );
    if (rules.crawlDelayMs !== null) {
      const cap = this.settings.HTTP_CRAWL_DELAY_CAP_MS;
      if (rules.crawlDelayMs > cap) {
        // A standing policy, not a passing state: no retry of this job can honour it.
        throw throttled(
          "crawl_delay_too_long",
          `robots.txt at ${url.origin}/robots.txt asks for a Crawl-delay of ${seconds(rules.crawlDelayMs)} between requests, ` +
            `beyond HTTP_CRAWL_DELAY_CAP_MS (${seconds(cap)}); the store is not read`,
          rules.crawlDelayMs,
        );
      }
      this.pacer.raiseFloor(rules.crawlDelayMs);
    }
    if (!rules.allows(url.href)) {
      await this.recordRobots(false);
      throw permanent(
        "robots_disallowed",
        `robots.txt at ${url.origin}/robots.txt disallows ${url.pathname}${url.search} for "${this.agentToken}"`,
      );
    }
    if (!this.robotsRecorded) await this.recordRobots(true);
  }

  private async recordRobots(allowed: boolean): Promise<void> {
    this.robotsRecorded = true;
    const memory = this.client.options.memory;
    if (memory) await memory.robotsResult(this.site.roaster.id, allowed);
  }

  /** robots.txt text, or null when the site has none (any 4xx: everything is allowed). */
  private async loadRobots(origin: string): Promise<string | null> {
    const { answer } = await this.follow(new URL("/robots.txt", origin), { accept: "text/plain, */*;q=0.1" }, false);
    this.stats.statuses[answer.status] = (this.stats.statuses[answer.status] ?? 0) + 1;
    if (answer.status >= 200 && answer.status < 300) {
      return answer.body.subarray(0, ROBOTS_MAX_BYTES).toString("utf8");
    }
    if (answer.status >= 400 && answer.status < 500) return null;
    throw transient("robots_unavailable", `robots.txt at ${origin} answered ${answer.status}`);
  }

  /** One URL, with the retry policy around paced attempts. */
  private async withRetries(url: URL, headers: Record<string, string>, expect?: BodyExpectation): Promise<RawAnswer> {
    const { HTTP_RETRIES, HTTP_RETRY_BASE_MS, HTTP_RETRY_AFTER_CAP_MS } = this.settings;
    for (let retry = 0; ; retry++) {
      let answer: RawAnswer;
      try {
        answer = await this.attempt(url, headers, expect);
      } catch (err) {
        const error = asScrapeError(err, url.href);
        if (this.site.signal?.aborted || error.retry !== "transient" || retry >= HTTP_RETRIES) throw error;
        this.site.log?.debug({ url: url.href, err: error.message, retry: retry + 1 }, "request failed; retrying");
        await this.waitBeforeRetry(requestBackoffMs(retry + 1, HTTP_RETRY_BASE_MS, this.random));
        continue;
      }
      if (!RETRYABLE_STATUSES.has(answer.status)) return answer;

      const retryAfter = parseRetryAfter(answer.headers["retry-after"]);
      const what = `${url.href} answered ${answer.status}`;
      if (retryAfter !== null && retryAfter > HTTP_RETRY_AFTER_CAP_MS) {
        throw throttled(
          "retry_after_too_long",
          `${what} with Retry-After ${seconds(retryAfter)}, beyond HTTP_RETRY_AFTER_CAP_MS (${seconds(HTTP_RETRY_AFTER_CAP_MS)})`,
          retryAfter,
        );
      }
      if (retry >= HTTP_RETRIES) {
        const tries = `after ${HTTP_RETRIES + 1} attempts`;
        if (answer.status === 429) throw throttled("rate_limited", `${what} ${tries}`, retryAfter ?? undefined);
        throw new ScrapeError(`http_${answer.status}`, `${what} ${tries}`);
      }
      if (retryAfter !== null) this.pacer.pauseFor(retryAfter);
      this.site.log?.debug({ url: url.href, status: answer.status, retry: retry + 1, retryAfter }, "retrying");
      await this.waitBeforeRetry(retryAfter ?? requestBackoffMs(retry + 1, HTTP_RETRY_BASE_MS, this.random));
    }
  }

  private async waitBeforeRetry(ms: number): Promise<void> {
    this.stats.retries++;
    this.stats.retryWaitMs += ms;
    if (ms > 0) await sleep(ms, { signal: this.site.signal });
  }

  /** One paced request: a concurrency slot and a start time, then the exchange. */
  private async attempt(url: URL, headers: Record<string, string>, expect?: BodyExpectation): Promise<RawAnswer> {
    const { sent, release, waitedMs } = await this.pacer.acquire(this.site.signal);
    this.stats.politenessWaitMs += waitedMs;
    this.stats.requests++;
    const started = performance.now();
    try {
      return await this.exchange(url, headers, sent, expect);
    } finally {
      this.stats.exchangeMs += performance.now() - started;
      release();
    }
  }

  private async exchange(url: URL, extraHeaders: Record<string, string>, sent: () => void, expect?: BodyExpectation): Promise<RawAnswer> {
    const { HTTP_TIMEOUT_MS, USER_AGENT } = this.settings;
    const timeout = abortAfter(HTTP_TIMEOUT_MS);
    const signal = this.site.signal ? AbortSignal.any([this.site.signal, timeout]) : timeout;
    const timedOut = () =>
      transient("timeout", `no complete answer from ${url.href} within HTTP_TIMEOUT_MS (${HTTP_TIMEOUT_MS} ms)`);
    try {
      const options: Parameters<typeof request>[1] & SentHook = {
        dispatcher: this.client.dispatcher,
        method: "GET",
        headers: { ...extraHeaders, "user-agent": USER_AGENT, "accept-encoding": "gzip, br, deflate" },
        signal,
        [ON_SENT]: sent,
      };
      const response = await request(url, options);
      const headers = flattenHeaders(response.headers);
      const success = response.statusCode >= 200 && response.statusCode < 300;
      const maxBytes = success && expect ? Math.min(expect.maxBytes, this.settings.HTTP_MAX_BYTES) : this.settings.HTTP_MAX_BYTES;
      const contentType = headers["content-type"] ?? "";
      if (success && expect && !expect.contentType.test(contentType)) {
        response.body.destroy();
        this.stats.statuses[response.statusCode] = (this.stats.statuses[response.statusCode] ?? 0) + 1;
        throw permanent("unexpected_content_type", `${url.href} is ${contentType ? `"${contentType.slice(0, 80)}"` : "of no declared type"}, not what was asked for; not read`);
      }
      const declared = Number(headers["content-length"]);
      if (Number.isFinite(declared) && declared > maxBytes) {
        response.body.destroy();
        this.stats.statuses[response.statusCode] = (this.stats.statuses[response.statusCode] ?? 0) + 1;
        throw permanent(
          TOO_LARGE_CODE,
          `response from ${url.href} declares ${declared} bytes, more than ${maxBytes === this.settings.HTTP_MAX_BYTES ? "HTTP_MAX_BYTES" : "the cap"} (${maxBytes}); not read`,
        );
      }
      const body = await readBody(response.body, {
        url: url.href,
        encoding: headers["content-encoding"] ?? null,
        maxBytes,
        onWireBytes: (n) => (this.stats.bytes += n),
      });
      return { status: response.statusCode, headers, body };
    } catch (err) {
      if (this.site.signal?.aborted) throw this.site.signal.reason ?? err;
      if (timeout.aborted) throw timedOut();
      throw err;
    }
  }
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

/** Finds a ScrapeError in `err`'s cause chain, or classifies a network failure as transient. */
export function asScrapeError(err: unknown, url: string): ScrapeError {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof ScrapeError) return e;
  }
  const error = err instanceof Error ? err : new Error(String(err));
  const code = (error as { code?: unknown }).code;
  const cause = (error as { cause?: { code?: unknown; message?: string } }).cause;
  const detail = [typeof code === "string" ? code : null, typeof cause?.code === "string" ? cause.code : null, error.message]
    .filter(Boolean)
    .join(": ");
  return transient("network_error", `request to ${url} failed (${detail})`, error);
}
