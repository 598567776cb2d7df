import { afterEach, describe, expect, it } from "vitest";
import { ScrapeError } from "../../src/core/errors.ts";
import type { LookupFunction } from "../../src/fetch/guard.ts";
import { saveValidators } from "../../src/db/validators.ts";
import { RobotsCache } from "../../src/fetch/robots.ts";
import { findRoaster } from "../../src/db/roasters.ts";
import { databaseSiteMemory } from "../../src/db/site-memory.ts";
import { createFetchStats } from "../../src/fetch/stats.ts";
import { useTestDatabase } from "../helpers/database.ts";
import { addRoaster, openSite, siteOnly, type TestSite } from "../helpers/fetch.ts";
import { loopbackLookup, PACING_SLACK_MS, startStoreServer, type StoreServer } from "../helpers/store-server.ts";

// The polite client against a real local store. Concurrency is measured at the server, spacing
// where the client writes each request (test/helpers/store/wire-log.ts).

const testDb = useTestDatabase("pglite");
const servers: StoreServer[] = [];
const sites: TestSite[] = [];

afterEach(async () => {
  await Promise.all(sites.splice(0).map((s) => s.client.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function store(options: Parameters<typeof startStoreServer>[0] = { platform: "shopify" }) {
  const server = await startStoreServer(options);
  servers.push(server);
  return server;
}
function open(...args: Parameters<typeof openSite>) {
  const site = openSite(...args);
  sites.push(site);
  return site;
}
async function failure(promise: Promise<unknown>): Promise<ScrapeError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(ScrapeError);
    return err as ScrapeError;
  }
  throw new Error("expected a ScrapeError");
}
const pageUrl = (server: StoreServer, page: number) => `${server.url}/products.json?limit=5&page=${page}`;
/**
 * How much earlier the stand-in can notice a request than the end of the one before it:
 * it shares the client's event loop, so noticing an end can wait behind other work. (Gaps
 * between requests are measured where the client writes them, to within PACING_SLACK_MS.)
 */
const SERVER_CLOCK_SLACK_MS = 25;

describe("pacing", () => {
  it("keeps at most `concurrency` requests in flight and spaces their starts by delay ± jitter", async () => {
    const server = await store({ platform: "shopify", products: 100, latencyMs: 240 });
    const { site, stats } = open(siteOnly(server.url, 3), { settings: { HTTP_DELAY_MS: 60, HTTP_JITTER_MS: 10 } });
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => site.get(pageUrl(server, i + 1))));
    expect(results.every((r) => r.status === 200)).toBe(true);
    // Measured at the server: 12 pages + robots.txt.
    expect(server.requests).toHaveLength(13);
    expect(server.maxInFlight()).toBe(3); // reached, never exceeded
    expect(server.minPacedGap()).toBeGreaterThanOrEqual(50 - PACING_SLACK_MS);
    // Connections opened: robots.txt's, then one per extra concurrent request at most.
    expect(server.requests.filter((r) => r.newConnection).length).toBeLessThanOrEqual(3);
    expect(stats.requests).toBe(13);
    expect(stats.politenessWaitMs).toBeGreaterThan(0);
  });

  it("measures each gap from when a request went out: a slow connection pushes the next request back", async () => {
    const server = await store({ platform: "shopify", products: 100, latencyMs: 240 });
    const resolve = loopbackLookup("slow.roaster.test");
    let lookups = 0;
    // The second connection (the first page's: robots.txt's is not free yet) takes 40 ms to
    // open, its name resolves slowly; measured from its start, the next page would go out
    // 20 ms after it.
    const lookup: LookupFunction = (hostname, options, callback) => {
      if (++lookups === 2) setTimeout(() => resolve(hostname, options, callback), 40);
      else resolve(hostname, options, callback);
    };
    const base = `http://slow.roaster.test:${server.port}`;
    const { site } = open(siteOnly(base, 2), { lookup, settings: { HTTP_DELAY_MS: 60, HTTP_JITTER_MS: 10 } });
    await Promise.all(Array.from({ length: 6 }, (_, i) => site.get(`${base}/products.json?limit=5&page=${i + 1}`)));
    expect(lookups).toBeGreaterThanOrEqual(2);
    expect(server.requests).toHaveLength(7);
    expect(server.minPacedGap()).toBeGreaterThanOrEqual(50 - PACING_SLACK_MS);
  });

  it("with concurrency 1 never overlaps requests", async () => {
    const server = await store({ platform: "shopify", latencyMs: 20 });
    const { site } = open(siteOnly(server.url, 1));
    await Promise.all(Array.from({ length: 6 }, (_, i) => site.get(pageUrl(server, i + 1))));
    expect(server.maxInFlight()).toBe(1);
    for (let i = 1; i < server.requests.length; i++) {
      expect(server.requests[i]!.startedAt).toBeGreaterThanOrEqual(server.requests[i - 1]!.endedAt! - SERVER_CLOCK_SLACK_MS);
    }
  });

  it("sends the user agent and accepts gzip/br on every request, and decodes gzip", async () => {
    const server = await store({ platform: "shopify" });
    const { site, stats } = open(siteOnly(server.url));
    const result = await site.get(`${server.url}/products.json?limit=250&page=1`);
    const json = JSON.parse(result.body.toString("utf8")) as { products: unknown[] };
    expect(json.products).toHaveLength(30);
    expect(result.headers["content-encoding"]).toBe("gzip");
    expect(stats.bytes).toBeLessThan(result.body.length); // counted on the wire, compressed
    for (const r of server.requests) {
      expect(r.headers["user-agent"]).toMatch(/^coffee-scraper\/0\.1 \(\+https:/);
      expect(r.headers["accept-encoding"]).toMatch(/gzip/);
      expect(r.headers["accept-encoding"]).toMatch(/br/);
    }
  });
});

describe("robots.txt", () => {
  it("refuses a disallowed URL permanently, naming robots.txt, and records it on the roaster", async () => {
    const server = await store({ platform: "shopify", robotsTxt: "User-agent: coffee-scraper\nDisallow: /products.json\n\nUser-agent: *\nAllow: /\n" });
    const roaster = await addRoaster(testDb().db, server.url);
    const { site, stats } = open(roaster, { db: testDb().db });
    const err = await failure(site.get("/products.json?limit=250&page=1"));
    expect(err.retry).toBe("permanent");
    expect(err.code).toBe("robots_disallowed");
    expect(err.message).toMatch(/robots\.txt/);
    expect(server.requestsTo("/products.json")).toHaveLength(0);
    expect(stats.errors.permanent).toBe(1);
    const saved = await findRoaster(testDb().db, roaster.slug);
    expect(saved?.robots_allow).toBe(false);
    expect(saved?.robots_checked_at).toBeInstanceOf(Date);
    // …and on its store (their product_sources.robots_ok), in the same statement.
    const sources = await testDb().db.query<{ robots_ok: boolean }>("SELECT robots_ok FROM product_sources WHERE roaster_id = $1", [roaster.id]);
    expect(sources.map((s) => s.robots_ok)).toEqual([false]);
  });

  it("records an allowed site, and treats a missing robots.txt (404) as allow-all", async () => {
    const server = await store({ platform: "shopify", robotsTxt: null });
    const roaster = await addRoaster(testDb().db, server.url);
    const { site } = open(roaster, { db: testDb().db });
    expect((await site.get("/products.json")).status).toBe(200);
    expect((await findRoaster(testDb().db, roaster.slug))?.robots_allow).toBe(true);
  });

  it("raises the delay floor to Crawl-delay", async () => {
    const server = await store({ platform: "shopify", robotsTxt: "User-agent: *\nCrawl-delay: 0.15\n" });
    const { site } = open(siteOnly(server.url, 3));
    await Promise.all([1, 2, 3, 4].map((p) => site.get(pageUrl(server, p))));
    expect(server.startGaps("/products.json")).toHaveLength(3);
    expect(server.minPacedGap("/products.json")).toBeGreaterThanOrEqual(150 - PACING_SLACK_MS);
  });

  it.each(["3000000", "3600"])(
    "a Crawl-delay of %s s (beyond HTTP_CRAWL_DELAY_CAP_MS) ends the job as throttled before any page is requested",
    async (delay) => {
      const server = await store({ platform: "shopify", robotsTxt: `User-agent: *\nCrawl-delay: ${delay}\n` });
      const { site } = open(siteOnly(server.url), { settings: { HTTP_CRAWL_DELAY_CAP_MS: 60_000 } });
      const started = Date.now();
      const err = await failure(site.get(pageUrl(server, 1)));
      expect(Date.now() - started).toBeLessThan(2000);
      expect(err).toMatchObject({ retry: "throttled", code: "crawl_delay_too_long", final: true, retryAfterMs: Number(delay) * 1000 });
      expect(err.message).toContain(`Crawl-delay of ${delay} s`);
      expect(err.message).toContain("HTTP_CRAWL_DELAY_CAP_MS (60 s)");
      expect(server.requests.map((r) => r.path)).toEqual(["/robots.txt"]);
    },
  );

  it("honours a Crawl-delay at the cap", async () => {
    const server = await store({ platform: "shopify", robotsTxt: "User-agent: *\nCrawl-delay: 0.2\n" });
    const { site } = open(siteOnly(server.url), { settings: { HTTP_CRAWL_DELAY_CAP_MS: 200 } });
    await site.get(pageUrl(server, 1));
    await site.get(pageUrl(server, 2));
    expect(server.minPacedGap("/products.json")).toBeGreaterThanOrEqual(200 - PACING_SLACK_MS);
  });

  it("is fetched once per origin while fresh, across site clients sharing the cache, and again after the TTL", async () => {
    const server = await store({ platform: "shopify" });
    const cache = new RobotsCache();
    const a = open(siteOnly(server.url), { robotsCache: cache });
    await Promise.all([a.site.get(pageUrl(server, 1)), a.site.get(pageUrl(server, 2))]);
    const b = open(siteOnly(server.url), { robotsCache: cache });
    await b.site.get(pageUrl(server, 3));
    expect(server.requestsTo("/robots.txt")).toHaveLength(1);
    const c = open(siteOnly(server.url), { robotsCache: cache, settings: { ROBOTS_TTL_MS: 0 } });
    await c.site.get(pageUrl(server, 4));
    expect(server.requestsTo("/robots.txt")).toHaveLength(2);
  });

  it("retries an unreachable robots.txt like any request", async () => {
    const server = await store({ platform: "shopify" });
    server.addFault({ match: "/robots.txt", kind: "status", status: 503, times: 2 });
    const { site } = open(siteOnly(server.url));
    expect((await site.get(pageUrl(server, 1))).status).toBe(200);
    expect(server.requestsTo("/robots.txt")).toHaveLength(3);
  });

  it("fails transiently when robots.txt stays unreachable", async () => {
    const server = await store({ platform: "shopify" });
    server.addFault({ match: "/robots.txt", kind: "status", status: 500 });
    const { site } = open(siteOnly(server.url), { settings: { HTTP_RETRIES: 1 } });
    const err = await failure(site.get(pageUrl(server, 1)));
    expect(err.retry).toBe("transient");
    expect(server.requestsTo("/products.json")).toHaveLength(0);
  });
});

describe("conditional requests", () => {
  it("sends saved validators and reports a 304 as not modified", async () => {
    const server = await store({ platform: "shopify", lastModified: "Wed, 01 Oct 2025 10:00:00 GMT" });
    const roaster = await addRoaster(testDb().db, server.url);
    const first = open(roaster, { db: testDb().db });
    const url = pageUrl(server, 1);
    const a = await first.site.get(url, { conditional: true });
    expect(a.status).toBe(200);
    expect(a.conditional).toBe(false);
    expect(a.validators.etag).toMatch(/^"[0-9a-f]{40}"$/);
    expect(a.validators.lastModified).toBe("Wed, 01 Oct 2025 10:00:00 GMT");

    // Not saved yet (the page was not persisted): the next request is unconditional.
    const again = await first.site.get(url, { conditional: true });
    expect(again.status).toBe(200);
    expect(server.requests.at(-1)?.headers["if-none-match"]).toBeUndefined();

    await saveValidators(testDb().db, roaster.id, { url, validators: a.validators, firstPage: true });
    const saved = await findRoaster(testDb().db, roaster.slug);
    expect(saved?.last_etag).toBe(a.validators.etag);
    expect(saved?.last_modified?.toISOString()).toBe("2025-10-01T10:00:00.000Z");

    const second = open(roaster, { db: testDb().db });
    const b = await second.site.get(url, { conditional: true });
    expect(server.requests.at(-1)?.headers["if-none-match"]).toBe(a.validators.etag);
    expect(server.requests.at(-1)?.headers["if-modified-since"]).toBe("Wed, 01 Oct 2025 10:00:00 GMT");
    expect(b).toMatchObject({ status: 304, notModified: true, conditional: true });
    expect(b.body.length).toBe(0);
    expect(b.validators.etag).toBe(a.validators.etag);
    expect(second.stats.notModified).toBe(1);

    // Validators are per full URL: page 2 is asked for in full.
    const c = await second.site.get(pageUrl(server, 2), { conditional: true });
    expect(c.status).toBe(200);

    // Changed content: a 200 with new validators.
    (server.products[0] as { title: string }).title = "Changed";
    server.changed();
    const d = await second.site.get(url, { conditional: true });
    expect(d.status).toBe(200);
    expect(d.validators.etag).not.toBe(a.validators.etag);
  });

  it("reads the roaster's validators once per site client; a full refresh trusts only those of a body a full refresh applied", async () => {
    const server = await store({ platform: "shopify", products: 15 });
    const roaster = await addRoaster(testDb().db, server.url);
    const urls = [1, 2, 3].map((n) => pageUrl(server, n));
    const fresh = open(roaster, { db: testDb().db });
    const answers = [];
    for (const url of urls) answers.push(await fresh.site.get(url));
    await saveValidators(testDb().db, roaster.id, { url: urls[0]!, validators: answers[0]!.validators, appliedBy: "full" });
    await saveValidators(testDb().db, roaster.id, { url: urls[1]!, validators: answers[1]!.validators, appliedBy: "price" });

    const reads: string[] = [];
    const memory = databaseSiteMemory(testDb().db);
    const counted = { ...memory, validatorsOf: (id: string) => (reads.push(id), memory.validatorsOf(id)) };
    const run = async (appliesFullRefresh: boolean) => {
      const { client } = open(roaster, { memory: counted });
      const site = client.forSite({ roaster, stats: createFetchStats(), appliesFullRefresh });
      const sent = [];
      for (const url of urls) {
        await site.get(url, { conditional: true });
        sent.push(server.requests.at(-1)?.headers["if-none-match"] ?? null);
      }
      return sent;
    };
    // Page 2's body was applied by a price-only run: a full refresh asks for it in full.
    expect(await run(true)).toEqual([answers[0]!.validators.etag, null, null]);
    expect(await run(false)).toEqual([answers[0]!.validators.etag, answers[1]!.validators.etag, null]);
    expect(reads).toEqual([roaster.id, roaster.id]);
  });
});

describe("retries", () => {
  it("honours Retry-After on a 429 and then succeeds", async () => {
    const server = await store({ platform: "shopify" });
    server.addFault({ match: "/products.json", kind: "status", status: 429, headers: { "retry-after": "1" }, times: 1 });
    const { site, stats } = open(siteOnly(server.url));
    const result = await site.get(pageUrl(server, 1));
    expect(result.status).toBe(200);
    expect(server.startGaps("/products.json")).toEqual([expect.any(Number)]);
    expect(server.minPacedGap("/products.json")).toBeGreaterThanOrEqual(1000 - PACING_SLACK_MS);
    expect(stats.retries).toBe(1);
    expect(stats.retryWaitMs).toBe(1000);
  });

  it("honours Retry-After given as an HTTP date", async () => {
    const server = await store({ platform: "shopify" });
    const when = new Date(Date.now() + 2000).toUTCString(); // whole seconds: 1–2 s from now
    server.addFault({ match: "/products.json", kind: "status", status: 503, headers: { "retry-after": when }, times: 1 });
    const { site } = open(siteOnly(server.url));
    await site.get(pageUrl(server, 1));
    expect(server.startGaps("/products.json")).toEqual([expect.any(Number)]);
    expect(server.minPacedGap("/products.json")).toBeGreaterThanOrEqual(900);
  });

  it("fails as throttled, without waiting, when Retry-After is beyond the cap", async () => {
    const server = await store({ platform: "shopify" });
    server.addFault({ match: "/products.json", kind: "status", status: 429, headers: { "retry-after": "600" } });
    const { site, stats } = open(siteOnly(server.url), { settings: { HTTP_RETRY_AFTER_CAP_MS: 120_000 } });
    const started = Date.now();
    const err = await failure(site.get(pageUrl(server, 1)));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(err).toMatchObject({ retry: "throttled", code: "retry_after_too_long", retryAfterMs: 600_000 });
    expect(err.message).toMatch(/Retry-After 600 s/);
    expect(server.requestsTo("/products.json")).toHaveLength(1);
    expect(stats.errors.throttled).toBe(1);
  });

  it("keeps an absurd Retry-After finite and fails as throttled at once", async () => {
    const server = await store({ platform: "shopify" });
    server.addFault({ match: "/products.json", kind: "status", status: 503, headers: { "retry-after": "9".repeat(400) } });
    const { site } = open(siteOnly(server.url));
    const started = Date.now();
    const err = await failure(site.get(pageUrl(server, 1)));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(err).toMatchObject({ retry: "throttled", code: "retry_after_too_long", final: false });
    expect(Number.isFinite(err.retryAfterMs)).toBe(true);
    expect(server.requestsTo("/products.json")).toHaveLength(1);
  });

  it("fails as throttled when 429s outlast the retries", async () => {
    const server = await store({ platform: "shopify" });
    server.addFault({ match: "/products.json", kind: "status", status: 429 });
    const { site } = open(siteOnly(server.url), { settings: { HTTP_RETRIES: 2 } });
    const err = await failure(site.get(pageUrl(server, 1)));
    expect(err).toMatchObject({ retry: "throttled", code: "rate_limited" });
    expect(server.requestsTo("/products.json")).toHaveLength(3);
  });

  it("rides out a burst of 503s with exponential backoff", async () => {
    const server = await store({ platform: "shopify" });
    server.addFault({ match: "/products.json", kind: "status", status: 503, times: 3 });
    const { site, stats } = open(siteOnly(server.url), { settings: { HTTP_RETRY_BASE_MS: 40 } });
    expect((await site.get(pageUrl(server, 1))).status).toBe(200);
    const gaps = server.startGaps("/products.json");
    expect(gaps).toHaveLength(3);
    // 40, 80, 160 ms (+ up to 25 % jitter), each waited after the answer to the one before
    expect(gaps[0]).toBeGreaterThanOrEqual(40 - PACING_SLACK_MS);
    expect(gaps[1]).toBeGreaterThanOrEqual(80 - PACING_SLACK_MS);
    expect(gaps[2]).toBeGreaterThanOrEqual(160 - PACING_SLACK_MS);
    expect(stats.retries).toBe(3);
    // Jitter adds at most 25 %.
    expect(stats.retryWaitMs).toBeGreaterThanOrEqual(40 + 80 + 160);
    expect(stats.retryWaitMs).toBeLessThanOrEqual((40 + 80 + 160) * 1.25);
  });

  it("fails transiently when 5xx outlast the retries", async () => {
    const server = await store({ platform: "shopify" });
    server.addFault({ match: "/products.json", kind: "status", status: 502 });
    const { site, stats } = open(siteOnly(server.url));
    const err = await failure(site.get(pageUrl(server, 1)));
    expect(err).toMatchObject({ retry: "transient", code: "http_502" });
    expect(server.requestsTo("/products.json")).toHaveLength(4);
    expect(stats.errors.transient).toBe(1);
  });

  it("does not retry other 4xx: they are answered to the caller", async () => {
    const server = await store({ platform: "shopify" });
    server.addFault({ match: "/products.json", kind: "status", status: 403 });
    const { site } = open(siteOnly(server.url));
    expect((await site.get(pageUrl(server, 1))).status).toBe(403);
    expect((await site.get("/nope.json")).status).toBe(404);
    expect(server.requestsTo("/products.json")).toHaveLength(1);
    expect(server.requestsTo("/nope.json")).toHaveLength(1);
  });

  it("retries a connection reset", async () => {
    const server = await store({ platform: "shopify" });
    server.addFault({ match: "/products.json", kind: "reset", times: 1 });
    const { site, stats } = open(siteOnly(server.url));
    expect((await site.get(pageUrl(server, 1))).status).toBe(200);
    expect(stats.retries).toBe(1);
  });

  it("fails transiently when the connection keeps being reset", async () => {
    const server = await store({ platform: "shopify" });
    server.addFault({ match: "/products.json", kind: "reset" });
    const { site } = open(siteOnly(server.url), { settings: { HTTP_RETRIES: 1 } });
    const err = await failure(site.get(pageUrl(server, 1)));
    expect(err).toMatchObject({ retry: "transient", code: "network_error" });
    expect(server.requestsTo("/products.json")).toHaveLength(2);
  });

  it("times out a slow server, retries, and fails transiently", async () => {
    const server = await store({ platform: "shopify" });
    server.addFault({ match: "/products.json", kind: "slow", ms: 1500 });
    const { site } = open(siteOnly(server.url), { settings: { HTTP_TIMEOUT_MS: 150, HTTP_RETRIES: 1 } });
    const started = Date.now();
    const err = await failure(site.get(pageUrl(server, 1)));
    expect(err).toMatchObject({ retry: "transient", code: "timeout" });
    expect(err.message).toMatch(/HTTP_TIMEOUT_MS \(150 ms\)/);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(server.requestsTo("/products.json")).toHaveLength(2);
  });
});

describe("limits", () => {
  it("refuses a body whose declared length is over the cap, without retrying", async () => {
    const server = await store({ platform: "shopify" });
    server.addFault({ match: "/products.json", kind: "oversize", bytes: 3 * 1024 * 1024 });
    const { site, stats } = open(siteOnly(server.url), { settings: { HTTP_MAX_BYTES: 1024 * 1024 } });
    const err = await failure(site.get(pageUrl(server, 1)));
    expect(err).toMatchObject({ retry: "permanent", code: "response_too_large" });
    expect(err.message).toMatch(/HTTP_MAX_BYTES/);
    expect(server.requestsTo("/products.json")).toHaveLength(1);
    expect(stats.bytes).toBeLessThan(1024 * 1024);
  });

  it("aborts a streamed body once it passes the cap", async () => {
    const server = await store({ platform: "shopify" });
    server.addFault({ match: "/products.json", kind: "oversize", bytes: 50 * 1024 * 1024, chunked: true });
    const { site, stats } = open(siteOnly(server.url), { settings: { HTTP_MAX_BYTES: 1024 * 1024 } });
    const err = await failure(site.get(pageUrl(server, 1)));
    expect(err.code).toBe("response_too_large");
    // Stopped close to the cap, far from the 50 MB on offer.
    expect(stats.bytes).toBeGreaterThan(1024 * 1024);
    expect(stats.bytes).toBeLessThan(4 * 1024 * 1024);
  });

  it("aborts a gzip bomb once the decoded size passes the cap", async () => {
    const server = await store({ platform: "shopify" });
    server.addFault({ match: "/products.json", kind: "gzipBomb", bytes: 40 * 1024 * 1024 });
    const { site, stats } = open(siteOnly(server.url), { settings: { HTTP_MAX_BYTES: 1024 * 1024 } });
    const err = await failure(site.get(pageUrl(server, 1)));
    expect(err.code).toBe("response_too_large");
    expect(err.message).toMatch(/after decoding/);
    expect(stats.bytes).toBeLessThan(1024 * 1024);
  });
});

describe("redirects", () => {
  it("refuses a redirect to another domain without contacting it", async () => {
    const server = await store({ platform: "shopify" });
    server.addFault({ match: "/products.json", kind: "redirect", location: "http://evil.example/products.json" });
    const { site } = open(siteOnly(server.url), { lookup: loopbackLookup("evil.example") });
    const err = await failure(site.get(pageUrl(server, 1)));
    expect(err).toMatchObject({ retry: "permanent", code: "off_site_url" });
    expect(err.message).toMatch(/evil\.example/);
    expect(server.requests.filter((r) => r.host === "evil.example")).toHaveLength(0);
  });

  it("follows redirects within the registrable domain (apex → www)", async () => {
    const server = await store({ platform: "shopify" });
    server.addFault({
      match: (r) => r.host === "roaster.test" && r.path.startsWith("/products.json"),
      kind: "redirect",
      location: `http://www.roaster.test:${server.port}/products.json?limit=5&page=1`,
      status: 301,
    });
    const { site } = open(siteOnly(`http://roaster.test:${server.port}`), {
      lookup: loopbackLookup("roaster.test", "www.roaster.test"),
    });
    const result = await site.get("/products.json?limit=5&page=1");
    expect(result.status).toBe(200);
    expect(result.finalUrl).toBe(`http://www.roaster.test:${server.port}/products.json?limit=5&page=1`);
    // robots.txt is checked on each origin.
    expect(server.requestsTo("/robots.txt").map((r) => r.host).sort()).toEqual(["roaster.test", "www.roaster.test"]);
  });

  it("stops after 5 hops", async () => {
    const server = await store({ platform: "shopify" });
    server.addFault({ match: "/loop", kind: "redirect", location: "/loop" });
    const { site } = open(siteOnly(server.url));
    const err = await failure(site.get("/loop"));
    expect(err).toMatchObject({ retry: "permanent", code: "too_many_redirects" });
    expect(server.requestsTo("/loop")).toHaveLength(6);
  });
});

describe("private-address guard (ALLOW_PRIVATE_NETWORKS=false)", () => {
  const guarded = { settings: { ALLOW_PRIVATE_NETWORKS: false } };

  it.each([
    ["a literal loopback IP", (port: number) => `http://127.0.0.1:${port}`],
    ["a name resolving to loopback (localhost)", (port: number) => `http://localhost:${port}`],
    ["the metadata address", () => "http://169.254.169.254"],
    ["IPv6 loopback", (port: number) => `http://[::1]:${port}`],
    ["an IPv4-mapped IPv6 address", (port: number) => `http://[::ffff:127.0.0.1]:${port}`],
    ["an IPv4-mapped IPv6 address in hex", (port: number) => `http://[::ffff:7f00:1]:${port}`],
    ["an IPv4-translated IPv6 address (::ffff:0:0/96)", (port: number) => `http://[::ffff:0:127.0.0.1]:${port}`],
    ["an IPv4-compatible IPv6 address (::/96)", (port: number) => `http://[::127.0.0.1]:${port}`],
    ["an IPv4-compatible IPv6 address embedding a public IPv4", () => "http://[::8.8.8.8]"],
  ])("refuses %s without sending anything", async (_what, website) => {
    const server = await store({ platform: "shopify" });
    const { site, stats } = open(siteOnly(website(server.port)), guarded);
    const err = await failure(site.get("/products.json"));
    expect(err).toMatchObject({ retry: "permanent", code: "private_address" });
    expect(server.requests).toHaveLength(0);
    expect(stats.errors.permanent).toBe(1);
  });

  it("refuses a public-looking name that resolves to a private address", async () => {
    const server = await store({ platform: "shopify" });
    const { site } = open(siteOnly(`http://shop.roaster.test:${server.port}`), {
      ...guarded,
      lookup: loopbackLookup("shop.roaster.test"),
    });
    const err = await failure(site.get("/products.json"));
    expect(err.code).toBe("private_address");
    expect(err.message).toMatch(/resolves to 127\.0\.0\.1/);
    expect(server.requests).toHaveLength(0);
  });

  it("refuses a name that resolves to an IPv4-compatible IPv6 address (::/96)", async () => {
    const server = await store({ platform: "shopify" });
    const compatible: LookupFunction = (_host, _options, callback) => callback(null, [{ address: "::7f00:1", family: 6 }]);
    const { site } = open(siteOnly(`http://shop.roaster.test:${server.port}`), { ...guarded, lookup: compatible });
    const err = await failure(site.get("/products.json"));
    expect(err.code).toBe("private_address");
    expect(err.message).toMatch(/::7f00:1 \(ipv4Compatible\)/);
    expect(server.requests).toHaveLength(0);
  });

  it("lets the same request through when private networks are allowed", async () => {
    const server = await store({ platform: "shopify" });
    const { site } = open(siteOnly(`http://localhost:${server.port}`), { settings: { ALLOW_PRIVATE_NETWORKS: true } });
    expect((await site.get("/products.json")).status).toBe(200);
  });
});
