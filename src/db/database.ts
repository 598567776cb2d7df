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

/**
 * BEGIN, `fn` on `tx`, COMMIT — or ROLLBACK when anything throws (a failed COMMIT included: the
 * transaction is over either way), and the error thrown again. `tx` is one connection's.
 */
export async function runInTransaction<T>(tx: Queryable, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  await tx.query("BEGIN");
  try {
    const result = await fn(tx);
    await tx.query("COMMIT");
    return result;
  } catch (err) {
    await tx.query("ROLLBACK").catch(() => {});
    throw err;
  }
}

export interface DatabaseTarget {
  /** PostgreSQL connection string; when absent the embedded database in `dataDir` is used. */
  databaseUrl?: string | undefined;
  dataDir: string;
  /**
   * Embedded only: what this process is (e.g. "start", "roasters import"), shown to other
   * processes that find the directory in use; "library" when not given.
   */
  command?: string;
  /** Embedded only: refuse (DataDirOwnedError) rather than go through another process that owns it. */
  requireOwnership?: boolean;
  /** Embedded only: told when a dead owner's lock was recovered. */
  onStaleLock?: (dead: { pid: number; command: string } | null) => void;
}
