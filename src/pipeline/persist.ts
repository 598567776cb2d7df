import type { JobMode } from "../core/job-kinds.ts";
import type { Queryable } from "../db/database.ts";
import { ingestPageSet, markUnlistedChecked, recordArtifactRows, type IngestResult, type NewArtifact, type UnlistingOutcome } from "../db/ingest.ts";
import type { RawProduct } from "../platforms/raw-product.ts";
import { altitudeRangeM } from "./normalize/altitude.ts";
import type { NormalizedProduct } from "./normalize/types.ts";
import { normalizeVariant } from "./normalize/variant.ts";
import { databaseSafe } from "../db/database-safe.ts";
import type { ListingHashes } from "./listing-hash.ts";
import type { RememberedPage } from "../db/listing-pages.ts";
import type { ValidatorsWrite } from "../db/validators.ts";
import { JsonBytes } from "../db/json-param.ts";

// Turns normalized products into the JSON documents coffee_scraper.ingest_page (migration
// 0004) writes through the users' RPC functions, a bounded chunk of a page per round trip.

export type { HeldVariant, IngestResult, PriceAlert } from "../db/ingest.ts";

/**
 * What one round trip carries at most: a page is written in chunks of this size. The bytes
 * bound memory and statement size; a chunk of a whole Shopify page (250) costs both engines
 * less than three of 100 (each statement sets up its working tables and, on PGlite, opens
 * and closes the relations' files), measured on a first ingest.
 */
export const INGEST_CHUNK = { products: 250, bytes: 4 * 1024 * 1024 } as const;

/** A coffee for a full refresh: everything the users' functions are given, and its listing's hashes. */
export function ingestDocument(product: NormalizedProduct, raw: RawProduct, hashes: ListingHashes): Record<string, unknown> {
  const { variants: rawVariants, ...rawProductOnly } = (raw.raw ?? {}) as { variants?: unknown } & Record<string, unknown>;
  void rawVariants; // each variant keeps its own raw object below
  const rawById = new Map(raw.variants.map((v) => [v.platformVariantId, v]));
  const altitude = altitudeRangeM(product.altitude);
  const notes = {
    ...(product.tastingNotes.length > 0 ? { tasting_notes: product.tastingNotes } : {}),
    ...(altitude && altitude.maxM !== altitude.minM ? { altitude_max_m: altitude.maxM } : {}),
    ...(product.altitude ? { altitude_raw: product.altitude } : {}),
  };
  const seen = new Set<string>();
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
    decaf: product.decaf,
    notes_raw: notes,
    tags: product.tags,
    varieties: product.varieties,
    region: product.region,
    country: product.country,
    // Their column is one number of metres: a range is stored as its low end here and its
    // high end as notes_raw.altitude_max_m (feet are converted).
    altitude_m: altitude?.minM ?? null,
    default_grind: product.defaultGrind,
    title_cleaned: product.name,
    flavors: product.tastingNotes,
    images: product.images.map((i) => ({ url: i.url, alt: i.alt, width: i.width, height: i.height, sort_order: i.sortOrder })),
    // A variant listed twice in one product is written once (the first), like a product.
    variants: product.variants
      .filter((v) => !seen.has(v.platformVariantId) && seen.add(v.platformVariantId))
      .map((v) => ({
        platform_variant_id: v.platformVariantId,
        title: rawById.get(v.platformVariantId)?.title ?? null,
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
        // Cleaned with the rest of the document below (once: a second pass would change nothing).
        source_raw: rawById.get(v.platformVariantId)?.raw ?? {},
      })),
  };
  // The hash covers what we derive, so a re-run over an unchanged store can be recognised.
  const source_raw = databaseSafe({
    ...rawProductOnly,
    classification: { kind: product.kind, reason: product.classificationReason },
  });
  return { ...(databaseSafe(doc) as typeof doc), raw_hash: hashes.raw, offer_hash: hashes.offer, is_coffee: true, source_raw };
}

/**
 * A product for a price-only run: only its variants' prices, stock and currency, read without
 * the rest of normalization (descriptions, attributes, sizes are the full refresh's to apply).
 */
export function priceDocument(raw: RawProduct, currency: string | null, hashes: ListingHashes): Record<string, unknown> {
  const context = { productTitle: raw.title, currency: raw.currency ?? currency, isCoffee: false, isSubscriptionProduct: false };
  const seen = new Set<string>();
  const variants = raw.variants
    .map((v, i) => normalizeVariant(v, context, i))
    .filter((v) => !seen.has(v.platformVariantId) && seen.add(v.platformVariantId))
    .map((v) => ({
      platform_variant_id: v.platformVariantId,
      currency: v.currency,
      in_stock: v.inStock,
      compare_at_price: v.compareAtPrice,
      stock_qty: v.stockQty,
      price: v.price,
      is_sale: v.isSale,
    }));
  return databaseSafe({ platform_product_id: raw.platformProductId, name: raw.title, variants, offer_hash: hashes.offer }) as Record<
    string,
    unknown
  >;
}

