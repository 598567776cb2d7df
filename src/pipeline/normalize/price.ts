// Store prices → decimal in major units, or null when the value is not a usable price.
import type { RawPrice } from "../../platforms/raw-product.ts";

// Above this a "price" is a data error (a SKU or a phone number in the price field).
const MAX_PRICE = 10_000_000;
const DEFAULT_DECIMALS = 2;
const MAX_MINOR_UNIT = 6;

/**
 * Shopify sends major units ("450.00"); WooCommerce sends minor units ("45000" with
 * minorUnit 2). Zero is treated as "no price": Woo shows "0" for out-of-stock simple
 * products and Shopify uses "0.00" for an unset compare-at price.
 */
export function parsePrice(p: RawPrice | null | undefined): number | null {
  const amount = typeof p?.amount === "string" ? p.amount.trim() : null;
  if (!amount) return null;
  const minorUnit = p?.minorUnit;
  if (minorUnit !== undefined && minorUnit !== null) {
    if (!Number.isInteger(minorUnit) || minorUnit < 0 || minorUnit > MAX_MINOR_UNIT) return null;
    if (!/^\d{1,15}$/.test(amount)) return null;
    return accept(Number(amount) / 10 ** minorUnit);
  }
  const plain = stripThousandsSeparators(amount);
  if (!/^\d{1,12}(?:\.\d{1,6})?$/.test(plain)) return null;
  const factor = 10 ** DEFAULT_DECIMALS;
  // Dividing a rounded integer gives the nearest double to the decimal: no 0.1+0.2 noise.
  return accept(Math.round(Number(plain) * factor) / factor);
}

function stripThousandsSeparators(s: string): string {
  return /^\d{1,3}(?:,\d{3})+(?:\.\d+)?$/.test(s) ? s.replace(/,/g, "") : s;
}

function accept(value: number): number | null {
  if (!Number.isFinite(value) || value <= 0 || value > MAX_PRICE) return null;
  return value;
}
