// Builds RawProducts for tests: only the fields a case cares about need to be given.
import type { RawProduct, RawVariant } from "../../../src/platforms/raw-product.ts";

export function rawVariant(overrides: Partial<RawVariant> = {}): RawVariant {
  return {
    platformVariantId: "v1",
    title: null,
    options: [],
    sku: null,
    price: { amount: "500.00" },
    compareAtPrice: { amount: null },
    available: true,
    stockQty: null,
    shippingGrams: null,
    raw: null,
    ...overrides,
  };
}

export function rawProduct(overrides: Partial<RawProduct> = {}): RawProduct {
  return {
    platform: "shopify",
    platformProductId: "p1",
    title: "Product",
    handle: null,
    url: null,
    descriptionHtml: null,
    productType: null,
    vendor: null,
    tags: [],
    categories: [],
    options: [],
    variants: [rawVariant()],
    images: [],
    currency: null,
    publishedAt: null,
    raw: null,
    ...overrides,
  };
}
