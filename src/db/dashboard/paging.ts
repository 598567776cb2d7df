import type { Queryable } from "../database.ts";

// The dashboard's queries (one module per page) are each bounded (LIMIT, a date range, or one
// roaster/coffee/run) and served by an index: migrations 0001, 0003, 0006 and 0010.

/** One page of a list: `hasMore` from fetching one row more than shown. */
export interface Page<T> {
  rows: T[];
  page: number;
  hasMore: boolean;
}

export async function paged<T>(db: Queryable, sql: string, params: unknown[], page: number, size: number): Promise<Page<T>> {
  const n = params.length;
  const rows = await db.query<T>(`${sql} LIMIT $${n + 1} OFFSET $${n + 2}`, [...params, size + 1, (page - 1) * size]);
  return { rows: rows.slice(0, size), page, hasMore: rows.length > size };
}

/** A timestamp as the engine returns it (pg: Date, PGlite: Date or string). */
export type When = Date | string;
