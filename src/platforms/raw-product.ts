// The platform-neutral shape every store adapter yields and the normalizers read.
// Values stay as the store sent them (strings, minor units, HTML): interpreting them is
// the normalizers' job, so a replay of stored pages re-derives everything.

import type { StorePlatform } from "../core/platform.ts";

/** A price as the store wrote it. With `minorUnit` set, `amount` is in minor units (Woo). */
export interface RawPrice {
  amount: string | null;
  minorUnit?: number;
}

export interface RawOption {
  name: string;
  value: string;
}

export interface RawVariant {
  platformVariantId: string;
  title: string | null;
  options: RawOption[];
  sku: string | null;
  price: RawPrice;
  compareAtPrice: RawPrice;
  available: boolean | null;
  stockQty: number | null;
  /** Shopify `grams`: the shipping weight, not the bag size. */
  shippingGrams: number | null;
  /**
   * Shopify `requires_shipping`: false for services (classes, gift cards, e-books), which a
   * bag of coffee never is. Absent where the platform does not say (Woo's Store API).
   */
  requiresShipping?: boolean | null;
  raw: unknown;
}

export interface RawImage {
  url: string;
  alt: string | null;
  width: number | null;
  height: number | null;
  position: number;
}

export interface RawProduct {
  platform: StorePlatform;
  platformProductId: string;
  title: string;
  handle: string | null;
  url: string | null;
  descriptionHtml: string | null;
  productType: string | null;
  vendor: string | null;
  tags: string[];
  /** Woo categories (names); empty for Shopify. */
  categories: string[];
  /** Product-level options with all their values (Shopify `options`, Woo `attributes`). */
  options: { name: string; values: string[] }[];
  variants: RawVariant[];
  images: RawImage[];
  /** Currency when the payload carries it (Woo); Shopify payloads carry none. */
  currency: string | null;
  publishedAt: string | null;
  raw: unknown;
}
