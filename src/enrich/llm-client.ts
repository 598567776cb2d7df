import { Agent } from "undici";
import { redactSecrets } from "../core/secrets.ts";
import { permanent, ScrapeError, throttled, transient } from "../core/errors.ts";
import { postToService } from "../fetch/service-post.ts";
import { parseRetryAfter, requestBackoffMs } from "../fetch/retry.ts";
import { seconds, sleep } from "../core/timers.ts";

// An OpenAI-compatible chat-completions endpoint (OpenAI, vLLM, llama.cpp's server, Ollama's
// /v1): one plain POST to <base>/chat/completions asking for JSON that fits a JSON schema
// (`response_format: {type: "json_schema"}`). A paid service: every call is counted against
// the day's budget first (the UsageLedger, the database behind it), has a timeout and a size
// cap, and waits out a 429/5xx (Retry-After honoured up to a cap) a bounded number of times.
// The key travels in a header only: never in a URL, a log line or an error message.

/** Attempts per call, the first included. */
const MAX_ATTEMPTS = 3;
/** An answer bigger than this is not a few fields of JSON. */
const MAX_ANSWER_BYTES = 1024 * 1024;

export interface LlmSettings {
  baseUrl: string;
  apiKey: string | undefined;
  model: string;
  timeoutMs: number;
  maxAnswerTokens: number;
  retryAfterCapMs: number;
  retryBaseMs: number;
}

/** Replaces a reservation's estimate by what the call cost (`calls`: 0 when it was certainly not billed). */
export type Settle = (actual: { calls: 0 | 1; tokens: number }) => Promise<void>;

export interface UsageLedger {
  /** Counts one call and `tokens` (an estimate) against the day; null when that would pass a budget. */
  reserve(tokens: number): Promise<Settle | null>;
}

export interface ChatRequest {
  system: string;
  user: string;
  schemaName: string;
  schema: object;
}

export interface ChatAnswer {
  /** The message's content (the JSON text the model wrote). */
  content: string;
  tokens: number;
}

export const LLM_BUDGET_EXHAUSTED = "llm_budget_exhausted";

export class LlmClient {
  private readonly dispatcher: Agent;

  constructor(
    private readonly settings: LlmSettings,
    private readonly ledger: UsageLedger,
    private readonly options: { signal?: AbortSignal; random?: () => number; onRetry?: () => void } = {},
  ) {
    this.dispatcher = new Agent({ headersTimeout: settings.timeoutMs, bodyTimeout: settings.timeoutMs, connections: 8 });
  }

  /** Rough and high: about 3 characters a token for English text and JSON, plus the answer's cap. */
  estimateTokens(chat: ChatRequest): number {
    return Math.ceil((chat.system.length + chat.user.length + JSON.stringify(chat.schema).length) / 3) + this.settings.maxAnswerTokens;
  }

