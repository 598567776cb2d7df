import { z } from "zod";

// What a Shopify `/products.json` product must look like for us to use it. Unknown fields
// are kept (loose objects); only what the mapping reads is checked.

const id = z.union([z.number(), z.string().min(1)]).transform(String);
/** Shopify sends decimal strings; tolerate numbers. */
const money = z
  .union([z.string(), z.number()])
  .nullish()
  .transform((v) => (v === null || v === undefined ? null : String(v)));
const optionValue = z
  .union([z.string(), z.number()])
  .nullish()
  .transform((v) => (v === null || v === undefined ? null : String(v)));

export const shopifyVariantSchema = z.looseObject({
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
  inventory_quantity: z.number().nullish(),
});

export const shopifyImageSchema = z.looseObject({
  src: z.string().min(1),
  alt: z.string().nullish(),
  width: z.number().nullish(),
  height: z.number().nullish(),
  position: z.number().nullish(),
});

export const shopifyProductSchema = z.looseObject({
  id,
  title: z.string(),
  handle: z.string().nullish(),
  body_html: z.string().nullish(),
  published_at: z.string().nullish(),
  vendor: z.string().nullish(),
  product_type: z.string().nullish(),
  // An array today; older stores sent one comma-separated string.
  tags: z.union([z.array(z.string()), z.string()]).nullish(),
  variants: z.array(shopifyVariantSchema),
  images: z.array(shopifyImageSchema).nullish(),
  options: z
    .array(z.looseObject({ name: z.string(), values: z.array(z.union([z.string(), z.number()]).transform(String)).nullish() }))
    .nullish(),
});

export type ShopifyProduct = z.infer<typeof shopifyProductSchema>;

export const shopifyPageSchema = z.looseObject({ products: z.array(z.unknown()) });
