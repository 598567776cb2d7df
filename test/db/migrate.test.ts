import { describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/database.ts";
import { listMigrations, migrate, pendingMigrations } from "../../src/db/migrate.ts";
import { createTestDatabase, testEngines, useTestDatabase } from "../helpers/database.ts";

const RPCS: Record<string, string[]> = {
  rpc_upsert_roaster: ["p_name", "p_slug", "p_platform", "p_website", "p_instagram_handle", "p_social_json", "p_support_email"],
  rpc_upsert_coffee: [
    "p_roaster_id", "p_platform_product_id", "p_name", "p_slug", "p_description_md", "p_direct_buy_url",
    "p_bean_species", "p_process", "p_process_raw", "p_roast_level", "p_roast_level_raw", "p_roast_style_raw",
    "p_status", "p_decaf", "p_notes_raw", "p_source_raw", "p_tags", "p_varieties", "p_region", "p_country",
    "p_altitude", "p_default_grind", "p_content_hash", "p_raw_hash", "p_title_cleaned", "p_description_cleaned",
    "p_flavors", "p_acidity", "p_body",
  ],
  rpc_upsert_variant: [
    "p_coffee_id", "p_platform_variant_id", "p_sku", "p_weight_g", "p_grind", "p_currency", "p_in_stock",
    "p_pack_count", "p_compare_at_price", "p_stock_qty", "p_subscription_available", "p_source_raw",
  ],
  rpc_insert_price: ["p_variant_id", "p_price", "p_currency", "p_is_sale", "p_scraped_at", "p_source_url", "p_source_raw"],
  rpc_upsert_coffee_image: [
    "p_coffee_id", "p_url", "p_alt", "p_width", "p_height", "p_sort_order", "p_content_hash", "p_imagekit_url", "p_source_raw",
  ],
  rpc_scrape_run_start: ["p_source_id"],
  rpc_scrape_run_finish: ["p_run_id", "p_status", "p_stats"],
  rpc_record_artifact: ["p_run_id", "p_url", "p_http_status", "p_body_len", "p_saved_html_path", "p_saved_json"],
};

const TABLES = [
  "roasters", "product_sources", "scrape_runs", "scrape_artifacts", "coffees", "variants", "prices", "coffee_images",
  "http_validators", "roaster_leases", "schedule_slots", "price_alerts",
];

describe.each(testEngines())("migrations on %s", (engine) => {
  const database = useTestDatabase(engine, { migrate: false });

  it("create the schema on an empty database, and a second run changes nothing", async () => {
    const { db } = database();
    expect(await pendingMigrations(db)).toEqual(listMigrations().map((m) => m.name));
    const first = await migrate(db);
    expect(first).toEqual(listMigrations().map((m) => m.name));

    const tables = await db.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
    );
    expect(tables.map((t) => t.table_name)).toEqual(expect.arrayContaining(TABLES));

    const enums = await db.query<{ typname: string; labels: string[] }>(
      `SELECT t.typname, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS labels
         FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY t.typname`,
    );
    const byName = Object.fromEntries(enums.map((e) => [e.typname, e.labels]));
    expect(byName.run_status_enum).toEqual(["ok", "partial", "fail"]);
    expect(byName.platform_enum).toEqual(["shopify", "woocommerce", "custom", "other"]);
    expect(byName.grind_enum).toContain("south indian filter");
    expect(byName.species_enum).toContain("arabica_80_robusta_20");

    for (const [name, params] of Object.entries(RPCS)) {
      const rows = await db.query<{ args: string[] }>(
        "SELECT proargnames AS args FROM pg_proc WHERE proname = $1 AND pronamespace = 'public'::regnamespace",
        [name],
      );
      expect(rows, name).toHaveLength(1);
      expect(rows[0]!.args, name).toEqual(params);
    }

    const weight = await db.query<{ is_nullable: string }>(
      "SELECT is_nullable FROM information_schema.columns WHERE table_name = 'variants' AND column_name = 'weight_g'",
    );
    expect(weight[0]!.is_nullable).toBe("YES");

    const snapshot = async () =>
      db.query("SELECT version, name, applied_at FROM schema_migrations ORDER BY version");
    const before = await snapshot();
    expect(await migrate(db)).toEqual([]);
    expect(await snapshot()).toEqual(before);
  });
});

describe.runIf(testEngines().includes("postgres"))("concurrent migrate on postgres", () => {
  it("two processes migrating at once apply each migration exactly once", async () => {
    const target = await createTestDatabase("postgres", { migrate: false });
    try {
      const other = await openDatabase({ databaseUrl: target.url, dataDir: target.dataDir });
      const [a, b] = await Promise.all([migrate(target.db), migrate(other)]);
      await other.close();
      expect([...a, ...b].sort()).toEqual(listMigrations().map((m) => m.name).sort());
      const rows = await target.db.query<{ n: number }>("SELECT count(*)::int AS n FROM schema_migrations");
      expect(rows[0]!.n).toBe(listMigrations().length);
    } finally {
      await target.drop();
    }
  });
});
