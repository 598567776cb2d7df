import { createHash } from "node:crypto";
import type { RawProduct } from "../platforms/raw-product.ts";
import { databaseSafe } from "./database-safe.ts";

// What a product's listing said, reduced to two hashes: when a run finds them as they were
// when the product was last written, the product is neither normalized nor rewritten.

/**
 * Bumped whenever the normalizers derive something differently from the same listing, so that
 * every product goes the full way once after an upgrade (as `--force` does on demand).
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
  return { raw: sha256(`${NORMALIZERS_VERSION}\n${currency}\n${serialized(product)}`), offer };
}

/** JSON of the listing; one nested deeper than JSON.stringify's stack allows is cut first (as it is stored). */
function serialized(product: RawProduct): string {
  try {
    return JSON.stringify(product);
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    return JSON.stringify(databaseSafe(product));
  }
}
