import type { RoasterConfigInput } from "../../src/config/roaster.ts";
import { roasterConfigSchema, type Roaster } from "../../src/config/roaster.ts";
import type { Queryable } from "../../src/db/database.ts";
import { findRoaster, upsertRoaster } from "../../src/db/roasters.ts";
import { databaseSiteMemory } from "../../src/db/site-memory.ts";
import { createHttpClient, type HttpClient, type HttpClientOptions, type HttpSettings } from "../../src/fetch/client.ts";
import { RobotsCache } from "../../src/fetch/robots.ts";
import { createFetchStats, type FetchStats } from "../../src/fetch/stats.ts";
import type { SiteClient } from "../../src/fetch/client.ts";

/** HTTP settings for tests: no pacing, fast retries, short timeouts, loopback allowed. */
export function testHttpSettings(overrides: Partial<HttpSettings> = {}): HttpSettings {
  return {
    HTTP_DELAY_MS: 0,
    HTTP_JITTER_MS: 0,
    HTTP_RETRIES: 3,
    HTTP_RETRY_BASE_MS: 10,
    HTTP_RETRY_AFTER_CAP_MS: 5_000,
    HTTP_CRAWL_DELAY_CAP_MS: 60_000,
    HTTP_TIMEOUT_MS: 5_000,
    HTTP_MAX_BYTES: 8 * 1024 * 1024,
    ROBOTS_TTL_MS: 60_000,
    USER_AGENT: "coffee-scraper/0.1 (+https://github.com/coffee-scraper/coffee-scraper)",
    ALLOW_PRIVATE_NETWORKS: true,
    ...overrides,
  };
}

let counter = 0;

/** Adds a roaster row for `website` and returns it as the job would load it. */
export async function addRoaster(db: Queryable, website: string, config: Partial<RoasterConfigInput> = {}): Promise<Roaster> {
  const slug = config.slug ?? `roaster-${++counter}-${Math.random().toString(36).slice(2, 8)}`;
  const parsed = roasterConfigSchema.parse({ name: slug, slug, website, ...config });
  await upsertRoaster(db, parsed);
  return (await findRoaster(db, slug))!;
}

export interface TestSite {
  client: HttpClient;
  site: SiteClient;
  stats: FetchStats;
}

/**
 * A client with a fresh robots cache and one site client for `roaster`. Close `client` after.
 * With `db`, the client remembers validators and robots results there, as in production.
 */
export function openSite(
  roaster: Pick<Roaster, "id" | "website" | "default_concurrency">,
  options: Omit<Partial<HttpClientOptions>, "settings"> & { settings?: Partial<HttpSettings>; db?: Queryable } = {},
): TestSite {
  const { settings, db, ...rest } = options;
  const client = createHttpClient({
    robotsCache: new RobotsCache(),
    ...(db ? { memory: databaseSiteMemory(db) } : {}),
    ...rest,
    settings: testHttpSettings(settings),
  });
  const stats = createFetchStats();
  return { client, site: client.forSite({ roaster, stats }), stats };
}

/** A roaster-like value for client tests that need no database. */
export function siteOnly(website: string, concurrency = 3): Pick<Roaster, "id" | "website" | "default_concurrency"> {
  return { id: "00000000-0000-0000-0000-000000000000", website, default_concurrency: concurrency };
}
