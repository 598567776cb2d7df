import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { jsonSourceOf } from "../../src/platforms/json-parts.ts";
import type { RawProduct } from "../../src/platforms/raw-product.ts";
import { parseShopifyPage } from "../../src/platforms/shopify/parse.ts";
import { listingHashes } from "../../src/pipeline/listing-hash.ts";

// A product's listing hash is what decides that it is unchanged and skipped: it must depend on
// what the store said about that product, and on nothing else (not on the page around it).

const page = readFileSync(path.resolve(import.meta.dirname, "../fixtures/shopify-products-page-blue-tokai.json"));

const productsOf = (body: Buffer | string): RawProduct[] =>
  parseShopifyPage([{ url: "https://blue-tokai.test/products.json?page=1", status: 200, contentType: "application/json", body: Buffer.from(body) }], {
    currency: "INR",
  }).products;

const sourceText = (product: RawProduct) => jsonSourceOf(product.raw as object)!.toString("utf8");

describe("a product's listing hash", () => {
  const all = productsOf(page);

  it("is read from the bytes the store sent for the product, which the adapter keeps with it", () => {
    expect(all.length).toBe(30);
    for (const product of all) expect(JSON.parse(sourceText(product))).toEqual(product.raw);
  });

  it("is the same for the product alone on a page, and different for every other product", () => {
    const hashes = all.map((p) => listingHashes(p, "INR"));
    expect(new Set(hashes.map((h) => h.raw)).size).toBe(all.length);
    for (const [i, product] of all.entries()) {
      const [alone] = productsOf(`{"products":[${sourceText(product)}],"other":{"x":1}}`);
      expect(listingHashes(alone!, "INR")).toEqual(hashes[i]);
    }
  });

  it("changes with one character of one product's description, and only that product's", () => {
    const target = all[3]!;
    const bytes = sourceText(target);
    const at = page.indexOf(bytes);
    expect(at).toBeGreaterThan(0);
    const edited = bytes.replace(/"body_html": *"/, (m) => `${m}Now `);
    expect(edited).not.toBe(bytes);
    const changed = productsOf(Buffer.concat([page.subarray(0, at), Buffer.from(edited), page.subarray(at + Buffer.byteLength(bytes))]));
    const before = all.map((p) => listingHashes(p, "INR").raw);
    const after = changed.map((p) => listingHashes(p, "INR").raw);
    expect(after.map((h, i) => h === before[i])).toEqual(all.map((_, i) => i !== 3));
    // The currency the roaster is read in is part of it too.
    expect(listingHashes(all[0]!, "USD").raw).not.toBe(before[0]);
  });

  it("of a product an adapter built itself (no bytes kept) follows its content", () => {
    const built = (description: string): RawProduct => ({ ...all[0]!, raw: { id: 1, body_html: description, variants: [] } });
    expect(jsonSourceOf(built("a").raw as object)).toBeUndefined();
    expect(listingHashes(built("a"), "INR")).toEqual(listingHashes(built("a"), "INR"));
    expect(listingHashes(built("a"), "INR").raw).not.toBe(listingHashes(built("b"), "INR").raw);
  });
});