  async chat(chat: ChatRequest): Promise<ChatAnswer> {
    const endpoint = new URL("chat/completions", this.settings.baseUrl.replace(/\/*$/, "/")).href;
    const payload = {
      model: this.settings.model,
      messages: [
        { role: "system", content: chat.system },
        { role: "user", content: chat.user },
      ],
      response_format: { type: "json_schema", json_schema: { name: chat.schemaName, strict: true, schema: chat.schema } },
      max_tokens: this.settings.maxAnswerTokens,
      temperature: 0,
    };
    const estimate = this.estimateTokens(chat);
    for (let attempt = 1; ; attempt++) {
      this.options.signal?.throwIfAborted();
      const settle = await this.ledger.reserve(estimate);
      if (!settle) {
        throw permanent(LLM_BUDGET_EXHAUSTED, "the LLM's daily budget (LLM_DAILY_CALLS / LLM_DAILY_TOKENS) is used up");
      }
      let status: number;
      let headers: Record<string, string>;
      let body: Buffer;
      try {
        ({ status, headers, body } = await this.exchange(endpoint, payload));
      } catch (err) {
        // It may have reached the model and been billed: the reservation stands.
        const error = err instanceof ScrapeError ? err : transient("llm_unreachable", `the LLM at ${origin(endpoint)} failed: ${redactSecrets((err as Error).message)}`, err);
        if (this.options.signal?.aborted || error.retry !== "transient" || attempt >= MAX_ATTEMPTS) throw error;
        await this.wait(requestBackoffMs(attempt, this.settings.retryBaseMs, this.options.random));
        continue;
      }
      const what = `the LLM at ${origin(endpoint)} answered ${status}`;
      if (status >= 200 && status < 300) {
        const answer = parseAnswer(body);
        await settle({ calls: 1, tokens: answer.tokens ?? estimate });
        if (answer.content === null) throw permanent("llm_invalid_answer", `${what} without a message content`);
        return { content: answer.content, tokens: answer.tokens ?? 0 };
      }
      // Refused before any work: nothing was billed.
      if (status === 429 || status === 401 || status === 403) await settle({ calls: 0, tokens: 0 });
      if (status === 401 || status === 403) throw permanent("llm_unauthorized", `${what}: LLM_API_KEY was refused`);
      if (status === 429 || status >= 500) {
        const retryAfter = parseRetryAfter(headers["retry-after"]);
        if (retryAfter !== null && retryAfter > this.settings.retryAfterCapMs) {
          throw throttled("retry_after_too_long", `${what} with Retry-After ${seconds(retryAfter)}, beyond the ${seconds(this.settings.retryAfterCapMs)} cap`, retryAfter);
        }
        if (attempt >= MAX_ATTEMPTS) {
          throw status === 429 ? throttled("rate_limited", `${what} after ${MAX_ATTEMPTS} attempts`) : new ScrapeError(`llm_${status}`, `${what} after ${MAX_ATTEMPTS} attempts`);
        }
        await this.wait(retryAfter ?? requestBackoffMs(attempt, this.settings.retryBaseMs, this.options.random));
        continue;
      }
      throw new ScrapeError(`llm_${status}`, `${what}: ${detail(body)}`);
    }
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  private async wait(ms: number): Promise<void> {
    this.options.onRetry?.();
    if (ms > 0) await sleep(ms, this.options.signal ? { signal: this.options.signal } : {});
  }

  private exchange(endpoint: string, payload: object) {
    return postToService({
      dispatcher: this.dispatcher,
      url: endpoint,
      headers: {
        "content-type": "application/json",
        accept: "application/json",
        ...(this.settings.apiKey ? { authorization: `Bearer ${this.settings.apiKey}` } : {}),
      },
      body: JSON.stringify(payload),
      timeoutMs: this.settings.timeoutMs,
      maxBytes: MAX_ANSWER_BYTES,
      timeoutMessage: `no complete answer from the LLM within LLM_TIMEOUT_MS (${this.settings.timeoutMs} ms)`,
      signal: this.options.signal,
    });
  }
}

/** The message content and the tokens billed, from a chat-completions answer (null where absent). */
function parseAnswer(body: Buffer): { content: string | null; tokens: number | null } {
  let json: unknown;
  try {
    json = JSON.parse(body.toString("utf8"));
  } catch {
    return { content: null, tokens: null };
  }
  const answer = json as { choices?: { message?: { content?: unknown } }[]; usage?: { total_tokens?: unknown } } | null;
  const content = answer?.choices?.[0]?.message?.content;
  const tokens = answer?.usage?.total_tokens;
  return {
    content: typeof content === "string" ? content : null,
    tokens: typeof tokens === "number" && Number.isFinite(tokens) && tokens >= 0 ? Math.round(tokens) : null,
  };
}

function origin(endpoint: string): string {
  return new URL(endpoint).origin;
}

function detail(body: Buffer): string {
  return redactSecrets(body.subarray(0, 200).toString("utf8").replace(/\s+/g, " "));
}
