import type { ParsedPage, ProductError, StoredResponse } from "../adapter.ts";
import { decodeJson, describeIssues, idOf, wrongShape } from "../json.ts";
import { assertPageSize } from "../paging.ts";
import type { RawPrice, RawProduct, RawVariant } from "../raw-product.ts";
import { wooProductSchema, wooVariationSchema, type WooProduct, type WooVariation } from "./schema.ts";

// Pure mapping from Store API answers to RawProducts. A page is its listing answer followed
// by the answers that carried its variations (batches or single variations, in any order).

/** Items per Store API page we ask for: its maximum `per_page`. */
export const WOO_PER_PAGE = 100;

/** The product array of a listing answer, or a page-level error. */
export function wooItemsOf(response: StoredResponse, what = "WooCommerce Store API products"): unknown[] {
  const json = decodeJson(response, what);
  if (!Array.isArray(json)) {
    // A single product (`/products/<id>`) is a valid answer for a variation fetch.
    if (json && typeof json === "object" && "id" in json) return [json];
    wrongShape(response, `${what} (a JSON array)`, json);
  }
  assertPageSize(json.length, WOO_PER_PAGE, response.url, "the WooCommerce Store API");
  return json;
}

export interface ValidatedListing {
  products: WooProduct[];
  raws: Map<number, unknown>;
  productErrors: ProductError[];
}

export function validateListing(items: unknown[]): ValidatedListing {
  const out: ValidatedListing = { products: [], raws: new Map(), productErrors: [] };
  for (const item of items) {
    const parsed = wooProductSchema.safeParse(item);
    if (!parsed.success) {
      out.productErrors.push({ productId: idOf(item), message: `invalid WooCommerce product: ${describeIssues(parsed.error)}` });
      continue;
    }
    out.products.push(parsed.data);
    out.raws.set(parsed.data.id, item);
  }
  return out;
}

/** Variations by id from any number of variation answers; invalid ones are reported by id. */
export interface CollectedVariations {
  byId: Map<number, { parsed: WooVariation; raw: unknown }>;
  invalid: Map<number, string>;
}

export function collectVariations(items: unknown[]): CollectedVariations {
  const byId: CollectedVariations["byId"] = new Map();
  const invalid = new Map<number, string>();
  for (const item of items) {
    const parsed = wooVariationSchema.safeParse(item);
    if (parsed.success) byId.set(parsed.data.id, { parsed: parsed.data, raw: item });
    else {
      const id = Number(idOf(item));
      if (Number.isInteger(id)) invalid.set(id, describeIssues(parsed.error));
    }
  }
  return { byId, invalid };
}

export const isVariable = (p: WooProduct) => (p.variations?.length ?? 0) > 0;

/**
 * Builds the page's RawProducts. A variable product whose variations are not all present
 * (with a valid price) becomes an error entry: half a product would read as variants gone.
 */
export function buildWooProducts(
  listing: ValidatedListing,
  variations: CollectedVariations & { failed?: Map<number, string> },
  fallbackCurrency: string | null,
): ParsedPage {
  const out: ParsedPage = { products: [], productErrors: [...listing.productErrors] };
  for (const p of listing.products) {
    const raw = listing.raws.get(p.id);
    if (!isVariable(p)) {
      out.products.push(toRawProduct(p, raw, [simpleVariant(p, raw)], fallbackCurrency));
      continue;
    }
    const variants: RawVariant[] = [];
    const problems: string[] = [];
    for (const v of p.variations ?? []) {
      const found = variations.byId.get(v.id);
      if (found) variants.push(variationVariant(p, v, found.parsed, found.raw));
      else {
        const why = variations.invalid.get(v.id) ?? variations.failed?.get(v.id) ?? "not returned by the store";
        problems.push(`variation ${v.id}: ${why}`);
      }
    }
    if (problems.length > 0) {
      const more = problems.length > 3 ? ` … ${problems.length - 3} more` : "";
      out.productErrors.push({
        productId: String(p.id),
        message: `WooCommerce product ${p.id} left out: ${problems.length} of ${p.variations?.length} variations have no price (${problems.slice(0, 3).join("; ")}${more})`,
      });
      continue;
    }
    out.products.push(toRawProduct(p, raw, variants, fallbackCurrency));
  }
  return out;
}

