import type { JobMode } from "../core/job-kinds.ts";
import type { Queryable } from "./database.ts";
import { REMEMBER_PAGE, type RememberedPage } from "./listing-pages.ts";

// A page's products into the users' tables: coffee_scraper.ingest_page_set (migration 0004)
// writes documents the pipeline built and cleaned (pipeline/persist.ts), and reports what it
// wrote, held back or could not write.


export interface PriceAlert {
  coffee_id: string;
  variant_id: string;
  platform_product_id: string;
  platform_variant_id: string;
  coffee: string;
  old_price: number;
  new_price: number;
  currency: string | null;
  delta_pct: number;
}

/** A variant that cannot be a row of the users' `variants` yet (see held_variants). */
export interface HeldVariant {
  product: string;
  variant: string;
  name: string | null;
  title: string | null;
  reason: string;
  /** A row of it existed already: its stored size was kept and its stock/price updated. */
  kept_stored_row: boolean;
}

export interface IngestResult {
  coffees: number;
  variants: number;
  prices: number;
  unchanged_prices: number;
  unknown_products: number;
  unknown_variants: number;
  held: HeldVariant[];
  alerts: PriceAlert[];
  errors: { product: string | null; message: string; sqlstate: string }[];
}

/**
 * Writes one chunk of a page's documents (a JSON array) and the products seen unchanged; with
 * `remember`, in the same statement, what the listing memory keeps of the page (so it is kept
 * only when the write succeeded).
 */
export async function ingestPageSet(
  db: Queryable,
  input: {
    roasterId: string;
    runId: string;
    mode: JobMode;
    documentsJson: string;
    sourceUrl: string;
    scrapedAt: Date;
    unchanged: string[];
    remember?: RememberedPage | null;
  },
): Promise<IngestResult> {
  const params = [input.roasterId, input.runId, input.mode, input.documentsJson, input.sourceUrl, input.scrapedAt, input.unchanged];
  const ingest = `SELECT coffee_scraper.ingest_page_set(p_roaster_id := $1, p_run_id := $2, p_mode := $3, p_products := $4::jsonb,
       p_source_url := $5, p_scraped_at := $6, p_unchanged := $7::text[]) AS result`;
  const rows = input.remember
    ? await db.query<{ result: IngestResult }>(`WITH remembered AS (${REMEMBER_PAGE}) ${ingest}`, [
        ...params,
        input.remember.digest,
        JSON.stringify(input.remember.products),
      ])
    : await db.query<{ result: IngestResult }>(ingest, params);
  return rows[0]!.result;
}

/** A raw page's record as rpc_record_artifact takes it. */
export interface NewArtifact {
  url: string;
  http_status: number;
  body_len: number;
  saved_html_path: string | null;
  saved_json: Record<string, unknown>;
}

/** Records a page's artifacts (cleaned by the caller) with rpc_record_artifact, all in one statement. */
export async function recordArtifactRows(db: Queryable, runId: string, artifacts: unknown): Promise<void> {
  await db.query(
    `SELECT public.rpc_record_artifact(p_run_id := $1, p_url := a.url, p_http_status := a.http_status,
       p_body_len := a.body_len, p_saved_html_path := a.saved_html_path, p_saved_json := a.saved_json)
       FROM jsonb_to_recordset($2::jsonb)
         AS a(url text, http_status integer, body_len integer, saved_html_path text, saved_json jsonb)`,
    [runId, JSON.stringify(artifacts)],
  );
}

/** Marks the roaster's coffees no longer listed (coffee_scraper.mark_unlisted); returns how many. */
export async function markUnlistedCoffees(db: Queryable, roasterId: string, listedProductIds: string[]): Promise<number> {
  const rows = await db.query<{ n: number }>("SELECT coffee_scraper.mark_unlisted($1, $2::text[]) AS n", [roasterId, listedProductIds]);
  return rows[0]!.n;
}
