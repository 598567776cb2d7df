import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

// The products a store stand-in serves: the recorded fixtures in test/fixtures, unchanged or
// multiplied with fresh ids (1,000 Shopify products, 300 Woo variable products, …).

const FIXTURES = fileURLToPath(new URL("../../fixtures/", import.meta.url));
export type Json = Record<string, unknown>;

export function shopifyFixtureProducts(): Json[] {
  const data = JSON.parse(readFileSync(`${FIXTURES}shopify-products-page-blue-tokai.json`, "utf8")) as { products: Json[] };
  return data.products;
}

export function wooFixtureProducts(): Json[] {
  return JSON.parse(readFileSync(`${FIXTURES}woocommerce-store-api-products-page-babas-beans.json`, "utf8")) as Json[];
}

export interface WooGeneration {
  /** How many products; generated from the fixture's with fresh ids. Default: the fixture unchanged. */
  products?: number;
  /** Woo: generate from variable fixture products only. */
  variableOnly?: boolean;
  /** Woo: generate from simple fixture products only. */
  simpleOnly?: boolean;
  /** Woo: at most this many variations per variable product. */
  maxVariations?: number;
}

/** `n` Shopify products from the fixture's 30, with fresh product/variant/image ids and handles. */
export function generateShopify(n: number | undefined): Json[] {
  const fixture = shopifyFixtureProducts();
  if (n === undefined) return fixture;
  return Array.from({ length: n }, (_, i) => {
    const source = fixture[i % fixture.length]!;
    const id = 9_000_000 + i;
    const variants = (source.variants as Json[]).map((v, j) => ({ ...v, id: id * 100 + j, product_id: id }));
    const images = ((source.images as Json[] | undefined) ?? []).map((img, j) => ({ ...img, id: id * 100 + j, product_id: id }));
    return { ...source, id, handle: `${String(source.handle)}-${i}`, variants, images };
  });
}

/** `n` Woo products from the fixture's 10 with fresh ids; variation ids follow their parent's. */
export function generateWoo(options: WooGeneration): Json[] {
  let fixture = wooFixtureProducts();
  if (options.variableOnly) fixture = fixture.filter((p) => (p.variations as unknown[]).length > 0);
  if (options.simpleOnly) fixture = fixture.filter((p) => (p.variations as unknown[]).length === 0);
  const n = options.products;
  const count = n ?? fixture.length;
  return Array.from({ length: count }, (_, i) => {
    const source = fixture[i % fixture.length]!;
    if (n === undefined && !options.variableOnly && !options.simpleOnly && options.maxVariations === undefined) {
      return source;
    }
    const id = 100_000 + i * 1000;
    const listed = (source.variations as Json[]).slice(0, options.maxVariations ?? Infinity);
    return {
      ...source,
      id,
      permalink: `${String(source.permalink).replace(/\/$/, "")}-${i}/`,
      variations: listed.map((v, j) => ({ ...v, id: id + 1 + j })),
    };
  });
}

/**
 * Store API variations of a generated product: priced from the parent (each one 10.00 more
 * than the last), every fifth out of stock.
 */
export function generateVariations(parent: Json, max: number | undefined): Json[] {
  const prices = parent.prices as Json;
  const base = Number(prices.price) > 0 ? Number(prices.price) : 50_000;
  return (parent.variations as Json[]).slice(0, max ?? Infinity).map((v, j) => {
    const attributes = v.attributes as { name: string; value: string }[];
    const price = String(base + j * 1000);
    return {
      id: v.id,
      parent: parent.id,
      type: "variation",
      name: parent.name,
      variation: attributes.map((a) => `${a.name}: ${a.value}`).join(", "),
      permalink: parent.permalink,
      sku: `${String(parent.id)}-${j}`,
      prices: { ...prices, price, regular_price: price, sale_price: price, price_range: null },
      attributes: [],
      variations: [],
      is_in_stock: j % 5 !== 4,
      low_stock_remaining: null,
    };
  });
}
