import type { Queryable } from "./database.ts";

// Their scrape_artifacts has no creation time: a run's raw pages are ordered by the page and
// part each one records (saved_json, written by rpc_record_artifact).
export function artifactOrder(alias?: string): string {
  const a = alias ? `${alias}.` : "";
  return `ORDER BY (${a}saved_json->>'page')::int NULLS LAST, (${a}saved_json->>'part')::int NULLS LAST, ${a}id`;
}

/** A stored raw page's record: where its body is and how it was fetched. */
export interface StoredArtifact {
  url: string;
  http_status: number;
  saved_html_path: string;
  saved_json: { page?: number; part?: number; page_url?: string; content_type?: string | null } | null;
}

/** A run's records that still point at a stored body, in page and part order. */
export async function storedArtifacts(db: Queryable, runId: string): Promise<StoredArtifact[]> {
  return db.query<StoredArtifact>(
    `SELECT url, http_status, saved_html_path, saved_json FROM public.scrape_artifacts
      WHERE run_id = $1 AND saved_html_path IS NOT NULL ${artifactOrder()}`,
    [runId],
  );
}

/** Records, for run `toRunId`, every artifact run `fromRunId` recorded (a replay reads the same bodies). */
export async function copyArtifacts(db: Queryable, fromRunId: string, toRunId: string): Promise<void> {
  await db.query(
    `SELECT public.rpc_record_artifact(p_run_id := $1, p_url := url, p_http_status := http_status,
       p_body_len := body_len, p_saved_html_path := saved_html_path, p_saved_json := saved_json)
       FROM public.scrape_artifacts WHERE run_id = $2 ${artifactOrder()}`,
    [toRunId, fromRunId],
  );
}

/**
 * Deletes the artifact records of runs older than `retentionDays` and, in the same statement,
 * lists the bodies the remaining records still point at. Returns both.
 */
export async function deleteOldArtifactRecords(db: Queryable, retentionDays: number): Promise<{ deleted: number; referenced: string[] }> {
  const [decided] = await db.query<{ n: number; keys: string[] | null }>(
    `WITH old AS (
       DELETE FROM public.scrape_artifacts a USING public.scrape_runs r
        WHERE r.id = a.run_id AND r.started_at < now() - make_interval(days => $1) RETURNING 1)
     SELECT (SELECT count(*)::int FROM old) AS n,
            ARRAY(SELECT DISTINCT a.saved_html_path FROM public.scrape_artifacts a JOIN public.scrape_runs r ON r.id = a.run_id
                   WHERE a.saved_html_path IS NOT NULL AND r.started_at >= now() - make_interval(days => $1)) AS keys`,
    [retentionDays],
  );
  return { deleted: decided?.n ?? 0, referenced: decided?.keys ?? [] };
}

/** Which of `keys` some artifact record points at now. */
export async function referencedBodies(db: Queryable, keys: string[]): Promise<Set<string>> {
  const rows = await db.query<{ key: string }>(
    "SELECT DISTINCT saved_html_path AS key FROM public.scrape_artifacts WHERE saved_html_path = ANY($1::text[])",
    [keys],
  );
  return new Set(rows.map((r) => r.key));
}
