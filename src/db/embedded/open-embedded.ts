import type { Database } from "../database.ts";
import { claimDataDir, type OwnerInfo } from "./ownership.ts";
import { serveOwner, type OwnerOperations } from "./owner-server.ts";
import { connectToOwner, type RemoteDatabase } from "./remote-database.ts";

/** The embedded database as its owner sees it: it can offer operations to other processes. */
export interface OwnedDatabase extends Database {
  readonly owner: null;
  provide(operations: OwnerOperations): void;
}

export type EmbeddedDatabase = OwnedDatabase | RemoteDatabase;

export class DataDirOwnedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly owner: OwnerInfo | null,
    hint: string,
  ) {
    const who = owner ? `\`coffee-scraper ${owner.command}\` (pid ${owner.pid}, since ${owner.startedAt})` : "another process";
    super(`The embedded database in ${dataDir} is in use by ${who}. ${hint}`);
    this.name = "DataDirOwnedError";
  }
}

export const SINGLE_PROCESS_HINT =
  "The embedded database and queue serve one process; for more than one worker or scheduler process, " +
  "set DATABASE_URL (PostgreSQL) and REDIS_URL (Redis).";

export interface EmbeddedDatabaseOptions {
  /** What this process is (shown to others that find the directory owned). */
  command: string;
  /** Fail instead of reaching the database through its owner (worker, start, scheduler loop). */
  requireOwnership?: boolean;
  onStaleLock?: (dead: OwnerInfo | null) => void;
}

/**
 * Opens the embedded database in `dataDir`: as its owner when nobody holds it (PGlite is
 * loaded only then), else through the running owner's socket.
 */
export async function openEmbedded(dataDir: string, options: EmbeddedDatabaseOptions): Promise<EmbeddedDatabase> {
  if (dataDir.startsWith("memory://")) {
    // Private to this process: nothing on disk to own, nobody to share it with.
    const { openPglite } = await import("../pglite.ts");
    return { ...(await openPglite(dataDir)), owner: null, provide: () => {} };
  }
  const claim = await claimDataDir(dataDir, options.command, options.onStaleLock ?? (() => {}));
  if (claim.kind === "taken") {
    if (options.requireOwnership) throw new DataDirOwnedError(dataDir, claim.owner, SINGLE_PROCESS_HINT);
    return connectToOwner(claim.socketPath);
  }
  const info: OwnerInfo = { pid: process.pid, command: options.command, startedAt: new Date().toISOString() };
  const { openPglite } = await import("../pglite.ts");
  const opening = openPglite(dataDir);
  const serving = serveOwner(claim.server, opening, info);
  let local: Database;
  try {
    local = await opening;
  } catch (err) {
    await serving.close();
    await claim.release();
    throw err;
  }
  return {
    engine: local.engine,
    owner: null,
    provide: (operations) => serving.provide(operations),
    query: (sql, params) => local.query(sql, params),
    exec: (sql) => local.exec(sql),
    transaction: (fn) => local.transaction(fn),
    async close() {
      await serving.close();
      await local.close();
      await claim.release();
    },
  };
}
