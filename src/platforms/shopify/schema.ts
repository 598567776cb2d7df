import { z } from "zod";

// What a Shopify `/products.json` product must look like for us to use it. Only what the
// mapping reads is checked. Unknown fields are tolerated: `z.object` drops them from the
// parsed value (which is only read) while `raw` keeps the product exactly as sent. (Loose
// objects and transforms would keep them too, at 3–5× the validation cost: see bench:fetch.)

const id = z.union([z.number(), z.string().min(1)]);
/** Beyond these a product is not a product (a broken or hostile store): rejected with a reason. */
export const MAX_TITLE_CHARS = 1000;
export const MAX_VARIANTS = 1000;
/** Shopify sends decimal strings; numbers are tolerated. */
const money = z.union([z.string(), z.number()]).nullish();
const optionValue = z.union([z.string(), z.number()]).nullish();

export const shopifyVariantSchema = z.object({
  id,
  title: z.string().nullish(),
  option1: optionValue,
  option2: optionValue,
  option3: optionValue,
  sku: z.string().nullish(),
  price: money,
  compare_at_price: money,
  available: z.boolean().nullish(),
  grams: z.number().nullish(),
  requires_shipping: z.boolean().nullish(),
  inventory_quantity: z.number().nullish(),
});

export const shopifyImageSchema = z.object({
  src: z.string().min(1),
  alt: z.string().nullish(),
  width: z.number().nullish(),
  height: z.number().nullish(),
  position: z.number().nullish(),
});

export const shopifyProductSchema = z.object({
  id,
  title: z.string().max(MAX_TITLE_CHARS),
  handle: z.string().nullish(),
  body_html: z.string().nullish(),
  published_at: z.string().nullish(),
  vendor: z.string().nullish(),
  product_type: z.string().nullish(),
  // An array today; older stores sent one comma-separated string.
  tags: z.union([z.array(z.string()), z.string()]).nullish(),
  variants: z.array(shopifyVariantSchema).max(MAX_VARIANTS),
  images: z.array(shopifyImageSchema).nullish(),
  options: z.array(z.object({ name: z.string(), values: z.array(z.union([z.string(), z.number()])).nullish() })).nullish(),
});

export type ShopifyProduct = z.infer<typeof shopifyProductSchema>;

export const shopifyPageSchema = z.object({ products: z.array(z.unknown()) });
