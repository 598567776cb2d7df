import { startTestServer, type TestServer } from "./http.ts";

// A small Shopify storefront on 127.0.0.1 port 0 serving exactly the products a test gives
// (mutable between runs): /products.json pages, /meta.json's currency, no robots.txt.

export interface ShopifyProductInput {
  id: number;
  title: string;
  body?: string;
  productType?: string;
  tags?: string[];
  /** Image URLs, in order. */
  images?: string[];
  /** Bag sizes in grams, one variant each; none: one "Default Title" variant that states no size. */
  sizes?: number[];
  price?: string;
}

export function shopifyProduct(p: ShopifyProductInput): Record<string, unknown> {
  const sizes = p.sizes ?? [250];
  const titles = sizes.length > 0 ? sizes.map((g) => `${g}g`) : ["Default Title"];
  return {
    id: p.id,
    title: p.title,
    handle: p.title.toLowerCase().replace(/[^a-z0-9]+/g, "-"),
    body_html: p.body ?? "",
    vendor: "Test Roasters",
    product_type: p.productType ?? "Coffee",
    tags: p.tags ?? [],
    options: [{ name: sizes.length > 0 ? "Size" : "Title", position: 1, values: titles }],
    variants: titles.map((title, i) => ({
      id: p.id * 100 + i,
      title,
      option1: title,
      sku: `SKU-${p.id}-${i}`,
      available: true,
      price: p.price ?? "500.00",
      grams: sizes[i] ?? 0,
      compare_at_price: null,
      position: i + 1,
      product_id: p.id,
    })),
    images: (p.images ?? []).map((src, i) => ({ id: p.id * 10 + i, position: i + 1, src, width: 800, height: 800, product_id: p.id })),
  };
}

export interface TinyShopify extends TestServer {
  products: Record<string, unknown>[];
}

export async function startTinyShopify(products: Record<string, unknown>[]): Promise<TinyShopify> {
  const state = { products };
  const server = await startTestServer((_req, res, url) => {
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === "/products.json") {
      const page = Number(url.searchParams.get("page") ?? "1");
      return json(200, { products: page === 1 ? state.products : [] });
    }
    if (url.pathname === "/meta.json") return json(200, { currency: "INR" });
    return json(404, {});
  });
  return Object.defineProperty(server, "products", {
    get: () => state.products,
    set: (value: Record<string, unknown>[]) => (state.products = value),
  }) as TinyShopify;
}
