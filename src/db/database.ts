// One small query interface over PostgreSQL (pg) and embedded PGlite, so every query,
// migration and test runs unchanged on both engines.

import { processCommand } from "../app/process-role.ts";

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
  /** Embedded only: what this process is, shown to other processes that find the directory in use. */
  command?: string;
  /** Embedded only: refuse (DataDirOwnedError) rather than go through another process that owns it. */
  requireOwnership?: boolean;
  /** Embedded only: told when a dead owner's lock was recovered. */
  onStaleLock?: (dead: { pid: number; command: string } | null) => void;
}

export async function openDatabase(target: DatabaseTarget): Promise<Database> {
  if (target.databaseUrl) {
    const { openPostgres } = await import("./postgres.ts");
    return openPostgres(target.databaseUrl);
  }
  // Exactly one process may open a PGlite directory; others reach it through that owner.
  // PGlite itself (a ~200 MB WASM heap) is loaded only by the owner.
  const { openEmbedded } = await import("./embedded/open-embedded.ts");
  return openEmbedded(target.dataDir, {
    command: target.command ?? processCommand(),
    ...(target.requireOwnership ? { requireOwnership: true } : {}),
    ...(target.onStaleLock ? { onStaleLock: target.onStaleLock } : {}),
  });
}
