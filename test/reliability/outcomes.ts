import type { Database } from "../../src/db/database.ts";

// What a fault test checks afterwards: the data as a user sees it (compared with the
// reference run's, differences as readable lines) and the runs and slots every job left.

/** What a user sees of every roaster's coffees, variants and prices, without ids or timestamps. */
export async function snapshot(db: Database): Promise<unknown[]> {
  return db.query(
    `SELECT r.slug, c.platform_product_id, c.name, c.status, v.platform_variant_id, v.weight_g, v.grind, v.currency,
            v.price_current::text AS price, v.in_stock,
            (SELECT count(*)::int FROM prices p WHERE p.variant_id = v.id) AS price_rows,
            (SELECT array_agg(p.price::text ORDER BY p.price) FROM prices p WHERE p.variant_id = v.id) AS prices
       FROM coffees c JOIN roasters r ON r.id = c.roaster_id LEFT JOIN variants v ON v.coffee_id = c.id
      ORDER BY r.slug, c.platform_product_id, v.platform_variant_id`,
  );
}

export interface RunRow {
  job_id: string;
  status: string;
  finished: boolean;
  stats_json: { errors?: { scope: string; message: string; retry?: string }[] } & Record<string, unknown>;
}

export async function runsOf(db: Database): Promise<RunRow[]> {
  return db.query<RunRow>(
    `SELECT job_id, status, finished_at IS NOT NULL AS finished, stats_json FROM coffee_scraper.runs ORDER BY started_at`,
  );
}

/**
 * The promise every fault test checks: each job ended as a finished, ok run; no run was left
 * open; every recorded slot is finished.
 */
export async function expectEveryJobFinished(db: Database, jobIds: string[]): Promise<string[]> {
  const problems: string[] = [];
  const runs = await runsOf(db);
  for (const id of jobIds) {
    const mine = runs.filter((r) => r.job_id === id);
    if (!mine.some((r) => r.finished && r.status === "ok")) {
      problems.push(`${id}: no finished ok run (${JSON.stringify(mine.map((r) => [r.status, r.finished]))})`);
    }
  }
  for (const r of runs)
    if (!r.finished) problems.push(`run of ${r.job_id} left unfinished (status ${r.status})`);
  const open = await db.query<{ job_id: string }>(
    `SELECT job_id FROM coffee_scraper.schedule_slots WHERE finished_at IS NULL`,
  );
  for (const s of open) problems.push(`slot of ${s.job_id} not finished`);
  return problems;
}

/**
 * Differences between two snapshots, at most `limit`, as readable lines (empty when equal):
 * rows keyed by roaster, product and variant.
 */
export function snapshotDiff(actual: unknown[], expected: unknown[], limit = 15): string[] {
  const keyed = (rows: unknown[]) => {
    const map = new Map<string, string>();
    for (const row of rows as Record<string, unknown>[]) {
      const key = `${String(row.slug)}|${String(row.platform_product_id)}|${String(row.platform_variant_id)}`;
      const value = JSON.stringify(row, Object.keys(row).sort());
      map.set(key, map.has(key) ? `${map.get(key)} DUPLICATE ${value}` : value);
    }
    return map;
  };
  const a = keyed(actual);
  const e = keyed(expected);
  const out: string[] = [];
  for (const [k, v] of e) {
    if (!a.has(k)) out.push(`missing ${k}`);
    else if (a.get(k) !== v) out.push(`differs ${k}: ${a.get(k)} (expected ${v})`);
  }
  for (const k of a.keys()) if (!e.has(k)) out.push(`extra ${k}: ${a.get(k)}`);
  if (actual.length !== expected.length) out.push(`rows: ${actual.length} (expected ${expected.length})`);
  return out.slice(0, limit);
}
