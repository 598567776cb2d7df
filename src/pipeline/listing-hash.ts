import { createHash } from "node:crypto";
import type { RawProduct } from "../platforms/raw-product.ts";
import { databaseSafe } from "../db/database-safe.ts";

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

const sha256 = (text: string) => createHash("sha256").update(text).digest("base64url");

export function listingHashes(product: RawProduct, currency: string | null): ListingHashes {
  const offers = product.variants.map((v) => [v.platformVariantId, v.price, v.compareAtPrice, v.available, v.stockQty]);
  const offer = sha256(JSON.stringify([currency, product.currency, offers]));
  return { raw: sha256(`${NORMALIZERS_VERSION}\n${currency}\n${product.currency}\n${serialized(sources(product))}`), offer };
}

/**
 * What a listing was read from, once: the store's product object, and the variants' own
 * objects where they did not come inside it (WooCommerce variations are separate answers).
 * Everything else on a RawProduct is derived from these by the adapter; a product an adapter
 * built without its source object is hashed whole.
 */
function sources(product: RawProduct): unknown {
  const source = product.raw as { variants?: unknown } | null | undefined;
  if (source === null || typeof source !== "object") return product;
  const inside = new Set(Array.isArray(source.variants) ? source.variants : []);
  return [source, product.variants.filter((v) => !inside.has(v.raw)).map((v) => v.raw)];
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
