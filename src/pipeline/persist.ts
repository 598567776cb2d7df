import { createHash } from "node:crypto";
import type { Queryable } from "../db/database.ts";
import type { RawProduct } from "../platforms/raw-product.ts";
import type { NormalizedProduct } from "./normalize/types.ts";

// Turns normalized products into the one JSON document per page that cs_ingest_page
// (migration 0004) writes through the RPC functions in a single round trip.

export type IngestMode = "full" | "price";

export interface PriceAlert {
  coffee_id: string;
  variant_id: string;
  platform_product_id: string;
  platform_variant_id: string;
  coffee: string;
  old_price: number;
  new_price: number;
  currency: string | null;
  delta_pct: number;
}

export interface IngestResult {
  coffees: number;
  variants: number;
  prices: number;
  unchanged_prices: number;
  unknown_products: number;
  unknown_variants: number;
  alerts: PriceAlert[];
  errors: { product: string | null; message: string; sqlstate: string }[];
}

export function ingestDocument(product: NormalizedProduct, raw: RawProduct): Record<string, unknown> {
  const { variants: rawVariants, ...rawProductOnly } = raw.raw as { variants?: unknown } & Record<string, unknown>;
  void rawVariants; // each variant keeps its own raw object below
  const rawById = new Map(raw.variants.map((v) => [v.platformVariantId, v.raw]));
  const doc = {
    platform_product_id: product.platformProductId,
    name: product.name,
    slug: product.slug,
    description_md: product.descriptionMd,
    direct_buy_url: product.directBuyUrl,
    bean_species: product.species,
    process: product.process,
    process_raw: product.processRaw,
    roast_level: product.roastLevel,
    roast_level_raw: product.roastLevelRaw,
    roast_style_raw: product.roastStyleRaw,
    status: "active",
    decaf: product.decaf,
    notes_raw: product.tastingNotes.length > 0 ? product.tastingNotes : null,
    tags: product.tags,
    varieties: product.varieties.length > 0 ? product.varieties : null,
    region: product.region,
    country: product.country,
    altitude: product.altitude,
    default_grind: product.defaultGrind,
    title_cleaned: product.name,
    flavors: product.tastingNotes.length > 0 ? product.tastingNotes : null,
    images: product.images.map((i) => ({ url: i.url, alt: i.alt, width: i.width, height: i.height, sort_order: i.sortOrder })),
    variants: product.variants.map((v) => ({
      platform_variant_id: v.platformVariantId,
      sku: v.sku,
      weight_g: v.weightG,
      grind: v.grind,
      currency: v.currency,
      in_stock: v.inStock,
      pack_count: v.packCount,
      compare_at_price: v.compareAtPrice,
      stock_qty: v.stockQty,
      subscription_available: v.subscriptionAvailable,
      price: v.price,
      is_sale: v.isSale,
      source_raw: rawById.get(v.platformVariantId) ?? null,
    })),
  };
  // The hash covers what we derive, so a re-run over an unchanged store leaves
  // coffees.updated_at alone while any real change moves it.
  const raw_hash = createHash("sha256").update(JSON.stringify(doc)).digest("hex");
  return { ...doc, raw_hash, source_raw: rawProductOnly };
}

export async function ingestPage(
  db: Queryable,
  input: { roasterId: string; runId: string; mode: IngestMode; documents: Record<string, unknown>[]; sourceUrl: string; scrapedAt: Date },
): Promise<IngestResult> {
  const rows = await db.query<{ result: IngestResult }>(
    `SELECT cs_ingest_page(p_roaster_id := $1, p_run_id := $2, p_mode := $3, p_products := $4::jsonb,
       p_source_url := $5, p_scraped_at := $6) AS result`,
    [input.roasterId, input.runId, input.mode, JSON.stringify(input.documents), input.sourceUrl, input.scrapedAt],
  );
  return rows[0]!.result;
}

export interface ArtifactRecord {
  url: string;
  http_status: number;
  body_len: number;
  saved_html_path: string | null;
  saved_json: Record<string, unknown>;
}

/** Records a page's artifacts with rpc_record_artifact, all in one statement. */
export async function recordArtifacts(db: Queryable, runId: string, artifacts: ArtifactRecord[]): Promise<void> {
  if (artifacts.length === 0) return;
  await db.query(
    `SELECT rpc_record_artifact(p_run_id := $1, p_url := a.url, p_http_status := a.http_status,
       p_body_len := a.body_len, p_saved_html_path := a.saved_html_path, p_saved_json := a.saved_json)
       FROM jsonb_to_recordset($2::jsonb)
         AS a(url text, http_status integer, body_len integer, saved_html_path text, saved_json jsonb)`,
    [runId, JSON.stringify(artifacts)],
  );
}

export async function markUnlisted(db: Queryable, roasterId: string, listedProductIds: string[]): Promise<number> {
  const rows = await db.query<{ n: number }>("SELECT cs_mark_unlisted($1, $2::text[]) AS n", [roasterId, listedProductIds]);
  return rows[0]!.n;
}
