import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ScrapeError } from "../../src/core/errors.ts";
import type { StoredResponse } from "../../src/platforms/adapter.ts";
import { parseStoredPage } from "../../src/platforms/registry.ts";
import { normalizeProduct } from "../../src/pipeline/normalize/product.ts";
import { shopifyFixtureProducts, wooFixtureProducts } from "../helpers/store-server.ts";

// Property-based checks over the adapters' validation (parseStoredPage, the same code a live
// run and a replay use) followed by the normalizers: for any body a store could send — random
// JSON, or a real product with any field replaced by anything — either a ScrapeError (a
// classified page error) or products; every product normalizes without throwing; and no
// negative, zero, NaN or infinite price or weight comes out.

type Json = Record<string, unknown>;

const anyJson = fc.jsonValue({ maxDepth: 4 });
/** Values hostile stores send where a field should be. */
const weird = fc.oneof(
  anyJson,
  fc.constantFrom(
    null,
    "",
    "abc",
    "-5",
    "1e308",
    "NaN",
    "Infinity",
    "-0",
    "0",
    "1,000.00",
    "١٢٣",
    -1,
    1e308,
    Number.MAX_SAFE_INTEGER + 2,
    [],
    {},
    [null],
    "\u0000",
    "\ud800",
  ),
);

/** A fixture product with one field (possibly nested, in a variant) replaced by `value`. */
function mutate(product: Json, pathChoice: number, value: unknown): Json {
  const copy = structuredClone(product);
  const variants = Array.isArray(copy.variants) ? (copy.variants as Json[]) : [];
  const keys = Object.keys(copy);
  const variantKeys = variants[0] ? Object.keys(variants[0]) : [];
  const prices = copy.prices && typeof copy.prices === "object" ? (copy.prices as Json) : null;
  const all = [
    ...keys.map((k) => [copy, k] as const),
    ...variantKeys.map((k) => [variants[0]!, k] as const),
    ...(prices ? Object.keys(prices).map((k) => [prices, k] as const) : []),
  ];
  const [target, key] = all[pathChoice % all.length]!;
  target[key] = value;
  return copy;
}

function body(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value) ?? "null");
}

function check(platform: "shopify" | "woocommerce", responses: StoredResponse[]): void {
  let parsed;
  try {
    parsed = parseStoredPage(platform, responses, { currency: "INR" });
  } catch (err) {
    expect(err, String(err)).toBeInstanceOf(ScrapeError);
    return;
  }
  for (const raw of parsed.products) {
    const product = normalizeProduct(raw, { currency: "INR" });
    for (const v of product.variants) {
      for (const value of [v.price, v.compareAtPrice, v.weightG]) {
        if (value === null || value === undefined) continue;
        expect(Number.isFinite(value), JSON.stringify(v)).toBe(true);
        expect(value).toBeGreaterThan(0);
      }
    }
  }
  for (const e of parsed.productErrors) expect(e.message.length).toBeGreaterThan(0);
}

const shopifyUrl = "https://store.example/products.json?limit=250&page=1";
const wooUrl = "https://store.example/wp-json/wc/store/v1/products?per_page=100&page=1";
const shopify = shopifyFixtureProducts();
const woo = wooFixtureProducts();
const RUNS = 300;

describe("adapter validation + normalizers, properties", () => {
  it("Shopify: any JSON body → a ScrapeError or products; never an escaping throw", () => {
    fc.assert(
      fc.property(anyJson, (value) =>
        check("shopify", [
          { url: shopifyUrl, status: 200, contentType: "application/json", body: body(value) },
        ]),
      ),
      { numRuns: RUNS },
    );
  });

  it("Shopify: a real product with any field replaced by anything → no negative/NaN price or weight", () => {
    fc.assert(
      fc.property(fc.nat(shopify.length - 1), fc.nat(), weird, (i, path, value) =>
        check("shopify", [
          {
            url: shopifyUrl,
            status: 200,
            contentType: "application/json",
            body: body({ products: [mutate(shopify[i]!, path, value)] }),
          },
        ]),
      ),
      { numRuns: RUNS },
    );
  });

  it("WooCommerce: any JSON body, and real products with any field replaced → same guarantees", () => {
    fc.assert(
      fc.property(anyJson, (value) =>
        check("woocommerce", [
          { url: wooUrl, status: 200, contentType: "application/json", body: body(value) },
        ]),
      ),
      { numRuns: RUNS },
    );
    fc.assert(
      fc.property(fc.nat(woo.length - 1), fc.nat(), weird, (i, path, value) =>
        check("woocommerce", [
          {
            url: wooUrl,
            status: 200,
            contentType: "application/json",
            body: body([mutate(woo[i]!, path, value)]),
          },
        ]),
      ),
      { numRuns: RUNS },
    );
  });

  it("arbitrary bytes (invalid UTF-8, truncated bodies) → a ScrapeError or products", () => {
    const full = body({ products: shopify.slice(0, 3) });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(full.length), (bytes, cut) => {
        check("shopify", [
          { url: shopifyUrl, status: 200, contentType: "application/json", body: Buffer.from(bytes) },
        ]);
        check("shopify", [
          { url: shopifyUrl, status: 200, contentType: "application/json", body: full.subarray(0, cut) },
        ]);
      }),
      { numRuns: RUNS },
    );
  });
});
