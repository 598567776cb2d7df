import { createHash } from "node:crypto";
import type { JobMode } from "../core/job-kinds.ts";
import type { RememberedPage, RememberedProduct } from "../db/listing-pages.ts";
import type { ProductStates } from "../db/product-state.ts";
import { NORMALIZERS_VERSION, type ListingHashes } from "./listing-hash.ts";

// A store without ETags sends an unchanged listing page in full, every run. Its bytes are
// the same as last time, so the products parsed from them and their listing hashes would be
// too: a page whose digest is remembered is not parsed, and its products are compared with
// product_state through the hashes remembered for them, exactly as their freshly computed
// hashes would have been. Only when every product on it stands as written is the page taken
// as recalled; otherwise it is parsed as usual. Pages of one answer only (a Shopify listing
// carries its products whole; a WooCommerce page needs its variations' answers too).

export class ListingMemory {
  constructor(
    private readonly pages: Map<string, RememberedPage>,
    private readonly previous: ProductStates,
    private readonly mode: JobMode,
    /** Products listed so far in this run (processPages fills it): a page that repeats one is parsed (and reported). */
    private readonly listed: ReadonlySet<string> = new Set(),
  ) {}

  /**
   * The product ids of the page at `url` when `body` is the one remembered for it and each of
   * its products stands as written (its hashes are the ones product_state holds); else null.
   */
  recall(url: string, body: Buffer, currency: string | null): string[] | null {
    const remembered = this.pages.get(url);
    if (!remembered || remembered.digest !== listingDigest(body, currency)) return null;
    // A row of another shape (written by hand, say) is not a memory: the page is parsed.
    if (!Array.isArray(remembered.products) || !remembered.products.every((p) => Array.isArray(p) && p.length === 3)) return null;
    for (const [id, rawHash, offerHash] of remembered.products) {
      const state = this.previous.get(id);
      if (!state?.intact || this.listed.has(id)) return null;
      if (this.mode === "full" ? state.rawHash !== rawHash : state.offerHash !== offerHash) return null;
    }
    return remembered.products.map(([id]) => id);
  }
}

/** What is remembered of a parsed page: its digest and each product's hashes, in order. */
export function rememberedPage(body: Buffer, currency: string | null, products: [string, ListingHashes][]): RememberedPage {
  const remembered: RememberedProduct[] = products.map(([id, hashes]) => [id, hashes.raw, hashes.offer]);
  return { digest: listingDigest(body, currency), products: remembered };
}

/**
 * The body's digest under what else the listing hashes depend on: the normalizers' version
 * and the currency the page is read in.
 */
export function listingDigest(body: Buffer, currency: string | null): string {
  return createHash("sha256").update(`${NORMALIZERS_VERSION}\n${currency}\n`).update(body).digest("base64url");
}
