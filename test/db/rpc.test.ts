import { describe, expect, it } from "vitest";
import type { Queryable } from "../../src/db/database.ts";
import { testEngines, useTestDatabase } from "../helpers/database.ts";

const one = async <T>(db: Queryable, sql: string, params: unknown[] = []) => (await db.query<T>(sql, params))[0]!;
const count = async (db: Queryable, table: string) =>
  (await one<{ n: number }>(db, `SELECT count(*)::int AS n FROM ${table}`)).n;

async function roaster(db: Queryable, slug = "rpc-roaster") {
  return (
    await one<{ id: string }>(
      db,
      `SELECT rpc_upsert_roaster(p_name := 'RPC Roaster', p_slug := $1, p_platform := 'shopify', p_website := 'https://r.example') AS id`,
      [slug],
    )
  ).id;
}

async function coffee(db: Queryable, roasterId: string, productId = "p1", extra: { roast?: string } = {}) {
  return (
    await one<{ id: string }>(
      db,
      `SELECT rpc_upsert_coffee(
         p_roaster_id := $1, p_platform_product_id := $2, p_name := 'Attikan Estate', p_slug := 'attikan-estate',
         p_description_md := 'Notes of cocoa', p_direct_buy_url := 'https://r.example/products/attikan',
         p_bean_species := 'arabica', p_process := 'washed', p_process_raw := 'Washed',
         p_roast_level := $3, p_roast_level_raw := 'Medium', p_roast_style_raw := NULL,
         p_tags := ARRAY['single origin'], p_varieties := ARRAY['SL-795'], p_raw_hash := 'h1') AS id`,
      [roasterId, productId, extra.roast ?? "medium"],
    )
  ).id;
}

async function variant(db: Queryable, coffeeId: string, weight: number | null = 250) {
  return (
    await one<{ id: string }>(
      db,
      `SELECT rpc_upsert_variant(p_coffee_id := $1, p_platform_variant_id := 'v1', p_sku := 'SKU1', p_weight_g := $2,
         p_grind := 'whole', p_currency := 'INR', p_in_stock := true) AS id`,
      [coffeeId, weight],
    )
  ).id;
}

