// The polite HTTP client: the only way adapters reach a roaster's site.
export { createHttpClient, HttpClient, SiteClient, asScrapeError } from "./client.ts";
export type { FetchResult, GetOptions, HttpClientOptions, HttpSettings, SiteOptions } from "./client.ts";
export { createFetchStats, type FetchStats } from "./stats.ts";
export { NO_VALIDATORS } from "./validators.ts";
export type { SiteMemory } from "./site-memory.ts";
export type { Validators } from "./validators.ts";
export { RobotsCache, sharedRobotsCache } from "./robots.ts";
export { forbiddenAddressReason, type LookupFunction } from "./guard.ts";
