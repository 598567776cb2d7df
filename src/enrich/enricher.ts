import { createHash } from "node:crypto";
import { z } from "zod";
import type { Queryable } from "../db/database.ts";
import { cachedAnswer, saveAnswer } from "../db/llm-answers.ts";
import { ScrapeError } from "../core/errors.ts";
import type { Logger } from "../core/logger.ts";
import { databaseSafe } from "../db/database-safe.ts";
import type { NormalizedProduct } from "../pipeline/normalize/types.ts";
import { LLM_BUDGET_EXHAUSTED, type LlmClient } from "./llm-client.ts";
import {
  answerSchema,
  CONFIDENCES,
  PROMPT_VERSION,
  productText,
  SYSTEM_PROMPT,
  unknownFields,
  userPrompt,
  type Confidence,
  type EnrichableField,
} from "./questions.ts";

// One run's enrichment: for each coffee it is handed, the cached answer to the same question
// (prompt version + model + fields asked + product text), else — within the run's cap, the
// day's budget and while the endpoint answers — one call. A product that could not be asked
// (budget, cap, outage) is `pending`: it is written without enrichment and, since its listing
// hash is then recorded as pending, goes the full way again next run. An answer that fails
// validation is counted, cached as invalid and not asked again.

export interface EnrichmentStats {
  llm_calls: number;
  llm_tokens: number;
  llm_cache_hits: number;
  /** Products that got at least one inferred value. */
  llm_enriched: number;
  llm_values_inferred: number;
  llm_invalid_answers: number;
  /** Products left for the next run: the day's budget, the run's cap, or the endpoint failing. */
  llm_pending: number;
  llm_budget_skipped: number;
  llm_failed: number;
}

export function emptyEnrichmentStats(): EnrichmentStats {
  return {
    llm_calls: 0,
    llm_tokens: 0,
    llm_cache_hits: 0,
    llm_enriched: 0,
    llm_values_inferred: 0,
    llm_invalid_answers: 0,
    llm_pending: 0,
    llm_budget_skipped: 0,
    llm_failed: 0,
  };
}

export type Inferred = Partial<Record<EnrichableField, { value: unknown; confidence: Confidence }>>;

export interface EnrichOutcome {
  inferred: Inferred;
  /** Not asked this run: ask again next run. */
  pending: boolean;
}

export interface EnricherOptions {
  db: Queryable;
  /** null: answers come from the cache only (a replay, which never calls out). */
  client: LlmClient | null;
  model: string;
  maxInputChars: number;
  minConfidence: Confidence;
  maxCallsPerRun: number;
  stats: EnrichmentStats;
  log: Logger;
  /** Added to the run's warnings (each kind once a run). */
  warn: (message: string) => void;
}

/** After this many calls in a row fail, the endpoint is taken for down for the rest of the run. */
const OUTAGE_AFTER_FAILURES = 3;

const sha256 = (text: string) => createHash("sha256").update(text).digest("base64url");

export class Enricher {
  private callsStarted = 0;
  private failuresInARow = 0;
  /** Why no more calls are made this run, once that is so. */
  private stopped: "budget" | "outage" | "cap" | null = null;
  private readonly warned = new Set<string>();

  constructor(private readonly options: EnricherOptions) {}

  get model(): string {
    return this.options.model;
  }

  /**
   * A listing hash with the enrichment's identity folded in: turning use_llm on, changing the
   * model or the prompt makes every product go the full way once (cached answers still hold).
   */
  listingHash(raw: string): string {
    return sha256(`${raw}\nllm:${this.options.model}:${PROMPT_VERSION}`);
  }

