// The users' database as coffee-scraper relies on it: their core tables and the columns we
// read or write, and the argument-name sets of every call to their RPC functions — theirs
// (what their client sends: test/fixtures/users-db/README.md) and ours (what
// src/db/migrations/0004_ingest.sql and src/db/roasters.ts pass; a test keeps the two equal).

export const USERS_TABLES: Record<string, readonly string[]> = {
  roasters: ["id", "name", "slug", "website", "platform", "is_active", "created_at", "updated_at"],
  product_sources: ["id", "roaster_id", "base_url", "platform", "robots_ok"],
  scrape_runs: ["id", "source_id", "started_at", "finished_at", "status", "stats_json"],
  scrape_artifacts: ["id", "run_id", "url", "http_status", "body_len", "saved_html_path", "saved_json"],
  coffees: [
    "id", "name", "slug", "roaster_id", "description_md", "direct_buy_url", "platform_product_id", "status",
    "decaf", "created_at", "updated_at", "notes_raw", "source_raw", "roast_level", "process", "bean_species",
    "default_grind", "varieties", "tags",
  ],
  variants: [
    "id", "coffee_id", "platform_variant_id", "sku", "weight_g", "grind", "pack_count", "currency", "price_current",
    "compare_at_price", "in_stock", "stock_qty", "created_at", "updated_at", "last_seen_at", "price_last_checked_at",
  ],
  prices: ["id", "variant_id", "price", "currency", "is_sale", "scraped_at"],
  coffee_images: ["id", "coffee_id", "url", "alt", "width", "height", "sort_order"],
};

export interface CallShapes {
  /** What their client always sends. */
  always: readonly string[];
  /** What it adds when the value is known. */
  optional: readonly string[];
}

/** Their client's calls (by named arguments, through PostgREST). */
export const USERS_CALLS: Record<string, CallShapes> = {
  rpc_upsert_coffee: {
    always: [
      "p_bean_species", "p_name", "p_slug", "p_roaster_id", "p_process", "p_process_raw", "p_roast_level",
      "p_roast_level_raw", "p_roast_style_raw", "p_description_md", "p_direct_buy_url", "p_platform_product_id",
    ],
    optional: [
      "p_decaf", "p_notes_raw", "p_source_raw", "p_status", "p_tags", "p_default_grind", "p_varieties", "p_region",
      "p_country", "p_altitude", "p_acidity", "p_body", "p_flavors", "p_content_hash", "p_raw_hash",
      "p_title_cleaned", "p_description_cleaned",
    ],
  },
  rpc_upsert_variant: {
    always: ["p_coffee_id", "p_platform_variant_id", "p_sku", "p_weight_g"],
    optional: [
      "p_currency", "p_in_stock", "p_stock_qty", "p_subscription_available", "p_compare_at_price", "p_grind",
      "p_pack_count", "p_source_raw",
    ],
  },
  rpc_insert_price: {
    always: ["p_variant_id", "p_price"],
    optional: ["p_currency", "p_is_sale", "p_scraped_at", "p_source_url", "p_source_raw"],
  },
  rpc_upsert_coffee_image: {
    always: ["p_coffee_id", "p_url"],
    optional: ["p_alt", "p_width", "p_height", "p_sort_order", "p_source_raw", "p_content_hash", "p_imagekit_url"],
  },
  rpc_check_content_hash: { always: ["p_content_hash"], optional: [] },
  rpc_upsert_roaster: {
    always: ["p_name", "p_slug", "p_website", "p_platform"],
    optional: ["p_instagram_handle", "p_support_email", "p_social_json"],
  },
};

/** coffee-scraper's own calls: each must resolve to exactly one function. */
export const OUR_CALLS: Record<string, readonly (readonly string[])[]> = {
  rpc_upsert_coffee: [
    [
      "p_bean_species", "p_name", "p_slug", "p_roaster_id", "p_process", "p_process_raw", "p_roast_level",
      "p_roast_level_raw", "p_roast_style_raw", "p_description_md", "p_direct_buy_url", "p_platform_product_id",
      "p_status", "p_decaf", "p_notes_raw", "p_source_raw", "p_tags", "p_default_grind", "p_varieties", "p_region",
      "p_country", "p_altitude", "p_flavors", "p_raw_hash", "p_title_cleaned",
    ],
  ],
  rpc_upsert_variant: [
    [
      "p_coffee_id", "p_platform_variant_id", "p_sku", "p_weight_g", "p_grind", "p_currency", "p_in_stock",
      "p_source_raw", "p_compare_at_price", "p_pack_count", "p_stock_qty", "p_subscription_available",
    ],
    [
      "p_coffee_id", "p_platform_variant_id", "p_sku", "p_weight_g", "p_currency", "p_in_stock", "p_compare_at_price",
      "p_stock_qty", "p_subscription_available",
    ],
  ],
  rpc_insert_price: [["p_variant_id", "p_price", "p_currency", "p_is_sale", "p_scraped_at", "p_source_url"]],
  rpc_upsert_coffee_image: [
    ["p_coffee_id", "p_url", "p_alt", "p_width", "p_height", "p_sort_order"],
    // The image stage (src/images/): the ImageKit copy of an image already written.
    ["p_coffee_id", "p_url", "p_content_hash", "p_imagekit_url"],
  ],
  rpc_check_content_hash: [["p_content_hash"]],
  rpc_upsert_roaster: [["p_name", "p_slug", "p_website", "p_platform"]],
  rpc_scrape_run_start: [["p_source_id"]],
  rpc_scrape_run_finish: [["p_run_id", "p_status", "p_stats"]],
  rpc_record_artifact: [["p_run_id", "p_url", "p_http_status", "p_body_len", "p_saved_html_path", "p_saved_json"]],
};

/**
 * Keys coffee-scraper looks rows up by. `unique`: a key their functions upsert by, added
 * (after a duplicate check) where an installation lacks it. Otherwise a lookup that must
 * be unambiguous: duplicates make `migrate` refuse, naming them.
 */
export const LOOKUP_KEYS: readonly { table: string; columns: readonly string[]; unique: boolean; where?: string }[] = [
  { table: "roasters", columns: ["slug"], unique: true },
  { table: "coffees", columns: ["slug", "roaster_id"], unique: true },
  { table: "variants", columns: ["coffee_id", "platform_variant_id"], unique: true, where: "platform_variant_id IS NOT NULL" },
  { table: "coffee_images", columns: ["coffee_id", "url"], unique: true },
  { table: "coffees", columns: ["roaster_id", "platform_product_id"], unique: false, where: "platform_product_id IS NOT NULL" },
  { table: "product_sources", columns: ["roaster_id", "base_url"], unique: false },
];
