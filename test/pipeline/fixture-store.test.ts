import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Deps } from "../../src/app/deps.ts";
import { createDeps } from "../../src/app/runtime.ts";
import { scrapeOnce } from "../../src/worker/scrape-once.ts";
import { testEngines, useTestDatabase } from "../helpers/database.ts";
import { addRoaster } from "../helpers/fetch.ts";
import { captureLogger } from "../helpers/logs.ts";
import { testSettings } from "../helpers/settings.ts";
import { startStoreServer, type StoreServer } from "../helpers/store-server.ts";

// The Shopify fixture store, served as captured and scraped end to end: every variant of
// every coffee must land in the database with the right bag size, grind, price and currency.
// The expectations below were written by reading the JSON (titles and option values), not by
// running the code under test.

const COFFEE_PRODUCT_IDS = [
  "7341738131511", // Silver Oak Cafe Blend 75g
  "6676414398519", // Kolli Berri Estate
  "7208527298615", // Riverdale Estate - Gesha Natural
  "6601531981879", // Riverdale Estate N72
  "2601862596", // Baarbara Estate (grams says 250 for every size: shipping weight, wrong)
  "7308826279991", // Warsanlyngdoh Coffee Collective
  "7326021877815", // Kuttinkhan Upper Estate (grams 0 everywhere)
  "7314532401207", // Mooleh Manay Estate – CM Natural
  "7320180424759", // SKIA Coffee (Pack of 2)
  "1718179725367", // Amaltas Blend
  "6812836823095", // Seethargundu Estate
];

/** The size part of a variant title → grams. */
const SIZE_GRAMS: Record<string, number> = {
  "75g": 75,
  "100gms": 100,
  "200g": 200,
  "250g": 250,
  "500g": 500,
  "1kg": 1000,
  "1Kg": 1000,
  "1000g": 1000,
};

/** The grind part of a variant title → grind_enum (single-size products state none). */
const GRIND: Record<string, string> = {
  "Whole Bean": "whole",
  Aeropress: "aeropress",
  Channi: "channi",
  "Coffee Filter": "coffee filter",
  "Cold Brew": "cold brew",
  "Commercial Espresso": "commercial espresso",
  "French Press": "french press",
  "Home Espresso": "home espresso",
  "Inverted Aeropress": "inverted aeropress",
  "Moka Pot": "moka pot",
  Pourover: "pour over",
  "South Indian Filter": "south indian filter",
  Turkish: "turkish",
};

interface FixtureVariant {
  id: number;
  title: string;
  price: string;
}
const fixture = JSON.parse(
  readFileSync(new URL("../fixtures/shopify-products-page-blue-tokai.json", import.meta.url), "utf8"),
) as { products: { id: number; variants: FixtureVariant[] }[] };

describe.each(testEngines())("the Shopify fixture store scraped into %s", (engine) => {
  const database = useTestDatabase(engine);
  let store: StoreServer;
  let deps: Deps;
  beforeAll(async () => {
    store = await startStoreServer({ platform: "shopify" });
    const settings = testSettings({ HTTP_DELAY_MS: 0, HTTP_JITTER_MS: 0, DATA_DIR: mkdtempSync(path.join(tmpdir(), "cs-fx-")) });
    deps = createDeps(settings, database().db, captureLogger().log);
    await addRoaster(database().db, store.url, { slug: "blue-tokai", platform: "shopify" });
    const summary = await scrapeOnce({ deps, roaster: "blue-tokai", type: "full_refresh" });
    expect(summary.status).toBe("ok");
  });
  afterAll(async () => {
    await deps?.http.close();
    await store?.close();
  });

  it("holds exactly the coffees: no hampers, classes, equipment or subscriptions", async () => {
    const rows = await database().db.query<{ id: string }>("SELECT platform_product_id AS id FROM coffees ORDER BY 1");
    expect(rows.map((r) => r.id)).toEqual([...COFFEE_PRODUCT_IDS].sort());
  });

  it("has every variant of every coffee with its bag size, grind, price and currency", async () => {
    const rows = await database().db.query<{ id: string; weight_g: number | null; grind: string | null; price_current: number; currency: string }>(
      "SELECT platform_variant_id AS id, weight_g, grind::text AS grind, price_current, currency FROM variants",
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    let checked = 0;
    for (const product of fixture.products.filter((p) => COFFEE_PRODUCT_IDS.includes(String(p.id)))) {
      for (const variant of product.variants) {
        const [size, grind] = variant.title.split(" / ");
        const row = byId.get(String(variant.id));
        expect(row, variant.title).toBeDefined();
        expect(row!.weight_g, `${product.id} ${variant.title}`).toBe(SIZE_GRAMS[size!]);
        // A variant that names no grind is written without one, so the users' column default
        // ('whole') applies.
        expect(row!.grind, `${product.id} ${variant.title}`).toBe(grind ? GRIND[grind] : "whole");
        expect(row!.price_current, `${product.id} ${variant.title}`).toBe(Number(variant.price));
        expect(row!.currency).toBe("INR");
        checked += 1;
      }
    }
    expect(checked).toBe(rows.length);
    expect(checked).toBe(7 * 39 + 4);
  });
});
