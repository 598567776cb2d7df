import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Deps } from "../../src/app/deps.ts";
import { createDeps } from "../../src/app/runtime.ts";
import { importRoasters } from "../../src/app/import-roasters.ts";
import { roasterConfigSchema } from "../../src/config/roaster.ts";
import { catalogSnapshot } from "../../src/db/catalog.ts";
import type { Queryable } from "../../src/db/database.ts";
import { migrate } from "../../src/db/migrate.ts";
import { USERS_CALLS } from "../../src/db/users-contract.ts";
import type { RunStats } from "../../src/pipeline/run-stats.ts";
import { scrapeOnce } from "../../src/worker/scrape-once.ts";
import { testEngines, useTestDatabase } from "../helpers/database.ts";
import { captureLogger } from "../helpers/logs.ts";
import { unpacedSettings } from "../helpers/settings.ts";
import { startStoreServer, type StoreServer } from "../helpers/store-server.ts";
import { loadUsersDatabase, usersRows } from "../helpers/users-db.ts";

// coffee-scraper moving into the users' existing database (test/fixtures/users-db/): their
// schema, functions and rows as they are, then `migrate`, then their client's calls and
// coffee-scraper's runs side by side.

const ROASTER = "550e8400-e29b-41d4-a716-446655440000";
const COFFEE = "22222222-2222-2222-2222-222222222222";
const VARIANT = "33333333-3333-3333-3333-333333333333";

/** A value of the right type for each argument their client sends. */
const SAMPLE: Record<string, string> = {
  p_bean_species: "'arabica'",
  p_name: "'Client Coffee'",
  p_slug: "'client-coffee'",
  p_roaster_id: `'${ROASTER}'`,
  p_process: "'washed'",
  p_process_raw: "'Washed'",
  p_roast_level: "'medium'",
  p_roast_level_raw: "'Medium'",
  p_roast_style_raw: "NULL",
  p_description_md: "'From their client'",
  p_direct_buy_url: "'https://bluetokaicoffee.com/p'",
  p_platform_product_id: "'client-1'",
  p_decaf: "false",
  p_notes_raw: `'{"lot": 7}'`,
  p_source_raw: `'{"from": "client"}'`,
  p_status: "'active'",
  p_tags: "ARRAY['client']",
  p_default_grind: "'filter'",
  p_varieties: "ARRAY['SL9']",
  p_region: "'Chikmagalur'",
  p_country: "'India'",
  p_altitude: "1300",
  p_acidity: "3.5",
  p_body: "4",
  p_flavors: "ARRAY['cocoa']",
  p_content_hash: "'c-hash'",
  p_raw_hash: "'r-hash'",
  p_title_cleaned: "'Client Coffee'",
  p_description_cleaned: "'From their client'",
  p_coffee_id: `'${COFFEE}'`,
  p_platform_variant_id: "'client-v'",
  p_sku: "'CL-1'",
  p_weight_g: "500",
  p_currency: "'INR'",
  p_in_stock: "true",
  p_stock_qty: "4",
  p_subscription_available: "false",
  p_compare_at_price: "900",
  p_grind: "'espresso'",
  p_pack_count: "1",
  p_variant_id: `'${VARIANT}'`,
  p_price: "475",
  p_is_sale: "false",
  p_scraped_at: "now()",
  p_source_url: "'https://bluetokaicoffee.com'",
  p_url: "'https://cdn.example/client.jpg'",
  p_alt: "'bag'",
  p_width: "800",
  p_height: "600",
  p_sort_order: "2",
  p_imagekit_url: "'https://ik.imagekit.io/x/client.jpg'",
  p_website: "'https://client.example'",
  p_platform: "'shopify'",
  p_instagram_handle: "'client'",
  p_support_email: "'hi@client.example'",
  p_social_json: `'{"x": 1}'`,
};

const call = (db: Queryable, fn: string, args: readonly string[]) =>
  db.query(`SELECT ${fn}(${args.map((a) => `${a} := ${SAMPLE[a]}`).join(", ")}) AS result`);