describe.each(testEngines())("RPC functions on %s", (engine) => {
  const database = useTestDatabase(engine);

  it("rpc_upsert_roaster is idempotent by slug", async () => {
    const { db } = database();
    const a = await roaster(db, "idem");
    const b = await roaster(db, "idem");
    expect(b).toBe(a);
    expect((await one<{ n: number }>(db, "SELECT count(*)::int AS n FROM roasters WHERE slug = 'idem'")).n).toBe(1);
  });

  it("rpc_upsert_coffee and rpc_upsert_variant upsert by natural keys and change no data when repeated", async () => {
    const { db } = database();
    const r = await roaster(db, "coffee-idem");
    const c1 = await coffee(db, r);
    const v1 = await variant(db, c1);
    // Their updated_at trigger moves on every write; everything else stays as it was.
    const data = "SELECT to_jsonb(c) - 'updated_at' AS row FROM coffees c WHERE id = $1";
    const before = await db.query(data, [c1]);
    const vBefore = await db.query("SELECT id, sku, weight_g, grind FROM variants WHERE id = $1", [v1]);
    expect(await coffee(db, r)).toBe(c1);
    expect(await variant(db, c1)).toBe(v1);
    expect(await db.query(data, [c1])).toEqual(before);
    expect(await db.query("SELECT id, sku, weight_g, grind FROM variants WHERE id = $1", [v1])).toEqual(vBefore);
    const row = await one<{ roast_level: string; varieties: string[]; process: string }>(
      db,
      "SELECT roast_level, varieties, process FROM coffees WHERE id = $1",
      [c1],
    );
    expect(row).toEqual({ roast_level: "medium", varieties: ["SL-795"], process: "washed" });
  });

  it("a variant cannot be written without a bag size (their NOT NULL), which is why unknown sizes are held back", async () => {
    const { db } = database();
    const c = await coffee(db, await roaster(db, "weights"), "p-weight");
    await expect(variant(db, c, null)).rejects.toThrow(/weight_g/);
    expect((await db.query("SELECT 1 FROM variants WHERE coffee_id = $1", [c])).length).toBe(0);
  });

  it("rpc_insert_price writes the row and the variant's current price together", async () => {
    const { db } = database();
    const v = await variant(db, await coffee(db, await roaster(db, "prices"), "p-price"));
    await db.query(`SELECT rpc_insert_price(p_variant_id := $1, p_price := 450.00, p_currency := 'INR', p_is_sale := false)`, [v]);
    const state = await one<{ price_current: number; currency: string; checked: boolean }>(
      db,
      "SELECT price_current, currency, price_last_checked_at IS NOT NULL AS checked FROM variants WHERE id = $1",
      [v],
    );
    expect(state).toEqual({ price_current: 450, currency: "INR", checked: true });
    // Their documented default: a call without a currency records USD.
    await db.query(`SELECT rpc_insert_price(p_variant_id := $1, p_price := 5.5)`, [v]);
    expect((await one<{ c: string }>(db, "SELECT currency AS c FROM prices WHERE variant_id = $1 AND price = 5.5", [v])).c).toBe("USD");
    // A failing insert (an unknown variant) leaves the price table untouched.
    const pricesBefore = await count(db, "prices");
    await expect(
      db.query(`SELECT rpc_insert_price(p_variant_id := '00000000-0000-0000-0000-000000000000', p_price := 5, p_currency := 'INR')`),
    ).rejects.toThrow(/foreign key/);
    expect(await count(db, "prices")).toBe(pricesBefore);
  });

  it("bad enum values, missing required parameters and unknown foreign keys raise and write nothing", async () => {
    const { db } = database();
    const r = await roaster(db, "errors");
    const coffeesBefore = await count(db, "coffees");
    await expect(coffee(db, r, "p-bad-enum", { roast: "burnt" })).rejects.toThrow(/roast_level_enum/);
    await expect(coffee(db, "00000000-0000-0000-0000-000000000000", "p-no-roaster")).rejects.toThrow(/foreign key/);
    await expect(db.query("SELECT rpc_upsert_coffee(p_roaster_id := $1, p_platform_product_id := 'x')", [r])).rejects.toThrow(
      /does not exist/,
    );
    expect(await count(db, "coffees")).toBe(coffeesBefore);
    const variantsBefore = await count(db, "variants");
    await expect(
      db.query(
        `SELECT rpc_upsert_variant(p_coffee_id := '00000000-0000-0000-0000-000000000000', p_platform_variant_id := 'v',
           p_sku := NULL, p_weight_g := 250)`,
      ),
    ).rejects.toThrow(/foreign key/);
    await expect(
      db.query(
        `SELECT rpc_upsert_variant(p_coffee_id := $1, p_platform_variant_id := 'v', p_sku := NULL, p_weight_g := 250, p_grind := 'powder')`,
        [await coffee(db, r, "p-grind")],
      ),
    ).rejects.toThrow(/grind_enum/);
    expect(await count(db, "variants")).toBe(variantsBefore);
    await expect(db.query(`SELECT rpc_upsert_roaster(p_name := 'X', p_slug := 'x', p_platform := 'magento', p_website := 'https://x')`)).rejects.toThrow(
      /platform_enum/,
    );
    await expect(db.query(`SELECT rpc_scrape_run_start(p_source_id := '00000000-0000-0000-0000-000000000000')`)).rejects.toThrow(
      /foreign key/,
    );
  });

  it("rpc_upsert_coffee_image upserts by (coffee, url)", async () => {
    const { db } = database();
    const c = await coffee(db, await roaster(db, "images"), "p-img");
    const call = (alt: string) =>
      one<{ id: string }>(
        db,
        `SELECT rpc_upsert_coffee_image(p_coffee_id := $1, p_url := 'https://cdn.example/a.jpg', p_alt := $2, p_sort_order := 1) AS id`,
        [c, alt],
      );
    const a = await call("Bag");
    const b = await call("Bag, front");
    expect(b.id).toBe(a.id);
    expect((await one<{ alt: string }>(db, "SELECT alt FROM coffee_images WHERE id = $1", [a.id])).alt).toBe("Bag, front");
  });

  it("scrape runs and artifacts: start, record, finish", async () => {
    const { db } = database();
    const r = await roaster(db, "runs");
    const source = await one<{ id: string }>(
      db,
      "INSERT INTO product_sources (roaster_id, base_url, platform) VALUES ($1, 'https://r.example', 'shopify') RETURNING id",
      [r],
    );
    const run = await one<{ id: string }>(db, "SELECT rpc_scrape_run_start(p_source_id := $1) AS id", [source.id]);
    await db.query(
      `SELECT rpc_record_artifact(p_run_id := $1, p_url := 'https://r.example/products.json?page=1', p_http_status := 200,
         p_body_len := 1234, p_saved_html_path := 'artifacts/ab/cd.json.gz')`,
      [run.id],
    );
    await db.query(`SELECT rpc_scrape_run_finish(p_run_id := $1, p_status := 'partial', p_stats := $2)`, [
      run.id,
      JSON.stringify({ pages: 1 }),
    ]);
    const finished = await one<{ status: string; stats_json: unknown; done: boolean }>(
      db,
      "SELECT status, stats_json, finished_at IS NOT NULL AS done FROM coffee_scraper.runs WHERE id = $1",
      [run.id],
    );
    expect(finished).toEqual({ status: "partial", stats_json: { pages: 1 }, done: true });
    await expect(
      db.query(`SELECT rpc_scrape_run_finish(p_run_id := $1, p_status := 'great', p_stats := '{}')`, [run.id]),
    ).rejects.toThrow(/run_status_enum/);
    expect(await count(db, "scrape_artifacts")).toBe(1);
  });
});
