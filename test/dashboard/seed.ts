import type { Deps } from "../../src/app/deps.ts";
import { createDeps } from "../../src/app/runtime.ts";
import type { Settings } from "../../src/config/settings.ts";
import type { Database } from "../../src/db/database.ts";
import { upsertRoaster } from "../../src/db/roasters.ts";
import type { Logger } from "../../src/core/logger.ts";
import { scrapeOnce } from "../../src/worker/scrape-once.ts";
import { unpacedSettings } from "../helpers/settings.ts";
import { startStoreServer, type StoreServer } from "../helpers/store-server.ts";

// A database with real scraped data for the dashboard's tests: the fixture stores (Shopify
// and WooCommerce) read through scrapeOnce, one price raised and read again (a second price
// point and an alert), a store whose robots.txt disallows us, and a roaster never run.
// One product's title carries markup, as a hostile store could send.

export const HOSTILE_TITLE_PART = `<img src=x onerror="document.title='pwned'">`;

export interface Seeded {
  deps: Deps;
  settings: Settings;
  shopify: StoreServer;
  woo: StoreServer;
  closed: StoreServer;
  close(): Promise<void>;
}

export function seedSettings(env: Record<string, string | number | undefined> = {}): Settings {
  return unpacedSettings("cs-dash-", {
    HTTP_RETRIES: 0,
    JOB_ATTEMPTS: 1,
    DASHBOARD_PORT: 0,
    ...env,
  });
}

async function addRoaster(db: Database, slug: string, name: string, website: string, platform: "shopify" | "woocommerce", alertPct = 10) {
  await db.transaction((tx) =>
    upsertRoaster(tx, {
      slug,
      name,
      website,
      platform,
      is_active: true,
      full_cadence: "0 3 1 * *",
      price_cadence: "0 4 * * 0",
      default_concurrency: 3,
      use_firecrawl_fallback: false,
      use_llm: false,
      alert_price_delta_pct: alertPct,
    }),
  );
}

export async function seedFromFixtures(db: Database, log: Logger, settings = seedSettings()): Promise<Seeded> {
  const shopify = await startStoreServer({ platform: "shopify" });
  const woo = await startStoreServer({ platform: "woocommerce" });
  const closed = await startStoreServer({ platform: "shopify", robotsTxt: "User-agent: *\nDisallow: /\n" });
  const deps = createDeps(settings, db, log);
  // Seeded runs belong to manual slots an hour back, so they never share a job id with a job
  // a test enqueues now (manual job ids are per minute).
  const earlier = { ...deps, clock: { now: () => new Date(Date.now() - 3_600_000) } };
  const estate = shopify.products.find((p) => p.product_type === "Single Estate Coffee" && /Estate$/.test(String(p.title)))!;
  estate.title = `${String(estate.title)} ${HOSTILE_TITLE_PART}`;
  shopify.changed();

  // The Woo fixture states no bag sizes (its variants are held back); one simple coffee says its
  // size in its name, as many stores do, so that it has a price history.
  const sized = woo.products.find((p) => p.name === "SOUTH INDIAN FILTER COFFEE")!;
  sized.name = `${String(sized.name)} 250g`;
  woo.changed();

  await addRoaster(db, "blue-tokai", "Blue Tokai Coffee Roasters", shopify.url, "shopify");
  await addRoaster(db, "babas-beans", "Baba's Beans & <Co>", woo.url, "woocommerce", 5);
  await addRoaster(db, "closed-shop", "Closed Shop", closed.url, "shopify");
  await addRoaster(db, "never-run", "Never Run Roastery", "https://never-run.example", "shopify");

  await scrapeOnce({ deps: earlier, roaster: "blue-tokai", type: "full_refresh" });
  await scrapeOnce({ deps: earlier, roaster: "babas-beans", type: "full_refresh" });
  await scrapeOnce({ deps: earlier, roaster: "closed-shop", type: "full_refresh" }).catch(() => {});

  // One simple Woo coffee 20 % dearer: a second price row and an alert (threshold 5 %).
  const prices = sized.prices as Record<string, string>;
  const raised = String(Math.round(Number(prices.price) * 1.2));
  prices.price = raised;
  prices.regular_price = raised;
  woo.changed();
  await scrapeOnce({ deps: earlier, roaster: "babas-beans", type: "price_only" });

  return {
    deps,
    settings,
    shopify,
    woo,
    closed,
    async close() {
      await deps.http.close();
      await Promise.all([shopify.close(), woo.close(), closed.close()]);
    },
  };
}
