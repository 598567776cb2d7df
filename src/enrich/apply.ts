import { databaseSafe } from "../db/database-safe.ts";
import type { NormalizedProduct } from "../pipeline/normalize/types.ts";
import { mapLimited } from "../core/concurrency.ts";
import { CONFIDENCES, type Confidence } from "./questions.ts";
import type { Enricher, EnrichOutcome, Inferred } from "./enricher.ts";

// Inferred values into a product's ingest document (src/pipeline/persist.ts ingestDocument),
// where the parsers left them unknown: the coffee's columns (roast level, process, varieties)
// and notes_raw (region, country, altitude) take the value, and coffees.source_raw.inferred
// says which of them were inferred, by which model and how sure it was, so the directory can
// tell stated from inferred. Sensory values (acidity, body, tasting notes) are written to
// sensory_params as 'icb_inferred' only where the roaster stated no tasting notes: a row has
// one source, and a stated row is the roaster's (see db/inferred-sensory.ts).

/** A product's inferred sensory values, for coffee_scraper.write_inferred_sensory. */
export interface InferredSensory {
  platform_product_id: string;
  acidity: number | null;
  body: number | null;
  notes: string | null;
  confidence: Confidence;
}

/** A coffee of the page to enrich: its normalized product and the document written for it. */
export interface EnrichCandidate {
  product: NormalizedProduct;
  document: Record<string, unknown>;
  /**
   * The rules found no coffee signal: `product` is normalized as coffee provisionally and
   * `document` records it as not coffee; the model is asked first whether it is coffee, and
   * only a sure yes turns `document` into the coffee's (`asCoffee`).
   */
  unsure?: { asCoffee: () => Record<string, unknown> };
}

/** A listing hash that never matches: a pending product goes the full way next run. */
export const PENDING_PREFIX = "pending:";

/** Enriches a page's coffees (at most `concurrency` at once) and folds each outcome into its document. */
export async function enrichPage(enricher: Enricher, candidates: EnrichCandidate[], concurrency: number): Promise<InferredSensory[]> {
  const outcomes = await mapLimited(candidates, concurrency, (c) => enricher.enrich(c.product, { askIsCoffee: c.unsure !== undefined }));
  const sensory: InferredSensory[] = [];
  candidates.forEach((candidate, i) => {
    const item = applyOutcome(candidate, outcomes[i]!, enricher.model);
    if (item) sensory.push(item);
  });
  return sensory;
}

function applyOutcome({ product, document, unsure }: EnrichCandidate, outcome: EnrichOutcome, model: string): InferredSensory | null {
  const { inferred } = outcome;
  if (outcome.pending) document.raw_hash = `${PENDING_PREFIX}${String(document.raw_hash)}`;
  if (unsure) {
    if (inferred.is_coffee?.value !== true) return null;
    const coffee = unsure.asCoffee();
    for (const key of Object.keys(document)) delete document[key];
    Object.assign(document, coffee);
  }
  if (inferred.roast_level) document.roast_level = inferred.roast_level.value;
  if (inferred.process) document.process = inferred.process.value;
  if (inferred.varieties) document.varieties = inferred.varieties.value;
  if (inferred.country) document.country = inferred.country.value;
  if (inferred.region) document.region = inferred.region.value;
  if (inferred.altitude_m) document.altitude_m = inferred.altitude_m.value;
  // Always said when enrichment is on (even empty), so an inference that no longer holds goes.
  const provenance = Object.fromEntries(Object.entries(inferred).map(([field, v]) => [field, { value: v.value, confidence: v.confidence, model }]));
  document.source_raw = { ...(document.source_raw as Record<string, unknown>), inferred: databaseSafe(provenance) };
  return product.tastingNotes.length === 0 ? sensoryOf(product.platformProductId, inferred) : null;
}

function sensoryOf(platformProductId: string, inferred: Inferred): InferredSensory | null {
  const parts = [inferred.acidity, inferred.body, inferred.tasting_notes].filter((p) => p !== undefined);
  if (parts.length === 0) return null;
  // The row's one confidence is its least sure value's.
  const confidence = CONFIDENCES[Math.min(...parts.map((p) => CONFIDENCES.indexOf(p.confidence)))]!;
  return {
    platform_product_id: platformProductId,
    acidity: (inferred.acidity?.value as number | undefined) ?? null,
    body: (inferred.body?.value as number | undefined) ?? null,
    notes: inferred.tasting_notes ? (inferred.tasting_notes.value as string[]).join(", ") : null,
    confidence,
  };
}
