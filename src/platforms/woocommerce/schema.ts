import { z } from "zod";

// WooCommerce Store API (v1) products and variations, as far as we read them. Unknown fields
// are tolerated (`z.object` drops them from the parsed value; `raw` keeps the payload as
// sent). Prices are strings in minor units; names keep their HTML entities.

const minorAmount = z.union([z.string(), z.number()]).nullish();

export const wooPricesSchema = z.object({
  currency_code: z.string().nullish(),
  currency_minor_unit: z.number().int().min(0).max(10),
  price: minorAmount,
  regular_price: minorAmount,
  sale_price: minorAmount,
});

const named = z.object({ name: z.string() });

/** Beyond these a product is not a product (a broken or hostile store): rejected with a reason. */
export const MAX_NAME_CHARS = 1000;
export const MAX_VARIATIONS = 1000;

export const wooProductSchema = z.object({
  id: z.number().int(),
  name: z.string().max(MAX_NAME_CHARS),
  type: z.string().nullish(),
  slug: z.string().nullish(),
  permalink: z.string().nullish(),
  sku: z.string().nullish(),
  description: z.string().nullish(),
  short_description: z.string().nullish(),
  on_sale: z.boolean().nullish(),
  prices: wooPricesSchema,
  images: z
    .array(z.object({ src: z.string().min(1), alt: z.string().nullish(), name: z.string().nullish() }))
    .nullish(),
  categories: z.array(named).nullish(),
  tags: z.array(named).nullish(),
  attributes: z
    .array(
      z.object({
        name: z.string(),
        has_variations: z.boolean().nullish(),
        terms: z.array(z.object({ name: z.string(), slug: z.string() })).nullish(),
      }),
    )
    .nullish(),
  variations: z
    .array(
      z.object({
        id: z.number().int(),
        attributes: z.array(z.object({ name: z.string(), value: z.string().nullable() })).nullish(),
      }),
    )
    .max(MAX_VARIATIONS)
    .nullish(),
  is_in_stock: z.boolean().nullish(),
  low_stock_remaining: z.number().nullish(),
});

export type WooProduct = z.infer<typeof wooProductSchema>;

/** A variation as `/products/<id>` or `?type=variation&parent=…` returns it. */
export const wooVariationSchema = z.object({
  id: z.number().int(),
  parent: z.number().int().nullish(),
  sku: z.string().nullish(),
  variation: z.string().nullish(),
  on_sale: z.boolean().nullish(),
  prices: wooPricesSchema,
  is_in_stock: z.boolean().nullish(),
  low_stock_remaining: z.number().nullish(),
});

export type WooVariation = z.infer<typeof wooVariationSchema>;
