// What "platform" means, declared once. Two vocabularies meet here: how we read a store
// (StorePlatform: an adapter each) and what the users' schema records for it (their
// platform_enum, where JSON-LD and Firecrawl stores are all `custom`).

/**
 * How a store's products are read: its platform's API (Shopify, WooCommerce), its product
 * pages' schema.org data (`jsonld`), or Firecrawl's extraction (`firecrawl`).
 */
export const STORE_PLATFORMS = ["shopify", "woocommerce", "jsonld", "firecrawl"] as const;
export type StorePlatform = (typeof STORE_PLATFORMS)[number];

export const isStorePlatform = (value: unknown): value is StorePlatform =>
  (STORE_PLATFORMS as readonly unknown[]).includes(value);

/** The users' platform_enum (docs/schema.md). Fixed: never rename. */
export const RECORDED_PLATFORMS = ["shopify", "woocommerce", "custom", "other"] as const;
export type RecordedPlatform = (typeof RECORDED_PLATFORMS)[number];

/** What a roasters file may name: their enum without `other`. `custom` = no platform API. */
export const CONFIGURED_PLATFORMS = ["shopify", "woocommerce", "custom"] as const;
export type ConfiguredPlatform = (typeof CONFIGURED_PLATFORMS)[number];

export const isConfiguredPlatform = (value: unknown): value is ConfiguredPlatform =>
  (CONFIGURED_PLATFORMS as readonly unknown[]).includes(value);

/** The users' platform_enum value a way of reading is recorded as. */
export const recordedPlatformOf = (platform: StorePlatform): ConfiguredPlatform =>
  platform === "jsonld" || platform === "firecrawl" ? "custom" : platform;
