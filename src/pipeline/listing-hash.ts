import { createHash, hash } from "node:crypto";
import type { RawProduct } from "../platforms/raw-product.ts";
import { databaseSafe } from "../db/database-safe.ts";
import { jsonSourceOf } from "../platforms/json-parts.ts";

// What a product's listing said, reduced to two hashes: when a run finds them as they were
// when the product was last written, the product is neither normalized nor rewritten.

/**
 * Bumped whenever the normalizers (or an adapter's mapping) derive something differently from
 * the same listing, so that every product goes the full way once after an upgrade (as
 * `--force` does on demand).
 */
export const NORMALIZERS_VERSION = 1;

export interface ListingHashes {
  /** Everything the normalizers read (the store's own object included), and the currency. */
  raw: string;
  /** Its variants' prices, stock and currency: what a price-only run applies. */
  offer: string;
}

export function listingHashes(product: RawProduct, currency: string | null): ListingHashes {
  const offers = product.variants.map((v) => [v.platformVariantId, v.price, v.compareAtPrice, v.available, v.stockQty]);
  const offer = hash("sha256", JSON.stringify([currency, product.currency, offers]), "base64url");
  const raw = createHash("sha256").update(`${NORMALIZERS_VERSION}\n${currency}\n${product.currency}\n`);
  const source = product.raw as { variants?: unknown } | null | undefined;
  if (source === null || typeof source !== "object") return { raw: raw.update(serialized(product)).digest("base64url"), offer };
  // The bytes the store sent, when the page was read in parts (platforms/json-parts.ts): the
  // same product gives the same bytes on any page, and hashing them skips writing them again.
  raw.update(jsonSourceOf(source) ?? serialized(source));
  return { raw: raw.update("\n").update(serialized(separateVariantSources(product, source))).digest("base64url"), offer };
}

/**
 * Besides the store's product object, what a listing was read from: the variants' own objects
 * where they did not come inside it (WooCommerce variations are separate answers). Everything
 * else on a RawProduct is derived from these by the adapter; a product an adapter built
 * without its source object is hashed whole.
 */
function separateVariantSources(product: RawProduct, source: { variants?: unknown }): unknown[] {
  const inside = new Set(Array.isArray(source.variants) ? source.variants : []);
  return product.variants.filter((v) => !inside.has(v.raw)).map((v) => v.raw);
}

/** JSON of the listing; one nested deeper than JSON.stringify's stack allows is cut first (as it is stored). */
function serialized(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    return JSON.stringify(databaseSafe(value));
  }
}
