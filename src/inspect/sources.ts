// Where `inspect` reads products from: a store's URL, a roaster's store (by slug), a stored
// run (by id) or a saved listing file. Each yields store pages exactly as a scrape or a
// replay would see them — the same polite client, detection, adapters and parsers — and
// none of them writes anything: the HTTP client gets no database (no validators saved, no
// robots result recorded), and a run is read, not replayed.
import { readFile, stat } from "node:fs/promises";
import { WOO_PER_PAGE } from "../platforms/woocommerce/adapter.ts";
import { httpSettings, type HttpSettings } from "../config/setting-sections.ts";
import type { Queryable } from "../db/database.ts";
import { findRoaster } from "../db/roasters.ts";
import { permanent } from "../core/errors.ts";
import { createHttpClient } from "../fetch/client.ts";
import { createFetchStats } from "../fetch/stats.ts";
import type { Logger } from "../core/logger.ts";
import type { StorePage, StoredResponse } from "../platforms/adapter.ts";
import { adapterFor, parseStoredPage } from "../platforms/registry.ts";
import { detectPlatform } from "../platforms/detect.ts";
import { decodeJson } from "../platforms/json.ts";
import type { StorePlatform } from "../core/platform.ts";
import type { ArtifactStore } from "../pipeline/artifacts/store.ts";
import { loadStoredRun, storedRunPages } from "../pipeline/replay.ts";
import { configuredPlatform } from "../pipeline/store-access.ts";

export type InspectTarget =
  | { kind: "url"; url: string }
  | { kind: "file"; path: string }
  | { kind: "run"; runId: string }
  | { kind: "slug"; slug: string };

const RUN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

export class InspectTargetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InspectTargetError";
  }
}