  /** `askIsCoffee`: the rules found no coffee signal; `product` is normalized as coffee, provisionally. */
  async enrich(product: NormalizedProduct, options: { askIsCoffee?: boolean } = {}): Promise<EnrichOutcome> {
    const { db, stats } = this.options;
    const fields = unknownFields(product, { isCoffee: options.askIsCoffee ?? false });
    const text = productText(product, this.options.maxInputChars);
    const key = sha256(JSON.stringify([PROMPT_VERSION, this.options.model, fields, text]));

    const cached = await cachedAnswer(db, key);
    if (cached) {
      stats.llm_cache_hits += 1;
      return { inferred: cached.status === "answered" ? this.accepted(fields, cached.answer) : {}, pending: false };
    }
    if (!this.options.client) return this.pending();
    if (this.callsStarted >= this.options.maxCallsPerRun) {
      this.stop("cap", `LLM_MAX_CALLS_PER_RUN (${this.options.maxCallsPerRun}) reached: the other products are enriched next run`);
    }
    if (this.stopped) return this.pending();

    this.callsStarted += 1;
    let content: string;
    let tokens: number;
    try {
      ({ content, tokens } = await this.options.client.chat({
        system: SYSTEM_PROMPT,
        user: userPrompt(fields, text),
        schemaName: "coffee_facts",
        schema: schemaOf(fields),
      }));
    } catch (err) {
      return this.failed(err);
    }
    this.failuresInARow = 0;
    stats.llm_calls += 1;
    stats.llm_tokens += tokens;

    const parsed = answerSchema(fields).safeParse(parseJson(content));
    if (!parsed.success) {
      stats.llm_invalid_answers += 1;
      this.warnOnce("invalid", `the LLM gave answers that do not fit the schema (first: ${parsed.error.issues[0]?.path.join(".")}: ${parsed.error.issues[0]?.message}); those products are stored without enrichment`);
      await saveAnswer(db, { key, model: this.options.model, promptVersion: PROMPT_VERSION, status: "invalid", answer: { content: databaseSafe(content.slice(0, 2000)) }, tokens });
      return { inferred: {}, pending: false };
    }
    await saveAnswer(db, { key, model: this.options.model, promptVersion: PROMPT_VERSION, status: "answered", answer: parsed.data, tokens });
    return { inferred: this.accepted(fields, parsed.data), pending: false };
  }

  /**
   * The values asked for that the model gave with at least LLM_MIN_CONFIDENCE. Whether a
   * product is coffee at all is taken only when the model is sure ("high"), and nothing else
   * of a product it does not call coffee.
   */
  private accepted(fields: EnrichableField[], answer: unknown): Inferred {
    const floor = CONFIDENCES.indexOf(this.options.minConfidence);
    const given = (field: EnrichableField) => (answer as Record<string, { value: unknown; confidence: Confidence } | null> | null)?.[field];
    if (fields.includes("is_coffee")) {
      const verdict = given("is_coffee");
      if (verdict?.value !== true || verdict.confidence !== "high") return {};
    }
    const inferred: Inferred = {};
    for (const field of fields) {
      const value = given(field);
      if (value && CONFIDENCES.indexOf(value.confidence) >= floor) inferred[field] = value;
    }
    const n = Object.keys(inferred).length;
    if (n > 0) {
      this.options.stats.llm_enriched += 1;
      this.options.stats.llm_values_inferred += n;
    }
    return inferred;
  }

  private failed(err: unknown): EnrichOutcome {
    if (err instanceof ScrapeError && err.code === LLM_BUDGET_EXHAUSTED) {
      this.stop("budget", `${err.message}: the other products are enriched when there is budget again`);
      return this.pending();
    }
    this.options.stats.llm_failed += 1;
    this.failuresInARow += 1;
    const message = (err as Error).message;
    this.warnOnce("failed", `the LLM failed (${message}): such products are stored without enrichment and enriched next run`);
    if (this.failuresInARow >= OUTAGE_AFTER_FAILURES || (err instanceof ScrapeError && err.retry === "permanent")) {
      this.stop("outage", `the LLM failed (${message}): the products are stored without enrichment and enriched next run`);
    }
    return this.pending();
  }

  private pending(): EnrichOutcome {
    if (this.stopped === "budget") this.options.stats.llm_budget_skipped += 1;
    this.options.stats.llm_pending += 1;
    return { inferred: {}, pending: true };
  }

  private stop(reason: "budget" | "outage" | "cap", message: string): void {
    if (this.stopped) return;
    this.stopped = reason;
    this.warnOnce(reason, message);
  }

  private warnOnce(kind: string, message: string): void {
    if (this.warned.has(kind)) return;
    this.warned.add(kind);
    this.options.warn(message);
    this.options.log.warn({ reason: kind }, message);
  }
}

/** The answer's JSON schema, bare (chat-completions servers want no `$schema` in it). */
function schemaOf(fields: EnrichableField[]): object {
  const { $schema, ...schema } = z.toJSONSchema(answerSchema(fields)) as Record<string, unknown>;
  void $schema;
  return schema;
}

function parseJson(content: string): unknown {
  try {
    return JSON.parse(content);
  } catch {
    return undefined;
  }
}
