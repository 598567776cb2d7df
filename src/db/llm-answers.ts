import type { Queryable } from "./database.ts";

// The LLM's answers by a hash of what was asked (coffee_scraper.llm_answers): an unchanged
// product never costs a second call. An answer that failed validation is kept too, as
// 'invalid', so the same question is not paid for again.

export interface CachedAnswer {
  status: "answered" | "invalid";
  answer: unknown;
}

export async function cachedAnswer(db: Queryable, key: string): Promise<CachedAnswer | null> {
  const rows = await db.query<{ status: "answered" | "invalid"; answer: unknown }>(
    `UPDATE coffee_scraper.llm_answers SET last_used_at = now() WHERE key = $1 RETURNING status, answer`,
    [key],
  );
  return rows[0] ?? null;
}

export async function saveAnswer(
  db: Queryable,
  input: { key: string; model: string; promptVersion: number; status: "answered" | "invalid"; answer: unknown; tokens: number },
): Promise<void> {
  await db.query(
    `INSERT INTO coffee_scraper.llm_answers (key, model, prompt_version, status, answer, tokens)
     VALUES ($1, $2, $3, $4, $5::jsonb, $6)
     ON CONFLICT (key) DO UPDATE SET status = EXCLUDED.status, answer = EXCLUDED.answer, tokens = EXCLUDED.tokens, last_used_at = now()`,
    [input.key, input.model, input.promptVersion, input.status, JSON.stringify(input.answer ?? {}), input.tokens],
  );
}
