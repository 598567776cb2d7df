import type { Queryable } from "./database.ts";

// Firecrawl credits per roaster and calendar month (UTC), in coffee_scraper.firecrawl_credits.
// A call is paid for here BEFORE it is made: one conditional upsert adds its cost only while
// the month's total stays within the budget, so two workers, a retry or a process killed
// between the reservation and the call can never spend past it (at worst a reservation whose
// call never happened is lost, which errs on the side of spending less).

/** The first day of `at`'s month in UTC, as the table's `month` key ("2026-05-01"). */
export function monthOf(at: Date): string {
  return `${at.getUTCFullYear()}-${String(at.getUTCMonth() + 1).padStart(2, "0")}-01`;
}

export interface Reservation {
  granted: boolean;
  /** Credits counted this month after the reservation (or, refused, before it). */
  used: number;
}

/** Counts `credits` against the roaster's month when `used + credits <= budget`; otherwise refuses. */
export async function reserveCredits(
  db: Queryable,
  input: { roasterId: string; month: string; credits: number; budget: number },
): Promise<Reservation> {
  const rows = await db.query<{ used: number }>(
    `INSERT INTO coffee_scraper.firecrawl_credits AS c (roaster_id, month, used, calls)
     SELECT $1, $2::date, $3::int, 1 WHERE $3::int <= $4::int
     ON CONFLICT (roaster_id, month) DO UPDATE
       SET used = c.used + EXCLUDED.used, calls = c.calls + 1, updated_at = now()
       WHERE c.used + EXCLUDED.used <= $4::int
     RETURNING used`,
    [input.roasterId, input.month, input.credits, input.budget],
  );
  if (rows[0]) return { granted: true, used: Number(rows[0].used) };
  return { granted: false, used: await creditsUsed(db, input.roasterId, input.month) };
}

/**
 * Gives back a reservation whose call Firecrawl refused before doing any work (429, 402):
 * only then is it certain that nothing was charged.
 */
export async function releaseCredits(db: Queryable, input: { roasterId: string; month: string; credits: number }): Promise<void> {
  await db.query(
    `UPDATE coffee_scraper.firecrawl_credits SET used = greatest(0, used - $3::int), calls = greatest(0, calls - 1), updated_at = now()
      WHERE roaster_id = $1 AND month = $2::date`,
    [input.roasterId, input.month, input.credits],
  );
}

export async function creditsUsed(db: Queryable, roasterId: string, month: string): Promise<number> {
  const rows = await db.query<{ used: number }>(
    `SELECT used FROM coffee_scraper.firecrawl_credits WHERE roaster_id = $1 AND month = $2::date`,
    [roasterId, month],
  );
  return Number(rows[0]?.used ?? 0);
}
