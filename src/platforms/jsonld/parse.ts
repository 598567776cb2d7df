import type { ParsedPage, ProductError, StoredResponse } from "../adapter.ts";
import type { RawProduct } from "../raw-product.ts";
import { extractStructuredData } from "./html.ts";
import { productIdOrNull, productsOf } from "./schema-org.ts";

// One stored product page → its products. Pure: the live adapter and a replay of stored
// pages read the same bytes the same way.

export interface ProductPageRead {
  products: RawProduct[];
  productErrors: ProductError[];
  warnings: string[];
  /** The page carried no schema.org product data at all (not a product page). */
  noProductData: boolean;
}

const isSitemapLike = (r: StoredResponse) =>
  /xml/i.test(r.contentType ?? "") || /^\s*(<\?xml|<urlset|<sitemapindex)/.test(r.body.subarray(0, 200).toString("utf8")) ||
  (r.body[0] === 0x1f && r.body[1] === 0x8b);

export function readProductPage(response: StoredResponse): ProductPageRead {
  const productId = productIdOrNull(response.url);
  if (response.status < 200 || response.status >= 300) {
    return {
      products: [],
      productErrors: [{ productId, message: `product page ${response.url} answered ${response.status}` }],
      warnings: [],
      noProductData: false,
    };
  }
  const data = extractStructuredData(response.body.toString("utf8"));
  // Microdata is the second choice: only read when no JSON-LD block names a product.
  let read = productsOf(data.jsonld, response.url);
  if (read.products.length === 0 && read.problems.length === 0) read = productsOf(data.microdata, response.url);
  const productErrors: ProductError[] = read.problems.map((p) => ({ productId: p.productId, message: p.message }));
  if (read.products.length === 0 && data.problems.length > 0) {
    // A page whose only product data is broken is a product we could not read, not "no product".
    productErrors.push({ productId, message: `${response.url}: ${data.problems.join("; ")}` });
  }
  return {
    products: read.products,
    productErrors,
    warnings: read.warnings,
    noProductData: read.products.length === 0 && productErrors.length === 0,
  };
}

/** A stored page of a JSON-LD run (sitemaps and product pages) → its products, for replay. */
export function parseJsonLdPage(responses: readonly StoredResponse[]): ParsedPage {
  const out: ParsedPage = { products: [], productErrors: [] };
  for (const response of responses) {
    if (isSitemapLike(response)) continue;
    const read = readProductPage(response);
    out.products.push(...read.products);
    out.productErrors.push(...read.productErrors);
  }
  return out;
}
