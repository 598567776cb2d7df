// Output shapes of the normalization layer: what the writer turns into RPC calls.
import type { Grind, Process, RoastLevel, Species } from "../../db/enums.ts";
import type { WeightSource } from "./weight.ts";

export interface NormalizedVariant {
  platformVariantId: string;
  sku: string | null;
  weightG: number | null;
  weightSource: WeightSource | null;
  packCount: number | null;
  grind: Grind | null;
  grindRaw: string | null;
  currency: string | null;
  price: number | null;
  compareAtPrice: number | null;
  isSale: boolean;
  inStock: boolean | null;
  stockQty: number | null;
  subscriptionAvailable: boolean;
  warnings: string[];
}

export interface NormalizedImage {
  url: string;
  alt: string | null;
  width: number | null;
  height: number | null;
  sortOrder: number;
}

export interface NormalizedProduct {
  platformProductId: string;
  isCoffee: boolean;
  kind: string;
  classificationReason: string;
  name: string;
  slug: string;
  descriptionMd: string | null;
  directBuyUrl: string | null;
  roastLevel: RoastLevel | null;
  roastLevelRaw: string | null;
  roastStyleRaw: string | null;
  process: Process | null;
  processRaw: string | null;
  species: Species | null;
  decaf: boolean;
  varieties: string[];
  country: string | null;
  region: string | null;
  altitude: string | null;
  tastingNotes: string[];
  tags: string[];
  defaultGrind: Grind | null;
  variants: NormalizedVariant[];
  images: NormalizedImage[];
  warnings: string[];
}
