import { createDeps } from "../../src/app/runtime.ts";
import type { Database } from "../../src/db/database.ts";
import { upsertRoaster } from "../../src/db/roasters.ts";
import { silentLogger } from "../../src/core/logger.ts";
import { scrapeOnce } from "../../src/worker/scrape-once.ts";
import { createTestDatabase } from "../helpers/database.ts";
import { unpacedSettings } from "../helpers/settings.ts";
import { startStoreServer, type StoreServer, type StoreServerOptions } from "../helpers/store-server.ts";
import { snapshot } from "./outcomes.ts";

// The roasters a reliability suite scrapes: added to its database, served by local stores,
// and the reference an undisturbed run of them produces on a database of its own.

export interface RoasterSpec {
  slug: string;
  url: string;
  platform: "shopify" | "woocommerce";
  concurrency?: number;
}

export async function addRoasters(db: Database, roasters: RoasterSpec[]): Promise<void> {
  await db.transaction(async (tx) => {
    for (const r of roasters) {
      await upsertRoaster(tx, {
        slug: r.slug,
        name: r.slug,
        website: r.url,
        platform: r.platform,
        currency: "INR",
        is_active: true,
        full_cadence: "0 3 1 * *",
        price_cadence: "0 4 * * 0",
        default_concurrency: r.concurrency ?? 3,
        use_firecrawl_fallback: false,
        use_llm: false,
        alert_price_delta_pct: 10,
      });
    }
  });
}

/**
 * `count` local Shopify stores with `roasters` roasters spread over them, added to `db`, and
 * the data an undisturbed run of them produces (the reference every fault test compares to).
 */
export async function shopifyFleet(
  db: Database,
  options: {
    stores: number;
    roasters: number;
    slugPrefix: string;
    store?: Omit<StoreServerOptions, "platform">;
  },
): Promise<{ stores: StoreServer[]; roasters: RoasterSpec[]; reference: unknown[] }> {
  const stores = await Promise.all(
    Array.from({ length: options.stores }, () => startStoreServer({ platform: "shopify", ...options.store })),
  );
  const roasters = Array.from({ length: options.roasters }, (_, i) => ({
    slug: `${options.slugPrefix}-${i}`,
    url: stores[i % stores.length]!.url,
    platform: "shopify" as const,
  }));
  const reference = await referenceSnapshot(roasters);
  await addRoasters(db, roasters);
  return { stores, roasters, reference };
}

/** The snapshot an undisturbed run of every roaster leaves: each scraped once, inline, on a database of its own. */
export async function referenceSnapshot(roasters: RoasterSpec[]): Promise<unknown[]> {
  const ref = await createTestDatabase("postgres");
  const deps = createDeps(
    unpacedSettings("cs-ref-", {
      HTTP_RETRIES: 0,
    }),
    ref.db,
    silentLogger(),
  );
  try {
    await addRoasters(ref.db, roasters);
    for (const r of roasters) {
      const summary = await scrapeOnce({ deps, roaster: r.slug, type: "full_refresh" });
      if (summary.status !== "ok") throw new Error(`reference run of ${r.slug} was ${summary.status}`);
    }
    return await snapshot(ref.db);
  } finally {
    await deps.http.close();
    await ref.drop();
  }
}
