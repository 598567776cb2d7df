// What `inspect` shows: each product as the pipeline would store it — is it coffee and by
// which rule, each variant's weight, grind, price and currency as parsed — and everything
// that could not be parsed, from a whole page down to one variant's price.
import { normalizeProduct } from "../pipeline/normalize/product.ts";
import { cleanText, decodeEntities } from "../pipeline/normalize/text.ts";
import type { RawProduct } from "../platforms/raw-product.ts";
import type { StoreReading } from "./sources.ts";

export interface InspectedVariant {
  platformVariantId: string;
  title: string | null;
  weightG: number | null;
  weightSource: string | null;
  packCount: number | null;
  grind: string | null;
  price: number | null;
  currency: string | null;
  inStock: boolean | null;
  warnings: string[];
}

export interface InspectedProduct {
  platformProductId: string;
  name: string;
  isCoffee: boolean;
  kind: string;
  reason: string;
  url: string | null;
  roastLevel: string | null;
  process: string | null;
  species: string | null;
  varieties: string[];
  country: string | null;
  region: string | null;
  warnings: string[];
  variants: InspectedVariant[];
}

export interface InspectReport {
  source: { kind: string; target: string; platform: string };
  pagesRead: number;
  /** Set when `maxPages` stopped the reading before the store's last page. */
  stoppedAfterPages: number | null;
  products: InspectedProduct[];
  /** Products the platform parser could not read at all. */
  productErrors: { page: number; productId: string | null; message: string }[];
  /** Pages that failed as a whole. */
  pageErrors: { page: number; url: string; message: string }[];
  warnings: string[];
}

/** Kept modest: inspect is a look at a store before adding it, not a crawl. */
export const DEFAULT_MAX_PAGES = 4;
export const MAX_PAGES_LIMIT = 100;

function inspectProduct(raw: RawProduct, currency: string | null): InspectedProduct {
  const p = normalizeProduct(raw, { currency });
  return {
    platformProductId: p.platformProductId,
    name: p.name,
    isCoffee: p.isCoffee,
    kind: p.kind,
    reason: p.classificationReason,
    url: p.directBuyUrl,
    roastLevel: p.roastLevel,
    process: p.process,
    species: p.species,
    varieties: p.varieties,
    country: p.country,
    region: p.region,
    warnings: p.warnings,
    variants: p.variants.map((v, i) => {
      const title = raw.variants?.[i]?.title;
      return {
        platformVariantId: v.platformVariantId,
        title: typeof title === "string" ? cleanText(decodeEntities(title)) : null,
        weightG: v.weightG,
        weightSource: v.weightSource,
        packCount: v.packCount,
        grind: v.grind,
        price: v.price,
        currency: v.currency,
        inStock: v.inStock,
        warnings: v.warnings,
      };
    }),
  };
}

/** Reads up to `maxPages` pages of the store and normalizes every product; writes nothing. */
export async function inspectStore(
  reading: StoreReading,
  source: { kind: string; target: string },
  options: { maxPages: number },
): Promise<InspectReport> {
  const report: InspectReport = {
    source: { ...source, platform: reading.platform },
    pagesRead: 0,
    stoppedAfterPages: null,
    products: [],
    productErrors: [],
    pageErrors: [],
    warnings: [],
  };
  try {
    for await (const page of reading.pages) {
      if (report.pagesRead >= options.maxPages) {
        report.stoppedAfterPages = options.maxPages;
        break;
      }
      report.pagesRead++;
      report.warnings.push(...(page.warnings ?? []));
      if (page.error) report.pageErrors.push({ page: page.pageNumber, url: page.url, message: page.error.message });
      for (const e of page.productErrors) report.productErrors.push({ page: page.pageNumber, ...e });
      for (const raw of page.products) report.products.push(inspectProduct(raw, page.currency));
    }
  } finally {
    await reading.close();
  }
  return report;
}
