import type { EnrichSettings } from "../config/setting-sections.ts";
import type { Queryable } from "../db/database.ts";
import { countLlmSkipped, dayOf, reserveLlmCall, settleLlmCall } from "../db/llm-usage.ts";
import type { Logger } from "../core/logger.ts";
import { Enricher, emptyEnrichmentStats, type EnrichmentStats } from "./enricher.ts";
import { LlmClient } from "./llm-client.ts";

// A run's enrichment stage, when it has one: a roaster with use_llm, on a full refresh, with
// LLM_BASE_URL and LLM_MODEL set. A replay (reparse) uses cached answers only and never calls
// out, so rewriting stored rows keeps what was inferred without spending anything.

export interface RunEnrichment {
  enrichment: { enricher: Enricher; concurrency: number };
  /** The run's enrichment figures (stats_json keys), once the pages are done; closes the client. */
  finish(): Promise<EnrichmentStats>;
}

export function runEnrichment(input: {
  db: Queryable;
  settings: EnrichSettings;
  useLlm: boolean;
  /** false: answers from the cache only (replay). */
  mayCall: boolean;
  now: () => Date;
  log: Logger;
  warn: (message: string) => void;
  signal?: AbortSignal;
}): RunEnrichment | null {
  const { db, settings, log } = input;
  if (!input.useLlm) return null;
  if (!settings.LLM_BASE_URL || !settings.LLM_MODEL) {
    input.warn("use_llm is on but LLM_BASE_URL / LLM_MODEL are not set: products are not enriched");
    return null;
  }
  const stats = emptyEnrichmentStats();
  const budget = { calls: settings.LLM_DAILY_CALLS, tokens: settings.LLM_DAILY_TOKENS };
  const client = input.mayCall
    ? new LlmClient(
        {
          baseUrl: settings.LLM_BASE_URL,
          apiKey: settings.LLM_API_KEY,
          model: settings.LLM_MODEL,
          timeoutMs: settings.LLM_TIMEOUT_MS,
          maxAnswerTokens: settings.LLM_MAX_ANSWER_TOKENS,
          retryAfterCapMs: settings.HTTP_RETRY_AFTER_CAP_MS,
          retryBaseMs: settings.HTTP_RETRY_BASE_MS,
        },
        {
          reserve: async (tokens) => {
            // Settled on the day it was reserved on, also when the call ends after midnight.
            const day = dayOf(input.now());
            if (!(await reserveLlmCall(db, day, tokens, budget))) return null;
            return (actual) => settleLlmCall(db, day, tokens, actual);
          },
        },
        input.signal ? { signal: input.signal } : {},
      )
    : null;
  const enricher = new Enricher({
    db,
    client,
    model: settings.LLM_MODEL,
    maxInputChars: settings.LLM_MAX_INPUT_CHARS,
    minConfidence: settings.LLM_MIN_CONFIDENCE,
    maxCallsPerRun: settings.LLM_MAX_CALLS_PER_RUN,
    stats,
    log,
    warn: input.warn,
  });
  return {
    enrichment: { enricher, concurrency: settings.LLM_CONCURRENCY },
    finish: async () => {
      await client?.close().catch(() => {});
      await countLlmSkipped(db, dayOf(input.now()), stats.llm_budget_skipped);
      return stats;
    },
  };
}
