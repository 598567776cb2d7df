// One small query interface over PostgreSQL (pg) and embedded PGlite, so every query,
// migration and test runs unchanged on both engines.

export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface Database extends Queryable {
  readonly engine: "postgres" | "pglite";
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface DatabaseTarget {
  /** PostgreSQL connection string; when absent the embedded database in `dataDir` is used. */
  databaseUrl?: string | undefined;
  dataDir: string;
}

export async function openDatabase(target: DatabaseTarget): Promise<Database> {
  if (target.databaseUrl) {
    const { openPostgres } = await import("./postgres.ts");
    return openPostgres(target.databaseUrl);
  }
  // Loaded lazily: PGlite holds a ~200 MB WASM heap that commands without a database never pay for.
  const { openPglite } = await import("./pglite.ts");
  return openPglite(target.dataDir);
}