/** A product that is not coffee: nothing is written but its listing's hashes, so it is not classified again while unchanged. */
export function stateDocument(platformProductId: string, hashes: ListingHashes): Record<string, unknown> {
  return {
    platform_product_id: databaseSafe(platformProductId),
    state_only: true,
    is_coffee: false,
    raw_hash: hashes.raw,
    offer_hash: hashes.offer,
  };
}

const EMPTY_RESULT = (): IngestResult => ({
  coffees: 0,
  variants: 0,
  prices: 0,
  unchanged_prices: 0,
  unknown_products: 0,
  unknown_variants: 0,
  held: [],
  alerts: [],
  errors: [],
});

/**
 * Writes a page's documents, at most INGEST_CHUNK per round trip, so memory and statement
 * size stay bounded whatever a store puts on one page. Returns the summed result and the
 * number of round trips made.
 */
export async function ingestPage(
  db: Queryable,
  input: {
    roasterId: string;
    runId: string;
    mode: JobMode;
    documents: Record<string, unknown>[];
    /** Products listed as they were when last written: only seen, not rewritten. */
    unchanged?: string[];
    /** Whether seeing them moves their variants' last_seen_at / price_last_checked_at too (default false). */
    touchVariants?: boolean | undefined;
    sourceUrl: string;
    scrapedAt: Date;
    /** What the listing memory keeps of the page: written with its last chunk. */
    remember?: RememberedPage | null;
    /** The page's validators: remembered with its last chunk. */
    validators?: ValidatorsWrite | null;
  },
): Promise<IngestResult & { roundTrips: number }> {
  const total = { ...EMPTY_RESULT(), roundTrips: 0 };
  const unchanged = (input.unchanged ?? []).map((id) => databaseSafe(id) as string);
  const touch = input.touchVariants ?? false;
  const chunks = [...chunkDocuments(input.documents)];
  // A page of unchanged products is still one round trip: they were seen.
  if (chunks.length === 0 && unchanged.length > 0) chunks.push(JsonBytes.of(Buffer.from("[]")));
  for (const [i, chunk] of chunks.entries()) {
    const result = await ingestPageSet(db, {
      roasterId: input.roasterId,
      runId: input.runId,
      mode: input.mode,
      documents: chunk,
      sourceUrl: input.sourceUrl,
      scrapedAt: input.scrapedAt,
      unchanged: i === 0 && touch ? unchanged : [],
      seenOnly: i === 0 && !touch ? unchanged : [],
      remember: i === chunks.length - 1 ? (input.remember ?? null) : null,
      validators: i === chunks.length - 1 ? (input.validators ?? null) : null,
    });
    total.roundTrips += 1;
    total.coffees += result.coffees;
    total.variants += result.variants;
    total.prices += result.prices;
    total.unchanged_prices += result.unchanged_prices;
    total.unknown_products += result.unknown_products;
    total.unknown_variants += result.unknown_variants;
    total.held.push(...result.held);
    total.alerts.push(...result.alerts);
    total.errors.push(...result.errors);
  }
  return total;
}

const [OPEN, COMMA, CLOSE] = ["[", ",", "]"].map((c) => Buffer.from(c)) as [Buffer, Buffer, Buffer];

/**
 * JSON arrays (UTF-8) of at most INGEST_CHUNK.products documents and about INGEST_CHUNK.bytes
 * each, each document encoded on its own (see db/json-param.ts).
 */
export function* chunkDocuments(documents: Record<string, unknown>[]): Generator<JsonBytes> {
  let parts: Buffer[] = [];
  let bytes = 0;
  const chunk = () => JsonBytes.of(OPEN, ...parts.flatMap((part, i) => (i > 0 ? [COMMA, part] : [part])), CLOSE);
  for (const doc of documents) {
    const json = Buffer.from(JSON.stringify(doc));
    if (parts.length > 0 && (parts.length >= INGEST_CHUNK.products || bytes + json.length > INGEST_CHUNK.bytes)) {
      yield chunk();
      parts = [];
      bytes = 0;
    }
    parts.push(json);
    bytes += json.length;
  }
  if (parts.length > 0) yield chunk();
}

/** Records a page's artifacts, cleaned like any store data, in one statement. */
export async function recordArtifacts(db: Queryable, runId: string, artifacts: NewArtifact[]): Promise<void> {
  if (artifacts.length === 0) return;
  await recordArtifactRows(db, runId, databaseSafe(artifacts));
}

/**
 * When a full refresh finds at least `minMissing` of a roaster's coffees missing from its
 * store, and more than `maxShare` of them, it marks none: the next full refresh that finds
 * them missing too does (migration 0014 says why).
 */
export const UNLISTING_HOLD = { minMissing: 5, maxShare: 0.5 } as const;

/** Marks the roaster's coffees its store no longer lists as discontinued, held back as UNLISTING_HOLD says. */
export async function markUnlisted(db: Queryable, roasterId: string, runId: string | null, listedProductIds: string[]): Promise<UnlistingOutcome> {
  return markUnlistedChecked(db, {
    roasterId,
    runId,
    listedProductIds: listedProductIds.map((id) => databaseSafe(id) as string),
    ...UNLISTING_HOLD,
  });
}
