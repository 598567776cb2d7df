import type { ParsedPage, StoredResponse } from "../adapter.ts";
import type { RawProduct, RawVariant } from "../raw-product.ts";
import { productIdFor, productIdOrNull, productOptions } from "../jsonld/schema-org.ts";

// What we ask Firecrawl's extraction for (a JSON schema and a prompt), and its answer → a
// RawProduct. The model's output is read as cautiously as a store's: anything missing or of
// the wrong type is null, a variant without a stated size is passed on without one (it is
// held back by the write path), and a page it says is not a product page yields nothing.

export const PRODUCT_SCHEMA = {
  type: "object",
  properties: {
    is_product_page: { type: "boolean", description: "true only when the page sells one product" },
    name: { type: "string" },
    description: { type: "string" },
    brand: { type: "string" },
    category: { type: "string", description: "the shop's category or breadcrumb for the product, e.g. 'Coffee beans', 'Equipment'" },
    images: { type: "array", items: { type: "string" } },
    currency: { type: "string", description: "ISO 4217 code of the prices, only when the page shows it" },
    variants: {
      type: "array",
      items: {
        type: "object",
        properties: {
          title: { type: "string", description: "the variant as the page names it, e.g. '250g / Whole Bean'" },
          sku: { type: "string" },
          size: { type: "string", description: "bag size exactly as written on the page, e.g. '250 g'; empty if not stated" },
          grind: { type: "string" },
          price: { type: "string", description: "price as written, digits and decimal point only" },
          currency: { type: "string" },
          available: { type: "boolean" },
        },
      },
    },
  },
  required: ["is_product_page", "name", "variants"],
} as const;

export const PRODUCT_PROMPT =
  "Extract the product this page sells: its name, description, brand, image URLs and every purchasable variant " +
  "(bag size, grind) with its price and currency exactly as shown. Leave out anything the page does not state; never guess.";

const MAX_VARIANTS = 200;

type Json = Record<string, unknown>;
const str = (v: unknown): string | null => (typeof v === "string" && v.trim() !== "" ? v.trim().slice(0, 2000) : typeof v === "number" && Number.isFinite(v) ? String(v) : null);
const currency = (v: unknown): string | null => {
  const c = str(v)?.toUpperCase() ?? null;
  return c && /^[A-Z]{3}$/.test(c) ? c : null;
};

/** A Firecrawl scrape answer (stored as is) → the product on that page, if it is one. */
export function productOfScrape(response: StoredResponse): { product: RawProduct | null; error: string | null } {
  let body: Json | null;
  try {
    body = JSON.parse(response.body.toString("utf8")) as Json | null;
  } catch {
    return { product: null, error: `Firecrawl answer for ${response.url} is not JSON` };
  }
  const data = (body?.data ?? null) as Json | null;
  const json = (data?.json ?? data?.extract ?? null) as Json | null;
  const pageStatus = Number((data?.metadata as Json | undefined)?.statusCode ?? 200);
  if (pageStatus >= 400) return { product: null, error: `product page ${response.url} answered ${pageStatus} (through Firecrawl)` };
  if (json === null || typeof json !== "object") return { product: null, error: `Firecrawl extracted no data from ${response.url}` };
  if (json.is_product_page === false) return { product: null, error: null };
  const name = str(json.name);
  if (!name) return { product: null, error: `Firecrawl extracted no product name from ${response.url}` };
  const productId = productIdFor(response.url);
  const pageCurrency = currency(json.currency);
  const variants: RawVariant[] = (Array.isArray(json.variants) ? json.variants : [])
    .filter((v): v is Json => typeof v === "object" && v !== null)
    .slice(0, MAX_VARIANTS)
    .map((v, i, all) => ({
      platformVariantId: str(v.sku) ?? (all.length === 1 ? productId : `${productId}#${i + 1}`),
      title: str(v.title),
      options: [
        ...(str(v.size) ? [{ name: "Size", value: str(v.size)! }] : []),
        ...(str(v.grind) ? [{ name: "Grind", value: str(v.grind)! }] : []),
        ...(str(v.sku) ? [{ name: "SKU", value: str(v.sku)! }] : []),
      ],
      sku: str(v.sku),
      price: { amount: str(v.price) },
      compareAtPrice: { amount: null },
      available: typeof v.available === "boolean" ? v.available : null,
      stockQty: null,
      shippingGrams: null,
      raw: v,
    }));
  const variantCurrencies = (Array.isArray(json.variants) ? json.variants : []).map((v) => currency((v as Json | null)?.currency));
  const agreed = new Set(variantCurrencies.filter((c) => c !== null));
  const images = (Array.isArray(json.images) ? json.images : []).map(str).filter((u): u is string => u !== null).slice(0, 50);
  return {
    product: {
      platform: "firecrawl",
      platformProductId: productId,
      title: name,
      handle: productId.split("/").filter(Boolean).pop() ?? null,
      url: response.url,
      descriptionHtml: str(json.description),
      productType: str(json.category),
      vendor: str(json.brand),
      tags: [],
      categories: str(json.category) ? [str(json.category)!] : [],
      options: productOptions(variants),
      variants,
      images: images.flatMap((href, i) => {
        try {
          return [{ url: new URL(href, response.url).href, alt: null, width: null, height: null, position: i + 1 }];
        } catch {
          return [];
        }
      }),
      // The page's stated currency, or the one every variant states; otherwise unknown.
      currency: pageCurrency ?? (agreed.size === 1 && variantCurrencies.every((c) => c !== null) ? [...agreed][0]! : null),
      publishedAt: null,
      raw: json,
    },
    error: null,
  };
}

/** A stored page of a Firecrawl run (its map answer and scrape answers) → its products, for replay. */
export function parseFirecrawlPage(responses: readonly StoredResponse[]): ParsedPage {
  const out: ParsedPage = { products: [], productErrors: [] };
  for (const response of responses) {
    if (isMapAnswer(response)) continue;
    const { product, error } = productOfScrape(response);
    if (product) out.products.push(product);
    if (error) out.productErrors.push({ productId: productIdOrNull(response.url), message: error });
  }
  return out;
}

function isMapAnswer(response: StoredResponse): boolean {
  try {
    return Array.isArray((JSON.parse(response.body.toString("utf8")) as { links?: unknown } | null)?.links);
  } catch {
    return false;
  }
}
