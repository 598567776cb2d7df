import type { JobMode } from "../core/job-kinds.ts";
import type { Queryable } from "./database.ts";
import type { RememberedPage } from "./listing-pages.ts";
import type { JsonBytes } from "./json-param.ts";
import { validatorsWrites, type ValidatorsWrite } from "./validators.ts";

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
 * Writes one chunk of a page's documents (a JSON array, already UTF-8: see json-param.ts) and the products seen unchanged, and in
 * the same statement (so that they happen only when the write succeeds): `seenOnly` — products
 * seen unchanged whose users' rows are left alone (only product_state.last_seen_at moves; the
 * default, TOUCH_UNCHANGED_VARIANTS=false) — `remember`, what the listing memory keeps of the page,
 * and `validators`, the page's HTTP validators (a page is answered 304 next time only once it
 * was written).
 */
export async function ingestPageSet(
  db: Queryable,
  input: {
    roasterId: string;
    runId: string;
    mode: JobMode;
    /** The documents: a JSON array. */
    documents: JsonBytes;
    sourceUrl: string;
    scrapedAt: Date;
    unchanged: string[];
    seenOnly?: string[];
    remember?: RememberedPage | null;
    /** The page's validators, remembered with its write (db/validators.ts). */
    validators?: ValidatorsWrite | null;
  },
): Promise<IngestResult> {
  const params: unknown[] = [input.roasterId, input.runId, input.mode, input.documents, input.sourceUrl, input.scrapedAt, input.unchanged];
  const param = (value: unknown) => `$${params.push(value)}`;
  const alongside: string[] = [];
  if (input.seenOnly?.length) {
    alongside.push(`seen AS (UPDATE coffee_scraper.product_state SET last_seen_at = $6
                              WHERE roaster_id = $1 AND platform_product_id = ANY (${param(input.seenOnly)}::text[]))`);
  }
  if (input.remember) {
    alongside.push(`remembered AS (INSERT INTO coffee_scraper.listing_pages (roaster_id, url, digest, products, updated_at)
      VALUES ($1, $5, ${param(input.remember.digest)}, ${param(JSON.stringify(input.remember.products))}::jsonb, now())
      ON CONFLICT (roaster_id, url) DO UPDATE SET digest = EXCLUDED.digest, products = EXCLUDED.products, updated_at = now())`);
  }
  if (input.validators) alongside.push(...validatorsWrites(param, "$1", input.validators));
  const rows = await db.query<{ result: IngestResult }>(
    `${alongside.length ? `WITH ${alongside.join(", ")} ` : ""}SELECT coffee_scraper.ingest_page_set(p_roaster_id := $1, p_run_id := $2,
       p_mode := $3, p_products := $4::jsonb, p_source_url := $5, p_scraped_at := $6, p_unchanged := $7::text[]) AS result`,
    params,
  );
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

/** What marking a run's unlisted coffees did (coffee_scraper.mark_unlisted_checked, migration 0014). */
export interface UnlistingOutcome {
  /** Coffees marked discontinued. */
  marked: number;
  /** Coffees held back: most of the roaster's vanished at once. */
  held: number;
  /** The roaster's active coffees before. */
  active: number;
  /** This run confirmed the hold of an earlier one. */
  confirmed: boolean;
}

/**
 * Marks the roaster's coffees no longer listed as discontinued, unless at least `minMissing`
 * and more than `maxShare` of its active coffees are missing at once and no earlier full
 * refresh held them back already (then they are held, for the next one to confirm).
 */
export async function markUnlistedChecked(
  db: Queryable,
  input: { roasterId: string; runId: string | null; listedProductIds: string[]; minMissing: number; maxShare: number },
): Promise<UnlistingOutcome> {
  const rows = await db.query<{ outcome: UnlistingOutcome }>(
    "SELECT coffee_scraper.mark_unlisted_checked($1, $2::text[], $3, $4, $5) AS outcome",
    [input.roasterId, input.listedProductIds, input.runId, input.minMissing, input.maxShare],
  );
  return rows[0]!.outcome;
}
