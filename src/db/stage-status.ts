import type { Queryable } from "./database.ts";
import { dayOf, llmUsageOn, type DailyUsage } from "./llm-usage.ts";

// What the two optional stages did, for `status` and the dashboard: the LLM's usage today,
// its work for a roaster over its recent full runs, and where the roaster's images stand.

export interface LlmActivity {
  /** Full runs of the last 30 days that ran the enricher. */
  runs: number;
  calls: number;
  tokens: number;
  cache_hits: number;
  invalid_answers: number;
  budget_skipped: number;
  /** Products the newest such run left for the next one. */
  pending: number;
  /** Coffees holding at least one inferred value. */
  coffees_inferred: number;
}

export interface ImageState {
  images: number;
  on_imagekit: number;
  /** Tried again next run. */
  failing: number;
  /** Not an image, too large, gone: not tried again while their URL stays. */
  refused: number;
}

export interface RoasterStages {
  llm: LlmActivity;
  images: ImageState;
}

const LLM_SUM = (key: string) => `COALESCE(sum((sr.stats_json->>'${key}')::int), 0)::int`;

/** The roasters' stages by roaster id (one query each for the LLM and the images). */
export async function roasterStages(db: Queryable, roasterIds: string[], now: Date): Promise<Map<string, RoasterStages>> {
  const since = new Date(now.getTime() - 30 * 86_400_000);
  const [llm, images] = await Promise.all([
    db.query<LlmActivity & { roaster_id: string }>(
      `SELECT ps.roaster_id, count(*)::int AS runs, ${LLM_SUM("llm_calls")} AS calls, ${LLM_SUM("llm_tokens")} AS tokens,
              ${LLM_SUM("llm_cache_hits")} AS cache_hits, ${LLM_SUM("llm_invalid_answers")} AS invalid_answers,
              ${LLM_SUM("llm_budget_skipped")} AS budget_skipped,
              COALESCE((array_agg((sr.stats_json->>'llm_pending')::int ORDER BY sr.started_at DESC))[1], 0)::int AS pending,
              (SELECT count(*)::int FROM public.coffees c WHERE c.roaster_id = ps.roaster_id AND c.source_raw->'inferred' <> '{}'::jsonb) AS coffees_inferred
         FROM coffee_scraper.runs sr JOIN public.product_sources ps ON ps.id = sr.source_id
        WHERE ps.roaster_id = ANY ($1::uuid[]) AND sr.started_at >= $2 AND sr.stats_json ? 'llm_calls'
        GROUP BY ps.roaster_id`,
      [roasterIds, since],
    ),
    db.query<ImageState & { roaster_id: string }>(
      `SELECT r.id AS roaster_id,
              (SELECT count(*)::int FROM public.coffee_images i JOIN public.coffees c ON c.id = i.coffee_id WHERE c.roaster_id = r.id) AS images,
              (SELECT count(*)::int FROM public.coffee_images i JOIN public.coffees c ON c.id = i.coffee_id
                WHERE c.roaster_id = r.id AND i.imagekit_url IS NOT NULL) AS on_imagekit,
              (SELECT count(*)::int FROM coffee_scraper.image_failures f WHERE f.roaster_id = r.id AND NOT f.refused) AS failing,
              (SELECT count(*)::int FROM coffee_scraper.image_failures f WHERE f.roaster_id = r.id AND f.refused) AS refused
         FROM public.roasters r WHERE r.id = ANY ($1::uuid[])`,
      [roasterIds],
    ),
  ]);
  const noLlm: LlmActivity = { runs: 0, calls: 0, tokens: 0, cache_hits: 0, invalid_answers: 0, budget_skipped: 0, pending: 0, coffees_inferred: 0 };
  const out = new Map<string, RoasterStages>();
  for (const row of images) {
    const { roaster_id: id, ...state } = row;
    const activity = llm.find((l) => l.roaster_id === id);
    const { roaster_id: _r, ...figures } = activity ?? { roaster_id: id, ...noLlm };
    void _r;
    out.set(id, { llm: figures, images: state });
  }
  return out;
}

export interface StageTotals {
  llmToday: DailyUsage;
  imagesOnImagekit: number;
  imagesFailing: number;
  imagesRefused: number;
  uploadsThisWeek: number;
}

export async function stageTotals(db: Queryable, now: Date): Promise<StageTotals> {
  const [llmToday, [images]] = await Promise.all([
    llmUsageOn(db, dayOf(now)),
    db.query<{ on_imagekit: number; failing: number; refused: number; uploads: number }>(
      `SELECT (SELECT count(*)::int FROM public.coffee_images WHERE imagekit_url IS NOT NULL) AS on_imagekit,
              (SELECT count(*)::int FROM coffee_scraper.image_failures WHERE NOT refused) AS failing,
              (SELECT count(*)::int FROM coffee_scraper.image_failures WHERE refused) AS refused,
              (SELECT count(*)::int FROM coffee_scraper.image_uploads WHERE uploaded_at >= $1) AS uploads`,
      [new Date(now.getTime() - 7 * 86_400_000)],
    ),
  ]);
  return { llmToday, imagesOnImagekit: images!.on_imagekit, imagesFailing: images!.failing, imagesRefused: images!.refused, uploadsThisWeek: images!.uploads };
}

/** "LLM: 12 calls, 3,400 tokens, 30 from cache, 1 invalid, 2 pending (30 days); 14 coffees with inferred values" or null. */
export function llmText(llm: LlmActivity): string | null {
  if (llm.runs === 0 && llm.coffees_inferred === 0) return null;
  const parts = [`${llm.calls} call(s)`, `${llm.tokens} tokens`, `${llm.cache_hits} from cache`];
  if (llm.invalid_answers > 0) parts.push(`${llm.invalid_answers} invalid`);
  if (llm.budget_skipped > 0) parts.push(`${llm.budget_skipped} skipped over budget`);
  if (llm.pending > 0) parts.push(`${llm.pending} pending`);
  return `LLM (30 days): ${parts.join(", ")}; ${llm.coffees_inferred} coffee(s) with inferred values`;
}

/** "images: 12 of 15 on ImageKit, 1 failing, 2 refused" or null when none was ever copied or tried. */
export function imagesText(images: ImageState): string | null {
  if (images.on_imagekit + images.failing + images.refused === 0) return null;
  const parts = [`${images.on_imagekit} of ${images.images} on ImageKit`];
  if (images.failing > 0) parts.push(`${images.failing} failing (tried again next run)`);
  if (images.refused > 0) parts.push(`${images.refused} refused`);
  return `images: ${parts.join(", ")}`;
}
