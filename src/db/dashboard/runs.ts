import type { JobType } from "../../core/job-kinds.ts";
import { artifactOrder } from "../artifacts.ts";
import type { Queryable } from "../database.ts";
import { paged, type Page, type When } from "./paging.ts";

// The runs list, a run's page and its stored raw pages (also the roaster page's runs).

/** What every view of a run shows first: the run, its job and its roaster. */
interface RunHead {
  id: string;
  status: string | null;
  job_type: string | null;
  job_id: string | null;
  started_at: When;
  finished_at: When | null;
  slug: string;
  roaster_name: string;
}

export interface RunRow extends RunHead {
  duration_ms: number | null;
  pages: number | null;
  products_seen: number | null;
  variants_upserted: number | null;
  prices_inserted: number | null;
  requests: number | null;
  error_count: number | null;
  first_error: string | null;
}

const RUN_COLUMNS = `sr.id, sr.status::text AS status, sr.job_type, sr.job_id, sr.started_at, sr.finished_at,
  r.slug, r.name AS roaster_name,
  (sr.stats_json->>'duration_ms')::float8 AS duration_ms, (sr.stats_json->>'pages')::int AS pages,
  (sr.stats_json->>'products_seen')::int AS products_seen, (sr.stats_json->>'variants_upserted')::int AS variants_upserted,
  (sr.stats_json->>'prices_inserted')::int AS prices_inserted, (sr.stats_json->>'requests')::int AS requests,
  CASE WHEN jsonb_typeof(sr.stats_json->'errors') = 'array' THEN jsonb_array_length(sr.stats_json->'errors') END AS error_count,
  sr.stats_json->'errors'->0->>'message' AS first_error`;

export interface RunFilter {
  roaster?: string | undefined;
  status?: "ok" | "partial" | "fail" | "running" | undefined;
  type?: JobType | undefined;
}

export async function listRuns(db: Queryable, filter: RunFilter, page: number, size: number): Promise<Page<RunRow>> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.roaster) {
    params.push(filter.roaster);
    where.push(`sr.source_id IN (SELECT ps.id FROM public.product_sources ps JOIN public.roasters x ON x.id = ps.roaster_id WHERE x.slug = $${params.length})`);
  }
  if (filter.status === "running") where.push("sr.status IS NULL");
  else if (filter.status) {
    params.push(filter.status);
    where.push(`sr.status = $${params.length}::run_status_enum`);
  }
  if (filter.type) {
    params.push(filter.type);
    where.push(`sr.job_type = $${params.length}`);
  }
  return paged<RunRow>(
    db,
    `SELECT ${RUN_COLUMNS}
       FROM coffee_scraper.runs sr JOIN public.product_sources ps ON ps.id = sr.source_id JOIN public.roasters r ON r.id = ps.roaster_id
      ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
      ORDER BY sr.started_at DESC, sr.id`,
    params,
    page,
    size,
  );
}

/** The runs a job made (one per attempt), newest first. */
export async function runsOfJob(db: Queryable, jobId: string): Promise<RunRow[]> {
  return db.query<RunRow>(
    `SELECT ${RUN_COLUMNS}
       FROM coffee_scraper.runs sr JOIN public.product_sources ps ON ps.id = sr.source_id JOIN public.roasters r ON r.id = ps.roaster_id
      WHERE sr.job_id = $1 ORDER BY sr.started_at DESC LIMIT 20`,
    [jobId],
  );
}

export interface RunDetail extends RunHead {
  stats_json: Record<string, unknown> | null;
  base_url: string;
}

export async function runById(db: Queryable, id: string): Promise<RunDetail | null> {
  const [row] = await db.query<RunDetail>(
    `SELECT sr.id, sr.status::text AS status, sr.job_type, sr.job_id, sr.started_at, sr.finished_at, sr.stats_json,
            r.slug, r.name AS roaster_name, ps.base_url
       FROM coffee_scraper.runs sr JOIN public.product_sources ps ON ps.id = sr.source_id JOIN public.roasters r ON r.id = ps.roaster_id
      WHERE sr.id = $1`,
    [id],
  );
  return row ?? null;
}

export interface ArtifactRow {
  id: string;
  url: string;
  http_status: number | null;
  body_len: number | null;
  saved_html_path: string | null;
  created_at: When;
}

export async function artifactsOfRun(db: Queryable, runId: string, page: number, size: number): Promise<Page<ArtifactRow>> {
  return paged<ArtifactRow>(
    db,
    `SELECT a.id, a.url, a.http_status, a.body_len, a.saved_html_path, r.started_at AS created_at
       FROM public.scrape_artifacts a JOIN public.scrape_runs r ON r.id = a.run_id
      WHERE a.run_id = $1 ${artifactOrder("a")}`,
    [runId],
    page,
    size,
  );
}

export async function artifactById(db: Queryable, runId: string, id: string): Promise<ArtifactRow | null> {
  const [row] = await db.query<ArtifactRow>(
    `SELECT a.id, a.url, a.http_status, a.body_len, a.saved_html_path, r.started_at AS created_at
       FROM public.scrape_artifacts a JOIN public.scrape_runs r ON r.id = a.run_id WHERE a.run_id = $1 AND a.id = $2`,
    [runId, id],
  );
  return row ?? null;
}
