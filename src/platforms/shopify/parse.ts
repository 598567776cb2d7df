import type { ParsedPage, StoredResponse } from "../adapter.ts";
import { decodeJson, describeIssues, idOf, wrongShape } from "../json.ts";
import { assertPageSize } from "../paging.ts";
import type { RawProduct, RawVariant } from "../raw-product.ts";
import { shopifyPageSchema, shopifyProductSchema, type ShopifyProduct } from "./schema.ts";

/** Products per `/products.json` page we ask for: Shopify's maximum. */
export const SHOPIFY_PAGE_LIMIT = 250;

/** Validates a `/products.json` body: the product array (raw elements) or a page-level error. */
export function shopifyProductsOf(response: StoredResponse): unknown[] {
  const json = decodeJson(response, "Shopify /products.json");
  const page = shopifyPageSchema.safeParse(json);
  if (!page.success) wrongShape(response, 'a Shopify products page ({"products": [...]})', json);
  assertPageSize(page.data.products.length, SHOPIFY_PAGE_LIMIT, response.url, "Shopify");
  return page.data.products;
}

/** Pure: the products of one stored `/products.json` answer. */
export function parseShopifyPage(responses: readonly StoredResponse[], options: { currency: string | null }): ParsedPage {
  const listing = responses[0];
  if (!listing) return { products: [], productErrors: [] };
  return mapShopifyProducts(shopifyProductsOf(listing), new URL(listing.url).origin, options.currency);
}

export function mapShopifyProducts(items: unknown[], origin: string, currency: string | null): ParsedPage {
  const out: ParsedPage = { products: [], productErrors: [] };
  for (const item of items) {
    const parsed = shopifyProductSchema.safeParse(item);
    if (!parsed.success) {
      out.productErrors.push({ productId: idOf(item), message: `invalid Shopify product: ${describeIssues(parsed.error)}` });
      continue;
    }
    out.products.push(toRawProduct(parsed.data, item, origin, currency));
  }
  return out;
}

const str = (v: string | number | null | undefined): string | null => (v === null || v === undefined ? null : String(v));

function toRawProduct(p: ShopifyProduct, raw: unknown, origin: string, currency: string | null): RawProduct {
  const options = (p.options ?? []).map((o) => ({ name: o.name, values: (o.values ?? []).map(String) }));
  const rawVariants = (raw as { variants: unknown[] }).variants;
  const variants: RawVariant[] = p.variants.map((v, i) => {
    const values = [str(v.option1), str(v.option2), str(v.option3)];
    return {
      platformVariantId: String(v.id),
      title: v.title ?? null,
      options: options.flatMap((o, i) => {
        const value = values[i];
        return value === null || value === undefined ? [] : [{ name: o.name, value }];
      }),
      sku: v.sku ?? null,
      price: { amount: str(v.price) },
      compareAtPrice: { amount: str(v.compare_at_price) },
      available: v.available ?? null,
      stockQty: v.inventory_quantity ?? null,
      shippingGrams: v.grams ?? null,
      requiresShipping: v.requires_shipping ?? null,
      raw: rawVariants[i],
    };
  });
  const tags = Array.isArray(p.tags)
    ? p.tags
    : (p.tags ?? "")
        .split(",")
        .map((t) => t.trim())
        .filter(Boolean);
  return {
    platform: "shopify",
    platformProductId: String(p.id),
    title: p.title,
    handle: p.handle ?? null,
    url: p.handle ? `${origin}/products/${p.handle}` : null,
    descriptionHtml: p.body_html ?? null,
    productType: p.product_type || null,
    vendor: p.vendor || null,
    tags,
    categories: [],
    options,
    variants,
    images: (p.images ?? []).map((img, i) => ({
      url: img.src,
      alt: img.alt ?? null,
      width: img.width ?? null,
      height: img.height ?? null,
      position: img.position ?? i + 1,
    })),
    // The payload carries no currency: the run's (from /meta.json, /cart.js or the roaster's pin).
    currency,
    publishedAt: p.published_at ?? null,
    raw,
  };
}