async function rpcFunctions(db: Queryable) {
  return db.query<{ name: string; n: number; secdef: boolean[] }>(
    `SELECT proname AS name, count(*)::int AS n, array_agg(prosecdef) AS secdef FROM pg_proc
      WHERE pronamespace = 'public'::regnamespace AND proname LIKE 'rpc\\_%' GROUP BY proname ORDER BY proname`,
  );
}

describe.each(testEngines())("the users' installation on %s, migrated", (engine) => {
  const database = useTestDatabase(engine, { migrate: false });
  let store: StoreServer;
  let deps: Deps;
  let rowsBefore: Record<string, unknown[]>;
  let functionsBefore: string[];

  beforeAll(async () => {
    const { db } = database();
    await loadUsersDatabase(db, engine);
    rowsBefore = await usersRows(db);
    functionsBefore = (await catalogSnapshot(db, ["public"])).objects.filter((o) =>
      o.startsWith("function "),
    );
    await migrate(db);
    store = await startStoreServer({ platform: "shopify" });
    const settings = unpacedSettings("cs-users-");
    deps = createDeps(settings, db, captureLogger().log);
  });
  afterAll(async () => {
    await deps?.http.close();
    await store?.close();
  });

  it("leaves their rows, functions, security and view as they were, and a second migrate changes nothing", async () => {
    const { db } = database();
    expect(await usersRows(db)).toEqual(rowsBefore);
    const functionsNow = (await catalogSnapshot(db, ["public"])).objects.filter((o) =>
      o.startsWith("function "),
    );
    expect(functionsNow).toEqual(functionsBefore);
    const rpcs = await rpcFunctions(db);
    expect(rpcs.every((r) => r.n === 1)).toBe(true);
    expect(rpcs.map((r) => r.name)).toEqual([
      "rpc_check_content_hash",
      "rpc_insert_price",
      "rpc_record_artifact",
      "rpc_scrape_run_finish",
      "rpc_scrape_run_start",
      "rpc_upsert_coffee",
      "rpc_upsert_coffee_image",
      "rpc_upsert_roaster",
      "rpc_upsert_variant",
    ]);
    expect(rpcs.every((r) => r.secdef.every(Boolean))).toBe(true);
    expect(await db.query("SELECT variant_id, has_250g_bool, normalized_250g FROM variant_computed")).toEqual(
      [{ variant_id: VARIANT, has_250g_bool: true, normalized_250g: null }],
    );
    const catalog = await catalogSnapshot(db);
    expect(await migrate(db)).toEqual([]);
    expect(await catalogSnapshot(db)).toEqual(catalog);
  });

  it("every call their client makes resolves by named arguments and behaves as documented", async () => {
    const { db } = database();
    const tx = db;
    {
      // Each call its own transaction, as PostgREST makes it (two prices of one variant in one
      // transaction would share now() and collide on their (variant_id, scraped_at) key).
      for (const [fn, shape] of Object.entries(USERS_CALLS)) {
        await call(tx, fn, shape.always);
        await call(tx, fn, [...shape.always, ...shape.optional]);
      }
      // rpc_insert_price without a currency records their documented default, USD.
      const [priceId] = await tx.query<{ id: string }>(
        `SELECT rpc_insert_price(p_variant_id := '${VARIANT}', p_price := 480) AS id`,
      );
      const [omitted] = await tx.query<{ currency: string }>("SELECT currency FROM prices WHERE id = $1", [
        priceId!.id,
      ]);
      expect(omitted!.currency).toBe("USD");
      // Region, country and altitude went to notes_raw; acidity, body and flavors to sensory_params.
      const [coffee] = await tx.query<{ notes_raw: Record<string, unknown>; acidity: number; notes: string }>(
        `SELECT c.notes_raw, s.acidity, s.notes FROM coffees c JOIN sensory_params s ON s.coffee_id = c.id WHERE c.slug = 'client-coffee'`,
      );
      expect(coffee).toEqual({
        notes_raw: { lot: 7, region: "Chikmagalur", country: "India", altitude_m: 1300 },
        acidity: 3.5,
        notes: "cocoa",
      });
      // The image their full call stored with content hash 'c-hash' is found by it; another is not.
      const [image] = await tx.query<{ id: string }>(
        "SELECT id FROM coffee_images WHERE content_hash = 'c-hash'",
      );
      const [hash] = await tx.query<{ id: string | null }>(
        `SELECT rpc_check_content_hash(p_content_hash := 'c-hash') AS id`,
      );
      expect(hash!.id).toBe(image!.id);
      const [none] = await tx.query<{ id: string | null }>(
        `SELECT rpc_check_content_hash(p_content_hash := 'nothing') AS id`,
      );
      expect(none!.id).toBeNull();
    }
  });

  it("roasters import, a full scrape and a price-only scrape land in their tables", async () => {
    const { db } = database();
    await importRoasters(db, [
      roasterConfigSchema.parse({
        slug: "blue-tokai",
        name: "Blue Tokai Coffee Roasters",
        website: store.url,
        platform: "shopify",
        currency: "INR",
      }),
    ]);
    const [roaster] = await db.query<{ id: string; website: string; sources: number }>(
      `SELECT id, website, (SELECT count(*)::int FROM product_sources WHERE roaster_id = r.id) AS sources FROM roasters r WHERE slug = 'blue-tokai'`,
    );
    expect(roaster).toEqual({ id: ROASTER, website: store.url, sources: 2 });

    const full = await scrapeOnce({ deps, roaster: "blue-tokai", type: "full_refresh" });
    expect(full.status).toBe("ok");
    const stats = full.stats as unknown as RunStats;
    expect(stats.coffees_upserted).toBeGreaterThan(0);
    const written = await db.query<{ n: number; inr: number }>(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE v.currency = 'INR')::int AS inr
         FROM variants v JOIN coffees c ON c.id = v.coffee_id WHERE c.roaster_id = $1 AND c.platform_product_id <> '7001'`,
      [ROASTER],
    );
    expect(written[0]!.n).toBe(stats.variants_upserted);
    expect(written[0]!.inr).toBe(written[0]!.n);
    // Their own coffee, which the store does not list, is marked discontinued, not deleted.
    expect(await db.query("SELECT status::text AS status FROM coffees WHERE id = $1", [COFFEE])).toEqual([
      { status: "discontinued" },
    ]);

    const estate = store.products.find((p) => /Estate/.test(String(p.title)))!;
    const variant = (estate.variants as { id: number; price: string }[])[0]!;
    variant.price = String(Number(variant.price) + 50);
    store.changed();
    const price = await scrapeOnce({ deps, roaster: "blue-tokai", type: "price_only" });
    expect(price.status).toBe("ok");
    expect((price.stats as unknown as RunStats).prices_inserted).toBe(1);
    const [row] = await db.query<{ price_current: number; rows: number }>(
      `SELECT v.price_current, (SELECT count(*)::int FROM prices p WHERE p.variant_id = v.id) AS rows
         FROM variants v WHERE v.platform_variant_id = $1`,
      [String(variant.id)],
    );
    expect(row).toEqual({ price_current: Number(variant.price), rows: 2 });
  });
});

// Their client keeps writing while coffee-scraper runs: both touch the same variants in the
// same minute. Every write of each lands (a price row per observation), neither side
// deadlocks or fails, the variant's current price is whoever committed last, and the next
// run sets it back to the store's.
describe.runIf(testEngines().includes("postgres"))(
  "two writers on postgres: their client and a scrape at once",
  () => {
    const database = useTestDatabase("postgres", { migrate: false });
    let store: StoreServer;
    let deps: Deps;

    beforeAll(async () => {
      const { db } = database();
      await loadUsersDatabase(db, "postgres");
      await migrate(db);
      store = await startStoreServer({ platform: "shopify", products: 300 });
      const settings = unpacedSettings("cs-2w-");
      deps = createDeps(settings, db, captureLogger().log);
      await importRoasters(db, [
        roasterConfigSchema.parse({
          slug: "busy",
          name: "Busy",
          website: store.url,
          platform: "shopify",
          currency: "INR",
        }),
      ]);
      expect((await scrapeOnce({ deps, roaster: "busy", type: "full_refresh" })).status).toBe("ok");
    });
    afterAll(async () => {
      await deps?.http.close();
      await store?.close();
    });

    it("every write of both lands, nobody deadlocks, and the current price is the last one written", async () => {
      const { db, url } = database();
      const variants = await db.query<{
        id: string;
        coffee_id: string;
        platform_variant_id: string;
        sku: string | null;
        weight_g: number;
      }>(
        `SELECT v.id, v.coffee_id, v.platform_variant_id, v.sku, v.weight_g FROM variants v JOIN coffees c ON c.id = v.coffee_id
        JOIN roasters r ON r.id = c.roaster_id WHERE r.slug = 'busy' ORDER BY v.id`,
      );
      expect(variants.length).toBeGreaterThan(250);
      const pricesBefore = (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM prices"))[0]!.n;
      // The store raises every price, so the scrape writes a price row for every variant.
      for (const p of store.products)
        for (const v of p.variants as { price: string }[]) v.price = String(Number(v.price) + 1);
      store.changed();

      const client = new pg.Client({ connectionString: url });
      await client.connect();
      const theirs: { variant: string; price: number }[] = [];
      const errors: unknown[] = [];
      let scraping = true;
      const clientLoop = (async () => {
        // Their client, through PostgREST: one call per request, each its own transaction, walking
        // the same variants the scrape is writing, in the opposite order.
        for (let i = 0; scraping || i < 50; i++) {
          const v = variants[variants.length - 1 - (i % variants.length)]!;
          const price = 10_000 + i;
          try {
            await client.query(
              `SELECT rpc_upsert_variant(p_coffee_id := $1, p_platform_variant_id := $2, p_sku := $3, p_weight_g := $4, p_in_stock := true)`,
              [v.coffee_id, v.platform_variant_id, v.sku, v.weight_g],
            );
            await client.query(
              `SELECT rpc_insert_price(p_variant_id := $1, p_price := $2, p_currency := 'INR')`,
              [v.id, price],
            );
            theirs.push({ variant: v.id, price });
          } catch (err) {
            errors.push(err);
          }
        }
      })();
      const run = await scrapeOnce({ deps, roaster: "busy", type: "full_refresh" }).finally(() => {
        scraping = false;
      });
      await clientLoop;
      await client.end();

      expect(errors).toEqual([]);
      expect(run.status).toBe("ok");
      const stats = run.stats as unknown as RunStats;
      expect(stats.errors).toEqual([]);
      expect(stats.prices_inserted).toBe(variants.length);
      expect(theirs.length).toBeGreaterThanOrEqual(50);
      // Nothing lost: one price row per write of each side.
      const pricesAfter = (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM prices"))[0]!.n;
      expect(pricesAfter).toBe(pricesBefore + stats.prices_inserted + theirs.length);
      // The current price is the last one committed: the store's (ours) or their client's last
      // price for that variant, never anything else.
      const lastOfTheirs = new Map(theirs.map((t) => [t.variant, t.price]));
      const current = await db.query<{ id: string; price_current: number }>(
        `SELECT v.id, v.price_current FROM variants v WHERE v.id = ANY($1::uuid[])`,
        [variants.map((v) => v.id)],
      );
      const storePrice = new Map<string, number>();
      for (const p of store.products)
        for (const v of p.variants as { id: number; price: string }[])
          storePrice.set(String(v.id), Number(v.price));
      const byId = new Map(variants.map((v) => [v.id, v]));
      for (const row of current) {
        const allowed = [storePrice.get(byId.get(row.id)!.platform_variant_id), lastOfTheirs.get(row.id)];
        expect(allowed, row.id).toContain(row.price_current);
      }
      // The store is the truth at its next change: a price-only run sets every price again,
      // their client's included, each with a price row of its own.
      for (const p of store.products)
        for (const v of p.variants as { price: string }[]) v.price = String(Number(v.price) + 1);
      store.changed();
      const next = await scrapeOnce({ deps, roaster: "busy", type: "price_only" });
      expect((next.stats as unknown as RunStats).prices_inserted).toBe(variants.length);
      const stale = await db.query(
        `SELECT v.id FROM variants v WHERE v.id = ANY($1::uuid[]) AND v.price_current >= 10000`,
        [variants.map((v) => v.id)],
      );
      expect(stale).toEqual([]);
    });
  },
);