/** What the argument names: a URL, an existing file, a run id, or a roaster slug (in that order). */
export async function resolveTarget(arg: string): Promise<InspectTarget> {
  if (/^https?:\/\//i.test(arg)) return { kind: "url", url: arg };
  const file = await stat(arg).catch(() => null);
  if (file?.isFile()) return { kind: "file", path: arg };
  if (RUN_ID.test(arg)) return { kind: "run", runId: arg.toLowerCase() };
  if (SLUG.test(arg)) return { kind: "slug", slug: arg };
  throw new InspectTargetError(
    `"${arg.slice(0, 200)}" is not an http(s) URL, a file, a run id or a roaster slug`,
  );
}

export interface StoreReading {
  platform: StorePlatform;
  /** Pages one at a time (only the current one is held). */
  pages: AsyncIterable<StorePage>;
  close(): Promise<void>;
}

/** A saved Shopify `/products.json` page or WooCommerce Store API listing; bounded by HTTP_MAX_BYTES. */
export async function readListingFile(path: string, options: { maxBytes: number; currency: string | null }): Promise<StoreReading> {
  const size = (await stat(path)).size;
  if (size > options.maxBytes) {
    throw new InspectTargetError(`${path} is ${size} bytes, more than HTTP_MAX_BYTES (${options.maxBytes}): not a listing page`);
  }
  const listing: StoredResponse = { url: `file://${path}`, status: 200, contentType: "application/json", body: await readFile(path) };
  if (/^\s*</.test(listing.body.subarray(0, 200).toString("utf8").replace(/^\uFEFF/, ""))) return productPageFile(listing, options.currency);
  let json: unknown;
  try {
    json = decodeJson(listing, "a saved listing");
  } catch (err) {
    throw new InspectTargetError(`${path}: ${(err as Error).message}`);
  }
  const platform = listingPlatform(json);
  if (!platform) {
    throw new InspectTargetError(
      `${path} is neither a Shopify products.json page ({"products": [...]}) nor a WooCommerce Store API listing ([...])`,
    );
  }
  const responses = platform === "woocommerce" ? [listing, ...wooVariationsWithoutPrices(json as unknown[])] : [listing];
  const warnings =
    platform === "woocommerce"
      ? ["a Store API listing carries no variation prices: variable products show none (inspect the store's URL for them)"]
      : [];
  return savedPage(platform, listing.url, responses, options.currency, warnings);
}

/** A saved product page (HTML): read as a JSON-LD store's page, its schema.org data. */
function productPageFile(file: StoredResponse, currency: string | null): StoreReading {
  return savedPage("jsonld", file.url, [{ ...file, contentType: "text/html" }], currency, []);
}

/** One saved page parsed as a stored page of `platform` would be, as a one-page reading. */
function savedPage(platform: StorePlatform, url: string, responses: StoredResponse[], currency: string | null, warnings: string[]): StoreReading {
  const parsed = parseStoredPage(platform, responses, { currency });
  const page: StorePage = {
    pageNumber: 1,
    url,
    status: 200,
    notModified: false,
    validators: { etag: null, lastModified: null },
    responses,
    currency: currency ?? parsed.products.find((p) => p.currency)?.currency ?? null,
    ...parsed,
    ...(warnings.length > 0 ? { warnings } : {}),
  };
  return { platform, pages: (async function* () { yield page; })(), close: async () => {} };
}

function listingPlatform(json: unknown): StorePlatform | null {
  if (json && typeof json === "object" && Array.isArray((json as { products?: unknown }).products)) return "shopify";
  if (Array.isArray(json)) return "woocommerce";
  return null;
}

/**
 * A listing names each variable product's variations but not their prices (those come from
 * separate answers). For a file we have only the listing, so each variation is given with
 * no price: its options, weight and grind still show, and the missing price says why.
 */
function wooVariationsWithoutPrices(items: unknown[]): StoredResponse[] {
  const variations = items.flatMap((item) => {
    const p = item as { id?: unknown; prices?: { currency_code?: unknown; currency_minor_unit?: unknown }; variations?: unknown };
    if (!Array.isArray(p?.variations)) return [];
    return p.variations.map((v: { id?: unknown }) => ({
      id: v?.id,
      parent: p.id,
      prices: { currency_code: p.prices?.currency_code ?? null, currency_minor_unit: p.prices?.currency_minor_unit ?? 2, price: null },
    }));
  });
  // In answers of at most WOO_PER_PAGE, as the Store API pages them (a longer one is refused as hostile).
  const answers: StoredResponse[] = [];
  for (let i = 0; i < variations.length; i += WOO_PER_PAGE) {
    const body = Buffer.from(JSON.stringify(variations.slice(i, i + WOO_PER_PAGE)));
    answers.push({ url: `file://variations?page=${i / WOO_PER_PAGE + 1}`, status: 200, contentType: "application/json", body });
  }
  return answers;
}

export interface LiveStoreOptions {
  settings: HttpSettings;
  log: Logger;
  website: string;
  platform?: StorePlatform | null;
  currency: string | null;
  signal?: AbortSignal;
}

/** A live store through the polite client (robots.txt, pacing, size caps, SSRF guard), unconditionally. */
export async function readLiveStore(options: LiveStoreOptions): Promise<StoreReading> {
  const http = createHttpClient({ settings: httpSettings(options.settings) });
  try {
    const site = http.forSite({
      roaster: { id: "inspect", website: options.website, default_concurrency: 2 },
      stats: createFetchStats(),
      log: options.log,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (options.platform === "firecrawl") {
      // Reading it would spend the roaster's Firecrawl budget, which inspect never does.
      throw new InspectTargetError(
        `${options.website} is read through Firecrawl, a paid service: inspect one of its stored runs instead (inspect <run id>)`,
      );
    }
    const platform = options.platform ?? (await detectPlatform(site, options.website));
    if (!platform) {
      throw permanent(
        "platform_unknown",
        `${options.website} answers neither Shopify's /products.json nor the WooCommerce Store API, and its sitemaps list no product page with schema.org data`,
      );
    }
    const pages = adapterFor(platform).pages({
      roaster: { website: options.website, ...(options.currency ? { currency: options.currency } : {}) },
      http: site,
      log: options.log,
      conditional: false,
    });
    return { platform, pages, close: () => http.close() };
  } catch (err) {
    await http.close();
    throw err;
  }
}

/** A roaster's store, by slug: its website, platform and pinned currency from the database (read only). */
export async function readRoasterStore(db: Queryable, slug: string, options: Omit<LiveStoreOptions, "website" | "platform" | "currency"> & { currency: string | null }): Promise<StoreReading> {
  const roaster = await findRoaster(db, slug);
  if (!roaster) throw new InspectTargetError(`no roaster with slug "${slug}"`);
  return readLiveStore({ ...options, website: roaster.website, platform: configuredPlatform(roaster), currency: options.currency ?? roaster.currency ?? null });
}

/** A stored run's raw pages, parsed as a replay would parse them (nothing is written). */
export async function readStoredRun(db: Queryable, artifacts: ArtifactStore, runId: string): Promise<StoreReading> {
  const run = await loadStoredRun(db, runId);
  return { platform: run.platform, pages: storedRunPages(run, artifacts), close: async () => {} };
}
