import { afterAll, beforeAll } from "vitest";
import type { Deps } from "../../src/app/deps.ts";
import { createDeps } from "../../src/app/runtime.ts";
import type { RunStats } from "../../src/pipeline/run-stats.ts";
import { scrapeOnce } from "../../src/worker/scrape-once.ts";
import type { TestDatabase } from "./database.ts";
import { addRoaster } from "./fetch.ts";
import { captureLogger } from "./logs.ts";
import { unpacedSettings } from "./settings.ts";
import { startStoreServer, type StoreServer, type StoreServerOptions } from "./store-server.ts";

// One roaster on a local store, and the deps to run it, for a describe block: the store is
// started and the roaster added before its tests, both closed after them.

export interface StoreRoaster {
  store(): StoreServer;
  deps(): Deps;
  /** One run of the roaster (a full refresh unless told), its stats. */
  run(options?: { type?: "full_refresh" | "price_only"; force?: boolean }): Promise<RunStats & { status: string }>;
}

export function useStoreRoaster(
  database: () => TestDatabase,
  options: { slug: string; store: StoreServerOptions; env?: Record<string, string | number | undefined> },
): StoreRoaster {
  let store: StoreServer | undefined;
  let deps: Deps | undefined;
  beforeAll(async () => {
    store = await startStoreServer(options.store);
    deps = createDeps(unpacedSettings(`cs-${options.slug}-`, options.env), database().db, captureLogger().log);
    await addRoaster(database().db, store.url, { slug: options.slug, platform: options.store.platform });
  });
  afterAll(async () => {
    await deps?.http.close();
    await store?.close();
  });
  return {
    store: () => store!,
    deps: () => deps!,
    run: async ({ type = "full_refresh", force = false } = {}) => {
      const summary = await scrapeOnce({ deps: deps!, roaster: options.slug, type, force });
      return { ...(summary.stats as unknown as RunStats), status: summary.status };
    },
  };
}