/** Pure: the products of one stored page (listing answer first, then variation answers). */
export function parseWooPage(responses: readonly StoredResponse[], options: { currency: string | null }): ParsedPage {
  const [listing, ...rest] = responses;
  if (!listing) return { products: [], productErrors: [] };
  const validated = validateListing(wooItemsOf(listing));
  const variations = collectVariations(rest.flatMap((r) => wooItemsOf(r, "WooCommerce Store API variations")));
  return buildWooProducts(validated, variations, options.currency);
}

const str = (v: string | number | null | undefined): string | null => (v === null || v === undefined ? null : String(v));

function price(amount: string | number | null | undefined, minorUnit: number): RawPrice {
  return { amount: str(amount), minorUnit };
}

function compareAt(prices: WooProduct["prices"]): RawPrice {
  const regular = str(prices.regular_price);
  return price(regular && regular !== str(prices.price) ? regular : null, prices.currency_minor_unit);
}

function simpleVariant(p: WooProduct, raw: unknown): RawVariant {
  return {
    platformVariantId: String(p.id),
    title: null,
    options: [],
    sku: p.sku || null,
    price: price(p.prices.price, p.prices.currency_minor_unit),
    compareAtPrice: compareAt(p.prices),
    available: p.is_in_stock ?? null,
    stockQty: p.low_stock_remaining ?? null,
    shippingGrams: null,
    raw,
  };
}

function variationVariant(
  p: WooProduct,
  listed: NonNullable<WooProduct["variations"]>[number],
  v: WooVariation,
  raw: unknown,
): RawVariant {
  // Variation values are term slugs ("aero-press"); show the term's name ("Aero press") when known.
  const options = (listed.attributes ?? []).map((a) => {
    const attribute = p.attributes?.find((x) => x.name === a.name);
    const term = attribute?.terms?.find((t) => t.slug === a.value);
    return { name: a.name, value: term?.name ?? a.value ?? "" };
  });
  return {
    platformVariantId: String(v.id),
    title: options.map((o) => o.value).filter(Boolean).join(" / ") || v.variation || null,
    options,
    sku: v.sku || null,
    price: price(v.prices.price, v.prices.currency_minor_unit),
    compareAtPrice: compareAt(v.prices),
    available: v.is_in_stock ?? null,
    stockQty: v.low_stock_remaining ?? null,
    shippingGrams: null,
    raw: { listed, variation: raw },
  };
}

function toRawProduct(p: WooProduct, raw: unknown, variants: RawVariant[], fallbackCurrency: string | null): RawProduct {
  const description = [p.short_description, p.description].filter((d) => d && d.trim()).join("\n");
  return {
    platform: "woocommerce",
    platformProductId: String(p.id),
    // HTML entities kept as sent (`&#8211;`): the normalizers decode.
    title: p.name,
    handle: p.slug ?? null,
    url: p.permalink ?? null,
    descriptionHtml: description || null,
    productType: null,
    vendor: null,
    tags: (p.tags ?? []).map((t) => t.name),
    categories: (p.categories ?? []).map((c) => c.name),
    options: (p.attributes ?? []).map((a) => ({ name: a.name, values: (a.terms ?? []).map((t) => t.name) })),
    variants,
    images: (p.images ?? []).map((img, i) => ({
      url: img.src,
      alt: img.alt || null,
      width: null,
      height: null,
      position: i + 1,
    })),
    currency: p.prices.currency_code || fallbackCurrency,
    publishedAt: null,
    raw,
  };
}
