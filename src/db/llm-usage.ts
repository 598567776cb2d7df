import type { Queryable } from "./database.ts";

// LLM calls and tokens per UTC day (coffee_scraper.llm_usage), for all roasters and workers
// together. A call is counted BEFORE it is made, by one conditional upsert that adds it only
// while the day stays within both budgets: two workers, a retry or a process killed between
// the reservation and the call can never spend past them (a reservation whose call never
// happened errs on the side of spending less).

/** `at`'s day in UTC, as the table's key ("2026-05-17"). */
export function dayOf(at: Date): string {
  return at.toISOString().slice(0, 10);
}

export interface DailyBudget {
  calls: number;
  tokens: number;
}

/** Counts one call and `tokens` against `day` when both stay within `budget`; false (nothing counted) otherwise. */
export async function reserveLlmCall(db: Queryable, day: string, tokens: number, budget: DailyBudget): Promise<boolean> {
  const rows = await db.query<{ calls: number }>(
    `INSERT INTO coffee_scraper.llm_usage AS u (day, calls, tokens)
     SELECT $1::date, 1, $2::bigint WHERE 1 <= $3::int AND $2::bigint <= $4::bigint
     ON CONFLICT (day) DO UPDATE SET calls = u.calls + 1, tokens = u.tokens + EXCLUDED.tokens, updated_at = now()
       WHERE u.calls + 1 <= $3::int AND u.tokens + EXCLUDED.tokens <= $4::bigint
     RETURNING calls`,
    [day, tokens, budget.calls, budget.tokens],
  );
  return rows.length > 0;
}

/** Replaces a reservation's token estimate by what the call cost; gives the call back when it was not billed. */
export async function settleLlmCall(db: Queryable, day: string, estimate: number, actual: { calls: 0 | 1; tokens: number }): Promise<void> {
  await db.query(
    `UPDATE coffee_scraper.llm_usage SET calls = greatest(0, calls - 1 + $2::int),
       tokens = greatest(0, tokens - $3::bigint + $4::bigint), updated_at = now()
      WHERE day = $1::date`,
    [day, actual.calls, estimate, actual.tokens],
  );
}

/** Products left unenriched because the day's budget was reached. */
export async function countLlmSkipped(db: Queryable, day: string, skipped: number): Promise<void> {
  if (skipped <= 0) return;
  await db.query(
    `INSERT INTO coffee_scraper.llm_usage AS u (day, skipped) VALUES ($1::date, $2::int)
     ON CONFLICT (day) DO UPDATE SET skipped = u.skipped + EXCLUDED.skipped, updated_at = now()`,
    [day, skipped],
  );
}

export interface DailyUsage {
  day: string;
  calls: number;
  tokens: number;
  skipped: number;
}

export async function llmUsageOn(db: Queryable, day: string): Promise<DailyUsage> {
  const rows = await db.query<{ calls: number; tokens: string | number; skipped: number }>(
    `SELECT calls, tokens, skipped FROM coffee_scraper.llm_usage WHERE day = $1::date`,
    [day],
  );
  const row = rows[0];
  return { day, calls: Number(row?.calls ?? 0), tokens: Number(row?.tokens ?? 0), skipped: Number(row?.skipped ?? 0) };
}
